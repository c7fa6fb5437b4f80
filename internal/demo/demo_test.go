package demo

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/sim"
	"accord/internal/treaty"
)

var (
	builtOnce sync.Once
	builtDemo *Demo
	builtErr  error
	// builtCache is where built keeps the world it built (Options.Cache).
	builtCache string
)

// built builds the newstart demo once for the package's tests.
func built(t *testing.T) *Demo {
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-demo-test-")
		if err != nil {
			builtErr = err
			return
		}
		builtCache = filepath.Join(dir, "cache")
		builtDemo, builtErr = Build(context.Background(), Options{Scenario: "newstart", Seed: 1, Dir: filepath.Join(dir, "nodes"), Cache: builtCache})
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtDemo
}

// TestSuspendedSilent checks that the node of a party that has suspended
// its participation (Russia, since 2023) is configured not to act: it
// acknowledges nothing when the demo starts, so that no acknowledgement
// is dated the day the demo runs.
func TestSuspendedSilent(t *testing.T) {
	d := built(t)
	today := treaty.DateOf(time.Now())
	for _, p := range d.Nodes {
		c, err := node.LoadConfig(filepath.Join(p.Dir, node.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		if want := d.World.Treaty.Suspended(p.ID, today); c.Silent != want {
			t.Errorf("%s's node: silent %v, want %v (suspended on %s: %v)", p.ID, c.Silent, want, today, want)
		}
	}
	if !d.World.Treaty.Suspended("RUS", today) {
		t.Error("the treaty records no suspension by Russia in force today")
	}
}

// TestPublishedAggregates builds the demo and checks, through the nodes'
// logs and treaty databases, that the engine's counts equal every
// published aggregate row; and that nothing the demo logged was refused.
func TestPublishedAggregates(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	d := built(t)
	t.Logf("built the demo in %s", time.Since(start).Round(time.Millisecond))
	pub, err := sim.Published()
	if err != nil {
		t.Fatal(err)
	}
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range d.Nodes {
		o, err := office.OpenNode(ctx, p.Node)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close(ctx)
		checked := 0
		for _, row := range pub {
			if row.Party != p.ID {
				continue
			}
			decl, err := o.Registry.Declaration(ctx, p.ID, row.Date, far)
			if err != nil {
				t.Fatal(err)
			}
			res, err := engine.Evaluate(d.World.Treaty, row.Date, "", []*declaration.Declaration{decl})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range res.Parties[0].Limits {
				if want := row.Values()[l.ID]; l.Value != want {
					t.Errorf("%s %s %s: %d in the treaty database, %d published", p.ID, row.Date, l.ID, l.Value, want)
				}
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("no published row checked for %s", p.ID)
		}
		fs, err := o.Registry.Findings(ctx, p.ID, far)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Kind == "refused" {
				t.Errorf("%s: the demo logged a notification the rules refuse: %+v", p.ID, f)
			}
		}
	}
}

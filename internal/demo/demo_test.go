package demo

import (
	"context"
	"testing"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/office"
	"accord/internal/sim"
)

// TestPublishedAggregates builds the demo and checks, through the nodes'
// logs and treaty databases, that the engine's counts equal every
// published aggregate row; and that nothing the demo logged was refused.
func TestPublishedAggregates(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	d, err := Build(ctx, Options{Scenario: "newstart", Seed: 1, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
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

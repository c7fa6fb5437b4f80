package registry_test

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/registry"
	"accord/internal/treaty"
)

// updating reports whether -update (defined by package registry's own
// tests) asks for goldens to be rewritten.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func TestMain(m *testing.M) {
	code := registry.RunBoth(m) // backend_test.go
	if demoPath != "" {
		os.RemoveAll(filepath.Dir(demoPath))
	}
	os.Exit(code)
}

// TestDemoInventory checks on the demo world that Inventory, read from
// item_versions, answers what the fold of item_history it replaced
// answers, for each party once a year of the treaty's life, as
// known at the end and as known 20 days after the date.
func TestDemoInventory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo world")
	}
	w, _ := demoWorld(t)
	for d := treaty.MustDate("2010-12-01"); d.Before(treaty.MustDate("2026-06-01")); d = d.Add(treaty.Period{Years: 1}) {
		for _, p := range w.Sim.Parties {
			for _, k := range []time.Time{w.Clock, d.Time().Add(20 * 24 * time.Hour)} {
				got, err := w.Reg.Inventory(t.Context(), p, d, k)
				if err != nil {
					t.Fatal(err)
				}
				want, err := w.Reg.OldInventory(t.Context(), p, d, k)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s on %s known at %s: %d items, the fold of item_history %d", p, d, k.Format(time.RFC3339), len(got), len(want))
				}
			}
		}
	}
}

// TestDemoStatus pins every party's Status and Findings on the demo world
// at demoDates and at the world's clock: the digests in
// testdata/demo-status.golden were made by the registry before bodies left
// the entries table and Inventory moved to item_versions, on the same
// demo world (this test and the demo world of demo_bench_test.go run on
// that code). A change to internal/sim's world changes them: make them
// again the same way, with the registry's code from before the change
// under test, never with -update alone.
func TestDemoStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo world")
	}
	w, _ := demoWorld(t)
	var b strings.Builder
	for _, d := range append(slices.Clone(demoDates), w.Clock.Format(time.DateOnly)) {
		at := treaty.MustDate(d).Time().Add(12 * time.Hour)
		for _, p := range w.Sim.Parties {
			st, err := w.Reg.Status(t.Context(), p, at, "")
			if err != nil {
				t.Fatal(err)
			}
			fs, err := w.Reg.Findings(t.Context(), p, at)
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal([]any{st, fs})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s %d findings %x\n", d, p, len(fs), sha256.Sum256(js))
		}
	}
	golden := filepath.Join("testdata", "demo-status.golden")
	if updating() {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("status on the demo world:\n%s\nwant (%s):\n%s", b.String(), golden, want)
	}
}

package registry_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"accord/internal/registry"
	"accord/internal/sim"
	"accord/internal/treaty"
	"accord/internal/web/webtest"
)

// demoWorld builds the demo world (the newstart simulation, seed 1, every
// notification and acknowledgement signed and ingested) once per process.
func demoWorld(tb testing.TB) (*webtest.World, string) {
	tb.Helper()
	if registry.SecondPass() {
		tb.Skip("the demo world is built on SQLite; TestSameOnBothDatabases compares its answers on PostgreSQL")
	}
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "registry-demo-")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "treaty.db")
		demo, demoErr = webtest.Build(context.Background(), sim.NewSTART, 1, demoPath)
	})
	if demoErr != nil {
		tb.Fatal(demoErr)
	}
	return demo, demoPath
}

var (
	demoOnce sync.Once
	demo     *webtest.World
	demoPath string
	demoErr  error
)

// demoDates are the dates the demo benchmarks ask about: before anything
// happened, early, midway and late in the treaty's life.
var demoDates = []string{"2010-01-01", "2011-06-01", "2018-06-01", "2026-01-01"}

// BenchmarkDemoInventory reads each party's inventory as of each date of
// demoDates, as known at the world's clock, beside its baseline: a plain
// indexed SELECT of the party's current items (item_state) from the same
// file, the rows any inventory must at least return.
//
//	go test -run '^$' -bench DemoInventory -count 3 ./internal/registry
func BenchmarkDemoInventory(b *testing.B) {
	w, path := demoWorld(b)
	db := openRO(b, path)
	for _, d := range demoDates {
		asOf := treaty.MustDate(d)
		b.Run("registry/"+d, func(b *testing.B) {
			for b.Loop() {
				for _, p := range w.Sim.Parties {
					if _, err := w.Reg.Inventory(b.Context(), p, asOf, w.Clock); err != nil {
						b.Fatal(err)
					}
				}
			}
			perParty(b, len(w.Sim.Parties))
		})
		b.Run("rows/"+d, func(b *testing.B) {
			for b.Loop() {
				for _, p := range w.Sim.Parties {
					selectRows(b, db, `SELECT uid, type, category, status, facility, warheads FROM item_state WHERE party = ?`, p)
				}
			}
			perParty(b, len(w.Sim.Parties))
		})
	}
}

// BenchmarkDemoStatus computes each party's status at each date of
// demoDates, beside its baseline: a plain count of the party's
// notifications recorded by then, the filter the findings queries apply.
//
//	go test -run '^$' -bench DemoStatus -count 3 ./internal/registry
func BenchmarkDemoStatus(b *testing.B) {
	w, path := demoWorld(b)
	db := openRO(b, path)
	for _, d := range demoDates {
		at := treaty.MustDate(d).Time().Add(12 * time.Hour)
		b.Run("registry/"+d, func(b *testing.B) {
			for b.Loop() {
				for _, p := range w.Sim.Parties {
					if _, err := w.Reg.Status(b.Context(), p, at, ""); err != nil {
						b.Fatal(err)
					}
				}
			}
			perParty(b, len(w.Sim.Parties))
		})
		b.Run("count/"+d, func(b *testing.B) {
			k := at.UTC().Format("2006-01-02T15:04:05.000000000Z")
			for b.Loop() {
				for _, p := range w.Sim.Parties {
					selectRows(b, db, `SELECT count(*) FROM entries WHERE party = ? AND kind = 'notification' AND recorded <= ?`, p, k)
				}
			}
			perParty(b, len(w.Sim.Parties))
		})
	}
}

func perParty(b *testing.B, parties int) {
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*parties), "ms/party")
}

func openRO(tb testing.TB, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// selectRows runs q and reads every row.
func selectRows(tb testing.TB, db *sql.DB, q string, args ...any) {
	rows, err := db.Query(q, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
}

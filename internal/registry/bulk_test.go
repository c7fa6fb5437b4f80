package registry

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBulk checks that the bulk path builds the same database as
// incremental ingest: the same rows in every table, the same indexes,
// the same answers. It runs with indexes built when a validation query
// first needs them (threshold 0) and with every index left to EndBulk.
func TestBulk(t *testing.T) {
	for _, threshold := range []uint64{0, 1 << 40} {
		t.Run(fmt.Sprint("threshold", threshold), func(t *testing.T) {
			defer func(old uint64) { bulkScanRows = old }(bulkScanRows)
			bulkScanRows = threshold
			n, recs, points := bulkHistory(t)
			other := n.open(filepath.Join(t.TempDir(), "bulk.db"))
			must(t, other.StartBulk(n.ctx))
			if got := indexNames(t, other); got != "" {
				t.Fatalf("bulk mode kept indexes %s", got)
			}
			applyIn(t, other, recs, 7)
			// Validation needed an index only when the threshold let it.
			if built := indexNames(t, other); (built != "") != (threshold == 0) {
				t.Errorf("threshold %d: indexes built before EndBulk: %q", threshold, built)
			}
			must(t, other.EndBulk(n.ctx))
			compareBuilt(t, n.reg, other, points)
		})
	}
}

// TestBulkInterrupted closes a registry in bulk mode half way, as a kill
// would leave it, and checks that reopening builds the missing indexes
// and that ingesting the rest gives the same database as incremental
// ingest.
func TestBulkInterrupted(t *testing.T) {
	n, recs, points := bulkHistory(t)
	path := filepath.Join(t.TempDir(), "bulk.db")
	other := n.open(path)
	must(t, other.StartBulk(n.ctx))
	applyIn(t, other, recs[:len(recs)/2], 100)
	must(t, other.Close())
	reopened := n.open(path)
	if got, want := indexNames(t, reopened), indexNames(t, n.reg); got != want {
		t.Fatalf("reopened after an interrupted bulk ingest with indexes %s, want %s", got, want)
	}
	applyIn(t, reopened, recs, 100) // resumes: records already held are skipped
	compareBuilt(t, n.reg, reopened, points)
}

// bulkHistory ingests random valid histories of two parties
// incrementally into a test node's registry and returns the node, the
// records in an interleaved order, and query points.
func bulkHistory(t *testing.T) (*testNode, []Record, []point) {
	n := newTestNode(t)
	var recs []Record
	gens := map[string]*gen{}
	for i, p := range []string{"USA", "RUS"} {
		gens[p] = newGen(n.tr, p, 40+uint64(i))
		gens[p].run(t, 120)
		recs = append(recs, gens[p].recs...)
	}
	// Interleave the logs, keeping each in order.
	slices.SortStableFunc(recs, func(a, b Record) int { return int(a.Index) - int(b.Index) })
	applyIn(t, n.reg, recs, 1)
	points := samplePoints(rand.New(rand.NewPCG(4, 2)), gens["USA"], 15)
	return n, recs, points
}

func applyIn(t *testing.T, r *Registry, recs []Record, batch int) {
	t.Helper()
	for len(recs) > 0 {
		k := min(batch, len(recs))
		must(t, r.Apply(t.Context(), recs[:k]...))
		recs = recs[k:]
	}
}

func compareBuilt(t *testing.T, want, got *Registry, points []point) {
	t.Helper()
	if g, w := indexNames(t, got), indexNames(t, want); g != w {
		t.Errorf("indexes %s, want %s", g, w)
	}
	if dump(t, got) != dump(t, want) {
		t.Errorf("bulk-built database differs")
	}
	if queryResults(t, got, points) != queryResults(t, want, points) {
		t.Errorf("bulk-built database answers differently")
	}
	checkLatest(t, got)
}

// indexNames lists the database's secondary indexes with their
// definitions.
func indexNames(t *testing.T, r *Registry) string {
	t.Helper()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`
	if r.d.postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname` // those a constraint does not own, as sqlite_master's with sql
	}
	rows, err := r.db.Query(q)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, sql string
		must(t, rows.Scan(&name, &sql))
		out = append(out, name+": "+sql)
	}
	must(t, rows.Err())
	return strings.Join(out, "\n")
}

package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"accord/entry"
	"accord/internal/pgtest"
	"accord/internal/registry"
	"accord/internal/sim"
	"accord/internal/treaty"
	"accord/internal/web/webtest"
)

// TestSameOnBothDatabases ingests the demo world (the New START
// simulation of accord demo, seed 1) into a SQLite and a PostgreSQL
// registry and checks that every query method of Registry answers the
// same on both, at dates across the treaty's life. A method added to Registry fails the
// test until it is compared here or named as not a query.
func TestSameOnBothDatabases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo world")
	}
	if registry.SecondPass() {
		t.Skip("compared in the first pass")
	}
	for _, scenario := range []string{sim.NewSTART} {
		t.Run(scenario, func(t *testing.T) { // demoWorld's
			ctx := t.Context()
			w, _ := demoWorld(t) // demo_bench_test.go
			recs := records(t, w)
			var got [2][]string
			for i, cfg := range []registry.Config{
				{Treaty: w.Treaty, Path: filepath.Join(t.TempDir(), "sqlite.db")},
				{Treaty: w.Treaty, DSN: pgtest.DSN(t)},
			} {
				reg, err := registry.Open(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer reg.Close()
				ingest(t, ctx, reg, recs)
				got[i] = answers(t, ctx, reg, recs)
			}
			lite, post := got[0], got[1]
			if len(lite) < 100 {
				t.Fatalf("only %d answers compared", len(lite))
			}
			bad := 0
			for i := range min(len(lite), len(post)) {
				if lite[i] != post[i] {
					t.Errorf("SQLite and PostgreSQL answer differently:\n%s", firstDifference(lite[i], post[i]))
					if bad++; bad == 5 {
						t.Fatal("and maybe more")
					}
				}
			}
			if len(lite) != len(post) {
				t.Errorf("SQLite gave %d answers, PostgreSQL %d", len(lite), len(post))
			}
		})
	}
}

// records returns every record of w's logs, in the order the parties
// sent them (an inspection step answering another party's step comes
// after it), ties in log order.
func records(t *testing.T, w *webtest.World) []registry.Record {
	t.Helper()
	var all []registry.Record
	for _, p := range sortedKeys(w.Logs) {
		for i, b := range w.Logs[p].Entries {
			e, _, err := entry.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, registry.RecordOf(e, uint64(i), b))
		}
	}
	slices.SortStableFunc(all, func(a, b registry.Record) int { return a.Recorded.Compare(b.Recorded) })
	return all
}

// ingest applies recs to reg in batches of 1,000.
func ingest(t *testing.T, ctx context.Context, reg *registry.Registry, recs []registry.Record) {
	t.Helper()
	for rest := recs; len(rest) > 0; {
		k := min(1000, len(rest))
		if err := reg.Apply(ctx, rest[:k]...); err != nil {
			t.Fatal(err)
		}
		rest = rest[k:]
	}
}

// firstDifference shows two answers from the first byte where they
// differ.
func firstDifference(a, b string) string {
	i := 0
	for i < min(len(a), len(b)) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("SQLite:     …%.600s\nPostgreSQL: …%.600s", a[from:], b[from:])
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// notQueries are the methods of Registry that are not compared: they
// write, close, return what the registry was opened with, or are the
// reference a test keeps of an algorithm replaced (OldInventory).
var notQueries = []string{"Apply", "Close", "Treaty", "StartBulk", "EndBulk", "OldInventory"}

// answers asks reg every query at sampled points and returns each answer
// (or error) as one line of JSON, in a fixed order.
func answers(t *testing.T, ctx context.Context, reg *registry.Registry, recs []registry.Record) []string {
	t.Helper()
	q := &asker{t: t}
	tr := reg.Treaty()
	parties := []string{}
	for _, p := range tr.Parties {
		parties = append(parties, p.ID)
	}
	dates := sampleDates(tr)
	q.ask("Positions")(reg.Positions(ctx))
	q.ask("Heads")(reg.Heads(ctx))
	for _, p := range parties {
		origin := entry.Origin(tr.ID, p)
		q.ask("NextIndex " + p)(reg.NextIndex(ctx, origin))
		q.ask3("NotificationByID of no id " + p)(reg.NotificationByID(ctx, origin, "no-such-id"))
		q.ask("Facilities " + p)(reg.Facilities(ctx, p))
		for _, d := range dates {
			at, known := d, d.Time().Add(36*time.Hour)
			q.ask("Inventory " + p + " " + at.String())(reg.Inventory(ctx, p, at, known))
			q.ask("Inventory known earlier " + p + " " + at.String())(reg.Inventory(ctx, p, at, at.Time().Add(-90*24*time.Hour)))
			q.ask("Declaration " + p + " " + at.String())(reg.Declaration(ctx, p, at, known))
			q.ask("Counts " + p + " " + at.String())(reg.Counts(ctx, p, at, known))
			q.ask("Balances " + p + " " + at.String())(reg.Balances(ctx, p, at, known))
			q.ask("Exhibitions " + p + " " + at.String())(reg.Exhibitions(ctx, p, known))
			q.ask("Notices " + p + " " + at.String())(reg.Notices(ctx, p, known))
			q.ask("Escrows " + p + " " + at.String())(reg.Escrows(ctx, p, known))
			q.ask("WarheadEvents " + p + " " + at.String())(reg.WarheadEvents(ctx, p, known))
		}
		// The findings, the status and the inspections take seconds
		// each on the demo world (4 s for a year of it, 20 s for ten on
		// a loaded two-core machine): they are compared at one date.
		year := tr.Dates.EntryIntoForce.AddDays(330).Time()
		q.ask("Findings " + p)(reg.Findings(ctx, p, year))
		q.ask("Status " + p)(reg.Status(ctx, p, year, ""))
		q.ask("Inspections " + p)(reg.Inspections(ctx, p, year))
		askItems(q, ctx, reg, p, dates[len(dates)-1])
	}
	askEntries(q, ctx, reg, recs)
	askDraws(q, ctx, reg, dates)
	q.covered(t, reflect.TypeFor[*registry.Registry]())
	return q.out
}

// askItems asks the history of every 25th item the party ever declared.
func askItems(q *asker, ctx context.Context, reg *registry.Registry, party string, end treaty.Date) {
	items, err := reg.Inventory(ctx, party, end, end.Time().Add(24*time.Hour))
	q.ask("Inventory at the end "+party)(items, err)
	for i := 0; i < len(items); i += 25 {
		q.ask("History " + party + " " + items[i].UID)(reg.History(ctx, party, items[i].UID))
	}
	q.ask("History of no item " + party)(reg.History(ctx, party, "no-such-uid"))
}

// askEntries asks the reference of every 50th record, the notification of
// every id, and Check of every 50th record as if sent again as the next
// entry of its log.
func askEntries(q *asker, ctx context.Context, reg *registry.Registry, recs []registry.Record) {
	next := map[string]uint64{}
	for _, r := range recs {
		next[r.Origin] = max(next[r.Origin], r.Index+1)
		var n struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(r.Body, &n) == nil && n.ID != "" {
			q.ask3("NotificationByID " + r.Origin + " " + n.ID)(reg.NotificationByID(ctx, r.Origin, n.ID))
		}
	}
	for i := 0; i < len(recs); i += 50 {
		r := recs[i]
		q.ask3(fmt.Sprintf("EntryRef %s#%d", r.Origin, r.Index))(reg.EntryRef(ctx, r.Origin, r.Index))
		again := r
		again.Index = next[r.Origin]
		q.ask(fmt.Sprintf("Check %s#%d again", r.Origin, r.Index))(nil, reg.Check(ctx, again))
	}
}

func askDraws(q *asker, ctx context.Context, reg *registry.Registry, dates []treaty.Date) {
	for _, d := range dates {
		draws, err := reg.Draws(ctx, d.Time())
		q.ask("Draws "+d.String())(draws, err)
		for _, jd := range draws {
			q.ask("Draw " + jd.ID + " " + d.String())(reg.Draw(ctx, jd.ID, d.Time()))
		}
	}
	q.ask("Draw of no id")(reg.Draw(ctx, "no-such-draw", dates[len(dates)-1].Time()))
}

// sampleDates are the treaty's entry into force and every 1,000 days to
// a year after its expiry.
func sampleDates(tr *treaty.Treaty) []treaty.Date {
	var out []treaty.Date
	end := tr.Expiry().AddDays(365)
	for d := tr.Dates.EntryIntoForce; d.Time().Before(end.Time()); d = d.AddDays(1000) {
		out = append(out, d)
	}
	return append(out, end)
}

// An asker records answers and which methods gave them.
type asker struct {
	t    *testing.T
	out  []string
	seen map[string]bool
}

// ask returns a function recording the answer of the method label
// starts with.
func (q *asker) ask(label string) func(v any, err error) {
	return func(v any, err error) { q.record(label, v, err) }
}

// ask3 is ask for a method that also says whether it found something.
func (q *asker) ask3(label string) func(v any, found bool, err error) {
	return func(v any, found bool, err error) { q.record(label, []any{v, found}, err) }
}

func (q *asker) record(label string, v any, err error) {
	method, _, _ := cut(label)
	if q.seen == nil {
		q.seen = map[string]bool{}
	}
	q.seen[method] = true
	b, jerr := json.Marshal(v)
	if jerr != nil {
		q.t.Fatalf("%s: %v", label, jerr)
	}
	line := label + ": " + string(b)
	if err != nil {
		line += " error: " + err.Error()
	}
	q.out = append(q.out, line)
}

func cut(s string) (string, string, bool) {
	for i, c := range s {
		if c == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// covered fails the test for an exported method of typ neither asked nor
// in notQueries.
func (q *asker) covered(t *testing.T, typ reflect.Type) {
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		if !q.seen[m] && !slices.Contains(notQueries, m) {
			t.Errorf("Registry.%s is not compared across databases: ask it in TestSameOnBothDatabases, or add it to notQueries", m)
		}
	}
}

package registry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// TestVersionsProperty generates random histories (backdated entries,
// corrections, moves, eliminations) for two parties and checks that
// Inventory, read from item_versions, answers exactly what the algorithm
// it replaced (oldInventory: a fold of every fact of the party) answers,
// at random dates and known-at times and at every recorded time of an
// entry, just before it, and at its effective date.
func TestVersionsProperty(t *testing.T) {
	steps := 200
	if testing.Short() {
		steps = 60
	}
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			n := newTestNode(t)
			gens := map[string]*gen{}
			for i, p := range []string{"USA", "RUS"} {
				gens[p] = newGen(n.tr, p, 100+seed*10+uint64(i))
				gens[p].run(t, steps)
				for _, rec := range gens[p].recs {
					must(t, n.reg.Apply(n.ctx, rec))
				}
			}
			checkVersions(t, n.reg)
			rnd := rand.New(rand.NewPCG(seed, 17))
			for _, p := range []string{"USA", "RUS"} {
				for _, pt := range versionPoints(rnd, gens[p]) {
					compareOld(t, n.reg, p, pt)
				}
			}
		})
	}
}

// versionPoints are random points and the edges of every entry.
func versionPoints(rnd *rand.Rand, g *gen) []point {
	out := samplePoints(rnd, g, 40)
	out = append(out, point{g.tr.Dates.EntryIntoForce.AddDays(-1), g.recs[len(g.recs)-1].Recorded})
	for _, rec := range g.recs {
		d := rec.Effective.AddDays(rnd.IntN(60) - 30)
		out = append(out, point{rec.Effective, rec.Recorded}, point{d, rec.Recorded.Add(-time.Nanosecond)},
			point{rec.Effective.AddDays(-1), rec.Recorded.Add(time.Duration(rnd.IntN(30*24)) * time.Hour)})
	}
	return out
}

func compareOld(t *testing.T, r *Registry, party string, pt point) {
	t.Helper()
	got, err := r.Inventory(t.Context(), party, pt.asOf, pt.knownAt)
	must(t, err)
	s, err := r.begin(t.Context(), true)
	must(t, err)
	defer s.end()
	want, err := r.oldInventory(s, party, pt.asOf, pt.knownAt)
	must(t, err)
	if !slices.Equal(got, want) {
		t.Fatalf("%s on %s known at %s: item_versions gives %d items, the fold of item_history %d:\n%s\n%s",
			party, pt.asOf, pt.knownAt.Format(time.RFC3339), len(got), len(want), mustJSON(t, got), mustJSON(t, want))
	}
}

// oldInventory is the algorithm Inventory used before item_versions: read
// every fact of the party effective by asOf and known at knownAt, and
// fold each item's facts in order. It is kept as the reference.
func (r *Registry) oldInventory(s *session, party string, asOf treaty.Date, knownAt time.Time) ([]declaration.Item, error) {
	k := fmtTime(knownAt)
	rows, err := s.query(`SELECT `+factColumns+` FROM item_history h
		WHERE party = ? AND effective <= ? AND recorded <= ?
		AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.origin = h.origin AND c.idx = h.idx AND c.recorded <= ?)
		ORDER BY uid, effective, idx`, party, asOf.String(), k, k)
	if err != nil {
		return nil, err
	}
	facts, err := scanFacts(rows)
	if err != nil {
		return nil, err
	}
	var out []declaration.Item
	for len(facts) > 0 {
		n := 1
		for n < len(facts) && facts[n].uid == facts[0].uid {
			n++
		}
		if st := merge(facts[:n]); st.Category != "" && st.Status != "" && !isFinal(r.t, st.Status) {
			out = append(out, declaration.Item{AsOf: asOf, Party: party, UID: facts[0].uid, Type: st.Type,
				Category: st.Category, Status: st.Status, Facility: st.Facility, Warheads: st.Warheads})
		}
		facts = facts[n:]
	}
	return out, nil
}

// checkVersions checks that every item's rows in item_versions, however
// they were maintained, are those versionsOf computes from its whole
// history.
func checkVersions(t testing.TB, r *Registry) {
	t.Helper()
	s, err := r.begin(context.Background(), true)
	must(t, err)
	defer s.end()
	rows, err := s.query(`SELECT party, uid, valid_from, valid_to, recorded_from, recorded_to, type, category, status, facility, warheads
		FROM item_versions ORDER BY party, uid, valid_from, recorded_from`)
	must(t, err)
	got := map[[2]string][]version{}
	for rows.Next() {
		var k [2]string
		var v version
		must(t, rows.Scan(&k[0], &k[1], &v.validFrom, &v.validTo, &v.recFrom, &v.recTo,
			&v.state.Type, &v.state.Category, &v.state.Status, &v.state.Facility, &v.state.Warheads))
		got[k] = append(got[k], v)
	}
	must(t, rows.Err())
	rows.Close()
	items, err := s.query(`SELECT DISTINCT party, uid FROM item_history ORDER BY 1, 2`)
	must(t, err)
	var keys [][2]string
	for items.Next() {
		var k [2]string
		must(t, items.Scan(&k[0], &k[1]))
		keys = append(keys, k)
	}
	items.Close()
	heads := readHeads(t, s)
	for _, k := range keys {
		facts, err := s.knownFacts(k[0], k[1])
		must(t, err)
		want := versionsOf(facts)
		if !slices.Equal(got[k], want) {
			t.Fatalf("%s %s: item_versions holds\n%+v\nwant\n%+v", k[0], k[1], got[k], want)
		}
		delete(got, k)
		h, ok := headOf(want)
		if g, found := heads[k]; found != ok || g != h {
			t.Fatalf("%s %s: version_heads holds %+v (%v), want %+v (%v)", k[0], k[1], g, found, h, ok)
		}
		delete(heads, k)
	}
	for k := range got {
		t.Fatalf("%s %s: versions of an item without history", k[0], k[1])
	}
	for k := range heads {
		t.Fatalf("%s %s: a head of an item without history", k[0], k[1])
	}
}

// readHeads reads every row of version_heads.
func readHeads(t testing.TB, s *session) map[[2]string]head {
	t.Helper()
	rows, err := s.query(`SELECT party, uid FROM version_heads`)
	must(t, err)
	var keys [][2]string
	for rows.Next() {
		var k [2]string
		must(t, rows.Scan(&k[0], &k[1]))
		keys = append(keys, k)
	}
	must(t, rows.Err())
	rows.Close()
	out := map[[2]string]head{}
	for _, k := range keys {
		h, _, err := s.head(k[0], k[1])
		must(t, err)
		out[k] = h
	}
	return out
}

// TestVersionsSameDay replays the replay benchmark's stream, 500
// notifications a day, in which an item often changes twice on one day
// and as often changes back to its state of the day before (a deployment
// undone the same day, so that the day's version merges with the one
// before it). Every item's versions and head must be what a rewrite from
// its history gives, and Inventory what the fold it replaced gives, as
// known just before, at and after every minute of the first day and at
// the end of every day.
func TestVersionsSameDay(t *testing.T) {
	reg, _ := replay(t, 3000)
	checkVersions(t, reg)
	start := reg.t.Dates.EntryIntoForce
	for i := range 500 {
		k := start.Time().Add(time.Duration(i) * time.Minute)
		compareOld(t, reg, "USA", point{start, k})
		compareOld(t, reg, "USA", point{start, k.Add(-time.Nanosecond)})
	}
	for d := range 7 {
		day := start.AddDays(d)
		compareOld(t, reg, "USA", point{day, day.Time().Add(24 * time.Hour)})
		compareOld(t, reg, "USA", point{day.AddDays(-1), day.Time().Add(12 * time.Hour)})
	}
}

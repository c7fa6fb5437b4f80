package registry

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// A rawEvent is what the generator sent, kept apart from the registry's
// own representation so the recount below shares no code with it.
type rawEvent struct {
	index    uint64
	eff      string
	recorded time.Time
	corrects *uint64
	facts    map[string]body.Item // by uid; a move gives only the facility
}

// gen generates a random valid history for one party, keeping its own
// model of the items.
type gen struct {
	rnd     *rand.Rand
	tr      *treaty.Treaty
	party   string
	eff     treaty.Date
	items   map[string]*body.Item // current state of every item, eliminated ones included
	recs    []Record
	events  []rawEvent
	stmts   []genStatement
	nextUID int
}

// A genStatement is a full statement of holdings the generator made:
// item-level (types nil) or per type.
type genStatement struct {
	eff      treaty.Date
	recorded time.Time
	types    []declaration.TypeCount
}

var genTypes = []struct{ typ, category string }{
	{"MM-III", "icbm"}, {"Trident-II", "slbm"}, {"silo", "icbm_launcher"}, {"tube", "slbm_launcher"}, {"B-52H", "heavy_bomber"},
}

var genFacilities = []string{"north", "south", "storage"}

func newGen(tr *treaty.Treaty, party string, seed uint64) *gen {
	return &gen{rnd: rand.New(rand.NewPCG(seed, 7)), tr: tr, party: party, eff: tr.Dates.EntryIntoForce, items: map[string]*body.Item{}}
}

func (g *gen) emit(t testing.TB, eff treaty.Date, n *body.Notification) {
	t.Helper()
	b, err := n.Encode()
	if err != nil {
		t.Fatal(err)
	}
	idx := uint64(len(g.recs))
	recorded := eff.Time().Add(time.Duration(g.rnd.IntN(20*24)) * time.Hour)
	origin := entry.Origin(g.tr.ID, g.party)
	h := sha256.Sum256(fmt.Appendf(nil, "%s\n%d\n%s", origin, idx, b))
	g.recs = append(g.recs, Record{Origin: origin, Party: g.party, Index: idx, LeafHash: h, Kind: entry.Notification, Effective: eff, Recorded: recorded, Body: b})
	ev := rawEvent{index: idx, eff: eff.String(), recorded: recorded, facts: map[string]body.Item{}}
	if n.Type == "initial_data" || n.Type == "six_month_update" {
		g.stmts = append(g.stmts, genStatement{eff: eff, recorded: recorded})
	}
	if n.Corrects != nil {
		c := n.Corrects.Index
		ev.corrects = &c
	}
	for _, it := range n.Items {
		if n.To != "" {
			it = body.Item{UID: it.UID, Facility: n.To}
		}
		if n.Type != "conversion_start" {
			ev.facts[it.UID] = it
		}
	}
	g.events = append(g.events, ev)
}

// declare emits a declaration entry: per item (a full statement of
// holdings, as the six-month update it stands for) or per type.
func (g *gen) declare(t testing.TB, eff treaty.Date, set *declaration.Set) {
	t.Helper()
	raw, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	b, err := entry.CanonicalJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	idx := uint64(len(g.recs))
	recorded := eff.Time().Add(time.Duration(g.rnd.IntN(20*24)) * time.Hour)
	origin := entry.Origin(g.tr.ID, g.party)
	h := sha256.Sum256(fmt.Appendf(nil, "%s\n%d\n%s", origin, idx, b))
	g.recs = append(g.recs, Record{Origin: origin, Party: g.party, Index: idx, LeafHash: h, Kind: entry.Declaration, Effective: eff, Recorded: recorded, Body: b})
	ev := rawEvent{index: idx, eff: eff.String(), recorded: recorded, facts: map[string]body.Item{}}
	for _, it := range set.Items {
		ev.facts[it.UID] = item(it.UID, it.Type, it.Category, it.Status, it.Facility, it.Warheads)
	}
	g.events = append(g.events, ev)
	g.stmts = append(g.stmts, genStatement{eff: eff, recorded: recorded, types: set.Types})
}

// holdings returns the live items as a declaration of eff: per item, or
// counted per type.
func (g *gen) holdings(eff treaty.Date, perType bool) *declaration.Set {
	set := &declaration.Set{}
	counts := map[[3]string]*declaration.TypeCount{}
	for _, uid := range g.live() {
		it := g.items[uid]
		w := 0
		if it.Warheads != nil {
			w = *it.Warheads
		}
		if !perType {
			set.Items = append(set.Items, declaration.Item{AsOf: eff, Party: g.party, UID: uid, Type: it.Type, Category: it.Category,
				Status: it.Status, Facility: it.Facility, Warheads: w})
			continue
		}
		k := [3]string{it.Type, it.Category, it.Status}
		if counts[k] == nil {
			counts[k] = &declaration.TypeCount{AsOf: eff, Party: g.party, Type: it.Type, Category: it.Category, Status: it.Status}
			set.Types = append(set.Types, declaration.TypeCount{})
		}
		counts[k].Count++
		counts[k].Warheads += w
	}
	set.Types = set.Types[:0]
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b [3]string) int { return strings.Compare(strings.Join(a[:], "/"), strings.Join(b[:], "/")) }) {
		set.Types = append(set.Types, *counts[k])
	}
	return set
}

func (g *gen) live() []string {
	var out []string
	for uid, it := range g.items {
		if it.Status != "eliminated" {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return out
}

func (g *gen) newItem(status string) body.Item {
	g.nextUID++
	k := genTypes[g.rnd.IntN(len(genTypes))]
	it := item(fmt.Sprintf("%s-%04d", g.party, g.nextUID), k.typ, k.category, status, genFacilities[g.rnd.IntN(len(genFacilities))], g.warheads(k.category, status))
	c := it
	g.items[it.UID] = &c
	return it
}

func (g *gen) warheads(category, status string) int {
	if status == "deployed" && (category == "icbm" || category == "slbm") {
		return 1 + g.rnd.IntN(4)
	}
	return 0
}

// run generates steps notifications after the initial data.
func (g *gen) run(t testing.TB, steps int) {
	var init []body.Item
	for range 8 {
		init = append(init, g.newItem([]string{"deployed", "non_deployed", "test"}[g.rnd.IntN(3)]))
	}
	g.emit(t, g.eff, &body.Notification{Type: "initial_data", Items: init})
	for range steps {
		next := g.eff.AddDays(g.rnd.IntN(4))
		g.updates(t, next)
		g.eff = next
		g.step(t)
	}
}

// updates emits the six-month updates whose as-of dates fall in (g.eff, next].
func (g *gen) updates(t testing.TB, next treaty.Date) {
	for d := g.eff.AddDays(1); !d.After(next); d = d.AddDays(1) {
		if md := d.String()[5:]; md != "03-01" && md != "09-01" {
			continue
		}
		var items []body.Item
		for _, uid := range g.live() {
			items = append(items, *g.items[uid])
		}
		// A per-item declaration may stand for the update; per-type counts
		// of the same date may follow an update (not a per-item
		// declaration: one date's declarations are at one level).
		switch k := g.rnd.IntN(4); {
		case len(items) == 0:
		case k == 0:
			g.declare(t, d, g.holdings(d, false))
		default:
			g.emit(t, d, &body.Notification{Type: "six_month_update", Items: items})
			if k == 1 {
				g.declare(t, d, g.holdings(d, true))
			}
		}
	}
}

func (g *gen) step(t testing.TB) {
	live := g.live()
	switch k := g.rnd.IntN(10); {
	case k < 2 || len(live) == 0:
		g.emit(t, g.eff, &body.Notification{Type: "change_in_data", Items: []body.Item{g.newItem("non_deployed")}})
	case k < 5:
		g.change(t, live[g.rnd.IntN(len(live))])
	case k < 7:
		g.move(t, live)
	case k < 8:
		g.emit(t, g.eff, &body.Notification{Type: "conversion_start", Items: uids(live[g.rnd.IntN(len(live))])})
	default:
		g.correct(t)
	}
}

func (g *gen) change(t testing.TB, uid string) {
	it := g.items[uid]
	st, _ := g.tr.Status(it.Status)
	to := st.To[g.rnd.IntN(len(st.To))]
	w := g.warheads(it.Category, to)
	it.Status, it.Warheads = to, &w
	g.emit(t, g.eff, &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: uid, Status: to, Warheads: wh(w)}}})
}

func (g *gen) move(t testing.TB, live []string) {
	from := g.items[live[g.rnd.IntN(len(live))]].Facility
	to := genFacilities[(slices.Index(genFacilities, from)+1+g.rnd.IntN(2))%len(genFacilities)]
	var moving []string
	for _, uid := range live {
		if g.items[uid].Facility == from && len(moving) < 3 {
			moving = append(moving, uid)
			g.items[uid].Facility = to
		}
	}
	g.emit(t, g.eff, &body.Notification{Type: "movement", From: from, To: to, Items: uids(moving...)})
}

// correct corrects the last entry, if it is an uncorrected change, giving
// each of its items one more warhead.
func (g *gen) correct(t testing.TB) {
	last := len(g.recs) - 1
	n, err := body.ParseNotification(g.recs[last].Body)
	if err != nil || n.Type != "change_in_data" || n.Corrects != nil || len(n.Items) == 0 || len(n.Items[0].Status) == 0 {
		return
	}
	ref := g.recs[last].Ref()
	c := &body.Notification{Type: n.Type, Corrects: &ref}
	for _, it := range n.Items {
		w := *it.Warheads + 1
		it.Warheads = &w
		g.items[it.UID].Warheads = wh(w)
		c.Items = append(c.Items, it)
	}
	g.emit(t, treaty.MustDate(g.events[last].eff), c)
}

type tallyKey struct{ category, status string }

// recount counts the party's items on asOf as known at knownAt straight
// from the generator's events.
func recount(events []rawEvent, asOf treaty.Date, knownAt time.Time) map[tallyKey][2]int {
	corrected := map[uint64]bool{}
	for _, e := range events {
		if e.corrects != nil && !e.recorded.After(knownAt) {
			corrected[*e.corrects] = true
		}
	}
	var visible []rawEvent
	for _, e := range events {
		if !e.recorded.After(knownAt) && !corrected[e.index] && e.eff <= asOf.String() {
			visible = append(visible, e)
		}
	}
	slices.SortStableFunc(visible, func(a, b rawEvent) int { return cmp.Or(cmp.Compare(a.eff, b.eff), cmp.Compare(a.index, b.index)) })
	state := map[string]body.Item{}
	for _, e := range visible {
		for uid, f := range e.facts {
			s := state[uid]
			s.UID = uid
			s.Type, s.Category, s.Status, s.Facility = cmp.Or(f.Type, s.Type), cmp.Or(f.Category, s.Category), cmp.Or(f.Status, s.Status), cmp.Or(f.Facility, s.Facility)
			if f.Warheads != nil {
				s.Warheads = f.Warheads
			}
			state[uid] = s
		}
	}
	out := map[tallyKey][2]int{}
	for _, s := range state {
		if s.Status == "eliminated" || s.Status == "" || s.Category == "" {
			continue // eliminated, or not declared as known then
		}
		k := tallyKey{s.Category, s.Status}
		c := out[k]
		c[0]++
		if s.Warheads != nil {
			c[1] += *s.Warheads
		}
		out[k] = c
	}
	return out
}

func tallyItems(items []declaration.Item) map[tallyKey][2]int {
	out := map[tallyKey][2]int{}
	for _, it := range items {
		k := tallyKey{it.Category, it.Status}
		c := out[k]
		c[0]++
		c[1] += it.Warheads
		out[k] = c
	}
	return out
}

// TestProperty generates random valid histories for two parties and
// checks, at random dates and known-at times, that the projection counts
// what an independent recount of the raw events counts, that the engine
// agrees, and that rebuilding the database in another order and batching
// gives byte-identical query results.
func TestProperty(t *testing.T) {
	steps := 250
	if testing.Short() {
		steps = 60
	}
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			n := newTestNode(t)
			gens := map[string]*gen{}
			for i, p := range []string{"USA", "RUS"} {
				gens[p] = newGen(n.tr, p, seed*10+uint64(i))
				gens[p].run(t, steps)
				for _, rec := range gens[p].recs {
					if err := n.reg.Check(n.ctx, rec); err != nil {
						t.Fatalf("generated record %s#%d refused: %v\n%s", rec.Origin, rec.Index, err, rec.Body)
					}
					if err := n.reg.Apply(n.ctx, rec); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Every statement the generator made is complete.
			for _, p := range []string{"USA", "RUS"} {
				fs, err := n.reg.Findings(n.ctx, p, gens[p].eff.AddDays(400).Time())
				must(t, err)
				for _, f := range fs {
					if f.Kind == FindingOmitted || f.Kind == FindingRefused {
						t.Errorf("%s: %s finding against a complete history: %s", p, f.Kind, f.Reason)
					}
				}
			}
			rnd := rand.New(rand.NewPCG(seed, 99))
			points := samplePoints(rnd, gens["USA"], 25)
			for _, p := range []string{"USA", "RUS"} {
				for _, pt := range points {
					compareRecount(t, n, gens[p], pt.asOf, pt.knownAt)
				}
			}
			want := queryResults(t, n.reg, points)
			// Rebuild: RUS first, then USA, in batches of 37.
			other := n.open(filepath.Join(t.TempDir(), "rebuilt.db"))
			all := append(slices.Clone(gens["RUS"].recs), gens["USA"].recs...)
			for len(all) > 0 {
				k := min(37, len(all))
				if err := other.Apply(n.ctx, all[:k]...); err != nil {
					t.Fatal(err)
				}
				all = all[k:]
			}
			if got := queryResults(t, other, points); got != want {
				t.Errorf("rebuilt database answers differently")
			}
			checkLatest(t, n.reg)
			checkLatest(t, other)
			checkVersions(t, n.reg)
			checkVersions(t, other)
			if dump(t, other) != dump(t, n.reg) {
				t.Errorf("rebuilt database differs")
			}
		})
	}
}

type point struct {
	asOf    treaty.Date
	knownAt time.Time
}

func samplePoints(rnd *rand.Rand, g *gen, k int) []point {
	start, end := g.tr.Dates.EntryIntoForce, g.eff.AddDays(30)
	span := int(end.Time().Sub(start.Time()).Hours() / 24)
	var out []point
	for range k {
		d := start.AddDays(rnd.IntN(span))
		out = append(out, point{d, d.Time().Add(time.Duration(rnd.IntN(40*24)) * time.Hour)})
	}
	return append(out, point{end, end.Time()})
}

// compareCounted checks that the registry counts the latest statement of
// holdings known: per-type counts, as the generator declared them, when
// the latest is a per-type declaration (it wins over an item-level
// statement of the same date), else the items.
func compareCounted(t *testing.T, n *testNode, g *gen, asOf treaty.Date, knownAt time.Time) {
	t.Helper()
	var latest *genStatement
	for i := range g.stmts {
		st := &g.stmts[i]
		if st.eff.After(asOf) || st.recorded.After(knownAt) {
			continue
		}
		if latest == nil || st.eff.After(latest.eff) || st.eff.Equal(latest.eff) && st.types != nil {
			latest = st
		}
	}
	d, err := n.reg.Declaration(n.ctx, g.party, asOf, knownAt)
	if err != nil {
		t.Fatal(err)
	}
	var want []declaration.TypeCount
	if latest != nil {
		want = latest.types
	}
	if mustJSON(t, d.Types) != mustJSON(t, want) {
		t.Fatalf("%s on %s as known at %v: counted types\n%s\nwant\n%s", g.party, asOf, knownAt, mustJSON(t, d.Types), mustJSON(t, want))
	}
}

func compareRecount(t *testing.T, n *testNode, g *gen, asOf treaty.Date, knownAt time.Time) {
	t.Helper()
	compareCounted(t, n, g, asOf, knownAt)
	items, err := n.reg.Inventory(n.ctx, g.party, asOf, knownAt)
	if err != nil {
		t.Fatal(err)
	}
	want := recount(g.events, asOf, knownAt)
	if got := tallyItems(items); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s on %s as known at %v:\nprojection %v\nrecount    %v", g.party, asOf, knownAt, got, want)
	}
	var recounted []declaration.Item
	for k, c := range want {
		for i := range c[0] {
			w := 0
			if i == 0 {
				w = c[1]
			}
			recounted = append(recounted, declaration.Item{Party: g.party, AsOf: asOf, UID: fmt.Sprint(i), Type: "x", Category: k.category, Status: k.status, Warheads: w})
		}
	}
	a, _ := engine.Evaluate(n.tr, asOf, "", []*declaration.Declaration{{Party: g.party, AsOf: asOf, Items: items}})
	b, _ := engine.Evaluate(n.tr, asOf, "", []*declaration.Declaration{{Party: g.party, AsOf: asOf, Items: recounted}})
	if values(a) != values(b) {
		t.Fatalf("engine counts differ: %s vs %s", values(a), values(b))
	}
}

func values(r engine.Result) string {
	var b strings.Builder
	for _, p := range r.Parties {
		for _, l := range p.Limits {
			fmt.Fprintf(&b, "%s=%d ", l.ID, l.Value)
		}
	}
	return b.String()
}

// queryResults returns every query's answer at the points, as JSON.
func queryResults(t *testing.T, r *Registry, points []point) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, p := range []string{"USA", "RUS"} {
		for _, pt := range points {
			inv, err := r.Inventory(t.Context(), p, pt.asOf, pt.knownAt)
			must(t, err)
			must(t, enc.Encode(inv))
			st, err := r.Status(t.Context(), p, pt.knownAt, "")
			must(t, err)
			must(t, enc.Encode(st))
		}
		ns, err := r.Notices(t.Context(), p, points[len(points)-1].knownAt)
		must(t, err)
		must(t, enc.Encode(ns))
		h, err := r.History(t.Context(), p, p+"-0003")
		must(t, err)
		must(t, enc.Encode(h))
	}
	return b.String()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

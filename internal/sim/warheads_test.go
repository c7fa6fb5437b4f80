package sim

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// A wkey is one warhead balance in the tests' own book.
type wkey struct{ site, category, status string }

// A fold is the tests' own reading of one party's warhead notifications,
// written apart from the generator's book: a map of balances, folded in
// event order by the effects of docs/warheads.md.
type fold struct {
	t     *testing.T
	party string
	book  map[wkey]int
	seen  bool // a statement has opened the book
}

// step folds e, reporting a flow before the first statement, a statement
// that disagrees with the book, and a balance driven negative.
func (f *fold) step(e Event) {
	f.t.Helper()
	if e.Type != warheadData && !f.seen {
		f.t.Errorf("%s %s on %s before any warhead statement", f.party, e.Type, e.Effective)
	}
	if e.Type == warheadData {
		f.state(e)
		return
	}
	for _, l := range e.Stock {
		if l.Count < 1 {
			f.t.Errorf("%s %s on %s: a lot of %d", f.party, e.Type, e.Effective, l.Count)
		}
		f.move(e.Type, l)
	}
	for k, n := range f.book {
		if n < 0 {
			f.t.Errorf("%s %s on %s drives %v to %d", f.party, e.Type, e.Effective, k, n)
		}
	}
}

func (f *fold) move(typ string, l body.Lot) {
	from := wkey{l.Site, l.Category, l.Status}
	switch typ {
	case warheadProduced:
		f.book[from] += l.Count
		return
	case warheadDismantled:
	case warheadTransferred:
		f.book[wkey{l.ToSite, l.Category, l.Status}] += l.Count
	case warheadRecategorised:
		f.book[wkey{l.Site, l.ToCategory, l.ToStatus}] += l.Count
	default:
		f.t.Errorf("%s: %s is not a warhead flow", f.party, typ)
	}
	f.book[from] -= l.Count
}

func (f *fold) state(e Event) {
	stated := map[wkey]int{}
	for _, l := range e.Stock {
		stated[wkey{l.Site, l.Category, l.Status}] += l.Count
	}
	if f.seen {
		for k := range union(stated, f.book) {
			if stated[k] != f.book[k] {
				f.t.Errorf("%s statement of %s: %v %d, the book %d", f.party, e.Effective, k, stated[k], f.book[k])
			}
		}
	}
	f.book, f.seen = stated, true
}

func union(a, b map[wkey]int) map[wkey]bool {
	out := map[wkey]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func (f *fold) total() int {
	n := 0
	for _, c := range f.book {
		n += c
	}
	return n
}

// warheadEvents returns party's warhead notifications in w, in order.
func warheadEvents(w *World, party string) []Event {
	var out []Event
	for _, e := range w.Events {
		if e.Party == party && strings.HasPrefix(e.Type, "warhead_") {
			out = append(out, e)
		}
	}
	return out
}

// foldAll folds party's warhead notifications, calling each after every
// one with the total after it.
func foldAll(t *testing.T, w *World, party string, each func(e Event, f *fold)) {
	t.Helper()
	f := &fold{t: t, party: party, book: map[wkey]int{}}
	evs := warheadEvents(w, party)
	if len(evs) == 0 {
		t.Fatalf("%s %s: no warhead notification", w.Scenario, party)
	}
	for _, e := range evs {
		if !w.Treaty.WarheadCategory(strategic) {
			t.Fatalf("%s: %s counts no warheads", w.Scenario, w.Treaty.ID)
		}
		if _, ok := w.Treaty.Notification(e.Type); !ok {
			t.Errorf("%s: %s is not a notification of %s", party, e.Type, w.Treaty.ID)
		}
		f.step(e)
		if each != nil {
			each(e, f)
		}
	}
}

// openingTotals returns each party's total warheads on the day its book
// opens, as the table of record gives them (docs/warheads.md, "The
// demo"): the US stockpile of 30 September 2020 and the retired warheads
// awaiting dismantlement stated on 5 October 2021; SIPRI's Russian
// inventory of January 2021; SIPRI's Chinese stockpile of January 2021.
func openingTotals(t *testing.T) map[string]int {
	figs, err := PublishedWarheads()
	if err != nil {
		t.Fatal(err)
	}
	get := func(party, measure, date string) int {
		f, ok := findFigure(figs, treaty.MustDate(date), party, measure)
		if !ok {
			t.Fatalf("warheads.csv has no %s %s of %s", party, measure, date)
		}
		return f.Count
	}
	return map[string]int{
		"USA": get("USA", "stockpile", "2020-09-30") + get("USA", "awaiting_dismantlement", "2021-10-05"),
		"RUS": get("RUS", "inventory", "2021-01-01"),
		"CHN": get("CHN", "stockpile", "2021-01-01"),
	}
}

// TestWarheadStreams checks that each scenario's stream of warhead
// notifications obeys the model on its own: every party opens with a
// statement on the freeze's baseline date whose total is the table of
// record's; no flow drives a balance negative; every statement agrees
// with the previous one plus the flows since; and statements come on the
// baseline date and on the data-exchange dates only.
func TestWarheadStreams(t *testing.T) {
	want := openingTotals(t)
	for _, sc := range []string{Freeze, FreezeBreach, Trilateral} {
		w := world(t, sc, 1)
		base, err := freezeBaseline(w.Treaty)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range w.Parties {
			statements := 0
			foldAll(t, w, p, func(e Event, f *fold) {
				if e.Type != warheadData {
					return
				}
				if statements++; statements == 1 && (!e.Effective.Equal(base) || f.total() != want[p]) {
					t.Errorf("%s %s: first statement on %s of %d warheads, want %s and %d", sc, p, e.Effective, f.total(), base, want[p])
				}
				if statements > 1 && !exchangeDay(e.Effective, []string{"03-01", "09-01"}) {
					t.Errorf("%s %s: a statement on %s", sc, p, e.Effective)
				}
			})
			if statements < 2 {
				t.Errorf("%s %s: %d statements", sc, p, statements)
			}
		}
	}
}

// TestDeployedWarheads checks that in each of a party's warhead
// statements (after the flows before it on its date), the deployed strategic warheads at each site that is not
// a bomber base equal the warheads emplaced on the deployed ICBMs and
// SLBMs at that facility in the party's New START notifications (the
// tests' own replay, in the same pass), and that deployed strategic
// warheads elsewhere are at bases with deployed heavy bombers.
func TestDeployedWarheads(t *testing.T) {
	for _, sc := range []string{FreezeBreach, Trilateral} {
		w := world(t, sc, 1)
		for _, p := range w.Parties {
			f := &fold{t: t, party: p, book: map[wkey]int{}}
			state := map[string]declaration.Item{}
			checked := 0
			for _, e := range partyEvents(w, p) {
				if len(e.Stock) == 0 && e.Type != warheadData {
					replayOne(w.Treaty, state, e)
					continue
				}
				f.step(e)
				if e.Type == warheadData {
					checkDeployed(t, sc, e, f, state)
					checked++
				}
			}
			if checked == 0 {
				t.Errorf("%s %s: nothing checked", sc, p)
			}
		}
	}
}

func partyEvents(w *World, party string) []Event {
	var out []Event
	for _, e := range w.Events {
		if e.Party == party {
			out = append(out, e)
		}
	}
	return out
}

// replayOne applies e to state as the tests' replay does.
func replayOne(tr *treaty.Treaty, state map[string]declaration.Item, e Event) {
	nt, _ := tr.Notification(e.Type)
	for _, it := range e.Items {
		switch nt.Effect {
		case "data", "change":
			state[it.UID] = it
		case "move":
			s := state[it.UID]
			s.Facility = e.To
			state[it.UID] = s
		}
	}
}

func checkDeployed(t *testing.T, sc string, e Event, f *fold, state map[string]declaration.Item) {
	t.Helper()
	emplaced, bombers := map[string]int{}, map[string]int{}
	for _, it := range state {
		switch {
		case it.Status != deployed:
		case it.Category == "icbm" || it.Category == "slbm":
			emplaced[it.Facility] += it.Warheads
		case it.Category == "heavy_bomber":
			bombers[it.Facility]++
		}
	}
	sites := map[string]bool{}
	for s := range emplaced {
		sites[s] = true
	}
	for k, n := range f.book {
		if k.category != strategic || k.status != deployed || n == 0 || bombers[k.site] > 0 {
			continue
		}
		sites[k.site] = true
	}
	for s := range sites {
		if got := f.book[wkey{s, strategic, deployed}]; got != emplaced[s] {
			t.Errorf("%s %s after %s of %s: %d deployed strategic warheads at %s, %d emplaced on its deployed missiles", sc, e.Party, e.Type, e.Effective, got, s, emplaced[s])
		}
	}
}

// TestFreezeKept checks the freeze scenario: no party's total goes above
// its baseline (its first statement) at any event while the freeze of
// us-freeze-2020 is in force, nor at all.
func TestFreezeKept(t *testing.T) {
	w := world(t, Freeze, 1)
	if w.Treaty.ID != "us-freeze-2020" || w.Breach != nil {
		t.Fatalf("treaty %s, breach %v", w.Treaty.ID, w.Breach)
	}
	for _, p := range w.Parties {
		baseline := -1
		foldAll(t, w, p, func(e Event, f *fold) {
			if baseline < 0 {
				baseline = f.total()
			}
			if f.total() > baseline {
				t.Errorf("%s: %s of %s takes the total to %d, above the baseline %d", p, e.Type, e.Effective, f.total(), baseline)
			}
		})
	}
}

// TestFreezeBreach checks the freeze-breach scenario: the breaching
// party's total is at or below its baseline at every event before the
// stated one, and above it from that event, which is a production on
// the stated date, between two data exchanges, while the freeze is in
// force, taking the total the stated number above the baseline; the total
// never crosses the baseline upwards again, and the other party never
// does.
func TestFreezeBreach(t *testing.T) {
	w := world(t, FreezeBreach, 1)
	x := w.Breach
	if x == nil || *x != SimulatedBreach {
		t.Fatalf("breach %v, want %v", x, SimulatedBreach)
	}
	if lim := w.Treaty.Limits[len(w.Treaty.Limits)-1]; !w.Treaty.InForce(x.Date) || x.Date.Before(lim.Effective) {
		t.Errorf("the breach on %s is not while the freeze (from %s) is in force", x.Date, lim.Effective)
	}
	for _, p := range w.Parties {
		baseline, above, crossings := -1, false, 0
		var lastStatement treaty.Date
		foldAll(t, w, p, func(e Event, f *fold) {
			if baseline < 0 {
				baseline = f.total()
			}
			if e.Type == warheadData {
				lastStatement = e.Effective
			}
			if f.total() > baseline && !above {
				crossings++
				if p != x.Party || e.Type != warheadProduced || !e.Effective.Equal(x.Date) || f.total() != baseline+x.Excess {
					t.Errorf("%s: %s of %s takes the total to %d above the baseline %d", p, e.Type, e.Effective, f.total(), baseline)
				}
				if lastStatement.Equal(x.Date) || exchangeDay(x.Date, []string{"03-01", "09-01"}) {
					t.Errorf("the breach on %s is not between two exchanges", x.Date)
				}
			}
			above = f.total() > baseline
		})
		if want := map[bool]int{true: 1, false: 0}[p == x.Party]; crossings != want {
			t.Errorf("%s: %d crossings of the baseline, want %d", p, crossings, want)
		}
	}
}

// TestUSDismantlement checks that the United States dismantles at the
// published rate: over the freeze world (20 October 2020 to 4 February
// 2022), the warheads dismantled are the 405 of 30 September 2020 to 30
// September 2023 in proportion to the days, within one.
func TestUSDismantlement(t *testing.T) {
	w := world(t, Freeze, 1)
	n, last := 0, treaty.Date{}
	for _, e := range warheadEvents(w, "USA") {
		if e.Type == warheadDismantled {
			for _, l := range e.Stock {
				n += l.Count
			}
			last = e.Effective
		}
	}
	open := treaty.MustDate("2020-10-20")
	want := 405 * days(open, last) / days(treaty.MustDate("2020-09-30"), treaty.MustDate("2023-09-30"))
	if math.Abs(float64(n)-want) > 1 {
		t.Errorf("the United States dismantled %d warheads from %s to %s, want %.1f", n, open, last, want)
	}
}

// TestWarheadDeterminism checks that a seed gives the same warhead
// notifications, and another seed other days for them.
func TestWarheadDeterminism(t *testing.T) {
	enc := func(w *World) []byte {
		var b bytes.Buffer
		for _, p := range w.Parties {
			for _, e := range warheadEvents(w, p) {
				j, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				b.Write(j)
			}
		}
		return b.Bytes()
	}
	a, err := Build(FreezeBreach, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc(a), enc(world(t, FreezeBreach, 1))) {
		t.Error("two builds of freeze-breach with seed 1 differ")
	}
	if bytes.Equal(enc(a), enc(world(t, FreezeBreach, 2))) {
		t.Error("seeds 1 and 2 give the same warhead notifications")
	}
}

// TestWarheadCalibrationMissing checks that a table of record without a
// figure the calibration needs is refused, naming it.
func TestWarheadCalibrationMissing(t *testing.T) {
	figs, err := PublishedWarheads()
	if err != nil {
		t.Fatal(err)
	}
	var without figures
	for _, f := range figs {
		if f.Measure != "bomber_base" {
			without = append(without, f)
		}
	}
	dep := deployment{date: treaty.MustDate("2020-10-20"), emplaced: map[string]int{"USA-FEW": 1}, bombers: map[string]int{"USA-WHI": 1}}
	_, err = usArsenal(without, dep)
	if want := "warheads.csv: no USA bomber_base figure as of 2021-01-01"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if _, err := usArsenal(figs, dep); err != nil {
		t.Errorf("with the whole table: %v", err)
	}
}

// TestNoInspectionOfWarheadSites checks that the sites only the warhead
// model uses (named in warhead lots, holding no New START item) are of no
// kind New START's inspections visit, so that adding them leaves the
// inspections, and the whole newstart world, as they were.
func TestNoInspectionOfWarheadSites(t *testing.T) {
	kind := map[string]string{}
	for _, f := range facilities {
		kind[f.ID] = f.Kind
	}
	lots, items := map[string]bool{}, map[string]bool{}
	for _, sc := range []string{Freeze, Trilateral} {
		for _, e := range world(t, sc, 1).Events {
			for _, l := range e.Stock {
				lots[l.Site], lots[l.ToSite] = true, true
			}
			for _, it := range e.Items {
				items[it.Facility] = true
			}
			items[e.From], items[e.To] = true, true
		}
	}
	delete(lots, "")
	n := 0
	for site := range lots {
		if items[site] {
			continue
		}
		n++
		if _, ok := kind[site]; !ok {
			t.Errorf("warhead site %s is not a facility", site)
		}
		for typ, kinds := range inspectedKinds {
			if slices.Contains(kinds, kind[site]) {
				t.Errorf("warhead site %s is a %s, which %s inspections visit", site, kind[site], typ)
			}
		}
	}
	if n == 0 {
		t.Error("no site only the warhead model uses")
	}
}

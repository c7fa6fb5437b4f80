package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// worlds caches one world per scenario and seed: building is the slow
// part of these tests.
var worlds sync.Map

func world(t testing.TB, scenario string, seed uint64) *World {
	t.Helper()
	key := fmt.Sprint(scenario, seed)
	if w, ok := worlds.Load(key); ok {
		return w.(*World)
	}
	w, err := Build(scenario, seed)
	if err != nil {
		t.Fatalf("Build(%q, %d): %v", scenario, seed, err)
	}
	worlds.Store(key, w)
	return w
}

// replay is the test's own replay of a party's notifications, written
// apart from Replay: a state map, folded in event order.
func replay(t *treaty.Treaty, evs []Event, party string, d treaty.Date) []declaration.Item {
	state := map[string]declaration.Item{}
	for _, e := range evs {
		if e.Party != party || e.Effective.After(d) {
			continue
		}
		nt, _ := t.Notification(e.Type)
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
	var out []declaration.Item
	for _, it := range state {
		if it.Status != "eliminated" {
			out = append(out, it)
		}
	}
	return out
}

func count(t *testing.T, tr *treaty.Treaty, items []declaration.Item, party string, d treaty.Date, reading string) map[string]int {
	t.Helper()
	decl := &declaration.Declaration{Party: party, AsOf: d, Items: items}
	res, err := engine.Evaluate(tr, d, reading, []*declaration.Declaration{decl})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, l := range res.Parties[0].Limits {
		got[l.ID] = l.Value
	}
	return got
}

// TestCalibration checks the engine's counts of the simulated holdings
// against every published row of the table of record (aggregates.csv),
// for two seeds.
func TestCalibration(t *testing.T) {
	pub, err := Published()
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 45 {
		t.Fatalf("read %d published rows, want 45", len(pub))
	}
	for _, seed := range []uint64{1, 2} {
		w := world(t, NewSTART, seed)
		for _, a := range pub {
			got := count(t, w.Treaty, replay(w.Treaty, w.Events, a.Party, a.Date), a.Party, a.Date, "")
			for id, want := range a.Values() {
				if got[id] != want {
					t.Errorf("seed %d: %s %s %s = %d, published %d", seed, a.Date, a.Party, id, got[id], want)
				}
			}
		}
	}
}

// TestInterpolated checks that the world meets its interpolated targets
// too, and names exactly the dates nobody published.
func TestInterpolated(t *testing.T) {
	w := world(t, NewSTART, 1)
	var got []string
	for _, d := range w.Interpolated {
		got = append(got, d.String())
	}
	want := []string{"2016-03-01", "2018-03-01", "2022-09-01"}
	if !slices.Equal(got, want) {
		t.Errorf("Interpolated = %v, want %v", got, want)
	}
	for _, tg := range w.Calibration {
		v := count(t, w.Treaty, w.HoldingsAt(tg.Party, tg.Date), tg.Party, tg.Date, "")
		if !sameCounts(v, tg.Values()) {
			t.Errorf("%s %s: counted %v, target %v", tg.Date, tg.Party, v, tg.Values())
		}
	}
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// TestRussianReading checks the contested US items: under Russia's
// reading of 1 March 2022 the US launcher total is 901, not 800.
func TestRussianReading(t *testing.T) {
	w := world(t, NewSTART, 1)
	d := treaty.MustDate("2022-03-01")
	got := count(t, w.Treaty, w.HoldingsAt("USA", d), "USA", d, "rus-2022")
	if got["launchers"] != 901 {
		t.Errorf("US launchers under rus-2022 on %s = %d, want 901", d, got["launchers"])
	}
	n := map[string]int{}
	for _, it := range w.HoldingsAt("USA", d) {
		n[it.Type+" "+it.Category+" "+it.Status]++
	}
	for k, want := range map[string]int{"Trident II slbm_launcher converted": 56, "B-52H heavy_bomber converted": 41, "MM-III icbm_launcher training": 4} {
		if n[k] != want {
			t.Errorf("%s: %d, want %d", k, n[k], want)
		}
	}
}

// TestDeterminism checks that a seed gives byte-identical events, and
// that another seed gives other ones.
func TestDeterminism(t *testing.T) {
	enc := func(w *World) []byte {
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, err := Build(NewSTART, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc(a), enc(world(t, NewSTART, 1))) {
		t.Error("two builds with seed 1 differ")
	}
	if bytes.Equal(enc(a), enc(world(t, NewSTART, 2))) {
		t.Error("seeds 1 and 2 build the same world")
	}
}

// TestLifecycle replays every party's notifications and checks each
// against the treaty's lifecycle: status changes it allows, nothing back
// from elimination, UIDs unique for life, new items entering
// non-deployed, no move or event naming an item that does not exist, and
// moves leaving the facility the item is at.
func TestLifecycle(t *testing.T) {
	w := world(t, NewSTART, 1)
	for _, p := range w.Parties {
		checkLifecycle(t, w, p)
	}
}

func checkLifecycle(t *testing.T, w *World, party string) {
	state := map[string]declaration.Item{}
	initial := true
	for _, e := range w.Events {
		if e.Party != party {
			continue
		}
		nt, _ := w.Treaty.Notification(e.Type)
		for _, it := range e.Items {
			old, seen := state[it.UID]
			switch {
			case nt.Effect == "move" || nt.Effect == "event":
				if !seen || old.Status == "eliminated" {
					t.Fatalf("%s %s %s names %s, which does not exist", party, e.Effective, e.Type, it.UID)
				}
				if nt.Effect == "move" {
					if old.Facility != e.From {
						t.Fatalf("%s %s: %s moves from %s but is at %s", party, e.Effective, it.UID, e.From, old.Facility)
					}
					old.Facility = e.To
					state[it.UID] = old
				}
				continue
			case !seen && !initial && it.Status != "non_deployed":
				t.Fatalf("%s %s: new item %s declared %s", party, e.Effective, it.UID, it.Status)
			case seen && old.Status == "eliminated":
				t.Fatalf("%s %s: %s comes back after elimination", party, e.Effective, it.UID)
			case seen && (old.Type != it.Type || old.Category != it.Category):
				t.Fatalf("%s %s: %s changes identity", party, e.Effective, it.UID)
			case seen && old.Status != it.Status && !w.Treaty.CanChange(old.Status, it.Status):
				t.Fatalf("%s %s: %s %s → %s", party, e.Effective, it.UID, old.Status, it.Status)
			}
			state[it.UID] = it
		}
		if nt.Effect == "data" {
			initial = false
		}
		if u := e.Fields["uid"]; u != "" && e.Type != rvDesignate && state[u].Status != "deployed" {
			t.Fatalf("%s %s %s: %s is not deployed", party, e.Effective, e.Type, u)
		}
	}
}

// TestOrder checks that events are in order of effective date and that
// notifications about one item reach the others in the order they take
// effect.
func TestOrder(t *testing.T) {
	w := world(t, NewSTART, 1)
	last := map[string]time.Time{}
	for i, e := range w.Events {
		if i > 0 && e.Effective.Before(w.Events[i-1].Effective) {
			t.Fatalf("event %d (%s) before event %d (%s)", i, e.Effective, i-1, w.Events[i-1].Effective)
		}
		if e.Type == sixMonth || e.Type == initialData {
			continue
		}
		for _, u := range e.UIDs() {
			if !e.Sent.After(last[u]) {
				t.Fatalf("%s %s about %s sent %s, not after the previous (%s)", e.Type, e.Effective, u, e.Sent, last[u])
			}
			last[u] = e.Sent
		}
	}
}

// TestLate checks that exactly the notifications marked late are sent
// after their deadline, and that each party sends a few.
func TestLate(t *testing.T) {
	w := world(t, NewSTART, 1)
	late := map[string]int{}
	for _, e := range w.Events {
		nt, _ := w.Treaty.Notification(e.Type)
		if e.Answers == "" && e.Due != due(w.Treaty, nt, e.Effective) { // answers: TestInspectionSequence
			t.Fatalf("%s %s: due %s, the treaty says %s", e.Type, e.Effective, e.Due, due(w.Treaty, nt, e.Effective))
		}
		if e.Late != e.Sent.After(e.Due) {
			t.Fatalf("%s %s: late=%v but sent %s, due %s", e.Type, e.Effective, e.Late, e.Sent, e.Due)
		}
		if e.Late {
			late[e.Party]++
			if !strings.Contains(e.Note, "late") {
				t.Errorf("late %s %s does not say so", e.Type, e.Effective)
			}
		}
	}
	for _, p := range w.Parties {
		if late[p] != latePerParty {
			t.Errorf("%s sent %d notifications late, want %d", p, late[p], latePerParty)
		}
	}
}

// TestHistory checks the treaty's milestones: inspections stop in April
// 2020, Russia sends nothing but launch notifications after its
// suspension, the United States' data of 1 March 2023 is there and
// nothing but launch notifications after 1 June 2023; Russia
// acknowledges nothing after its suspension.
func TestHistory(t *testing.T) {
	w := world(t, NewSTART, 1)
	pause := treaty.MustDate("2020-03-29")
	rusSilent, usSilent := Silent(w.Treaty, "RUS"), Silent(w.Treaty, "USA")
	us2023 := false
	for _, e := range w.Events {
		if strings.Contains(e.Type, "inspect") || e.Type == arrivalPOE || e.Type == siteDesignate {
			if !e.Effective.Before(pause) {
				t.Errorf("inspection notice %s on %s, after the pause", e.Type, e.Effective)
			}
		}
		if e.Party == "RUS" && e.Type != launch && !e.Sent.Before(rusSilent.Time()) {
			t.Errorf("Russia sent %s on %s, after its suspension", e.Type, e.Sent)
		}
		if e.Party == "USA" && e.Type != launch && !e.Sent.Before(usSilent.Time()) {
			t.Errorf("the United States sent %s on %s, after it withheld data", e.Type, e.Sent)
		}
		if e.Party == "USA" && e.Type == sixMonth && e.Effective.String() == "2023-03-01" {
			us2023 = true
		}
		for _, a := range e.Acks {
			if a.Party == "RUS" && !e.Sent.Before(rusSilent.Time()) {
				t.Errorf("Russia acknowledged %s sent %s", e.Type, e.Sent)
			}
		}
	}
	if !us2023 {
		t.Error("no US data as of 2023-03-01")
	}
}

// TestKinds checks that every notification type the world uses is one
// the treaty defines, and that the world uses the routine ones.
func TestKinds(t *testing.T) {
	w := world(t, NewSTART, 1)
	n := map[string]int{}
	for _, e := range w.Events {
		if _, ok := w.Treaty.Notification(e.Type); !ok {
			t.Fatalf("event type %q is not in %s", e.Type, w.Treaty.ID)
		}
		n[e.Type]++
	}
	for _, typ := range []string{initialData, sixMonth, changeInData, movement, launch, convStart, convComplete, bomberDepart, intentInspect, arrivalPOE, siteDesignate} {
		if n[typ] == 0 {
			t.Errorf("no %s notifications", typ)
		}
	}
	t.Logf("%d events: %v", len(w.Events), n)
}

func BenchmarkBuild(b *testing.B) {
	var w *World
	for b.Loop() {
		var err error
		if w, err = Build(NewSTART, 1); err != nil {
			b.Fatal(err)
		}
	}
	items := 0
	for _, e := range w.Events {
		items += len(e.Items)
	}
	b.ReportMetric(float64(len(w.Events)), "events")
	b.ReportMetric(float64(items), "item-rows")
}

// TestTrilateral checks the trilateral world: three parties state their
// holdings on the framework's entry into force, the United States and
// Russia still meet their targets, and China's simulated stockpile grows
// past its 2021 freeze.
func TestTrilateral(t *testing.T) {
	w := world(t, Trilateral, 1)
	if w.Treaty.ID != "trilateral-draft" || !slices.Equal(w.Parties, []string{"USA", "RUS", "CHN"}) {
		t.Fatalf("treaty %s, parties %v", w.Treaty.ID, w.Parties)
	}
	eif := w.Treaty.Dates.EntryIntoForce
	for _, p := range w.Parties {
		if e := w.Events[slices.IndexFunc(w.Events, func(e Event) bool { return e.Party == p })]; e.Type != initialData || !e.Effective.Equal(eif) {
			t.Errorf("%s starts with %s on %s", p, e.Type, e.Effective)
		}
		checkLifecycle(t, w, p)
	}
	for _, tg := range w.Calibration {
		if tg.Party == "CHN" {
			continue
		}
		v := count(t, w.Treaty, w.HoldingsAt(tg.Party, tg.Date), tg.Party, tg.Date, "")
		delete(v, "total_warheads")
		if !sameCounts(v, tg.Values()) {
			t.Errorf("%s %s: counted %v, target %v", tg.Date, tg.Party, v, tg.Values())
		}
	}
	first, last := -1, 0
	foldAll(t, w, "CHN", func(e Event, f *fold) {
		if first < 0 {
			first = f.total()
		}
		last = f.total()
	})
	if last <= first {
		t.Errorf("CHN total warheads end at %d, want more than the %d of the freeze's baseline", last, first)
	}
}

// TestProgress checks that progress reaches its total, in order.
func TestProgress(t *testing.T) {
	last := 0
	_, err := BuildWith(NewSTART, 3, func(party string, d treaty.Date, done, total int) {
		if done != last+1 || done > total {
			t.Fatalf("progress %d/%d after %d", done, total, last)
		}
		last = done
		if done == total && (party != "RUS" || d.String() != "2022-09-01") {
			t.Errorf("last step %s %s", party, d)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if last == 0 {
		t.Fatal("no progress reported")
	}
}

// TestSplit checks that a data statement split into parts keeps every
// item once, in order, and every other member.
func TestSplit(t *testing.T) {
	w := world(t, NewSTART, 1)
	e := w.Events[0]
	parts := e.Split(500)
	var items []declaration.Item
	for _, p := range parts {
		if len(p.Items) > 500 || p.Type != e.Type || !p.Effective.Equal(e.Effective) || !p.Sent.Equal(e.Sent) {
			t.Fatalf("part %+v", p.Type)
		}
		items = append(items, p.Items...)
	}
	if len(parts) < 2 || !slices.Equal(items, e.Items) {
		t.Errorf("%d parts, %d of %d items", len(parts), len(items), len(e.Items))
	}
}

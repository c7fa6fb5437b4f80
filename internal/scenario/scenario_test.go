package scenario

import (
	"strings"
	"testing"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// usTypes is the United States' New START data as of 1 September 2020,
// per type: the public aggregates (675, 1,457, 800) with per-type
// warheads derived as the file's header says.
const usTypes = "../../testdata/us-2020-09-01-types.csv"

func loadSet(t testing.TB, files ...string) *declaration.Set {
	t.Helper()
	set, err := LoadFiles(files...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func date(t *testing.T, s string) treaty.Date {
	t.Helper()
	d, err := treaty.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// want is one limit's expected value, ceiling and verdict.
type want struct {
	value, ceiling int
	verdict        string
}

func checkOutcome(t *testing.T, r *Report, option string, wants map[string]want) {
	t.Helper()
	for _, o := range r.Outcomes {
		if o.Option != option {
			continue
		}
		if len(o.Limits) != len(wants) {
			t.Errorf("%s: %d limits, want %d: %+v", option, len(o.Limits), len(wants), o.Limits)
		}
		for _, l := range o.Limits {
			w, ok := wants[l.ID]
			if !ok {
				t.Errorf("%s: unexpected limit %s", option, l.ID)
				continue
			}
			if l.Verdict != w.verdict || (w.value != 0 && (l.Value != w.value || l.Limit != w.ceiling || l.Margin != w.ceiling-w.value)) {
				t.Errorf("%s %s: %d/%d margin %d %s, want %d/%d %s", option, l.ID, l.Value, l.Limit, l.Margin, l.Verdict, w.value, w.ceiling, w.verdict)
			}
		}
		return
	}
	t.Errorf("no outcome for %s", option)
}

// TestEvaluateUS2020 checks every option for the United States on 1
// September 2020 against sums done by hand from the declaration:
// deployed vehicles 397+230+12+36 = 675, warheads 397+1012+12+36 = 1457,
// launchers (397+57)+(230+50)+(12+8+36+10) = 800, as published. The two
// freeze options carry New START's ceilings, in force, and their freezes
// take effect on 5 February 2021; the trilateral draft is not in force
// before its (hypothetical) entry into force, but its margins are shown.
func TestEvaluateUS2020(t *testing.T) {
	r, err := Evaluate(loadSet(t, usTypes), "USA", date(t, "2020-09-01"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	met := map[string]want{
		"deployed_delivery_vehicles": {675, 700, engine.Met},
		"warheads":                   {1457, 1550, engine.Met},
		"launchers":                  {800, 800, engine.Met},
	}
	checkOutcome(t, r, "newstart", met)
	checkOutcome(t, r, "newstart-freeze-2020", map[string]want{
		"deployed_delivery_vehicles": {675, 700, engine.Met},
		"warheads":                   {1457, 1550, engine.Met},
		"launchers":                  {800, 800, engine.Met},
		"total_warheads":             {0, 0, engine.NotInForce},
	})
	checkOutcome(t, r, "us-freeze-2020", map[string]want{
		"deployed_delivery_vehicles": {675, 700, engine.Met},
		"warheads":                   {1457, 1550, engine.Met},
		"launchers":                  {800, 800, engine.Met},
		"total_warheads":             {0, 0, engine.NotInForce},
	})
	notYet := map[string]want{
		"deployed_delivery_vehicles": {675, 700, engine.TreatyNotInForce},
		"warheads":                   {1457, 1550, engine.TreatyNotInForce},
		"launchers":                  {800, 800, engine.TreatyNotInForce},
		"total_warheads":             {0, 0, engine.TreatyNotInForce},
	}
	checkOutcome(t, r, "trilateral-draft", notYet)
	checkOutcome(t, r, NoTreaty, map[string]want{})
	if r.Declared != "2020-09-01" {
		t.Errorf("declared %s, want 2020-09-01", r.Declared)
	}
}

// TestEvaluateChange retires 50 Minuteman III and uploads 2 warheads per
// Trident II: deployed vehicles 675-50 = 625; warheads 1457-50+2×230 =
// 1867, over 1,550 by 317; launchers stay 800 (the 50 silos become
// non-deployed).
func TestEvaluateChange(t *testing.T) {
	c, err := ParseChange("posture.yaml", []byte("name: test\nsteps:\n  - retire: 50\n    type: Minuteman III\n  - upload: 2\n    type: Trident II\n"))
	if err != nil {
		t.Fatal(err)
	}
	set := loadSet(t, usTypes)
	r, err := Evaluate(set, "USA", date(t, "2020-09-01"), c, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, r, "newstart", map[string]want{
		"deployed_delivery_vehicles": {625, 700, engine.Met},
		"warheads":                   {1867, 1550, engine.Exceeded},
		"launchers":                  {800, 800, engine.Met},
	})
	// The set itself is unchanged: evaluated again without the change it
	// gives the declared figures.
	r, err = Evaluate(set, "USA", date(t, "2020-09-01"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, r, "newstart", map[string]want{
		"deployed_delivery_vehicles": {675, 700, engine.Met},
		"warheads":                   {1457, 1550, engine.Met},
		"launchers":                  {800, 800, engine.Met},
	})
}

// TestEvaluateFreeze reads the 20 October 2020 warhead declaration too:
// the freezes have their baseline (5,750 warheads), and on 1 June 2021 the
// us-freeze-2020 freeze is met with a margin of 0.
func TestEvaluateFreeze(t *testing.T) {
	set := loadSet(t, usTypes, "../../testdata/us-2020-10-20-warheads.csv")
	r, err := Evaluate(set, "USA", date(t, "2021-06-01"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The declaration in force on that date is the warhead one: it says
	// nothing of delivery vehicles (as accord check reports it).
	checkOutcome(t, r, "us-freeze-2020", map[string]want{
		"deployed_delivery_vehicles": {0, 0, engine.NoData},
		"warheads":                   {0, 0, engine.NoData},
		"launchers":                  {0, 0, engine.NoData},
		"total_warheads":             {5750, 5750, engine.Met},
	})
}

func TestEvaluateNothingDeclared(t *testing.T) {
	_, err := Evaluate(loadSet(t, usTypes), "RUS", date(t, "2020-09-01"), nil, 0)
	if err == nil || err.Error() != "RUS declared nothing on or before 2020-09-01" {
		t.Errorf("err = %v", err)
	}
}

func TestHeadroom(t *testing.T) {
	for _, c := range []struct {
		l    engine.LimitResult
		n    int
		okay bool
	}{
		{engine.LimitResult{Margin: 93, Verdict: engine.Met}, 93, true},
		{engine.LimitResult{Margin: -317, Verdict: engine.Exceeded}, 0, true},
		{engine.LimitResult{Margin: 1550, Verdict: engine.NoData}, 0, false},
		{engine.LimitResult{Verdict: engine.NotInForce, Note: "no data declared in warhead"}, 0, false},
		{engine.LimitResult{Margin: 25, Verdict: engine.TreatyNotInForce}, 25, true},
	} {
		if n, ok := Headroom(c.l); n != c.n || ok != c.okay {
			t.Errorf("Headroom(%+v) = %d, %v; want %d, %v", c.l, n, ok, c.n, c.okay)
		}
	}
}

func mustTreaty(t testing.TB, id string) *treaty.Treaty {
	t.Helper()
	tr, err := treaty.Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestTightest: on 1 September 2020 the United States could add 25
// deployed vehicles, 93 warheads and no launcher under New START: the
// launchers bind first, under every option with central limits; with the
// posture of TestEvaluateChange the warheads (over, 0) tie with the
// launchers (0) and the first in treaty order is named.
func TestTightest(t *testing.T) {
	r, err := Evaluate(loadSet(t, usTypes), "USA", date(t, "2020-09-01"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Outcomes {
		want := "launchers"
		if o.Option == NoTreaty {
			want = ""
		}
		if o.Tightest != want {
			t.Errorf("%s: tightest %q, want %q", o.Option, o.Tightest, want)
		}
	}
	c, err := ParseChange("posture.yaml", []byte("steps:\n  - retire: 50\n    type: Minuteman III\n  - upload: 2\n    type: Trident II\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err = Evaluate(loadSet(t, usTypes), "USA", date(t, "2020-09-01"), c, 0); err != nil {
		t.Fatal(err)
	}
	if got := r.Outcomes[0].Tightest; got != "warheads" {
		t.Errorf("with the posture: tightest %q, want warheads", got)
	}
}

// TestExamples: every example change file parses and applies to the
// holdings it names (the United States' or Russia's of 2020, per type).
func TestExamples(t *testing.T) {
	us := usDeclaration(t)
	if len(Examples()) < 3 {
		t.Fatalf("%d examples", len(Examples()))
	}
	for _, e := range Examples() {
		c, err := ParseChange(e.Name+".yaml", e.YAML)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if strings.HasPrefix(e.Name, "us-") {
			if _, err := c.Apply(us); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
	}
	if _, ok := LookupExample("us-fewer-icbms"); !ok {
		t.Error("no example us-fewer-icbms")
	}
}

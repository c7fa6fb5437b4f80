package treaty

import (
	"slices"
	"strings"
	"testing"
)

// TestPositions2020 pins the two positions of October 2020 as written:
// Russia's offer (newstart-freeze-2020) and the US position
// (us-freeze-2020), each a one-year extension of New START with a
// political freeze on every party's total warheads at its level of 20
// October 2020; only the US position exchanges the baseline.
func TestPositions2020(t *testing.T) {
	tests := []struct {
		id       string
		cites    []string // in the treaty's cite
		exchange bool     // a data exchange as of the baseline date
	}{
		{"newstart-freeze-2020", []string{"Russian Ministry of Foreign Affairs statement of 20 October 2020", "no additional conditions"}, false},
		{"us-freeze-2020", []string{"O'Brien, statement of 16 October 2020", "capping all nuclear warheads", "verifiable agreement"}, true},
	}
	for _, tc := range tests {
		tr := mustBuiltin(t, tc.id)
		if !tr.Hypothetical {
			t.Errorf("%s: not marked hypothetical", tc.id)
		}
		checkParties(t, tr, "USA", "RUS")
		if got := tr.Expiry().String(); got != "2022-02-05" {
			t.Errorf("%s expires %s, want 2022-02-05 (one year after 5 February 2021)", tc.id, got)
		}
		for _, c := range tc.cites {
			if !strings.Contains(tr.Cite, c) {
				t.Errorf("%s: cite lacks %q", tc.id, c)
			}
		}
		f := checkFreeze(t, tr, "2020-10-20", "USA", "RUS")
		if f.Binding != Political {
			t.Errorf("%s: freeze binding %q, want political", tc.id, f.Binding)
		}
		baseline := MustDate("2020-10-20")
		if got := slices.ContainsFunc(tr.DataExchange.Also, baseline.Equal); got != tc.exchange {
			t.Errorf("%s: baseline exchange as of 2020-10-20 = %v, want %v", tc.id, got, tc.exchange)
		}
	}
}

// TestTrilateralFreezesAll checks that the trilateral draft freezes every
// party's total warheads, China's among them, while its central limits
// bind the United States and Russia only.
func TestTrilateralFreezesAll(t *testing.T) {
	tr := mustBuiltin(t, "trilateral-draft")
	checkParties(t, tr, "USA", "RUS", "CHN")
	checkFreeze(t, tr, "2021-02-05", "USA", "RUS", "CHN")
	for _, id := range []string{"deployed_delivery_vehicles", "warheads", "launchers"} {
		l, _ := tr.Limit(id)
		if l.Binds("CHN") || !l.Binds("USA") || !l.Binds("RUS") {
			t.Errorf("trilateral-draft %s binds %v, want USA and RUS only", id, l.Parties)
		}
	}
}

func checkParties(t *testing.T, tr *Treaty, want ...string) {
	t.Helper()
	var got []string
	for _, p := range tr.Parties {
		got = append(got, p.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: parties %v, want %v", tr.ID, got, want)
	}
}

// checkFreeze checks tr's total_warheads limit: a freeze (no ceiling) at
// baseline, binding every party in parties, counting strategic and
// non-strategic warheads, deployed, stored and retired awaiting
// dismantlement (not dismantled), each rule cited.
func checkFreeze(t *testing.T, tr *Treaty, baseline string, parties ...string) Limit {
	t.Helper()
	l, ok := tr.Limit("total_warheads")
	if !ok {
		t.Fatalf("%s: no total_warheads limit", tr.ID)
	}
	if l.Ceiling != nil || l.Baseline.String() != baseline {
		t.Errorf("%s: total_warheads ceiling %v baseline %s, want a freeze at %s", tr.ID, l.Ceiling, l.Baseline, baseline)
	}
	for _, p := range parties {
		if !l.Binds(p) {
			t.Errorf("%s: the freeze does not bind %s", tr.ID, p)
		}
	}
	for _, cat := range []string{"warhead", "nonstrategic_warhead"} {
		if !tr.WarheadCategory(cat) {
			t.Errorf("%s: %s is not a warhead category", tr.ID, cat)
		}
		for _, st := range []string{"deployed", "non_deployed", "retired"} {
			if !slices.ContainsFunc(l.Count, func(r Rule) bool { return r.Matches(cat, st) && r.Cite != "" }) {
				t.Errorf("%s: the freeze does not count %s %s with a citation", tr.ID, st, cat)
			}
		}
		if slices.ContainsFunc(l.Count, func(r Rule) bool { return r.Matches(cat, "dismantled") }) {
			t.Errorf("%s: the freeze counts dismantled %s", tr.ID, cat)
		}
	}
	return l
}

package treaty

import (
	"strings"
	"testing"
)

// TestNewSTARTInspections pins Part Five as data in the built-in New
// START and the definitions that inherit it: which facility types each
// inspection type may visit, its quota, and the exhibitions.
func TestNewSTARTInspections(t *testing.T) {
	for _, id := range []string{"newstart", "newstart-freeze-2020", "us-freeze-2020", "trilateral-draft"} {
		tr, err := Builtin(id)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			typ, facility string
			may           bool
		}{
			{"type_one", "icbm_base", true},
			{"type_one", "submarine_base", true},
			{"type_one", "air_base", true},
			{"type_one", "storage", false},
			{"type_one", "conversion_elimination", false},
			{"type_two", "storage", true},
			{"type_two", "repair", true},
			{"type_two", "test_range", true},
			{"type_two", "training", true},
			{"type_two", "icbm_loading", true},
			{"type_two", "slbm_loading", true},
			{"type_two", "conversion_elimination", true},
			{"type_two", "formerly_declared", true},
			{"type_two", "heavy_bomber_storage", true},
			{"type_two", "icbm_base", false},
			{"type_two", "production", false},
			{"exhibition", "icbm_base", false},
		}
		for _, tc := range tests {
			it, ok := tr.Inspection(tc.typ)
			if !ok {
				t.Fatalf("%s: no inspection type %s", id, tc.typ)
			}
			if !tr.HasFacilityType(tc.facility) {
				t.Errorf("%s: no facility type %s", id, tc.facility)
			}
			if it.MayVisit(tc.facility) != tc.may {
				t.Errorf("%s: %s may visit %s = %v, want %v", id, tc.typ, tc.facility, !tc.may, tc.may)
			}
		}
		quota := map[string]int{}
		for _, it := range tr.Inspections {
			quota[it.ID] = it.PerYear
		}
		if len(quota) != 2 || quota["type_one"] != 10 || quota["type_two"] != 8 {
			t.Errorf("%s: quotas %v, want type_one 10 and type_two 8 (and exhibitions apart)", id, quota)
		}
		if len(tr.Exhibitions) != 2 || tr.Exhibitions[0].PerYear != 0 || len(tr.Exhibitions[0].Facilities) != 0 {
			t.Errorf("%s: exhibitions %+v", id, tr.Exhibitions)
		}
		if _, ok := tr.Inspection("nosuch"); ok {
			t.Errorf("%s: Inspection(nosuch) found one", id)
		}
	}
}

// TestNewSTARTInspectionCites checks that every facility type,
// inspection type and exhibition of New START cites Part Five or says
// where it comes from instead, and that what was not checked against the
// text says so.
func TestNewSTARTInspectionCites(t *testing.T) {
	tr, err := Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	var cites []string
	for _, f := range tr.FacilityTypes {
		cites = append(cites, f.ID+": "+f.Cite)
	}
	for _, it := range append(append([]InspectionType{}, tr.Inspections...), tr.Exhibitions...) {
		cites = append(cites, it.ID+": "+it.Cite)
		if len(it.Purposes) == 0 {
			t.Errorf("%s has no purposes", it.ID)
		}
	}
	for _, c := range cites {
		if !strings.Contains(c, "Part Five") && !strings.Contains(c, "fact sheet") {
			t.Errorf("%s: cites neither Part Five nor a fact sheet", c)
		}
	}
	for _, id := range []string{"type_one", "type_two", "exhibition_nonnuclear_bomber"} {
		it, _ := tr.Inspection(id)
		if !strings.Contains(it.Cite, "not checked against the text") {
			t.Errorf("%s: its cite does not say what was not checked against the text: %s", id, it.Cite)
		}
	}
}

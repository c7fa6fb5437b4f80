package draw

import (
	"encoding/json"
	"testing"
)

// TestSelection reads the selection of inspection bodies, refuses
// malformed ones, and checks a choice by draw against the draw.
func TestSelection(t *testing.T) {
	usa, rus := twoParties(t)
	r, err := Check(usa.bundle(), rus.bundle(), usa.log.v, rus.log.v)
	if err != nil {
		t.Fatal(err)
	}
	picks, _ := json.Marshal(r.Picks)
	byDraw := `{"inspection_type":"type_one","selection":{"by":"draw","draw":"rv-2020-11","picks":` + string(picks) + `,"chosen":["MM3-0042"]}}`
	s, err := ParseSelection([]byte(byDraw))
	if err != nil || s.By != Jointly || s.Chosen[0] != "MM3-0042" {
		t.Fatalf("%+v, %v", s, err)
	}
	if err := s.Applies(r); err != nil {
		t.Fatal(err)
	}
	s.Picks[0]++
	if err := s.Applies(r); err == nil {
		t.Fatal("other picks apply the draw")
	}
	free, err := ParseSelection([]byte(`{"inspection_type":"type_one","selection":{"by":"inspectors","chosen":["minot"]}}`))
	if err != nil || free.Applies(r) == nil {
		t.Fatalf("a free choice: %+v, %v", free, err)
	}
	if s, err := ParseSelection([]byte(`{"inspection_type":"type_one"}`)); s != nil || err != nil {
		t.Fatalf("no selection: %+v, %v", s, err)
	}
	for _, bad := range []string{
		`{"selection":{"by":"inspector"}}`,
		`{"selection":{"by":"inspectors","draw":"d"}}`,
		`{"selection":{"by":"draw","draw":"d"}}`,
		`{"selection":{"by":"draw","picks":[1]}}`,
		`{"selection":{"by":"draw","draw":"d","picks":[1],"x":1}}`,
		`{"selection":"draw"}`,
		`[]`,
	} {
		if _, err := ParseSelection([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

package scenario

import (
	"testing"

	"accord/internal/declaration"
)

func usDeclaration(t testing.TB) *declaration.Declaration {
	t.Helper()
	set := loadSet(t, usTypes)
	for _, d := range set.Declarations(mustTreaty(t, "us-freeze-2020")) {
		if d.Party == "USA" {
			return d
		}
	}
	t.Fatal("no US declaration")
	return nil
}

// TestUploadUS2020 is the United States on 1 September 2020 under "no
// treaty", by hand from the declaration and the force-facts loads:
//
//	Minuteman III  (397 deployed + min(261 missiles, 57 launchers) non-deployed) × 3  = 1,362
//	Trident II     (230 + min(234, 50)) × 8..12                                       = 2,240..3,360
//	B-2A           (12 + 8 non-deployed bombers) × 16                                 = 320
//	B-52H          (36 + 10) × 20 (the 41 converted are not counted)                  = 920
//
// 4,842 to 5,962 warheads, against 1,457 counted. The counts are public
// (the State Department's data as of 1 September 2020); the Trident II
// warheads now (1,012) are derived; the loads are the sources' in
// facts.yaml. Months at 10 a month: 454/10, 280/10, 20/10, 46/10 rounded up.
func TestUploadUS2020(t *testing.T) {
	u := UploadPotential(usDeclaration(t), 10)
	want := []UploadRow{
		{Type: "B-2A", Category: "heavy_bomber", Deployed: 12, Counted: 12, Reserve: 8, Low: 16, High: 16, PotentialLow: 320, PotentialHigh: 320, Known: true, Months: 2},
		{Type: "B-52H", Category: "heavy_bomber", Deployed: 36, Counted: 36, Reserve: 10, Low: 20, High: 20, PotentialLow: 920, PotentialHigh: 920, Known: true, Months: 5},
		{Type: "Minuteman III", Category: "icbm", Deployed: 397, Counted: 397, Reserve: 57, Low: 3, High: 3, PotentialLow: 1362, PotentialHigh: 1362, Known: true, Months: 46},
		{Type: "Trident II", Category: "slbm", Deployed: 230, Counted: 1012, Reserve: 50, Low: 8, High: 12, PotentialLow: 2240, PotentialHigh: 3360, Known: true, Months: 28},
	}
	if len(u.Rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(u.Rows), len(want), u.Rows)
	}
	for i := range want {
		if u.Rows[i] != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, u.Rows[i], want[i])
		}
	}
	if u.Counted != 1457 || u.Low != 4842 || u.High != 5962 {
		t.Errorf("totals %d, %d..%d; want 1457, 4842..5962", u.Counted, u.Low, u.High)
	}
}

// TestUploadUnknownLoad: a type the force-facts table has no load for
// adds nothing: its potential is what it carries now.
func TestUploadUnknownLoad(t *testing.T) {
	d := &declaration.Declaration{Party: "RUS", Types: []declaration.TypeCount{
		{Type: "Sineva", Category: "slbm", Status: "deployed", Count: 80, Warheads: 320},
		{Type: "Sineva", Category: "slbm_launcher", Status: "deployed", Count: 80},
		{Type: "RS-24", Category: "icbm", Status: "deployed", Count: 10, Warheads: 30},
		{Type: "RS-24", Category: "icbm", Status: "non_deployed", Count: 5},
		{Type: "RS-24", Category: "icbm_launcher", Status: "non_deployed", Count: 2},
	}}
	u := UploadPotential(d, 0)
	// RS-24: (10 + min(5, 2)) × 3..4 = 36..48; Sineva 320 as declared.
	if u.Counted != 350 || u.Low != 356 || u.High != 368 {
		t.Errorf("totals %d, %d..%d; want 350, 356..368", u.Counted, u.Low, u.High)
	}
	if u.Rows[1].Known || u.Rows[1].Type != "Sineva" || u.Rows[1].Months != 0 {
		t.Errorf("Sineva row %+v", u.Rows[1])
	}
}

// TestFacts checks the embedded table: every type has a load of at least
// one, a low end not above the high, and a source with an address.
func TestFacts(t *testing.T) {
	fs := Facts()
	for _, typ := range []string{"Minuteman III", "Trident II", "RS-24", "Bulava"} {
		if _, ok := fs[typ]; !ok {
			t.Errorf("no load for %s", typ)
		}
	}
	for typ, f := range fs {
		for _, s := range f.Sources {
			if s.Title == "" || s.URL == "" || s.Says == "" {
				t.Errorf("%s: source %+v lacks a title, address or quotation", typ, s)
			}
		}
	}
	if got := fs["Minuteman III"].Load; got != [2]int{3, 3} {
		t.Errorf("Minuteman III load %v", got)
	}
	for _, bad := range []string{
		"types:\n  - {type: X, party: USA, category: icbm, load: [3, 2], sources: [{title: t, url: u, says: s}]}\n",
		"types:\n  - {type: X, party: USA, category: icbm, load: [3, 3]}\n",
		"types:\n  - {type: X, party: USA, category: icbm, load: [0, 3], sources: [{title: t, url: u, says: s}]}\n",
		"types:\n  - {type: X, party: USA, loads: [1, 3]}\n",
	} {
		if _, err := parseFacts([]byte(bad)); err == nil {
			t.Errorf("parseFacts accepted %q", bad)
		}
	}
}

// TestFactsAliases: a declaration naming Minuteman III by its alias
// (the demo's MM-III) gets its load: (10 + min(4, 2)) × 3 = 36; a type
// listed twice, by name or alias, is refused.
func TestFactsAliases(t *testing.T) {
	d := &declaration.Declaration{Party: "USA", Types: []declaration.TypeCount{
		{Type: "MM-III", Category: "icbm", Status: "deployed", Count: 10, Warheads: 10},
		{Type: "MM-III", Category: "icbm", Status: "non_deployed", Count: 4},
		{Type: "MM-III", Category: "icbm_launcher", Status: "non_deployed", Count: 2},
		{Type: "MM-III", Category: "icbm_launcher", Status: "deployed", Count: 10},
	}}
	if u := UploadPotential(d, 0); u.Low != 36 || u.High != 36 || !u.Rows[0].Known {
		t.Errorf("MM-III: %+v", u)
	}
	// A change naming the type by its other name applies to it.
	c, err := ParseChange("c.yaml", []byte("steps:\n  - retire: 3\n    type: Minuteman III\n"))
	if err != nil {
		t.Fatal(err)
	}
	changed, err := c.Apply(d)
	if err != nil {
		t.Fatal(err)
	}
	if u := UploadPotential(changed, 0); u.Counted != 7 || u.Rows[0].Type != "MM-III" || u.Rows[0].Reserve != 5 {
		t.Errorf("after retiring 3 Minuteman III: %+v", u)
	}
	dup := "types:\n  - {type: X, aliases: [Y], party: USA, category: icbm, load: [1, 1], sources: [{title: t, url: u, says: s}]}\n  - {type: Y, party: USA, category: icbm, load: [1, 1], sources: [{title: t, url: u, says: s}]}\n"
	if _, err := parseFacts([]byte(dup)); err == nil || err.Error() != "facts.yaml: Y: listed twice" {
		t.Errorf("parseFacts: %v", err)
	}
}

package scenario

import (
	"strings"
	"testing"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// TestOverTime is Russia's upload potential on three dates from two
// invented declarations, by hand from the force-facts loads (RS-24 3..4,
// Bulava 6..10, Tu-160 12):
//
//	2019-03-01  nothing declared yet: no point
//	2019-09-01  RS-24 (40 + min(10, 6)) × 3..4 = 138..184; Bulava 48 × 6..10 = 288..480;
//	            counted 160 + 288 = 448; potential 426..664
//	2020-03-01  the 2019-09-01 declaration is still in force: the same
//	2020-09-01  RS-24 (60 + min(4, 8)) × 3..4 = 192..256; Bulava 48 × 6..10 = 288..480;
//	            Tu-160 (10 + 2) × 12 = 144; counted 240 + 288 + 10 = 538; potential 624..880
func TestOverTime(t *testing.T) {
	tc := func(asOf, typ, cat, status string, n, w int) declaration.TypeCount {
		return declaration.TypeCount{AsOf: treaty.MustDate(asOf), Party: "RUS", Type: typ, Category: cat, Status: status, Count: n, Warheads: w}
	}
	d1 := &declaration.Declaration{Party: "RUS", AsOf: treaty.MustDate("2019-09-01"), Types: []declaration.TypeCount{
		tc("2019-09-01", "RS-24", "icbm", "deployed", 40, 160),
		tc("2019-09-01", "RS-24", "icbm", "non_deployed", 10, 0),
		tc("2019-09-01", "RS-24", "icbm_launcher", "non_deployed", 6, 0),
		tc("2019-09-01", "Bulava", "slbm", "deployed", 48, 288),
	}}
	d2 := &declaration.Declaration{Party: "RUS", AsOf: treaty.MustDate("2020-09-01"), Types: []declaration.TypeCount{
		tc("2020-09-01", "RS-24", "icbm", "deployed", 60, 240),
		tc("2020-09-01", "RS-24", "icbm", "non_deployed", 4, 0),
		tc("2020-09-01", "RS-24", "icbm_launcher", "non_deployed", 8, 0),
		tc("2020-09-01", "Bulava", "slbm", "deployed", 48, 288),
		tc("2020-09-01", "Tu-160", "heavy_bomber", "deployed", 10, 0),
		tc("2020-09-01", "Tu-160", "heavy_bomber", "non_deployed", 2, 0),
	}}
	usa := &declaration.Declaration{Party: "USA", AsOf: treaty.MustDate("2019-09-01"), Types: []declaration.TypeCount{
		{AsOf: treaty.MustDate("2019-09-01"), Party: "USA", Type: "Minuteman III", Category: "icbm", Status: "deployed", Count: 400, Warheads: 400},
	}}
	var dates []treaty.Date
	for _, s := range []string{"2019-03-01", "2019-09-01", "2020-03-01", "2020-09-01"} {
		dates = append(dates, treaty.MustDate(s))
	}
	got := OverTime([]*declaration.Declaration{d1, usa, d2}, "RUS", dates)
	want := []Point{
		{AsOf: "2019-09-01", Party: "RUS", Declared: "2019-09-01", Counted: 448, Low: 426, High: 664},
		{AsOf: "2020-03-01", Party: "RUS", Declared: "2019-09-01", Counted: 448, Low: 426, High: 664},
		{AsOf: "2020-09-01", Party: "RUS", Declared: "2020-09-01", Counted: 538, Low: 624, High: 880},
	}
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestBaselines: the freezes of Russia's offer and of the US position
// take their baseline on 20 October 2020, the trilateral draft's on its
// (hypothetical) entry into force, 5 February 2021.
func TestBaselines(t *testing.T) {
	bs, err := Baselines()
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].String() != "2020-10-20" || bs[1].String() != "2021-02-05" {
		t.Errorf("baselines %v", bs)
	}
}

// TestGather reads on the date, the two baselines and the series, in
// order and once each, and keeps what declares anything.
func TestGather(t *testing.T) {
	var read []string
	decls, err := Gather(treaty.MustDate("2020-09-01"), []treaty.Date{treaty.MustDate("2020-03-01"), treaty.MustDate("2020-09-01")}, func(d treaty.Date) (*declaration.Declaration, error) {
		read = append(read, d.String())
		if d.String() == "2020-10-20" {
			return &declaration.Declaration{Party: "USA", AsOf: d}, nil // nothing declared
		}
		return &declaration.Declaration{Party: "USA", AsOf: d, Types: []declaration.TypeCount{{Type: "B-2A"}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(read, " "); got != "2020-03-01 2020-09-01 2020-10-20 2021-02-05" {
		t.Errorf("read %s", got)
	}
	if len(decls) != 3 || decls[0].AsOf.String() != "2020-03-01" || decls[2].AsOf.String() != "2021-02-05" {
		t.Errorf("gathered %d declarations", len(decls))
	}
}

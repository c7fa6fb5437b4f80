package engine

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

func newstart(t testing.TB) *treaty.Treaty {
	t.Helper()
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func load(t testing.TB, tr *treaty.Treaty, path string) []*declaration.Declaration {
	t.Helper()
	s, err := declaration.LoadFile(tr, path)
	if err != nil {
		t.Fatal(err)
	}
	return s.Declarations(tr)
}

// TestPublishedAggregates replays every published data exchange: each
// figure on or after 5 February 2018 is met, each before is not yet in
// force (not a violation), and after expiry the treaty is not in force.
func TestPublishedAggregates(t *testing.T) {
	tr := newstart(t)
	decls := load(t, tr, filepath.Join("..", "..", "testdata", "newstart-aggregates.csv"))
	if len(decls) != 45 {
		t.Fatalf("got %d declarations, want the 45 published rows", len(decls))
	}
	limitsFrom := treaty.MustDate("2018-02-05")
	for _, d := range decls {
		res, err := Evaluate(tr, d.AsOf, "", []*declaration.Declaration{d})
		if err != nil {
			t.Fatal(err)
		}
		want := Met
		if d.AsOf.Before(limitsFrom) {
			want = NotInForce
		}
		for _, l := range res.Parties[0].Limits {
			if l.Verdict != want {
				t.Errorf("%s %s %s = %d: verdict %s, want %s", d.AsOf, d.Party, l.ID, l.Value, l.Verdict, want)
			}
			if l.Value != d.Aggregate.Values[l.ID] {
				t.Errorf("%s %s %s: value %d, want the published %d", d.AsOf, d.Party, l.ID, l.Value, d.Aggregate.Values[l.ID])
			}
		}
	}
	// The United States' 882 deployed delivery vehicles on entry into force.
	res, err := Evaluate(tr, treaty.MustDate("2011-02-05"), "", decls)
	if err != nil {
		t.Fatal(err)
	}
	if l := res.Parties[0].Limits[0]; res.Parties[0].Party != "USA" || l.Value != 882 || l.Verdict != NotInForce || l.Margin != -182 {
		t.Errorf("US on 2011-02-05: %+v", l)
	}
	if res.Exceeded() {
		t.Error("figures before the limits took effect reported as exceeded")
	}
	// After expiry, the last declarations stand but the treaty is over.
	res, err = Evaluate(tr, treaty.MustDate("2026-02-05"), "", decls)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Parties {
		for _, l := range p.Limits {
			if l.Verdict != TreatyNotInForce {
				t.Errorf("after expiry %s %s: verdict %s", p.Party, l.ID, l.Verdict)
			}
		}
	}
}

// TestFactSheetPerType rebuilds the published 1 September 2020 US
// aggregates from per-type figures, and the contested reading adds the 56
// converted Trident launchers, 41 converted B-52H and 4 training silos.
func TestFactSheetPerType(t *testing.T) {
	tr := newstart(t)
	decls := load(t, tr, filepath.Join("..", "..", "testdata", "us-2020-09-01-types.csv"))
	d := treaty.MustDate("2020-09-01")
	want := map[string]map[string]int{
		treaty.DefaultReading: {"deployed_delivery_vehicles": 675, "warheads": 1457, "launchers": 800},
		"rus-2022":            {"deployed_delivery_vehicles": 675, "warheads": 1457, "launchers": 800 + 56 + 41 + 4},
	}
	for reading, w := range want {
		res, err := Evaluate(tr, d, reading, decls)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Parties[0].Limits {
			if l.Value != w[l.ID] {
				t.Errorf("reading %s, %s = %d, want %d", reading, l.ID, l.Value, w[l.ID])
			}
		}
	}
}

// TestCountingRules checks each counting rule of New START on one item at
// a time.
func TestCountingRules(t *testing.T) {
	tr := newstart(t)
	tests := []struct {
		category, status string
		warheads         int
		reading          string
		want             [3]int // deployed_delivery_vehicles, warheads, launchers
	}{
		{"icbm", "deployed", 1, "", [3]int{1, 1, 0}},
		{"icbm", "deployed", 3, "", [3]int{1, 3, 0}},
		{"icbm", "non_deployed", 0, "", [3]int{0, 0, 0}},
		{"slbm", "deployed", 4, "", [3]int{1, 4, 0}},
		{"slbm", "non_deployed", 0, "", [3]int{0, 0, 0}},
		{"heavy_bomber", "deployed", 20, "", [3]int{1, 1, 1}}, // one warhead per bomber, whatever it carries
		{"heavy_bomber", "non_deployed", 0, "", [3]int{0, 0, 1}},
		{"heavy_bomber", "test", 0, "", [3]int{0, 0, 0}},
		{"heavy_bomber", "converted", 0, "", [3]int{0, 0, 0}},
		{"heavy_bomber", "converted", 0, "rus-2022", [3]int{0, 0, 1}},
		{"heavy_bomber", "eliminated", 0, "rus-2022", [3]int{0, 0, 0}},
		{"icbm_launcher", "deployed", 0, "", [3]int{0, 0, 1}},
		{"icbm_launcher", "non_deployed", 0, "", [3]int{0, 0, 1}},
		{"icbm_launcher", "test", 0, "", [3]int{0, 0, 0}},
		{"icbm_launcher", "test", 0, "rus-2022", [3]int{0, 0, 0}},
		{"icbm_launcher", "training", 0, "", [3]int{0, 0, 0}},
		{"icbm_launcher", "training", 0, "rus-2022", [3]int{0, 0, 1}},
		{"slbm_launcher", "deployed", 0, "", [3]int{0, 0, 1}},
		{"slbm_launcher", "converted", 0, "", [3]int{0, 0, 0}},
		{"slbm_launcher", "converted", 0, "rus-2022", [3]int{0, 0, 1}},
		{"slbm_launcher", "eliminated", 0, "", [3]int{0, 0, 0}},
		{"warhead", "non_deployed", 0, "", [3]int{0, 0, 0}},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s/%s/%d/%s", tc.category, tc.status, tc.warheads, tc.reading)
		t.Run(name, func(t *testing.T) {
			typ := "T"
			if tc.category == "heavy_bomber" {
				typ = "B-52H" // rus-2022 contests the B-52H's conversion
			}
			d := &declaration.Declaration{Party: "USA", Items: []declaration.Item{{Party: "USA", UID: "X", Type: typ, Category: tc.category, Status: tc.status, Warheads: tc.warheads}}}
			res, err := Evaluate(tr, treaty.MustDate("2020-01-01"), tc.reading, []*declaration.Declaration{d})
			if err != nil {
				t.Fatal(err)
			}
			var got [3]int
			for i, l := range res.Parties[0].Limits {
				got[i] = l.Value
			}
			if got != tc.want {
				t.Errorf("counted %v, want %v", got, tc.want)
			}
		})
	}
}

// TestVerdicts covers each verdict at the edges of the treaty's dates.
func TestVerdicts(t *testing.T) {
	tr := newstart(t)
	decl := func(launchers int) []*declaration.Declaration {
		return []*declaration.Declaration{{Party: "RUS", Aggregate: &declaration.Aggregate{Party: "RUS", Values: map[string]int{"launchers": launchers}}}}
	}
	tests := []struct {
		date      string
		launchers int
		want      string
	}{
		{"2018-02-04", 900, NotInForce},
		{"2018-02-05", 800, Met},
		{"2018-02-05", 801, Exceeded},
		{"2026-02-04", 801, Exceeded},
		{"2026-02-05", 801, TreatyNotInForce},
		{"2011-02-04", 801, TreatyNotInForce},
	}
	for _, tc := range tests {
		res, err := Evaluate(tr, treaty.MustDate(tc.date), "", decl(tc.launchers))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, l := range res.Parties[0].Limits {
			got[l.ID] = l.Verdict
		}
		if got["launchers"] != tc.want {
			t.Errorf("%s with %d launchers: %s, want %s", tc.date, tc.launchers, got["launchers"], tc.want)
		}
		if tc.want != TreatyNotInForce && tc.want != NotInForce && got["warheads"] != NoData {
			t.Errorf("%s: warheads not declared, verdict %s, want %s", tc.date, got["warheads"], NoData)
		}
	}
}

// TestFreeze checks that a freeze's ceiling is each party's own value on
// the baseline date, and that parties without a baseline get no verdict.
func TestFreeze(t *testing.T) {
	tr, err := treaty.Builtin("trilateral-draft")
	if err != nil {
		t.Fatal(err)
	}
	csv := "as_of,party,type,category,status,count,warheads\n" +
		"2021-02-05,CHN,DF-41,warhead,non_deployed,350,0\n" +
		"2023-01-01,CHN,DF-41,warhead,non_deployed,410,0\n" +
		"2023-01-01,USA,W87,warhead,non_deployed,3700,0\n"
	s, err := declaration.Load(tr, "freeze.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(tr, treaty.MustDate("2023-01-01"), "", s.Declarations(tr))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Parties {
		var ids []string
		for _, l := range p.Limits {
			ids = append(ids, l.ID)
		}
		switch p.Party {
		case "CHN":
			l := p.Limits[0]
			if len(p.Limits) != 1 || l.ID != "total_warheads" || l.Value != 410 || l.Limit != 350 || l.Verdict != Exceeded {
				t.Errorf("CHN: %v %+v", ids, l)
			}
		case "USA":
			if l := p.Limits[3]; l.Verdict != NoData {
				t.Errorf("USA without a baseline declaration: %+v", l)
			}
		}
	}
}

// BenchmarkEvaluateItems counts a declaration of 1,000,000 items.
func BenchmarkEvaluateItems(b *testing.B) {
	tr := newstart(b)
	decl := syntheticItems(1_000_000)
	decls := []*declaration.Declaration{decl}
	d := treaty.MustDate("2020-09-01")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Evaluate(tr, d, "rus-2022", decls); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(decl.Items))*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

func syntheticItems(n int) *declaration.Declaration {
	kinds := []struct{ typ, category, status string }{
		{"Minuteman III", "icbm", "deployed"}, {"Minuteman III", "icbm_launcher", "deployed"},
		{"Trident II", "slbm", "deployed"}, {"Trident II", "slbm_launcher", "converted"},
		{"B-52H", "heavy_bomber", "deployed"}, {"B-52H", "heavy_bomber", "converted"},
		{"W88", "warhead", "non_deployed"}, {"Minuteman III", "icbm", "non_deployed"},
	}
	d := &declaration.Declaration{Party: "USA", Items: make([]declaration.Item, n)}
	for i := range d.Items {
		k := kinds[i%len(kinds)]
		d.Items[i] = declaration.Item{Party: "USA", UID: fmt.Sprintf("U%07d", i), Type: k.typ, Category: k.category, Status: k.status, Warheads: i % 4}
	}
	return d
}

// BenchmarkScanItems is the baseline for BenchmarkEvaluateItems: one pass
// over the same items reading the fields a count needs, no rules.
func BenchmarkScanItems(b *testing.B) {
	decl := syntheticItems(1_000_000)
	b.ResetTimer()
	sum := 0
	for b.Loop() {
		for i := range decl.Items {
			it := &decl.Items[i]
			sum += it.Warheads + len(it.Category) + len(it.Status) + len(it.Type)
		}
	}
	b.ReportMetric(float64(len(decl.Items))*float64(b.N)/b.Elapsed().Seconds(), "items/s")
	if sum == 0 {
		b.Fatal("nothing scanned")
	}
}

// TestReadingByType checks that a reading can contest one type's
// conversion and not another's: Russia counted the 41 converted B-52H,
// not the B-1B converted and exhibited in 2011.
func TestReadingByType(t *testing.T) {
	tr := newstart(t)
	for typ, want := range map[string]int{"B-52H": 1, "B-1B": 0} {
		d := &declaration.Declaration{Party: "USA", Items: []declaration.Item{{Party: "USA", UID: "X", Type: typ, Category: "heavy_bomber", Status: "converted"}}}
		res, err := Evaluate(tr, treaty.MustDate("2020-01-01"), "rus-2022", []*declaration.Declaration{d})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Parties[0].Limits {
			if l.ID == "launchers" && l.Value != want {
				t.Errorf("converted %s under rus-2022: launchers %d, want %d", typ, l.Value, want)
			}
		}
	}
}

// TestOverflow gives the engine counts whose sum leaves the range it
// counts in (a declaration built past the loaders' bounds): it refuses
// with ErrOverflow, never returning a wrapped, negative value as "met".
func TestOverflow(t *testing.T) {
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	huge := math.MaxInt / 2
	for name, d := range map[string]*declaration.Declaration{
		"items": {Party: "USA", AsOf: treaty.MustDate("2020-09-01"), Items: []declaration.Item{
			{UID: "A", Type: "MM-III", Category: "icbm", Status: "deployed", Warheads: huge},
			{UID: "B", Type: "MM-III", Category: "icbm", Status: "deployed", Warheads: huge},
			{UID: "C", Type: "MM-III", Category: "icbm", Status: "deployed", Warheads: huge},
		}},
		"types": {Party: "USA", AsOf: treaty.MustDate("2020-09-01"), Types: []declaration.TypeCount{
			{Type: "MM-III", Category: "icbm", Status: "deployed", Count: huge, Warheads: 1},
			{Type: "Trident II", Category: "slbm", Status: "deployed", Count: huge, Warheads: 1},
		}},
	} {
		res, err := Evaluate(tr, treaty.MustDate("2020-09-01"), "", []*declaration.Declaration{d})
		if !errors.Is(err, ErrOverflow) {
			t.Errorf("%s: Evaluate = %+v, %v; want ErrOverflow", name, res, err)
		}
	}
}

// TestNoData checks that a limit over categories a declaration is silent
// on has no value, never a vacuous "met": a New START exchange under a
// freeze on all warheads gave total_warheads 0/0 met before. The warhead
// counts are synthetic, not a published inventory.
func TestNoData(t *testing.T) {
	tr, err := treaty.Builtin("newstart-freeze-2020")
	if err != nil {
		t.Fatal(err)
	}
	header := "as_of,party,type,category,status,count,warheads\n"
	newstartRows := "2020-09-01,USA,Minuteman III,icbm,deployed,397,397\n"
	tests := []struct {
		name, csv, limit, want, note string
		value, ceiling               int
	}{
		{"new start data only", newstartRows, "total_warheads", NoData, "no data declared in warhead, nonstrategic_warhead", 0, 0},
		{"no baseline", newstartRows + "2021-03-01,USA,W87,warhead,non_deployed,3700,0\n",
			"total_warheads", NoData, "no baseline: no data declared in warhead, nonstrategic_warhead on or before 2020-10-20", 3700, 0},
		{"baseline but none now", "2020-10-20,USA,W87,warhead,non_deployed,3700,0\n" + "2021-03-01,USA,Minuteman III,icbm,deployed,397,397\n",
			"total_warheads", NoData, "no data declared in warhead, nonstrategic_warhead", 0, 3700},
		{"frozen", "2020-10-20,USA,W87,warhead,non_deployed,3700,0\n" + "2021-03-01,USA,W87,warhead,non_deployed,3600,0\n" + "2021-03-01,USA,B61,nonstrategic_warhead,non_deployed,100,0\n",
			"total_warheads", Met, "", 3700, 3700},
		{"breached", "2020-10-20,USA,W87,warhead,non_deployed,3700,0\n" + "2021-03-01,USA,W87,warhead,non_deployed,3701,0\n",
			"total_warheads", Exceeded, "", 3701, 3700},
		{"declared none of one category", "2020-10-20,USA,W87,warhead,non_deployed,0,0\n" + "2021-03-01,USA,W87,warhead,non_deployed,0,0\n",
			"total_warheads", Met, "", 0, 0},
		{"launchers silent", newstartRows, "launchers", NoData, "no data declared in icbm_launcher, slbm_launcher, heavy_bomber", 0, 800},
		{"launchers of one category", "2021-03-01,USA,Minuteman III,icbm_launcher,deployed,400,0\n", "launchers", Met, "", 400, 800},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := declaration.Load(tr, "us.csv", strings.NewReader(header+tc.csv))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Evaluate(tr, treaty.MustDate("2021-06-01"), "", s.Declarations(tr))
			if err != nil {
				t.Fatal(err)
			}
			var got *LimitResult
			for i, l := range res.Parties[0].Limits {
				if l.ID == tc.limit {
					got = &res.Parties[0].Limits[i]
				}
			}
			if got == nil || got.Verdict != tc.want || got.Note != tc.note || got.Value != tc.value || got.Limit != tc.ceiling {
				t.Errorf("%s = %+v, want %s %d/%d note %q", tc.limit, got, tc.want, tc.value, tc.ceiling, tc.note)
			}
			if res.Exceeded() != (tc.want == Exceeded) {
				t.Errorf("Exceeded() = %v", res.Exceeded())
			}
		})
	}
}

// TestWarheadsPerSite checks that warheads declared per site count under
// a freeze as items of their category and status, alone or added to
// per-type and per-item warheads of the same party and date, retired
// warheads included. The counts are synthetic, not a published inventory.
func TestWarheadsPerSite(t *testing.T) {
	tr, err := treaty.Builtin("us-freeze-2020")
	if err != nil {
		t.Fatal(err)
	}
	const sites = "as_of,party,site,category,status,count\n"
	const base = "2020-10-20,USA,Kirtland AFB,warhead,non_deployed,3000\n2020-10-20,USA,Pantex,warhead,retired,700\n"
	tests := []struct {
		name, sites, types, items string
		value, ceiling            int
		want                      string
	}{
		{"same", base + "2021-06-01,USA,Kirtland AFB,warhead,non_deployed,3000\n2021-06-01,USA,Pantex,warhead,retired,700\n", "", "", 3700, 3700, Met},
		{"retired still counts", base + "2021-06-01,USA,Pantex,warhead,retired,3700\n", "", "", 3700, 3700, Met},
		{"one more", base + "2021-06-01,USA,Kirtland AFB,warhead,non_deployed,3000\n2021-06-01,USA,Pantex,warhead,retired,701\n", "", "", 3701, 3700, Exceeded},
		{"all sites empty", "2020-10-20,USA,Pantex,warhead,retired,0\n2021-06-01,USA,Pantex,nonstrategic_warhead,deployed,0\n", "", "", 0, 0, Met},
		{"added to types", base + "2021-06-01,USA,Pantex,warhead,retired,700\n", "2021-06-01,USA,W87,warhead,non_deployed,3001,0\n", "", 3701, 3700, Exceeded},
		{"added to items", base + "2021-06-01,USA,Pantex,warhead,retired,3699\n", "",
			"2021-06-01,USA,W-1,W88,nonstrategic_warhead,retired\n2021-06-01,USA,W-2,W88,warhead,deployed\n", 3701, 3700, Exceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := declaration.NewReader(tr)
			for _, f := range []struct{ name, head, rows string }{
				{"sites.csv", sites, tc.sites},
				{"types.csv", "as_of,party,type,category,status,count,warheads\n", tc.types},
				{"items.csv", "as_of,party,uid,type,category,status\n", tc.items},
			} {
				if f.rows != "" {
					if err := r.Read(f.name, strings.NewReader(f.head+f.rows)); err != nil {
						t.Fatal(err)
					}
				}
			}
			s, err := r.Set()
			if err != nil {
				t.Fatal(err)
			}
			res, err := Evaluate(tr, treaty.MustDate("2021-06-01"), "", s.Declarations(tr))
			if err != nil {
				t.Fatal(err)
			}
			l := res.Parties[0].Limits[3]
			if l.ID != "total_warheads" || l.Verdict != tc.want || l.Value != tc.value || l.Limit != tc.ceiling || l.Baseline != "2020-10-20" {
				t.Errorf("got %+v, want %s %d/%d", l, tc.want, tc.value, tc.ceiling)
			}
		})
	}
}

// TestWarheadTerms checks that --explain's terms name the site of
// warheads declared per site.
func TestWarheadTerms(t *testing.T) {
	tr, err := treaty.Builtin("us-freeze-2020")
	if err != nil {
		t.Fatal(err)
	}
	d := &declaration.Declaration{Party: "USA", AsOf: treaty.MustDate("2020-10-20"), Warheads: []declaration.Warhead{
		{Party: "USA", Site: "Pantex", Category: "warhead", Status: "retired", Count: 5},
		{Party: "USA", Site: "Kirtland AFB", Category: "warhead", Status: "retired", Count: 7},
	}}
	res, err := Evaluate(tr, treaty.MustDate("2021-06-01"), "", []*declaration.Declaration{d})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Parties[0].Limits[3]
	want := []Term{
		{Category: "warhead", Status: "retired", Site: "Kirtland AFB", Items: 7, Measure: treaty.MeasureItems, Counted: 7, Cite: l.Terms[0].Cite},
		{Category: "warhead", Status: "retired", Site: "Pantex", Items: 5, Measure: treaty.MeasureItems, Counted: 5, Cite: l.Terms[0].Cite},
	}
	if l.Value != 12 || len(l.Terms) != 2 || l.Terms[0] != want[0] || l.Terms[1] != want[1] {
		t.Errorf("total_warheads %d, terms %+v; want 12 from %+v", l.Value, l.Terms, want)
	}
}

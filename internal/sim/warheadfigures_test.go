package sim

import (
	"strings"
	"testing"

	"accord/internal/treaty"
)

// TestWarheadFigures checks the table of record for public warhead
// figures: every row parses with its source, every figure for Russia and
// China is labelled an estimate (neither publishes its numbers), each
// kind names a source of that kind, and figures the project relies on
// are there as published.
func TestWarheadFigures(t *testing.T) {
	figs, err := PublishedWarheads()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		checkWarheadKind(t, f)
	}
	want := []struct {
		date, party, measure string
		count                int
		kind                 string
	}{
		{"2020-09-30", "USA", "stockpile", 3750, Official},
		{"2020-01-01", "CHN", "stockpile", 320, Estimate},
		{"2021-01-01", "CHN", "stockpile", 350, Estimate},
		{"2023-01-01", "CHN", "stockpile", 410, Estimate},
		{"2024-01-01", "CHN", "stockpile", 500, Estimate},
		{"2025-01-01", "CHN", "stockpile", 600, Estimate},
		{"2022-01-01", "RUS", "stockpile", 4477, Estimate},
		{"2023-01-01", "RUS", "stockpile", 4489, Estimate},
		{"2021-01-01", "USA", "bomber_base", 300, Estimate},
		{"2021-01-01", "USA", "nonstrategic_deployed", 100, Estimate},
	}
	for _, w := range want {
		f, ok := findFigure(figs, treaty.MustDate(w.date), w.party, w.measure)
		if !ok || f.Count != w.count || f.Kind != w.kind {
			t.Errorf("%s %s %s: got %d %s (found %v), want %d %s", w.date, w.party, w.measure, f.Count, f.Kind, ok, w.count, w.kind)
		}
	}
}

func checkWarheadKind(t *testing.T, f WarheadFigure) {
	t.Helper()
	if f.Party != "USA" && f.Kind != Estimate {
		t.Errorf("%s %s %s: %s, but only the United States publishes its figures", f.Date, f.Party, f.Measure, f.Kind)
	}
	names := map[string][]string{Official: {"State Department", "NNSA"}, Estimate: {"SIPRI", "Nuclear Notebook"}}[f.Kind]
	if !strings.Contains(f.Source, names[0]) && !strings.Contains(f.Source, names[1]) {
		t.Errorf("%s %s %s: an %s figure whose source names neither %s nor %s", f.Date, f.Party, f.Measure, f.Kind, names[0], names[1])
	}
}

func findFigure(figs []WarheadFigure, d treaty.Date, party, measure string) (WarheadFigure, bool) {
	for _, f := range figs {
		if f.Date.Equal(d) && f.Party == party && f.Measure == measure {
			return f, true
		}
	}
	return WarheadFigure{}, false
}

// TestWarheadFiguresAgree checks the table against itself: dismantlements
// over two adjacent periods add up to the figure for the whole (US:
// 11,683 for FY1994-2020 and 405 since make 12,088 for FY1994-2023), and
// the Nuclear Notebook's categories add up to its stockpile, within 1%
// where the stockpile is approximate.
func TestWarheadFiguresAgree(t *testing.T) {
	figs, err := PublishedWarheads()
	if err != nil {
		t.Fatal(err)
	}
	sums := 0
	for _, a := range figs {
		for _, b := range figs {
			if a.Measure != "dismantled" || b.Measure != "dismantled" || a.Party != b.Party || !a.Date.Equal(b.Since) {
				continue
			}
			whole, ok := findFlow(figs, a.Party, a.Since, b.Date)
			if ok && whole.Count != a.Count+b.Count {
				t.Errorf("%s dismantled %s to %s: %d, but %d + %d over its two parts", a.Party, a.Since, b.Date, whole.Count, a.Count, b.Count)
			}
			if ok {
				sums++
			}
		}
	}
	if sums == 0 {
		t.Error("no dismantlement figure checked against its parts")
	}
	checkCategories(t, figs)
}

func findFlow(figs []WarheadFigure, party string, since, until treaty.Date) (WarheadFigure, bool) {
	for _, f := range figs {
		if f.Measure == "dismantled" && f.Party == party && f.Since.Equal(since) && f.Date.Equal(until) {
			return f, true
		}
	}
	return WarheadFigure{}, false
}

func checkCategories(t *testing.T, figs []WarheadFigure) {
	t.Helper()
	for _, s := range figs {
		if s.Measure != "stockpile" {
			continue
		}
		sum, parts := 0, 0
		for _, m := range []string{"deployed_strategic", "reserve_strategic", "nonstrategic"} {
			if f, ok := findFigure(figs, s.Date, s.Party, m); ok {
				sum, parts = sum+f.Count, parts+1
			}
		}
		if parts < 3 {
			continue
		}
		tolerance := 0
		if s.Approx {
			tolerance = s.Count / 100
		}
		if d := sum - s.Count; d > tolerance || -d > tolerance {
			t.Errorf("%s %s: categories add up to %d, stockpile %d", s.Date, s.Party, sum, s.Count)
		}
	}
}

// TestWarheadFiguresBadInput checks that a malformed row is refused with
// its row and field named.
func TestWarheadFiguresBadInput(t *testing.T) {
	const header = "as_of,since,party,measure,warheads,approx,kind,source\n"
	tests := []struct{ row, want string }{
		{"2020-13-01,,USA,stockpile,1,no,official,x", "row 2: as_of"},
		{"2020-09-30,,USA,stockpiles,1,no,official,x", `row 2: measure "stockpiles"`},
		{"2020-09-30,2019-01-01,USA,stockpile,1,no,official,x", `row 2: since "2019-01-01": only a flow`},
		{"2020-09-30,,USA,dismantled,1,no,official,x", "row 2: since:"},
		{"2020-09-30,2020-09-30,USA,dismantled,1,no,official,x", "row 2: since 2020-09-30: not before as_of"},
		{"2020-09-30,,USA,stockpile,-1,no,official,x", `row 2: warheads "-1"`},
		{"2020-09-30,,USA,stockpile,1,about,official,x", `row 2: approx "about"`},
		{"2020-09-30,,USA,stockpile,1,no,guess,x", `row 2: kind "guess"`},
		{"2020-09-30,,USA,stockpile,1,no,official, ", "row 2: source: empty"},
	}
	for _, tc := range tests {
		_, err := parseWarheads(header + tc.row + "\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.row, err, tc.want)
		}
	}
}

// TestChinaWarheadsCalibrated checks that the trilateral scenario's
// Chinese warhead totals, folded from China's warhead notifications, are
// the table of record's SIPRI estimates on each of its dates from the
// framework's entry into force.
func TestChinaWarheadsCalibrated(t *testing.T) {
	figs, err := PublishedWarheads()
	if err != nil {
		t.Fatal(err)
	}
	w := world(t, Trilateral, 1)
	type point struct {
		date  treaty.Date
		total int
	}
	var totals []point // China's total after each of its warhead notifications
	foldAll(t, w, "CHN", func(e Event, f *fold) { totals = append(totals, point{e.Effective, f.total()}) })
	checked := 0
	for _, f := range figs {
		if f.Party != "CHN" || f.Date.Before(w.Treaty.Dates.EntryIntoForce) {
			continue
		}
		got := -1 // the total on the figure's date: after the last notification by then
		for _, p := range totals {
			if !p.date.After(f.Date) {
				got = p.total
			}
		}
		if got != f.Count || f.Kind != Estimate {
			t.Errorf("CHN warheads on %s: simulated %d, table of record %d %s", f.Date, got, f.Count, f.Kind)
		}
		checked++
	}
	if checked < 4 {
		t.Errorf("%d of China's figures checked", checked)
	}
}

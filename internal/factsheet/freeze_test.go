package factsheet

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// holdings are a party's items, by the date they were stated as of; the
// declarer returns the latest on or before the date asked, as the treaty
// database does.
type holdings map[string]map[treaty.Date][]declaration.Item

func (h holdings) declare(_ context.Context, party string, asOf treaty.Date, _ time.Time) (*declaration.Declaration, error) {
	var best treaty.Date
	for d := range h[party] {
		if !d.After(asOf) && d.After(best) {
			best = d
		}
	}
	return &declaration.Declaration{Party: party, AsOf: asOf, Items: h[party][best]}, nil
}

func (h holdings) stated() map[string][]treaty.Date {
	out := map[string][]treaty.Date{}
	for p, byDate := range h {
		for d := range byDate {
			out[p] = append(out[p], d)
		}
	}
	for p := range out {
		slices.SortFunc(out[p], treaty.Date.Compare)
	}
	return out
}

// items makes n items of a category and status for party.
func items(party, category, status string, n int) []declaration.Item {
	var out []declaration.Item
	for i := range n {
		out = append(out, declaration.Item{Party: party, UID: fmt.Sprintf("%s-%s-%s-%d", party, category, status, i), Type: "T", Category: category, Status: status})
	}
	return out
}

func icbms(party string) []declaration.Item { return items(party, "icbm", "deployed", 2) }

func warheads(party string, deployed, stored, nonstrategic int) []declaration.Item {
	out := items(party, "warhead", "deployed", deployed)
	out = append(out, items(party, "warhead", "non_deployed", stored)...)
	return append(out, items(party, "nonstrategic_warhead", "non_deployed", nonstrategic)...)
}

func join(lists ...[]declaration.Item) []declaration.Item {
	var out []declaration.Item
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestFreezeLines checks the freeze column of the public fact sheet
// under the trilateral draft (a freeze for all three parties, central
// limits for two) and under both 2020 positions: each party's total
// against its own baseline, and an empty cell with the verdict no_data,
// never 0, where the party declared no warheads on the date or on the
// baseline date.
func TestFreezeLines(t *testing.T) {
	d := treaty.MustDate
	tests := []struct {
		treaty   string
		baseline treaty.Date
		asOf     treaty.Date
		h        holdings
		values   map[string]int // the freeze cell, by party; absent: empty
		ceilings map[string]int
	}{
		{
			treaty: "trilateral-draft", baseline: d("2021-02-05"), asOf: d("2021-09-01"),
			h: holdings{
				"USA": {d("2021-02-05"): join(icbms("USA"), warheads("USA", 3, 2, 1)), d("2021-09-01"): join(icbms("USA"), warheads("USA", 3, 1, 1))},
				"RUS": {d("2021-02-05"): icbms("RUS"), d("2021-09-01"): icbms("RUS")},
				"CHN": {d("2021-02-05"): warheads("CHN", 0, 4, 0), d("2021-09-01"): warheads("CHN", 0, 6, 0)},
			},
			values:   map[string]int{"USA": 5, "CHN": 6},
			ceilings: map[string]int{"USA": 6, "CHN": 4},
		},
		{
			treaty: "newstart-freeze-2020", baseline: d("2020-10-20"), asOf: d("2021-03-01"),
			h: holdings{
				"USA": {d("2020-10-20"): join(icbms("USA"), warheads("USA", 2, 2, 0)), d("2021-03-01"): join(icbms("USA"), warheads("USA", 2, 2, 0))},
				// Warheads declared now, none on the baseline date: no
				// baseline, so no freeze line.
				"RUS": {d("2020-10-20"): icbms("RUS"), d("2021-03-01"): join(icbms("RUS"), warheads("RUS", 1, 0, 0))},
			},
			values:   map[string]int{"USA": 4},
			ceilings: map[string]int{"USA": 4},
		},
		{
			treaty: "us-freeze-2020", baseline: d("2020-10-20"), asOf: d("2021-03-01"),
			h: holdings{
				"USA": {d("2020-10-20"): warheads("USA", 1, 1, 1), d("2021-03-01"): warheads("USA", 1, 1, 1)},
				"RUS": {d("2020-10-20"): join(icbms("RUS"), warheads("RUS", 1, 0, 0)), d("2021-03-01"): icbms("RUS")},
			},
			values:   map[string]int{"USA": 3},
			ceilings: map[string]int{"USA": 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.treaty, func(t *testing.T) {
			tr, err := treaty.Builtin(tc.treaty)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ComputeWith(context.Background(), tr, tc.h.stated(), tc.h.declare, tc.asOf, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			checkFreezeColumn(t, s, tc.baseline, tc.values, tc.ceilings)
		})
	}
}

func checkFreezeColumn(t *testing.T, s *Sheet, baseline treaty.Date, values, ceilings map[string]int) {
	t.Helper()
	l := s.Limits[slicesIndex(s, "total_warheads")]
	if !l.InForce || l.Ceiling != 0 || !l.Baseline.Equal(baseline) {
		t.Errorf("total_warheads column: in force %v, ceiling %d, baseline %s; want a freeze at %s in force", l.InForce, l.Ceiling, l.Baseline, baseline)
	}
	if len(s.Rows) != len(values)+countMissing(values, s) {
		t.Errorf("%d rows, want one per party with current data", len(s.Rows))
	}
	for _, r := range s.Rows {
		v, ok := r.Value("total_warheads")
		want, bound := values[r.Party]
		if ok != bound || v != want {
			t.Errorf("%s: freeze cell %d (shown %v), want %d (shown %v)", r.Party, v, ok, want, bound)
		}
		if !bound && r.Verdicts["total_warheads"] != engine.NoData {
			t.Errorf("%s: verdict %q on an empty freeze cell, want no_data", r.Party, r.Verdicts["total_warheads"])
		}
		if c, ok := r.Ceilings["total_warheads"]; ok != bound || c != ceilings[r.Party] {
			t.Errorf("%s: freeze ceiling %d (shown %v), want %d", r.Party, c, ok, ceilings[r.Party])
		}
	}
	var b bytes.Buffer
	if err := s.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n")[1:] {
		cells := strings.Split(line, ",")
		party, cell := cells[1], cells[1+slicesIndex(s, "total_warheads")+1]
		if want, ok := values[party]; (ok && cell != fmt.Sprint(want)) || (!ok && cell != "") {
			t.Errorf("CSV %s: freeze cell %q, want %v", party, cell, values[party])
		}
	}
	checkFreezeHTML(t, s, values)
}

// checkFreezeHTML checks the HTML sheet's freeze cells: a party's total,
// or an empty cell.
func checkFreezeHTML(t *testing.T, s *Sheet, values map[string]int) {
	t.Helper()
	var b bytes.Buffer
	if err := s.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rows {
		_, row, _ := strings.Cut(b.String(), `<tr data-party="`+r.Party+`">`)
		row, _, _ = strings.Cut(row, "</tr>")
		want := `data-limit="total_warheads"></td>`
		if v, ok := values[r.Party]; ok {
			want = fmt.Sprintf(`data-limit="total_warheads">%d<span class="limit">of `, v)
		}
		if !strings.Contains(row, want) {
			t.Errorf("HTML %s: no %s in %s", r.Party, want, row)
		}
	}
}

func slicesIndex(s *Sheet, id string) int {
	return slices.IndexFunc(s.Limits, func(l Limit) bool { return l.ID == id })
}

// countMissing counts the rows whose freeze cell values leaves empty.
func countMissing(values map[string]int, s *Sheet) int {
	n := 0
	for _, r := range s.Rows {
		if _, ok := values[r.Party]; !ok {
			n++
		}
	}
	return n
}

package confidence

import (
	"testing"

	"accord/internal/treaty"
)

// TestChart charts a campaign of two categories, given out of date
// order: the line over all categories follows Cumulative step by step,
// each category's line its CategoryCumulative, all from 0, never down.
func TestChart(t *testing.T) {
	steps, err := Campaign([]Inspection{
		{Date: treaty.MustDate("2012-03-01"), Category: "storage", Population: 400, Misdeclared: 20, Sample: 18},
		{Date: treaty.MustDate("2011-06-01"), Category: "rv", Population: 42, Misdeclared: 2, Sample: 1},
		{Date: treaty.MustDate("2013-01-10"), Category: "rv", Population: 42, Misdeclared: 2, Sample: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	ch := Chart(steps)
	if len(ch) != 3 || ch[0].Category != AllCategories || ch[1].Category != "rv" || ch[2].Category != "storage" {
		t.Fatalf("series %+v", ch)
	}
	want := map[string][]float64{
		AllCategories: {0, steps[0].Cumulative, steps[1].Cumulative, steps[2].Cumulative},
		"rv":          {0, steps[0].CategoryCumulative, steps[2].CategoryCumulative},
		"storage":     {0, steps[1].CategoryCumulative},
	}
	for _, s := range ch {
		if len(s.Points) != len(want[s.Category]) || s.Points[0].Date != treaty.MustDate("2011-06-01") && s.Category != "storage" {
			t.Fatalf("%s: points %+v", s.Category, s.Points)
		}
		for i, p := range s.Points {
			if p.Found != want[s.Category][i] || i > 0 && p.Found < s.Points[i-1].Found {
				t.Errorf("%s point %d: %+v, want %v and never down", s.Category, i, p, want[s.Category][i])
			}
		}
	}
	if got := ch[1].Points[2]; got.Inspection != 3 || got.Date != treaty.MustDate("2013-01-10") {
		t.Fatalf("the second rv inspection is %+v", got)
	}
	if one := Chart(steps[:1]); len(one) != 1 || len(one[0].Points) != 2 {
		t.Fatalf("one category: %+v", one)
	}
	if Chart(nil) != nil {
		t.Fatal("a chart of no campaign")
	}
}

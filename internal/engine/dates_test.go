package engine

import (
	"strings"
	"testing"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// TestEvaluateSet checks which declarations count on which date: without
// a date, each date the set declares shows only the parties that declared
// on it; with one, every party's latest declaration on or before it.
func TestEvaluateSet(t *testing.T) {
	tr := newstart(t)
	agg := func(party, day string, warheads int) declaration.Aggregate {
		return declaration.Aggregate{Party: party, AsOf: treaty.MustDate(day), Values: map[string]int{"warheads": warheads}}
	}
	set := &declaration.Set{Aggregates: []declaration.Aggregate{
		agg("USA", "2020-03-01", 1373), agg("RUS", "2020-03-01", 1326), agg("USA", "2020-09-01", 1457),
	}}
	res, err := EvaluateSet(tr, set, treaty.Date{}, []string{treaty.DefaultReading})
	if err != nil {
		t.Fatal(err)
	}
	if got := parties(res); got != "2020-03-01: USA RUS; 2020-09-01: USA" {
		t.Errorf("every date: %s", got)
	}
	res, err = EvaluateSet(tr, set, treaty.MustDate("2020-12-31"), tr.ReadingIDs())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(tr.ReadingIDs()) || parties(res[:1]) != "2020-12-31: USA RUS" || res[0].Parties[0].Declared != treaty.MustDate("2020-09-01") {
		t.Errorf("as of 2020-12-31: %s, USA declared %s", parties(res), res[0].Parties[0].Declared)
	}
	if _, err := EvaluateSet(tr, set, treaty.MustDate("2019-01-01"), []string{treaty.DefaultReading}); err == nil ||
		!strings.Contains(err.Error(), "no party declared anything on or before 2019-01-01") {
		t.Errorf("before every declaration: %v", err)
	}
}

// parties lists each result's date and parties.
func parties(res []Result) string {
	var out []string
	for _, r := range res {
		s := r.AsOf.String() + ":"
		for _, p := range r.Parties {
			s += " " + p.Party
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

package engine

import (
	"fmt"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// EvaluateSet evaluates the declarations of set under each reading: on
// asOf, each party's latest declaration on or before it; or, if asOf is
// zero, on every date set declares, each party that declared on that
// date (or undated) on its declaration of it. Earlier declarations still
// count as the baselines of a freeze. Results are ordered by date, then
// reading. It refuses a set with no date to evaluate on, and one in which
// no party declared anything by asOf.
func EvaluateSet(t *treaty.Treaty, set *declaration.Set, asOf treaty.Date, readings []string) ([]Result, error) {
	decls := set.Declarations(t)
	dates := []treaty.Date{asOf}
	if asOf.IsZero() {
		if dates = set.Dates(); len(dates) == 0 {
			return nil, fmt.Errorf("the declarations carry no as_of date: give --as-of DATE")
		}
	}
	var out []Result
	for _, d := range dates {
		for _, reading := range readings {
			res, err := Evaluate(t, d, reading, decls)
			if err != nil {
				return nil, err
			}
			if asOf.IsZero() {
				res.Parties = declaredOn(res.Parties, d)
			}
			out = append(out, res)
		}
	}
	if len(out[0].Parties) == 0 {
		return nil, fmt.Errorf("no party declared anything on or before %s (the declarations start on %s)", asOf, set.Dates()[0])
	}
	return out, nil
}

// declaredOn keeps the results of parties whose declaration counted is
// dated d or undated.
func declaredOn(parties []PartyResult, d treaty.Date) []PartyResult {
	var out []PartyResult
	for _, p := range parties {
		if p.Declared.IsZero() || p.Declared.Equal(d) {
			out = append(out, p)
		}
	}
	return out
}

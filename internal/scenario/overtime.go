package scenario

import (
	"fmt"
	"slices"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// A Point is one party's upload potential on one date of a series: the
// totals of UploadPotential over the declaration in force on the date.
type Point struct {
	AsOf     string `json:"as_of"`
	Party    string `json:"party"`
	Declared string `json:"declared"` // the date of the declaration counted
	Counted  int    `json:"counted"`
	Low      int    `json:"potential_low"`
	High     int    `json:"potential_high"`
}

// OverTime is party's upload potential on each of dates, from the
// declaration in force on each (declaration.Latest). A date on which the
// party had declared nothing, or only pre-counted aggregates (which have
// no types to load), has no point.
func OverTime(decls []*declaration.Declaration, party string, dates []treaty.Date) []Point {
	var out []Point
	for _, d := range dates {
		own := declaration.Latest(decls, party, d)
		if own == nil || own.Aggregate != nil {
			continue
		}
		u := UploadPotential(own, 0)
		if len(u.Rows) == 0 {
			continue
		}
		out = append(out, Point{AsOf: d.String(), Party: party, Declared: own.AsOf.String(), Counted: u.Counted, Low: u.Low, High: u.High})
	}
	return out
}

// Gather reads one party's declarations with read (a treaty database's
// lookup: the declaration in force on a date) on d, on each of Baselines
// and on each date of series, and returns those that declare anything,
// oldest first, ready for Compare and OverTime.
func Gather(d treaty.Date, series []treaty.Date, read func(treaty.Date) (*declaration.Declaration, error)) ([]*declaration.Declaration, error) {
	bases, err := Baselines()
	if err != nil {
		return nil, err
	}
	dates := slices.Concat([]treaty.Date{d}, bases, series)
	slices.SortFunc(dates, treaty.Date.Compare)
	dates = slices.CompactFunc(dates, treaty.Date.Equal)
	var out []*declaration.Declaration
	for _, x := range dates {
		dl, err := read(x)
		if err != nil {
			return nil, fmt.Errorf("reading the declaration on %s: %w", x, err)
		}
		if dl != nil && (len(dl.Items) > 0 || len(dl.Types) > 0 || len(dl.Warheads) > 0 || dl.Aggregate != nil) {
			out = append(out, dl)
		}
	}
	return out, nil
}

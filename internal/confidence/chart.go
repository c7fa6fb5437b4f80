package confidence

import "accord/internal/treaty"

// A Series is one line of a campaign's confidence chart: the probability
// that the misdeclaration would have been found so far, from 0 before
// the first inspection to its value after each inspection of Category,
// or after every inspection for the line over all categories (Category
// "all").
type Series struct {
	Category string  `json:"category"`
	Points   []Point `json:"points"`
}

// AllCategories is the Category of the series over all categories.
const AllCategories = "all"

// A Point of a Series: the probability found so far after inspection
// Inspection of the campaign (its position in date order, from 1; 0 for
// the start, dated as the first inspection).
type Point struct {
	Inspection int         `json:"inspection"`
	Date       treaty.Date `json:"date,omitzero"`
	Found      float64     `json:"found"`
}

// Chart returns the series of a campaign's steps, as Campaign returns
// them: the series over all categories first, then one per category in
// the order of their first inspection. A campaign of one category (""
// included) has only the series over all categories.
func Chart(steps []Step) []Series {
	if len(steps) == 0 {
		return nil
	}
	start := Point{Date: steps[0].Date}
	all := Series{Category: AllCategories, Points: []Point{start}}
	var cats []Series
	at := map[string]int{}
	for i, s := range steps {
		all.Points = append(all.Points, Point{i + 1, s.Date, s.Cumulative})
		j, ok := at[s.Category]
		if !ok {
			j, at[s.Category] = len(cats), len(cats)
			cats = append(cats, Series{Category: s.Category, Points: []Point{{Date: s.Date}}})
		}
		cats[j].Points = append(cats[j].Points, Point{i + 1, s.Date, s.CategoryCumulative})
	}
	if len(cats) == 1 {
		return []Series{all}
	}
	return append([]Series{all}, cats...)
}

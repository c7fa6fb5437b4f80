package confidence

import (
	"fmt"
	"math"
	"slices"

	"accord/internal/treaty"
)

// MaxInspections bounds a campaign: New START allowed 18 inspections a
// party a year, so this is far more than any treaty's campaign.
const MaxInspections = 1 << 16

// An Inspection is one sample in a campaign: Sample items drawn from a
// Population of one Category, of which Misdeclared would be misdeclared
// under the hypothesis being weighed.
type Inspection struct {
	// Date is when the inspection took place; zero when the campaign is
	// a sequence without dates.
	Date        treaty.Date `json:"date,omitzero"`
	Category    string      `json:"category,omitempty"`
	Population  int         `json:"population"`
	Misdeclared int         `json:"misdeclared"`
	Sample      int         `json:"sample"`
}

// A Step is an inspection of a campaign with what the campaign had
// proved once it was done.
type Step struct {
	Inspection
	// Detect is the probability that this inspection alone found the
	// misdeclaration.
	Detect float64 `json:"detect"`
	// CategoryCumulative is the probability that some inspection of this
	// category, up to and including this one, found it.
	CategoryCumulative float64 `json:"category_cumulative"`
	// Cumulative is the probability that some inspection of any
	// category, up to and including this one, found one.
	Cumulative float64 `json:"cumulative"`
}

// Campaign returns the steps of a campaign of independent inspections,
// in date order (inspections on the same date, or without dates, in the
// order given), each with the probability that the misdeclaration would
// have been found so far, per category and over all categories. An
// inspection out of Detect's bounds is an error naming its index, and
// wrapping the *Error that names the argument.
func Campaign(ins []Inspection) ([]Step, error) {
	if len(ins) > MaxInspections {
		return nil, fmt.Errorf("%d inspections, more than the %d a campaign may hold", len(ins), MaxInspections)
	}
	order := make([]int, len(ins))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return ins[a].Date.Compare(ins[b].Date) })
	steps := make([]Step, 0, len(ins))
	perCategory := map[string]float64{}
	total := 0.0
	for _, i := range order {
		l, err := logMiss(ins[i].Population, ins[i].Misdeclared, ins[i].Sample)
		if err != nil {
			return nil, fmt.Errorf("inspection %d: %w", i, err)
		}
		perCategory[ins[i].Category] += l
		total += l
		steps = append(steps, Step{
			Inspection:         ins[i],
			Detect:             found(l),
			CategoryCumulative: found(perCategory[ins[i].Category]),
			Cumulative:         found(total),
		})
	}
	return steps, nil
}

// found turns the log of a probability of missing into the probability
// of finding (0, not −0, when nothing can be found).
func found(logMiss float64) float64 {
	if logMiss == 0 {
		return 0
	}
	return -math.Expm1(logMiss)
}

package sim

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"accord/internal/treaty"
)

// warheadsCSV is the table of record for public warhead figures: the
// stockpile and dismantlement figures the US government published, and
// SIPRI's and the Federation of American Scientists' estimates for Russia
// and China, each row with its source and labelled official or estimate.
//
//go:embed warheads.csv
var warheadsCSV string

// Kinds of public warhead figure.
const (
	Official = "official" // published by the party's government
	Estimate = "estimate" // an outside estimate (SIPRI, FAS)
)

// A WarheadFigure is one public figure for a party's warheads.
type WarheadFigure struct {
	Date treaty.Date
	// Since is the start of the period a flow (dismantled) covers; zero
	// for a holding.
	Since   treaty.Date
	Party   string
	Measure string // stockpile, inventory, dismantled, ...
	Count   int
	// Approx says the source gives the figure as approximate.
	Approx bool
	Kind   string // Official or Estimate
	Source string
}

// warheadMeasures are the measures the table uses, and whether each is a
// flow over a period (with a "since" date) rather than a holding.
var warheadMeasures = map[string]bool{
	"stockpile": false, "inventory": false, "awaiting_dismantlement": false,
	"deployed_strategic": false, "reserve_strategic": false, "nonstrategic": false,
	"bomber_base": false, "nonstrategic_deployed": false,
	"dismantled": true,
}

// PublishedWarheads parses the embedded warhead figures, in file order.
func PublishedWarheads() ([]WarheadFigure, error) {
	return parseWarheads(warheadsCSV)
}

func parseWarheads(text string) ([]WarheadFigure, error) {
	return readTable(strings.NewReader(text), "warhead figures", 8, parseWarheadFigure)
}

func parseWarheadFigure(row []string) (WarheadFigure, error) {
	f := WarheadFigure{Party: row[2], Measure: row[3], Kind: row[6], Source: row[7]}
	var err error
	if f.Date, err = treaty.ParseDate(row[0]); err != nil {
		return f, fmt.Errorf("as_of: %w", err)
	}
	flow, ok := warheadMeasures[f.Measure]
	if !ok {
		return f, fmt.Errorf("measure %q: not one of the table's measures", f.Measure)
	}
	if err := f.parseSince(row[1], flow); err != nil {
		return f, err
	}
	if f.Count, err = strconv.Atoi(row[4]); err != nil || f.Count < 0 {
		return f, fmt.Errorf("warheads %q: want a whole number, 0 or more", row[4])
	}
	if row[5] != "yes" && row[5] != "no" {
		return f, fmt.Errorf("approx %q: want yes or no", row[5])
	}
	f.Approx = row[5] == "yes"
	if f.Kind != Official && f.Kind != Estimate {
		return f, fmt.Errorf("kind %q: want %s or %s", f.Kind, Official, Estimate)
	}
	if strings.TrimSpace(f.Source) == "" {
		return f, fmt.Errorf("source: empty")
	}
	return f, nil
}

// parseSince reads the start of a flow's period: required, and before
// as_of, for a flow; empty for a holding.
func (f *WarheadFigure) parseSince(s string, flow bool) error {
	if !flow {
		if s != "" {
			return fmt.Errorf("since %q: only a flow (dismantled) covers a period", s)
		}
		return nil
	}
	d, err := treaty.ParseDate(s)
	if err != nil {
		return fmt.Errorf("since: %w", err)
	}
	if !d.Before(f.Date) {
		return fmt.Errorf("since %s: not before as_of %s", d, f.Date)
	}
	f.Since = d
	return nil
}

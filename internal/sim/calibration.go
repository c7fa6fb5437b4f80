package sim

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"accord/internal/treaty"
)

// aggregatesCSV is the table of record (testdata/newstart-aggregates.csv is a copy):
// the aggregates the parties published after each New START data exchange,
// with each row's source. Its header comment gives its provenance.
//
//go:embed aggregates.csv
var aggregatesCSV string

// A Target is one party's aggregate numbers on one date: published, or
// interpolated where no published figure was found. The world is built so
// that the engine's count of the party's holdings on Date equals it.
type Target struct {
	Party string      `json:"party"`
	Date  treaty.Date `json:"date"`
	// DeployedDeliveryVehicles, Warheads and Launchers are the values of
	// the New START limits of the same ids.
	DeployedDeliveryVehicles int `json:"deployed_delivery_vehicles"`
	Warheads                 int `json:"warheads"`
	Launchers                int `json:"launchers"`
	// Interpolated marks a date with no published figure: the values are
	// interpolated linearly between the published rows either side, or
	// held at the last published row when there is none after.
	Interpolated bool   `json:"interpolated,omitempty"`
	Source       string `json:"source"`
	// Exchange is the notification type that states the data on Date
	// ("initial_data" or "six_month_update"), or "" when none does.
	Exchange string `json:"exchange,omitempty"`
}

// Values returns the target keyed by limit id.
func (t Target) Values() map[string]int {
	return map[string]int{
		"deployed_delivery_vehicles": t.DeployedDeliveryVehicles,
		"warheads":                   t.Warheads,
		"launchers":                  t.Launchers,
	}
}

// Published parses the embedded New START aggregates, in file order.
func Published() ([]Target, error) {
	return parseAggregates(strings.NewReader(aggregatesCSV))
}

func parseAggregates(in io.Reader) ([]Target, error) {
	return readTable(in, "aggregates", 7, parseTarget)
}

func parseTarget(row []string) (Target, error) {
	d, err := treaty.ParseDate(row[0])
	if err != nil {
		return Target{}, err
	}
	var v [3]int
	for i := range v {
		if v[i], err = strconv.Atoi(row[2+i]); err != nil {
			return Target{}, fmt.Errorf("column %d: %w", 3+i, err)
		}
	}
	return Target{Party: row[1], Date: d, DeployedDeliveryVehicles: v[0], Warheads: v[1], Launchers: v[2], Source: row[5]}, nil
}

// schedule returns party's calibration targets from entry into force to
// last: every data-exchange date (1 March, 1 September) and every
// published date, interpolating where nothing was published.
func schedule(t *treaty.Treaty, pub []Target, party string, last treaty.Date) []Target {
	var mine []Target
	for _, p := range pub {
		if p.Party == party {
			mine = append(mine, p)
		}
	}
	eif := t.Dates.EntryIntoForce
	out := []Target{at(mine, party, eif, "initial_data")}
	for y := eif.Year(); y <= last.Year(); y++ {
		for _, md := range t.DataExchange.AsOf {
			d := treaty.MustDate(fmt.Sprintf("%d-%s", y, md))
			// The first update follows the initial data by six months.
			if d.After(eif.Add(treaty.Period{Months: 6})) && !d.After(last) {
				out = append(out, at(mine, party, d, t.DataExchange.Notification))
			}
		}
	}
	for _, p := range mine {
		if !isExchangeDate(t, p.Date) && p.Date.After(eif) {
			// The one such date, 5 February 2018 (central limits in
			// effect), had its own exchange of data as of that date.
			p.Exchange = t.DataExchange.Notification
			out = insertTarget(out, p)
		}
	}
	return out
}

func isExchangeDate(t *treaty.Treaty, d treaty.Date) bool {
	md := d.String()[5:]
	for _, a := range t.DataExchange.AsOf {
		if a == md {
			return true
		}
	}
	return false
}

func insertTarget(ts []Target, p Target) []Target {
	for i, t := range ts {
		if p.Date.Before(t.Date) {
			return append(ts[:i], append([]Target{p}, ts[i:]...)...)
		}
	}
	return append(ts, p)
}

// at returns the target on d: the published row, or one interpolated
// between the published rows around d.
func at(pub []Target, party string, d treaty.Date, exchange string) Target {
	var prev, next *Target
	for i := range pub {
		p := &pub[i]
		switch {
		case p.Date.Equal(d):
			t := *p
			t.Exchange = exchange
			return t
		case p.Date.Before(d):
			prev = p
		case next == nil:
			next = p
		}
	}
	t := Target{Party: party, Date: d, Interpolated: true, Exchange: exchange}
	switch {
	case prev == nil:
		return t // nothing to go on; not reached for the built-in data
	case next == nil:
		t.DeployedDeliveryVehicles, t.Warheads, t.Launchers = prev.DeployedDeliveryVehicles, prev.Warheads, prev.Launchers
		t.Source = "held at " + prev.Date.String()
		return t
	}
	f := days(prev.Date, d) / days(prev.Date, next.Date)
	lerp := func(a, b int) int { return int(math.Round(float64(a) + f*float64(b-a))) }
	t.DeployedDeliveryVehicles = lerp(prev.DeployedDeliveryVehicles, next.DeployedDeliveryVehicles)
	t.Warheads = lerp(prev.Warheads, next.Warheads)
	t.Launchers = lerp(prev.Launchers, next.Launchers)
	t.Source = "interpolated between " + prev.Date.String() + " and " + next.Date.String()
	return t
}

func days(a, b treaty.Date) float64 {
	return b.Time().Sub(a.Time()).Hours() / 24
}

package sim

import (
	"math"
	"math/rand/v2"
	"slices"

	"accord/internal/treaty"
)

// pointsOfEntry are each party's points of entry for inspection teams.
var pointsOfEntry = map[string][]string{
	"USA": {"Washington, D.C.", "San Francisco"},
	"RUS": {"Moscow", "Ulan-Ude"},
}

// inspectedKinds are the facility kinds each inspection type visits.
var inspectedKinds = map[string][]string{
	"type_one": {ICBMBase, SubmarineBase, AirBase},
	// New START has no inspection of production facilities: START's
	// continuous monitoring at Votkinsk ended with START.
	"type_two": {Storage, Elimination, TestRange},
}

// inspections returns the notices of every inspection each party makes of
// the other: each treaty year's quota, from two months after entry into
// force until inspections were paused.
func inspections(t *treaty.Treaty, parties []string, rng *rand.Rand) []Event {
	end := pause(t)
	var out []Event
	for _, by := range parties {
		for _, of := range parties {
			if by == of {
				continue
			}
			for y := t.Dates.EntryIntoForce; y.Before(end); y = y.Add(treaty.Period{Years: 1}) {
				out = append(out, inspectionYear(t, rng, by, of, y, end)...)
			}
		}
	}
	return out
}

// pause returns the day inspections were paused for all parties, or
// expiry.
func pause(t *treaty.Treaty) treaty.Date {
	for _, e := range t.Events {
		if e.Kind == "inspections_paused" && e.Party == "" {
			return e.Date
		}
	}
	return t.Expiry()
}

func inspectionYear(t *treaty.Treaty, rng *rand.Rand, by, of string, year, end treaty.Date) []Event {
	from := year
	if first := t.Dates.EntryIntoForce.AddDays(60); from.Before(first) {
		from = first
	}
	to := year.Add(treaty.Period{Years: 1}).AddDays(-1)
	if !to.Before(end) {
		to = end.AddDays(-2)
	}
	share := (days(from, to) + 1) / days(year, year.Add(treaty.Period{Years: 1}))
	var out []Event
	for _, it := range t.Inspections {
		n := int(math.Round(float64(it.PerYear) * share))
		for range n {
			d := from.AddDays(rng.IntN(int(days(from, to)) + 1))
			out = append(out, inspection(rng, by, of, it.ID, d)...)
		}
	}
	return out
}

// inspection returns the three notices of one inspection by party by of
// a facility of party of, arriving on d.
func inspection(rng *rand.Rand, by, of, typ string, d treaty.Date) []Event {
	poes := pointsOfEntry[of]
	poe := poes[rng.IntN(len(poes))]
	var sites []Facility
	for _, f := range facilities {
		if f.Party == of && slices.Contains(inspectedKinds[typ], f.Kind) {
			sites = append(sites, f)
		}
	}
	site := sites[rng.IntN(len(sites))]
	note := typ + " inspection of " + of + " at " + site.Name
	return []Event{
		{Party: by, Type: intentInspect, Effective: d, Fields: map[string]string{"inspection_type": typ, "point_of_entry": poe}, Note: note},
		{Party: by, Type: arrivalPOE, Effective: d, Fields: map[string]string{"inspection_type": typ, "point_of_entry": poe}, Note: note},
		{Party: by, Type: siteDesignate, Effective: d.AddDays(1), Fields: map[string]string{"inspection_type": typ, "facility": site.ID}, Note: note},
	}
}

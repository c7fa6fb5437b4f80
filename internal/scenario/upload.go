package scenario

import (
	"slices"

	"accord/internal/declaration"
)

// An UploadRow is what one type of missile or heavy bomber could carry if
// no treaty limited it: every deployed one loaded to its most warheads,
// and every non-deployed one that has a launcher deployed and loaded too.
type UploadRow struct {
	Type     string `json:"type"`
	Category string `json:"category"`
	Deployed int    `json:"deployed"`
	// Counted is the warheads New START counts for the type now: those
	// emplaced on deployed missiles, one per deployed heavy bomber.
	Counted int `json:"counted"`
	// Reserve is the non-deployed missiles that have a non-deployed
	// launcher of their type to go on (the smaller of the two counts), or
	// the non-deployed heavy bombers.
	Reserve int `json:"reserve"`
	// Low and High are the most warheads per missile or bomber
	// (Fact.Load); zero when the force-facts table has no load.
	Low  int `json:"load_low"`
	High int `json:"load_high"`
	// PotentialLow and PotentialHigh are (Deployed+Reserve)×load, or
	// Counted when there is no load.
	PotentialLow  int  `json:"potential_low"`
	PotentialHigh int  `json:"potential_high"`
	Known         bool `json:"load_known"`
	// Months is how long loading Deployed+Reserve takes at the rate the
	// caller gave (a parameter, not a published figure); 0 without one.
	Months int `json:"months,omitempty"`
}

// A Potential is one party's upload potential on a date.
type Potential struct {
	Party string      `json:"party"`
	AsOf  string      `json:"as_of"`
	Rows  []UploadRow `json:"types"`
	// Counted is New START's count of the rows (deployed warheads).
	Counted int `json:"counted"`
	// Low and High are the sums of the rows' potentials.
	Low  int `json:"potential_low"`
	High int `json:"potential_high"`
	// Rate is the parameter Months were computed with: delivery vehicles
	// loaded per month, per type; 0 when none was given.
	Rate int `json:"rate_per_month,omitempty"`
}

// UploadPotential computes d's upload potential from the force-facts
// table. rate, when positive, is the number of missiles or bombers of one
// type that can be loaded in a month: a parameter the caller states, as
// accord holds no published rate.
func UploadPotential(d *declaration.Declaration, rate int) Potential {
	h := holdingsOf(d)
	u := Potential{Party: d.Party, AsOf: d.AsOf.String(), Rate: rate}
	for _, typ := range h.types() {
		r := h.uploadRow(typ, h.kind(typ))
		if rate > 0 {
			r.Months = (r.Deployed + r.Reserve + rate - 1) / rate
		}
		u.Rows = append(u.Rows, r)
		u.Counted += r.Counted
		u.Low += r.PotentialLow
		u.High += r.PotentialHigh
	}
	return u
}

// types are the missile and bomber types in h, sorted.
func (h holdings) types() []string {
	var out []string
	for k := range h {
		if h.kind(k.typ) != "" && !slices.Contains(out, k.typ) {
			out = append(out, k.typ)
		}
	}
	slices.Sort(out)
	return out
}

func (h holdings) uploadRow(typ, kind string) UploadRow {
	dep := h.get(typ, kind, "deployed")
	r := UploadRow{Type: typ, Category: kind, Deployed: dep.count, Counted: dep.warheads}
	nd := h.get(typ, kind, "non_deployed").count
	if kind == "heavy_bomber" {
		r.Counted, r.Reserve = dep.count, nd
	} else {
		r.Reserve = min(nd, h.get(typ, launcher(kind), "non_deployed").count)
	}
	f, ok := Facts()[typ]
	if !ok || f.Category != kind {
		r.PotentialLow, r.PotentialHigh = r.Counted, r.Counted
		return r
	}
	n := r.Deployed + r.Reserve
	r.Known, r.Low, r.High = true, f.Low(), f.High()
	r.PotentialLow, r.PotentialHigh = n*f.Low(), n*f.High()
	return r
}

// Package declaration reads what parties declare about their holdings: per
// item, per type (as public fact sheets give it), as pre-counted
// aggregates, or, for nuclear warheads, as counts per site, in CSV or JSON
// (docs/declarations.md).
//
// Load reads a whole file and validates every row against a treaty before
// returning anything: a file with one bad row yields an error naming the
// file, line and field, and no declarations.
package declaration

import (
	"cmp"
	"slices"

	"accord/internal/treaty"
)

// Levels of detail a declaration row can have.
const (
	LevelItems      = "items"
	LevelTypes      = "types"
	LevelAggregates = "aggregates"
	LevelWarheads   = "warheads"
)

// An Item is one accountable object: a missile, launcher, bomber or
// warhead.
type Item struct {
	AsOf     treaty.Date `json:"as_of,omitzero"`
	Party    string      `json:"party"`
	UID      string      `json:"uid"`
	Type     string      `json:"type"`
	Category string      `json:"category"`
	Status   string      `json:"status"`
	Facility string      `json:"facility,omitempty"`
	Warheads int         `json:"warheads"`
}

// A TypeCount is the number of items of one type in one status, and the
// total warheads emplaced on them.
type TypeCount struct {
	AsOf     treaty.Date `json:"as_of,omitzero"`
	Party    string      `json:"party"`
	Type     string      `json:"type"`
	Category string      `json:"category"`
	Status   string      `json:"status"`
	Count    int         `json:"count"`
	Warheads int         `json:"warheads"`
}

// An Aggregate is a party's pre-counted value for each limit on a date.
// A limit missing from Values was not given.
type Aggregate struct {
	AsOf   treaty.Date    `json:"as_of"`
	Party  string         `json:"party"`
	Values map[string]int `json:"values"`
	Source string         `json:"source,omitempty"`
	Note   string         `json:"note,omitempty"`
}

// A Set is everything one or more declaration files state. Its JSON
// encoding is the JSON declaration format, so a Set written out with
// encoding/json loads back unchanged.
type Set struct {
	Items      []Item      `json:"items,omitempty"`
	Types      []TypeCount `json:"types,omitempty"`
	Aggregates []Aggregate `json:"aggregates,omitempty"`
	Warheads   []Warhead   `json:"warheads,omitempty"`
}

// A Declaration is one party's holdings at one date, gathered from a Set.
// An undated Declaration (AsOf zero) applies to whatever date it is
// evaluated on. Its Warheads rows are counted with its items and types,
// each as that many items of its category and status.
type Declaration struct {
	Party     string
	AsOf      treaty.Date
	Items     []Item
	Types     []TypeCount
	Warheads  []Warhead
	Aggregate *Aggregate
}

// rows is the number of rows in s, at every level.
func (s *Set) rows() int {
	return len(s.Items) + len(s.Types) + len(s.Aggregates) + len(s.Warheads)
}

// Merge appends the rows of o to s.
func (s *Set) Merge(o *Set) {
	s.Items = append(s.Items, o.Items...)
	s.Types = append(s.Types, o.Types...)
	s.Aggregates = append(s.Aggregates, o.Aggregates...)
	s.Warheads = append(s.Warheads, o.Warheads...)
}

type key struct {
	party string
	asOf  treaty.Date
}

// Declarations groups the set's rows by party and date, sorted by date and
// then by party in treaty order.
func (s *Set) Declarations(t *treaty.Treaty) []*Declaration {
	groups := map[key]*Declaration{}
	get := func(party string, d treaty.Date) *Declaration {
		k := key{party, d}
		if g, ok := groups[k]; ok {
			return g
		}
		g := &Declaration{Party: party, AsOf: d}
		groups[k] = g
		return g
	}
	for _, it := range s.Items {
		g := get(it.Party, it.AsOf)
		g.Items = append(g.Items, it)
	}
	for _, tc := range s.Types {
		g := get(tc.Party, tc.AsOf)
		g.Types = append(g.Types, tc)
	}
	for _, w := range s.Warheads {
		g := get(w.Party, w.AsOf)
		g.Warheads = append(g.Warheads, w)
	}
	for i := range s.Aggregates {
		a := &s.Aggregates[i]
		get(a.Party, a.AsOf).Aggregate = a
	}
	out := make([]*Declaration, 0, len(groups))
	for _, g := range groups {
		out = append(out, g)
	}
	order := partyOrder(t)
	slices.SortFunc(out, func(a, b *Declaration) int {
		return cmp.Or(a.AsOf.Compare(b.AsOf), cmp.Compare(order[a.Party], order[b.Party]))
	})
	return out
}

func partyOrder(t *treaty.Treaty) map[string]int {
	m := map[string]int{}
	for i, p := range t.Parties {
		m[p.ID] = i
	}
	return m
}

// Dates returns the distinct dates the set's rows are declared as of, in
// order; undated rows add nothing.
func (s *Set) Dates() []treaty.Date {
	var ds []treaty.Date
	add := func(d treaty.Date) {
		if !d.IsZero() {
			ds = append(ds, d)
		}
	}
	for _, it := range s.Items {
		add(it.AsOf)
	}
	for _, tc := range s.Types {
		add(tc.AsOf)
	}
	for _, a := range s.Aggregates {
		add(a.AsOf)
	}
	for _, w := range s.Warheads {
		add(w.AsOf)
	}
	slices.SortFunc(ds, treaty.Date.Compare)
	return slices.CompactFunc(ds, treaty.Date.Equal)
}

// Latest returns, from decls, party's declaration in force on d: the
// latest dated on or before d, or an undated one. It returns nil if there
// is none.
func Latest(decls []*Declaration, party string, d treaty.Date) *Declaration {
	var best *Declaration
	for _, g := range decls {
		if g.Party != party || g.AsOf.After(d) {
			continue
		}
		if best == nil || g.AsOf.IsZero() || (!best.AsOf.IsZero() && g.AsOf.After(best.AsOf)) {
			best = g
		}
	}
	return best
}

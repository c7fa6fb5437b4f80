// Package scenario answers the question of 2020 over one party's declared
// holdings: under each treaty on the table (New START as extended,
// Russia's one-year extension with a freeze, the US freeze position, a
// trilateral draft, and no treaty), which limits bind on a date, by how
// much the party is within each, and how many warheads it could field if
// no treaty limited it (upload potential).
//
// A Change alters the holdings first, as an analyst tests a force
// posture: "retire 50 Minuteman III", "upload 2 warheads per Trident II".
// Everything here is a pure function of the declarations, the built-in
// treaty definitions and the force-facts table (facts.yaml), whose every
// load names its sources (docs/analysis.md).
package scenario

import (
	"fmt"
	"slices"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// NoTreaty is the option under which nothing limits a party.
const NoTreaty = "none"

// Options are the treaties a scenario compares, by id, in the order they
// are shown.
var Options = []string{"newstart", "newstart-freeze-2020", "us-freeze-2020", "trilateral-draft", NoTreaty}

// LoadTreaties are the definitions LoadFiles reads declarations against,
// in turn: the US freeze position, whose categories and statuses include
// New START's and the freezes' (non-strategic warheads, warheads retired
// awaiting dismantlement) and whose dates go back to New START's
// signature; then the trilateral draft, the only option with China as a
// party (signed, hypothetically, in 2021).
var LoadTreaties = []string{"us-freeze-2020", "trilateral-draft"}

// LoadFiles reads declaration files (docs/declarations.md) against the
// first of LoadTreaties that accepts them all, and returns the first
// definition's error if none does.
func LoadFiles(files ...string) (*declaration.Set, error) {
	var first error
	for _, id := range LoadTreaties {
		t, err := treaty.Builtin(id)
		if err != nil {
			return nil, err
		}
		set, err := declaration.LoadFiles(t, files...)
		if err == nil {
			return set, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// An Outcome is one option's result for the party.
type Outcome struct {
	Option string `json:"option"`
	Title  string `json:"title"`
	// Party is false when the party is not a party to the treaty.
	Party   bool                 `json:"party"`
	InForce bool                 `json:"treaty_in_force"`
	Limits  []engine.LimitResult `json:"limits"`
	// Tightest is the limit the party would breach first: the one it
	// could add least to (Headroom), the first in treaty order on a tie;
	// empty when no limit's headroom is known.
	Tightest string `json:"tightest,omitempty"`
}

// A Report is every option's outcome for one party on one date, and its
// upload potential, after the change if there was one.
type Report struct {
	Party    string    `json:"party"`
	AsOf     string    `json:"as_of"`
	Declared string    `json:"declared"`
	Change   *Change   `json:"change,omitempty"`
	Outcomes []Outcome `json:"options"`
	Upload   Potential `json:"upload"`
	// OverTime is the party's upload potential on earlier dates, as
	// declared (the change applies to AsOf only); set by the caller.
	OverTime []Point `json:"over_time,omitempty"`
}

// Evaluate compares the options for party on d over the declarations in
// set. change may be nil. rate is UploadPotential's parameter.
func Evaluate(set *declaration.Set, party string, d treaty.Date, change *Change, rate int) (*Report, error) {
	base, err := treaty.Builtin("trilateral-draft") // every option's parties, in order
	if err != nil {
		return nil, err
	}
	return Compare(set.Declarations(base), party, d, change, rate)
}

// Compare is Evaluate over declarations already gathered: those of a
// node's treaty database, say (registry.Declaration). decls must hold the
// party's declaration in force on d and, for the freezes to have a
// baseline, those in force on each of Baselines; decls is not modified.
func Compare(decls []*declaration.Declaration, party string, d treaty.Date, change *Change, rate int) (*Report, error) {
	own := declaration.Latest(decls, party, d)
	if own == nil {
		return nil, fmt.Errorf("%s declared nothing on or before %s", party, d)
	}
	if change != nil {
		changed, err := change.Apply(own)
		if err != nil {
			return nil, err
		}
		decls = replace(decls, own, changed)
		own = changed
	}
	r := &Report{Party: party, AsOf: d.String(), Declared: own.AsOf.String(), Change: change}
	for _, id := range Options {
		o, err := outcome(id, party, d, decls)
		if err != nil {
			return nil, err
		}
		r.Outcomes = append(r.Outcomes, o)
	}
	if own.Aggregate == nil {
		r.Upload = UploadPotential(own, rate)
	}
	return r, nil
}

// replace returns decls with old swapped for new, leaving decls as it was.
func replace(decls []*declaration.Declaration, old, new *declaration.Declaration) []*declaration.Declaration {
	out := make([]*declaration.Declaration, len(decls))
	for i, x := range decls {
		if x == old {
			x = new
		}
		out[i] = x
	}
	return out
}

func outcome(id, party string, d treaty.Date, decls []*declaration.Declaration) (Outcome, error) {
	if id == NoTreaty {
		return Outcome{Option: id, Title: "No treaty", Party: true}, nil
	}
	t, err := treaty.Builtin(id)
	if err != nil {
		return Outcome{}, err
	}
	o := Outcome{Option: id, Title: t.ShortTitle, InForce: t.InForce(d)}
	if _, ok := t.Party(party); !ok {
		return o, nil
	}
	o.Party = true
	res, err := engine.Evaluate(t, d, treaty.DefaultReading, decls)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", id, err)
	}
	for _, p := range res.Parties {
		if p.Party == party {
			o.Limits = withoutTerms(p.Limits)
		}
	}
	o.Tightest = tightest(o.Limits)
	return o, nil
}

// tightest returns the id of the limit with the least headroom.
func tightest(ls []engine.LimitResult) string {
	id, least := "", 0
	for _, l := range ls {
		if n, ok := Headroom(l); ok && (id == "" || n < least) {
			id, least = l.ID, n
		}
	}
	return id
}

func withoutTerms(ls []engine.LimitResult) []engine.LimitResult {
	out := make([]engine.LimitResult, len(ls))
	for i, l := range ls {
		l.Terms = nil
		out[i] = l
	}
	return out
}

// Headroom is what the party could add before it breaches l: the margin
// when the limit has a value and a ceiling and the party is within it,
// 0 when it is over, and false when the value or the ceiling is unknown
// (the engine says why in l.Note), whether or not the limit is in force.
func Headroom(l engine.LimitResult) (int, bool) {
	if l.Verdict == engine.NoData || l.Note != "" {
		return 0, false
	}
	return max(l.Margin, 0), true
}

// Baselines are the dates every option's freezes take their baseline on,
// sorted: the declarations in force on them are what a freeze is counted
// against.
func Baselines() ([]treaty.Date, error) {
	var out []treaty.Date
	for _, id := range Options {
		if id == NoTreaty {
			continue
		}
		t, err := treaty.Builtin(id)
		if err != nil {
			return nil, err
		}
		for _, l := range t.Limits {
			if !l.Baseline.IsZero() && !slices.ContainsFunc(out, l.Baseline.Equal) {
				out = append(out, l.Baseline)
			}
		}
	}
	slices.SortFunc(out, treaty.Date.Compare)
	return out, nil
}

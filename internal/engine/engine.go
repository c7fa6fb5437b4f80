// Package engine applies a treaty's counting rules and limits (ceilings
// and freezes) to parties' declarations on a date, under one reading of
// the rules.
//
// Evaluate is a pure function of its inputs: the same treaty, date,
// reading and declarations always give the same Result. The engine knows
// no log and no database: it holds the rules that need no history. The
// rules over a party's history (deadlines, acknowledgement windows,
// quotas, findings) are the treaty database's (package registry), which
// calls Evaluate for a party's status; docs/architecture.md says which
// package owns which rule.
package engine

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// Verdicts on one limit.
const (
	Met              = "met"                 // the value is within the ceiling
	Exceeded         = "exceeded"            // the value is above the ceiling
	NotInForce       = "not_in_force"        // the limit does not apply yet, or any more
	TreatyNotInForce = "treaty_not_in_force" // the treaty is not in force on the date
	NoData           = "no_data"             // no value (or, for a freeze, no baseline) was declared
)

// A Result is the engine's finding for every party on one date.
type Result struct {
	Treaty  string        `json:"treaty"`
	AsOf    treaty.Date   `json:"as_of"`
	Reading string        `json:"reading"`
	InForce bool          `json:"treaty_in_force"`
	Phase   string        `json:"phase"`
	Parties []PartyResult `json:"parties"`
}

// A PartyResult is one party's limits.
type PartyResult struct {
	Party string `json:"party"`
	// Declared is the date of the declaration counted (empty if undated).
	Declared  treaty.Date   `json:"declared,omitzero"`
	Suspended bool          `json:"suspended,omitempty"`
	Limits    []LimitResult `json:"limits"`
}

// A LimitResult is the value of one limit for one party and its verdict.
type LimitResult struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Value    int    `json:"value"`
	Limit    int    `json:"limit"`
	Margin   int    `json:"margin"`
	InForce  bool   `json:"in_force"`
	Binding  string `json:"binding"`
	Verdict  string `json:"verdict"`
	Cite     string `json:"cite"`
	Baseline string `json:"baseline,omitempty"` // for a freeze: the date its ceiling was declared
	Note     string `json:"note,omitempty"`     // why a value is unknown, where it is not plain
	// Terms break the value down by rule, category, status and type.
	Terms []Term `json:"terms,omitempty"`
}

// A Term is what one counting rule took from items of one type, or from
// the warheads declared at one site (declaration.Warhead).
type Term struct {
	Category string `json:"category"`
	Status   string `json:"status"`
	Type     string `json:"type,omitempty"`
	Site     string `json:"site,omitempty"`
	Items    int    `json:"items"`
	Measure  string `json:"measure"`
	Counted  int    `json:"counted"`
	Cite     string `json:"cite,omitempty"`
}

// Exceeded reports whether any limit in r is exceeded.
func (r Result) Exceeded() bool {
	for _, p := range r.Parties {
		for _, l := range p.Limits {
			if l.Verdict == Exceeded {
				return true
			}
		}
	}
	return false
}

// Evaluate counts every party's declaration in force on d (the latest on
// or before d, see declaration.Latest) against t's limits under reading.
// Parties that declared nothing on or before d are left out.
func Evaluate(t *treaty.Treaty, d treaty.Date, reading string, decls []*declaration.Declaration) (Result, error) {
	if reading == "" {
		reading = treaty.DefaultReading
	}
	if !slices.Contains(t.ReadingIDs(), reading) {
		return Result{}, fmt.Errorf("treaty %s has no reading %q (readings: %v)", t.ID, reading, t.ReadingIDs())
	}
	res := Result{Treaty: t.ID, AsOf: d, Reading: reading, InForce: t.InForce(d), Phase: t.Phase(d)}
	e := &evaluator{t: t, reading: reading, d: d, all: decls, tallies: map[*declaration.Declaration]tally{}}
	for _, p := range t.Parties {
		decl := declaration.Latest(decls, p.ID, d)
		if decl == nil {
			continue
		}
		pr := PartyResult{Party: p.ID, Declared: decl.AsOf, Suspended: t.Suspended(p.ID, d)}
		for _, l := range t.Limits {
			if !l.Binds(p.ID) {
				continue
			}
			lr, err := e.limit(l, decl)
			if err != nil {
				return Result{}, err
			}
			pr.Limits = append(pr.Limits, lr)
		}
		res.Parties = append(res.Parties, pr)
	}
	return res, nil
}

// An evaluator holds one evaluation's inputs and tallies each declaration
// once, however many limits count it.
type evaluator struct {
	t       *treaty.Treaty
	reading string
	d       treaty.Date
	all     []*declaration.Declaration
	tallies map[*declaration.Declaration]tally
}

func (e *evaluator) tally(decl *declaration.Declaration) tally {
	t, ok := e.tallies[decl]
	if !ok {
		t = tallyOf(decl)
		e.tallies[decl] = t
	}
	return t
}

func (e *evaluator) limit(l treaty.Limit, decl *declaration.Declaration) (LimitResult, error) {
	rules, err := e.t.Rules(l, e.reading)
	if err != nil {
		return LimitResult{}, err
	}
	lr := LimitResult{ID: l.ID, Name: l.Name, InForce: l.InForce(e.d), Binding: l.Binding, Cite: l.Cite}
	value, terms, known, err := count(rules, decl, l.ID, e.tally)
	if err != nil {
		return LimitResult{}, fmt.Errorf("%s, %s: %w", decl.Party, l.ID, err)
	}
	if decl.Aggregate != nil && len(rules) != len(l.Count) {
		// A pre-counted aggregate was counted under the rules as written;
		// a reading that counts more cannot be applied to it.
		known = false
		lr.Note = "a pre-counted aggregate cannot be recounted under reading " + e.reading
	}
	if !known && lr.Note == "" {
		lr.Note = "no data declared in " + categories(rules)
	}
	lr.Value, lr.Terms = value, terms
	ceiling, haveCeiling := 0, true
	if l.Ceiling != nil {
		ceiling = *l.Ceiling
	} else {
		ceiling, haveCeiling = e.baseline(l, rules, decl.Party)
		lr.Baseline = l.Baseline.String()
		if known && !haveCeiling {
			lr.Note = "no baseline: no data declared in " + categories(rules) + " on or before " + l.Baseline.String()
		}
	}
	lr.Limit = ceiling
	lr.Margin = ceiling - value // both at most MaxSum: no overflow
	lr.Verdict = verdict(e.t, e.d, lr.InForce, known && haveCeiling, value, ceiling)
	return lr, nil
}

// categories names the categories rules count, in rule order, once each.
func categories(rules []treaty.Rule) string {
	var out []string
	for _, r := range rules {
		if !slices.Contains(out, r.Category) {
			out = append(out, r.Category)
		}
	}
	return strings.Join(out, ", ")
}

func verdict(t *treaty.Treaty, d treaty.Date, inForce, known bool, value, ceiling int) string {
	switch {
	case !t.InForce(d):
		return TreatyNotInForce
	case !inForce:
		return NotInForce
	case !known:
		return NoData
	case value > ceiling:
		return Exceeded
	}
	return Met
}

// baseline returns a freeze's ceiling for party: its value, under the same
// rules, in its declaration in force on the baseline date.
func (e *evaluator) baseline(l treaty.Limit, rules []treaty.Rule, party string) (int, bool) {
	b := declaration.Latest(e.all, party, l.Baseline)
	if b == nil || b.AsOf.IsZero() {
		return 0, false
	}
	v, _, known, err := count(rules, b, l.ID, e.tally)
	return v, known && err == nil
}

// count applies rules to a declaration and returns the value, its terms
// (one per rule, category, status and type, in rule order) and whether the
// value is known. A pre-counted aggregate gives the value of limit
// directly; it is unknown when the aggregate leaves that limit out. Items,
// type counts and warheads per site give a known value when they declare
// something (a count of 0 included), of any status, in at least one
// category the rules count: a declaration silent
// on every category of a limit (a New START exchange under a freeze on
// all warheads) says nothing about it, which is not a count of zero.
func count(rules []treaty.Rule, decl *declaration.Declaration, limit string, tallyOf func(*declaration.Declaration) tally) (int, []Term, bool, error) {
	if a := decl.Aggregate; a != nil {
		v, ok := a.Values[limit]
		return v, []Term{{Category: "aggregate", Status: "pre-counted", Items: v, Measure: "declared", Counted: v, Cite: a.Source}}, ok, nil
	}
	tally := tallyOf(decl)
	if tally.overflow {
		return 0, nil, false, ErrOverflow
	}
	var terms []Term
	total := 0
	known := false
	for _, r := range rules {
		known = known || tally.categories[r.Category]
		for _, k := range tally.keys {
			if !r.MatchesType(k.category, k.status, k.typ) {
				continue
			}
			c := tally.counts[k]
			n, ok := mul(c.items, r.Weight)
			if r.Measure == treaty.MeasureWarheads {
				n = c.warheads
			}
			if total, ok = add(total, n, ok); !ok {
				return 0, nil, false, ErrOverflow
			}
			terms = append(terms, Term{Category: k.category, Status: k.status, Type: k.typ, Site: k.site, Items: c.items, Measure: r.Measure, Counted: n, Cite: r.Cite})
		}
	}
	return total, terms, known, nil
}

// ErrOverflow reports counts whose sum leaves the range accord counts
// in. Every count that enters accord is at most body.MaxCount, so only a
// declaration of more than about nine million items of a billion each
// could reach it; the engine refuses rather than wrap around and turn a
// violation into "met".
var ErrOverflow = errors.New("counts too large to add up")

// MaxSum bounds every sum the engine makes.
const MaxSum = 1 << 53

// add returns a+b and whether both and the sum are within 0..MaxSum (and
// ok was true).
func add(a, b int, ok bool) (int, bool) {
	if !ok || a < 0 || b < 0 || a > MaxSum || b > MaxSum-a {
		return 0, false
	}
	return a + b, true
}

// mul returns a×b and whether both and the product are within 0..MaxSum.
func mul(a, b int) (int, bool) {
	if a < 0 || b < 0 || (b != 0 && a > MaxSum/b) {
		return 0, false
	}
	return a * b, true
}

// A tallyKey is what a tally counts apart: items and type counts by type,
// warheads declared per site by site.
type tallyKey struct{ category, status, typ, site string }

type tallyCount struct{ items, warheads int }

// A tally is the number of items and warheads per category, status and
// type (or site), with its keys sorted.
type tally struct {
	keys       []tallyKey
	counts     map[tallyKey]tallyCount
	categories map[string]bool // the categories declared, in any status
	overflow   bool            // a sum left 0..MaxSum
}

// tallyOf adds up a declaration's items, type counts and warheads declared
// per site, each of which is Count items of its category and status.
func tallyOf(decl *declaration.Declaration) tally {
	t := tally{counts: map[tallyKey]tallyCount{}, categories: map[string]bool{}}
	put := func(k tallyKey, items, warheads int) {
		c := t.counts[k]
		var ok1, ok2 bool
		c.items, ok1 = add(c.items, items, true)
		c.warheads, ok2 = add(c.warheads, warheads, true)
		t.overflow = t.overflow || !ok1 || !ok2
		t.counts[k] = c
	}
	for i := range decl.Items {
		it := &decl.Items[i]
		put(tallyKey{it.Category, it.Status, it.Type, ""}, 1, it.Warheads)
	}
	for _, tc := range decl.Types {
		put(tallyKey{tc.Category, tc.Status, tc.Type, ""}, tc.Count, tc.Warheads)
	}
	for _, w := range decl.Warheads {
		put(tallyKey{w.Category, w.Status, "", w.Site}, w.Count, 0)
	}
	for k := range t.counts {
		t.keys = append(t.keys, k)
		t.categories[k.category] = true
	}
	slices.SortFunc(t.keys, func(a, b tallyKey) int {
		return cmp.Or(cmp.Compare(a.category, b.category), cmp.Compare(a.status, b.status), cmp.Compare(a.typ, b.typ), cmp.Compare(a.site, b.site))
	})
	return t
}

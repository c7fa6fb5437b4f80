// Package factsheet computes the public fact sheet of a treaty on a date:
// each party's aggregate numbers, one per limit, the way the State
// Department published New START's after every data exchange
// (testdata/newstart-aggregates.csv), from the treaty database.
//
// The numbers are the engine's (engine.Evaluate) on each party's
// inventory (registry.Declaration), under the treaty's rules as written.
// A party is listed only when its data is current: it stated its full
// holdings as of the latest data-exchange date on or before the date
// (New START: 1 March and 1 September; the initial data counts as of entry
// into force). A party that stopped providing data, as Russia did after 1
// September 2022, is named in Missing instead, as the State Department's
// fact sheet of 1 March 2023 did.
//
// Every limit with a ceiling or a freeze is a column; a party's cell is
// empty where the limit does not bind it (the trilateral draft's central
// limits and China) or its data gives no count, and a freeze is counted
// against each party's holdings on its baseline date. A freeze's cell is
// its total only, and it is empty, with the verdict no_data, where the
// party's data on the date or on the baseline date counts nothing under
// it: a New START exchange, which declares no warhead inventory, is not a
// total of 0 warheads.
//
// The fact sheet is what the parties publish: aggregates only, no item.
// It is the only data the dashboard shows an unauthenticated visitor.
package factsheet

import (
	"context"
	"fmt"
	"slices"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// A Sheet is the fact sheet of one treaty on one date.
type Sheet struct {
	Treaty  string      `json:"treaty"`
	Title   string      `json:"title"`
	AsOf    treaty.Date `json:"as_of"`
	KnownAt time.Time   `json:"known_at"`
	// Limits are the treaty's limits in force or not, in treaty order:
	// the columns of the sheet.
	Limits []Limit `json:"limits"`
	Rows   []Row   `json:"parties"`
	// Missing are the parties whose data is not current on AsOf.
	Missing []string `json:"no_data_provided,omitempty"`
	// Simulated, when set, says that the numbers are not real (the demo's
	// banner); every format carries it but CSV, whose rows are the
	// published table's.
	Simulated string `json:"simulated,omitempty"`
	// Links are the other formats of the same sheet, for the HTML page;
	// set by whoever serves it.
	Links []Link `json:"-"`
	// Lang is the language of the HTML page, one of i18n.Codes; empty
	// is English. Set by whoever serves it.
	Lang string `json:"-"`
}

// Partial reports whether some limit binds only some parties, or some
// party's count of a limit is unknown: whether the sheet has empty cells.
func (s *Sheet) Partial() bool {
	for _, l := range s.Limits {
		for _, r := range s.Rows {
			if _, ok := r.Value(l.ID); !ok {
				return true
			}
		}
	}
	return false
}

// A Link is one other format of a served sheet.
type Link struct {
	Format, URL string
}

// A Limit is one column of the sheet. A limit that binds only some
// parties (the trilateral draft's central limits) has an empty cell for
// the others.
type Limit struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Ceiling is the limit's number; zero for a freeze, whose ceiling is
	// each party's own value on Baseline (Row.Ceilings).
	Ceiling   int         `json:"ceiling,omitempty"`
	Baseline  treaty.Date `json:"baseline,omitzero"`
	Effective treaty.Date `json:"effective"`
	InForce   bool        `json:"in_force"`
	// Parties are the parties the limit binds; empty means all.
	Parties []string `json:"parties,omitempty"`
	Cite    string   `json:"cite"`
}

// Binds reports whether the limit binds party.
func (l Limit) Binds(party string) bool {
	return len(l.Parties) == 0 || slices.Contains(l.Parties, party)
}

// A Row is one party's aggregate numbers.
type Row struct {
	Party string `json:"party"`
	Name  string `json:"name"`
	// Declared is the date of the party's latest statement of its full
	// holdings on or before AsOf.
	Declared treaty.Date `json:"declared"`
	// Values are the party's counts, by limit id, for the limits that
	// bind it.
	Values map[string]int `json:"values"`
	// Verdicts are the engine's verdicts, by limit id.
	Verdicts map[string]string `json:"verdicts"`
	// Ceilings are the party's own ceilings under a freeze, by limit id.
	Ceilings map[string]int `json:"ceilings,omitempty"`
}

// Value returns the party's count of limit id, and whether the limit
// binds it.
func (r Row) Value(id string) (int, bool) {
	v, ok := r.Values[id]
	return v, ok
}

// A Declarer returns party's holdings on asOf as known at knownAt; the
// treaty database's Declaration is one.
type Declarer func(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) (*declaration.Declaration, error)

// Compute returns the fact sheet of reg's treaty on asOf, as known at
// knownAt.
func Compute(ctx context.Context, reg *registry.Registry, asOf treaty.Date, knownAt time.Time) (*Sheet, error) {
	stated, err := Stated(ctx, reg, knownAt)
	if err != nil {
		return nil, err
	}
	return ComputeWith(ctx, reg.Treaty(), stated, reg.Declaration, asOf, knownAt)
}

// ComputeWith is Compute with the dates each party stated its full
// holdings (see Stated) and a Declarer given, so that a caller computing
// many sheets can share and cache them.
func ComputeWith(ctx context.Context, t *treaty.Treaty, stated map[string][]treaty.Date, declare Declarer, asOf treaty.Date, knownAt time.Time) (*Sheet, error) {
	s := &Sheet{Treaty: t.ID, Title: t.Title, AsOf: asOf, KnownAt: knownAt.UTC()}
	for _, l := range t.Limits {
		c := Limit{ID: l.ID, Name: l.Name, Baseline: l.Baseline, Effective: l.Effective, InForce: l.InForce(asOf) && t.InForce(asOf), Parties: l.Parties, Cite: l.Cite}
		if l.Ceiling != nil {
			c.Ceiling = *l.Ceiling
		}
		s.Limits = append(s.Limits, c)
	}
	var decls []*declaration.Declaration
	declared := map[string]treaty.Date{}
	for _, p := range t.Parties {
		d, ok := Current(t, stated[p.ID], asOf)
		if !ok {
			if len(stated[p.ID]) > 0 && !asOf.Before(stated[p.ID][0]) {
				s.Missing = append(s.Missing, p.ID)
			}
			continue
		}
		decl, err := declare(ctx, p.ID, asOf, knownAt)
		if err != nil {
			return nil, fmt.Errorf("counting %s on %s: %w", p.ID, asOf, err)
		}
		declared[p.ID] = d
		decls = append(decls, decl)
	}
	// A freeze is counted against each party's holdings on its baseline
	// date.
	for _, l := range t.Limits {
		if l.Baseline.IsZero() || !l.Baseline.Before(asOf) {
			continue
		}
		for p := range declared {
			decl, err := declare(ctx, p, l.Baseline, knownAt)
			if err != nil {
				return nil, fmt.Errorf("counting %s on %s: %w", p, l.Baseline, err)
			}
			decls = append(decls, decl)
		}
	}
	res, err := engine.Evaluate(t, asOf, treaty.DefaultReading, decls)
	if err != nil {
		return nil, err
	}
	silent, err := silentOnFreezes(t, asOf, decls, res)
	if err != nil {
		return nil, err
	}
	for _, pr := range res.Parties {
		p, _ := t.Party(pr.Party)
		row := Row{Party: pr.Party, Name: p.Name, Declared: declared[pr.Party], Values: map[string]int{}, Verdicts: map[string]string{}}
		for _, lr := range pr.Limits {
			if silent[pr.Party+"/"+lr.ID] {
				lr.Verdict = engine.NoData
			}
			row.Verdicts[lr.ID] = lr.Verdict
			if lr.Verdict == engine.NoData {
				continue // an empty cell, its verdict saying why
			}
			row.Values[lr.ID] = lr.Value
			if lr.Baseline != "" && lr.Verdict != engine.NoData {
				if row.Ceilings == nil {
					row.Ceilings = map[string]int{}
				}
				row.Ceilings[lr.ID] = lr.Limit
			}
		}
		s.Rows = append(s.Rows, row)
	}
	return s, nil
}

// Stated returns, per party, the effective dates of its full statements
// of holdings (notifications whose type's effect is "data") made at or
// before knownAt and not refused, in date order.
func Stated(ctx context.Context, reg *registry.Registry, knownAt time.Time) (map[string][]treaty.Date, error) {
	t := reg.Treaty()
	out := map[string][]treaty.Date{}
	for _, p := range t.Parties {
		ns, err := reg.Notices(ctx, p.ID, knownAt)
		if err != nil {
			return nil, err
		}
		var ds []treaty.Date
		for _, n := range ns {
			if nt, ok := t.Notification(n.Type); ok && nt.Effect == "data" && n.State != registry.Refused {
				ds = append(ds, n.Effective)
			}
		}
		slices.SortFunc(ds, treaty.Date.Compare)
		out[p.ID] = slices.CompactFunc(ds, treaty.Date.Equal)
	}
	return out, nil
}

// Current reports whether a party that stated its holdings on the dates
// stated has current data on d, and the date of the statement counted:
// its latest on or before d, which must be no earlier than the latest
// data-exchange date on or before d.
func Current(t *treaty.Treaty, stated []treaty.Date, d treaty.Date) (treaty.Date, bool) {
	i, found := slices.BinarySearchFunc(stated, d, treaty.Date.Compare)
	if !found {
		i--
	}
	if i < 0 {
		return treaty.Date{}, false
	}
	last := stated[i]
	return last, !last.Before(LastExchange(t, d))
}

// LastExchange returns the latest data-exchange date on or before d: a
// date of the treaty's schedule on or after entry into force, or entry
// into force itself.
func LastExchange(t *treaty.Treaty, d treaty.Date) treaty.Date {
	best := t.Dates.EntryIntoForce
	for _, x := range Exchanges(t, d) {
		if !x.After(d) && x.After(best) {
			best = x
		}
	}
	return best
}

// SheetDate returns the date whose fact sheet answers for d: the latest
// data-exchange date on or before d (or entry into force), since a fact
// sheet gives the aggregates of an exchange, as published; a date before
// entry into force is its own. So there are as many sheets as exchanges,
// and a public server caches each once however many dates it is asked.
func SheetDate(t *treaty.Treaty, d treaty.Date) treaty.Date {
	if d.IsZero() || d.Before(t.Dates.EntryIntoForce) {
		return d
	}
	return LastExchange(t, d)
}

// Exchanges returns entry into force and every data-exchange date of the
// treaty's schedule after it, up to and including until, in order.
func Exchanges(t *treaty.Treaty, until treaty.Date) []treaty.Date {
	eif := t.Dates.EntryIntoForce
	if eif.IsZero() || until.Before(eif) {
		return nil
	}
	out := []treaty.Date{eif}
	if t.DataExchange == nil {
		return out
	}
	for y := eif.Year(); y <= until.Year(); y++ {
		for _, md := range t.DataExchange.AsOf {
			d, err := treaty.ParseDate(fmt.Sprintf("%04d-%s", y, md))
			if err != nil || !d.After(eif) || d.After(until) {
				continue
			}
			out = append(out, d)
		}
	}
	slices.SortFunc(out, treaty.Date.Compare)
	return out
}

// Latest returns the latest data-exchange date on or before until on
// which some party's data is current (see Current), or zero if none.
func Latest(t *treaty.Treaty, stated map[string][]treaty.Date, until treaty.Date) treaty.Date {
	ex := Exchanges(t, until)
	for i := len(ex) - 1; i >= 0; i-- {
		for _, p := range t.Parties {
			if _, ok := Current(t, stated[p.ID], ex[i]); ok {
				return ex[i]
			}
		}
	}
	return treaty.Date{}
}

// silentOnFreezes returns the party/limit pairs of the freezes in res
// whose count rests on no data: the party's declaration in force on asOf,
// or the one on the freeze's baseline date, counts nothing under the
// freeze's rules.
func silentOnFreezes(t *treaty.Treaty, asOf treaty.Date, decls []*declaration.Declaration, res engine.Result) (map[string]bool, error) {
	out := map[string]bool{}
	at := map[treaty.Date]engine.Result{asOf: res}
	for _, l := range t.Limits {
		if l.Baseline.IsZero() {
			continue
		}
		if _, ok := at[l.Baseline]; !ok {
			r, err := engine.Evaluate(t, l.Baseline, treaty.DefaultReading, decls)
			if err != nil {
				return nil, err
			}
			at[l.Baseline] = r
		}
		for _, pr := range res.Parties {
			if !counted(res, pr.Party, l.ID) || !counted(at[l.Baseline], pr.Party, l.ID) {
				out[pr.Party+"/"+l.ID] = true
			}
		}
	}
	return out, nil
}

// counted reports whether party's result for limit in res counted
// something: a term of its rules matched the declaration.
func counted(res engine.Result, party, limit string) bool {
	for _, pr := range res.Parties {
		if pr.Party != party {
			continue
		}
		for _, lr := range pr.Limits {
			if lr.ID == limit {
				return lr.Verdict != engine.NoData && len(lr.Terms) > 0
			}
		}
	}
	return false
}

package registry

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// Kinds of finding on warheads (docs/warheads.md).
const (
	FindingBalance          = "balance"           // a warhead statement that disagrees with the book
	FindingFreezeBreach     = "freeze_breach"     // the event that took a party's total above its freeze baseline
	FindingDeployedMismatch = "deployed_mismatch" // deployed strategic warheads that disagree with New START's emplaced warheads
)

// A Balance is the number of warheads one party holds at one site in one
// category and status on a date.
type Balance struct {
	Site     string `json:"site"`
	Category string `json:"category"`
	Status   string `json:"status"`
	// Count is the whole balance: PerItem of them are warheads declared
	// by UID, the rest are counted per site in stock lots.
	Count   int64 `json:"count"`
	PerItem int64 `json:"per_item,omitempty"`
}

// A WarheadEvent is one entry that stated or changed a party's warheads,
// and the party's totals after it.
type WarheadEvent struct {
	Entry     body.Ref    `json:"entry"`
	Effective treaty.Date `json:"effective"`
	Recorded  time.Time   `json:"recorded"`
	Type      string      `json:"type"`   // the notification type
	Effect    string      `json:"effect"` // stock, produce, dismantle, transfer, recategorise, or item (per-item warheads)
	// Lots are the lots the entry states or moves; for per-item
	// warheads, one lot of count 1 per warhead that changed, from its
	// site, category and status before to those after.
	Lots []body.Lot `json:"lots"`
	// Total is the party's warheads after the event, in every warhead
	// category and status but dismantled.
	Total   int64         `json:"total"`
	Freezes []FreezePoint `json:"freezes,omitempty"`
}

// A FreezePoint is one freeze limit's value for the party after an event.
type FreezePoint struct {
	Limit string `json:"limit"`
	Value int64  `json:"value"`
	// Baseline is the party's value on the baseline date, once that date
	// has passed; nil before, or when the party had declared no warheads
	// by then (no_data).
	Baseline *int64 `json:"baseline,omitempty"`
	InForce  bool   `json:"in_force"`
	// Breach is set on the event that took Value above Baseline.
	Breach bool `json:"breach,omitempty"`
}

// Balances returns party's warhead balances on asOf as known at knownAt,
// sorted by site, category and status; keys with a zero balance are left
// out.
func (r *Registry) Balances(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) ([]Balance, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	b, err := r.bookOn(s, party, asOf, knownAt)
	if err != nil {
		return nil, err
	}
	return b.balances(), nil
}

// bookOn folds party's warhead events dated on or before asOf, as known
// at knownAt.
func (r *Registry) bookOn(s *session, party string, asOf treaty.Date, knownAt time.Time) (*book, error) {
	evs, err := s.weventsAt(party, nil, fmtTime(knownAt))
	if err != nil {
		return nil, err
	}
	b := newBook(r.t, party)
	for _, ev := range evs {
		if ev.effective > asOf.String() {
			break
		}
		b.apply(r.t, ev)
	}
	return b, nil
}

// WarheadEvents returns every event on party's warheads as known at
// knownAt, in date order (then log order), with its totals after it.
func (r *Registry) WarheadEvents(ctx context.Context, party string, knownAt time.Time) ([]WarheadEvent, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	evs, err := s.weventsAt(party, nil, fmtTime(knownAt))
	if err != nil {
		return nil, err
	}
	b := newBook(r.t, party)
	out := make([]WarheadEvent, 0, len(evs))
	for _, ev := range evs {
		fs, _ := b.apply(r.t, ev)
		e, err := r.warheadEvent(s, ev, b, fs)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (r *Registry) warheadEvent(s *session, ev *wevent, b *book, fs []wfinding) (WarheadEvent, error) {
	ref, err := s.ref(ev.origin, ev.idx)
	if err != nil {
		return WarheadEvent{}, err
	}
	e := WarheadEvent{Entry: ref, Effective: parseDate(ev.effective), Recorded: parseTime(ev.recorded), Type: ev.typ, Effect: ev.effect,
		Lots: ev.lots, Total: b.total, Freezes: b.points(r.t, ev.effective)}
	for _, f := range fs {
		for i := range e.Freezes {
			if f.kind == FindingFreezeBreach && e.Freezes[i].Limit == f.limit {
				e.Freezes[i].Breach = true
			}
		}
	}
	return e, nil
}

// ref returns the reference to an ingested entry.
func (s *session) ref(origin string, idx uint64) (body.Ref, error) {
	e, err := s.entry(origin, idx)
	if err != nil {
		return body.Ref{}, err
	}
	if e == nil {
		return body.Ref{}, fmt.Errorf("entry %s#%d not ingested", origin, idx)
	}
	var h body.Hash
	copy(h[:], e.leafHash)
	return body.Ref{Origin: origin, Index: idx, LeafHash: h}, nil
}

// warheadRows returns party's per-site warhead balances on asOf as known
// at knownAt as declaration rows, for the engine to count; nil if the
// party had declared no warheads by then. A party that declared warheads
// declared every warhead category: one it holds none of gets a row of
// zero, which the engine does not read as silence.
func (r *Registry) warheadRows(s *session, party string, asOf treaty.Date, knownAt time.Time) ([]declaration.Warhead, error) {
	if !r.hasWarheads {
		return nil, nil
	}
	b, err := r.bookOn(s, party, asOf, knownAt)
	if err != nil || !b.declared {
		return nil, err
	}
	var out []declaration.Warhead
	held := map[string]bool{}
	for _, k := range slices.SortedFunc(maps.Keys(b.count), compareKeys) {
		out = append(out, declaration.Warhead{AsOf: asOf, Party: party, Site: k.site, Category: k.category, Status: k.status, Count: int(b.count[k])})
		held[k.category] = true
	}
	for _, c := range r.t.Categories {
		if c.Warhead && !held[c.ID] && len(r.t.Statuses) > 0 {
			out = append(out, declaration.Warhead{AsOf: asOf, Party: party, Site: "(none)", Category: c.ID, Status: r.t.Statuses[0].ID})
		}
	}
	return out, nil
}

// warheadFindings returns the balance and freeze findings of the fold of
// party's warhead history, as recorded by now, and the deployed
// mismatches.
func (r *Registry) warheadFindings(s *session, party string, now time.Time) ([]Finding, error) {
	if !r.hasWarheads {
		return nil, nil
	}
	rows, err := s.query(`SELECT f.origin, f.idx, e.leaf_hash, f.kind, f.limit_id, f.site, f.category, f.status, f.effective, f.recorded, f.type, f.value, f.expected, f.reference
		FROM warhead_findings f JOIN entries e ON e.origin = f.origin AND e.idx = f.idx
		WHERE f.party = ? AND f.recorded <= ? ORDER BY f.effective, f.idx, f.kind, f.limit_id, f.site, f.category, f.status`, party, fmtTime(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var ref body.Ref
		var h []byte
		var kind, limit, site, category, status, effective, recorded, typ, reference string
		var value, expected int64
		if err := rows.Scan(&ref.Origin, &ref.Index, &h, &kind, &limit, &site, &category, &status, &effective, &recorded, &typ, &value, &expected, &reference); err != nil {
			return nil, err
		}
		copy(ref.LeafHash[:], h)
		f := Finding{Kind: kind, Party: party, Type: typ, Entry: &ref, Effective: parseDate(effective), Sent: parseTime(recorded)}
		switch kind {
		case FindingBalance:
			f.Reason = fmt.Sprintf("%s effective %s states %d %s %s warheads at %s; the book (opened by %s, plus the flows since) holds %d: difference %+d",
				typ, effective, value, status, category, site, reference, expected, value-expected)
		default:
			f.Reason = fmt.Sprintf("%s effective %s (%s) takes the party's %s to %d, above its freeze baseline of %d",
				typ, effective, ref, limit, value, expected)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	mm, err := r.deployedMismatches(s, party, now)
	return append(out, mm...), err
}

// strategicWarhead is the category of strategic warheads, whose deployed
// ones must agree with the warheads emplaced on deployed missiles.
const strategicWarhead = "warhead"

// deployedMismatches compares, on each date party stated its warheads
// per site, its deployed strategic warheads outside heavy-bomber bases
// with the warheads emplaced on its deployed missiles in its item data
// (docs/warheads.md, "Deployed strategic warheads and New START's data").
func (r *Registry) deployedMismatches(s *session, party string, now time.Time) ([]Finding, error) {
	missiles, bombers := r.emplacementRules()
	if len(missiles) == 0 {
		return nil, nil
	}
	evs, err := s.weventsAt(party, nil, fmtTime(now))
	if err != nil {
		return nil, err
	}
	// One fold: after the last event of each date with a statement, the
	// book is that date's.
	b := newBook(r.t, party)
	var out []Finding
	var stated *wevent
	for i, ev := range evs {
		b.apply(r.t, ev)
		if ev.effect == "stock" {
			stated = ev
		}
		if stated == nil || (i+1 < len(evs) && evs[i+1].effective == ev.effective) {
			continue
		}
		f, err := r.deployedMismatch(s, party, stated, b, missiles, bombers, now)
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, *f)
		}
		stated = nil
	}
	return out, nil
}

func (r *Registry) deployedMismatch(s *session, party string, ev *wevent, b *book, missiles, bombers []treaty.Rule, now time.Time) (*Finding, error) {
	d := parseDate(ev.effective)
	items, err := r.inventory(s, party, d, now)
	if err != nil {
		return nil, err
	}
	emplaced, haveMissiles, bases := 0, false, map[string]bool{}
	for _, it := range items {
		for _, m := range missiles {
			if m.Matches(it.Category, it.Status) {
				emplaced, haveMissiles = emplaced+it.Warheads, true
			}
		}
		for _, b := range bombers {
			if b.Matches(it.Category, it.Status) {
				bases[it.Facility] = true
			}
		}
	}
	if !haveMissiles {
		return nil, nil
	}
	deployed := int64(0)
	for _, bal := range b.balances() {
		if bal.Category == strategicWarhead && slices.Contains(missiles[0].Statuses, bal.Status) && !bases[bal.Site] {
			deployed += bal.Count
		}
	}
	if deployed == int64(emplaced) {
		return nil, nil
	}
	ref, err := s.ref(ev.origin, ev.idx)
	if err != nil {
		return nil, err
	}
	return &Finding{Kind: FindingDeployedMismatch, Party: party, Type: ev.typ, Entry: &ref, Effective: d, Sent: parseTime(ev.recorded),
		Reason: fmt.Sprintf("on %s the party declares %d deployed strategic warheads outside heavy-bomber bases, and %d warheads emplaced on its deployed missiles: difference %+d",
			ev.effective, deployed, emplaced, deployed-int64(emplaced))}, nil
}

// emplacementRules returns the rules of the treaty's limit on emplaced
// warheads (New START's Article II.1(b)): those counting the warheads on
// missiles, and the others, counting heavy bombers.
func (r *Registry) emplacementRules() (missiles, bombers []treaty.Rule) {
	for _, l := range r.t.Limits {
		if !slices.ContainsFunc(l.Count, func(r treaty.Rule) bool { return r.Measure == treaty.MeasureWarheads }) {
			continue
		}
		for _, rule := range l.Count {
			if rule.Measure == treaty.MeasureWarheads {
				missiles = append(missiles, rule)
			} else {
				bombers = append(bombers, rule)
			}
		}
		return missiles, bombers
	}
	return nil, nil
}

package registry

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// The levels a declaration entry states its holdings at, stored as its
// entries.type.
const (
	levelItems      = declaration.LevelItems
	levelTypes      = declaration.LevelTypes
	levelAggregates = declaration.LevelAggregates
)

// A declared is one declared count: a per-type row, or one limit's value
// of an aggregate (typ, category and status empty).
type declared struct {
	typ, category, status, limit string
	count, warheads              int
	source                       string
}

// declaration validates a declaration entry: a statement of the party's
// holdings on the entry's effective date, in the JSON declaration format
// (docs/declarations.md), at one level. Per-item rows become facts about
// items, as a full statement of holdings states them; per-type and
// aggregate rows become declared counts.
func (r *Registry) declaration(s *session, p *plan) error {
	set, level, err := ParseDeclaration(r.t, p.rec)
	if err != nil {
		return err
	}
	if err := r.sameLevel(s, p.rec, level); err != nil {
		return err
	}
	p.typ = level
	switch level {
	case levelItems:
		return r.declaredItems(s, p, set.Items)
	case levelTypes:
		for _, tc := range set.Types {
			p.counts = append(p.counts, declared{typ: tc.Type, category: tc.Category, status: tc.Status, count: tc.Count, warheads: tc.Warheads})
		}
	default:
		for _, a := range set.Aggregates {
			for _, id := range sortedKeys(a.Values) {
				p.counts = append(p.counts, declared{limit: id, count: a.Values[id], source: a.Source})
			}
		}
	}
	return nil
}

// ParseDeclaration reads the body of a declaration entry of t (canonical
// JSON, which package entry checks) on its own, without a database: a
// declaration of the log's party, every row as of the entry's effective
// date (or undated), at one level, which it returns. It returns a
// *Refusal if the body breaks a rule.
func ParseDeclaration(t *treaty.Treaty, rec *Record) (*declaration.Set, string, error) {
	set, err := declaration.Load(t, "declaration", bytes.NewReader(rec.Body))
	if err != nil {
		return nil, "", refuse(body.ErrMalformed, "%v", err)
	}
	for _, d := range set.Declarations(t) {
		if d.Party != rec.Party {
			return nil, "", refuse(ErrFields, "a declaration in %s's log declares party %s", rec.Party, d.Party)
		}
		if !d.AsOf.IsZero() && !d.AsOf.Equal(rec.Effective) {
			return nil, "", refuse(ErrFields, "a declaration effective %s declares holdings as of %s", rec.Effective, d.AsOf)
		}
	}
	level, err := levelOf(set)
	return set, level, err
}

// levelOf returns the one level set's rows are at.
func levelOf(set *declaration.Set) (string, error) {
	if len(set.Warheads) > 0 {
		return "", refuse(ErrFields, "warheads per site are stated in a warhead_data notification (accord notify --type warhead_data FILE), not a declaration entry, so that the book keeps one statement per date")
	}
	var levels []string
	for _, l := range []struct {
		name string
		n    int
	}{{levelItems, len(set.Items)}, {levelTypes, len(set.Types)}, {levelAggregates, len(set.Aggregates)}} {
		if l.n > 0 {
			levels = append(levels, l.name)
		}
	}
	switch len(levels) {
	case 0:
		return "", refuse(ErrFields, "a declaration states no rows")
	case 1:
		return levels[0], nil
	}
	return "", refuse(ErrFields, "a declaration entry states its holdings at one level, not %s: record each level as its own entry", strings.Join(levels, " and "))
}

// sameLevel refuses a declaration at another level than the party's
// applied declarations of the same date: item rows, per-type counts and
// aggregates of one date cannot be added up.
func (r *Registry) sameLevel(s *session, rec *Record, level string) error {
	if err := s.need("entries_by_type"); err != nil {
		return err
	}
	var other string
	found, err := s.row(`SELECT type FROM entries WHERE party = ? AND kind = 'declaration' AND effective = ? AND refused IS NULL AND type <> ? AND idx < ? LIMIT 1`,
		[]any{rec.Party, rec.Effective.String(), level, rec.Index}, &other)
	if err != nil || !found {
		return err
	}
	return refuse(ErrFields, "%s already declared its holdings of %s as %s; a declaration of %s cannot be added to them", rec.Party, rec.Effective, other, level)
}

// declaredItems checks the items of a per-item declaration as a full
// statement of holdings states them, and adds their facts to p.
func (r *Registry) declaredItems(s *session, p *plan, items []declaration.Item) error {
	n := &body.Notification{}
	for _, it := range items {
		w := it.Warheads
		n.Items = append(n.Items, body.Item{UID: it.UID, Type: it.Type, Category: it.Category, Status: it.Status, Facility: it.Facility, Warheads: &w})
	}
	p.effect = "data"
	return r.items(s, p, n, -1)
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// writeDeclared inserts the declared counts p states.
func (s *session) writeDeclared(p *plan) error {
	rec := p.rec
	for _, c := range p.counts {
		if err := s.exec(`INSERT INTO declared(party, effective, idx, origin, recorded, type, category, status, limit_id, count, warheads, source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.Party, rec.Effective.String(), rec.Index, rec.Origin, fmtTime(rec.Recorded),
			c.typ, c.category, c.status, c.limit, c.count, c.warheads, c.source); err != nil {
			return fmt.Errorf("recording declared counts: %w", err)
		}
	}
	return nil
}

// Counts returns party's latest per-type or aggregate declaration on or
// before asOf, as known at knownAt, or nil if there is none: each row is
// the latest entry's of that date for its key (type, category and
// status, or limit). Declaration says whether it is what counts.
func (r *Registry) Counts(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) (*declaration.Declaration, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	dc, level, err := s.countsDate(party, asOf, knownAt)
	if err != nil || dc == nil {
		return nil, err
	}
	return r.countsOn(s, party, parseDate(*dc), level, knownAt)
}

// countsDate returns the date and level of party's latest per-type or
// aggregate declaration on or before asOf as known at knownAt; nil if none.
func (s *session) countsDate(party string, asOf treaty.Date, knownAt time.Time) (*string, string, error) {
	var dc *string
	var level string
	_, err := s.row(`SELECT effective, type FROM entries WHERE party = ? AND kind = 'declaration' AND type IN ('types', 'aggregates')
		AND refused IS NULL AND effective <= ? AND recorded <= ? ORDER BY effective DESC, idx DESC LIMIT 1`,
		[]any{party, asOf.String(), fmtTime(knownAt)}, &dc, &level)
	return dc, level, err
}

// declaredCounts returns party's declared counts in force on asOf as known
// at knownAt, or nil when an item-level statement of holdings is later
// (or there are no declared counts).
func (r *Registry) declaredCounts(s *session, party string, asOf treaty.Date, knownAt time.Time) (*declaration.Declaration, error) {
	k := fmtTime(knownAt)
	dc, level, err := s.countsDate(party, asOf, knownAt)
	if err != nil || dc == nil {
		return nil, err
	}
	var ds *string
	if _, err := s.row(`SELECT max(effective) FROM entries e WHERE party = ? AND effect = 'data' AND refused IS NULL AND effective <= ? AND recorded <= ?
		AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.origin = e.origin AND c.idx = e.idx AND c.recorded <= ?)`,
		[]any{party, asOf.String(), k, k}, &ds); err != nil {
		return nil, err
	}
	if ds != nil && *ds > *dc {
		return nil, nil
	}
	return r.countsOn(s, party, parseDate(*dc), level, knownAt)
}

// countsOn returns party's declared counts of date d at level, as known
// at knownAt.
func (r *Registry) countsOn(s *session, party string, d treaty.Date, level string, knownAt time.Time) (*declaration.Declaration, error) {
	rows, err := s.query(`SELECT type, category, status, limit_id, count, warheads, source FROM declared
		WHERE party = ? AND effective = ? AND recorded <= ? ORDER BY type, category, status, limit_id, idx`,
		party, d.String(), fmtTime(knownAt))
	if err != nil {
		return nil, fmt.Errorf("reading declared counts: %w", err)
	}
	defer rows.Close()
	var cs []declared
	for rows.Next() {
		var c declared
		if err := rows.Scan(&c.typ, &c.category, &c.status, &c.limit, &c.count, &c.warheads, &c.source); err != nil {
			return nil, err
		}
		if n := len(cs); n > 0 && cs[n-1].key() == c.key() {
			cs[n-1] = c // a later entry's row for the same key
			continue
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	decl := &declaration.Declaration{Party: party, AsOf: d}
	if level == levelAggregates {
		decl.Aggregate = &declaration.Aggregate{AsOf: d, Party: party, Values: map[string]int{}}
	}
	for _, c := range cs {
		if decl.Aggregate != nil {
			decl.Aggregate.Values[c.limit] = c.count
			decl.Aggregate.Source = cmp.Or(c.source, decl.Aggregate.Source)
			continue
		}
		decl.Types = append(decl.Types, declaration.TypeCount{AsOf: d, Party: party, Type: c.typ, Category: c.category,
			Status: c.status, Count: c.count, Warheads: c.warheads})
	}
	return decl, nil
}

func (c declared) key() string {
	return strings.Join([]string{c.typ, c.category, c.status, c.limit}, "\x00")
}

package registry

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// FindingOmitted is the kind of finding against a full statement of
// holdings that leaves out items the database held on its date.
const FindingOmitted = "omitted"

// maxNamed bounds the items or groups one omission finding names.
const maxNamed = 10

// A statement is one full statement of holdings: the notifications of one
// data type (effect data) and date, or the declarations of one date.
type statement struct {
	typ      string // the notification type, or "declaration"
	level    string // for a declaration, its level
	date     treaty.Date
	last     Ref       // its last entry
	recorded time.Time // when its last part was recorded
	idx      []uint64  // its entries
}

// omitted finds the full statements of party's holdings, as known at now,
// that leave out items the database held on their date, as known when
// the statement was made: item-level statements that do not name an
// item, per-type declarations that declare fewer items of a type,
// category and status than the database holds. Aggregates are not
// compared: they are counted, not listed.
func (r *Registry) omitted(s *session, party string, now time.Time) ([]Finding, error) {
	sts, err := s.statements(party, now)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, st := range sts {
		held, err := r.inventory(s, party, st.date, st.recorded)
		if err != nil || len(held) == 0 {
			if err != nil {
				return nil, err
			}
			continue
		}
		var left []string
		if st.level == levelTypes {
			left, err = r.typesLeftOut(s, party, st, now, held)
		} else {
			left, err = s.itemsLeftOut(st, held)
		}
		if err != nil {
			return nil, err
		}
		if len(left) > 0 {
			out = append(out, omission(party, st, left))
		}
	}
	return out, nil
}

func omission(party string, st statement, left []string) Finding {
	named := left
	if len(named) > maxNamed {
		named = append(slices.Clone(named[:maxNamed]), fmt.Sprintf("and %d more", len(left)-maxNamed))
	}
	last := st.last
	what := "items"
	if st.level == levelTypes {
		what = "types"
	}
	return Finding{Kind: FindingOmitted, Party: party, Type: st.typ, Entry: &last, Effective: st.date, Sent: st.recorded,
		Reason: fmt.Sprintf("the statement of holdings as of %s leaves out %s the database held on that date: %s", st.date, what, strings.Join(named, ", "))}
}

// statements lists party's applied full statements of holdings recorded
// at or before now and not corrected by then, in log order of their first
// entry. A statement too large for one entry is recorded in parts: every
// data notification of one type and date, or every declaration of one
// date, is one statement.
func (s *session) statements(party string, now time.Time) ([]statement, error) {
	k := fmtTime(now)
	rows, err := s.query(`SELECT origin, idx, leaf_hash, kind, type, effective, recorded FROM entries e
		WHERE party = ? AND refused IS NULL AND recorded <= ?
		AND (effect = 'data' OR (kind = 'declaration' AND type = 'types'))
		AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.origin = e.origin AND c.idx = e.idx AND c.recorded <= ?)
		ORDER BY idx`, party, k, k)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []statement
	parts := map[string]int{} // type and date → its statement in out
	for rows.Next() {
		var ref Ref
		var hash []byte
		var kind, typ, eff, rec string
		if err := rows.Scan(&ref.Origin, &ref.Index, &hash, &kind, &typ, &eff, &rec); err != nil {
			return nil, err
		}
		copy(ref.LeafHash[:], hash)
		st := statement{typ: typ, date: parseDate(eff), last: ref, recorded: parseTime(rec), idx: []uint64{ref.Index}}
		if kind == "declaration" {
			st.typ, st.level = "declaration", typ
		}
		key := st.typ + " " + eff
		if i, ok := parts[key]; ok {
			p := &out[i]
			p.last, p.idx = ref, append(p.idx, ref.Index)
			if st.recorded.After(p.recorded) {
				p.recorded = st.recorded
			}
			continue
		}
		parts[key] = len(out)
		out = append(out, st)
	}
	return out, rows.Err()
}

// itemsLeftOut returns the UIDs of held that the statement's entries do
// not name.
func (s *session) itemsLeftOut(st statement, held []declaration.Item) ([]string, error) {
	named := map[string]bool{}
	for _, idx := range st.idx {
		facts, err := s.factsOf(st.last.Origin, idx)
		if err != nil {
			return nil, err
		}
		for _, f := range facts {
			named[f.uid] = true
		}
	}
	var left []string
	for _, it := range held {
		if !named[it.UID] {
			left = append(left, it.UID)
		}
	}
	return left, nil
}

// typesLeftOut returns, for each type, category and status of which the
// database held more items than the per-type statement declares, what it
// left out.
func (r *Registry) typesLeftOut(s *session, party string, st statement, now time.Time, held []declaration.Item) ([]string, error) {
	decl, err := r.countsOn(s, party, st.date, levelTypes, now)
	if err != nil {
		return nil, err
	}
	type group struct{ typ, category, status string }
	count := map[group]int{}
	var order []group
	for _, it := range held {
		g := group{it.Type, it.Category, it.Status}
		if _, ok := count[g]; !ok {
			order = append(order, g)
		}
		count[g]++
	}
	for _, tc := range decl.Types {
		count[group{tc.Type, tc.Category, tc.Status}] -= tc.Count
	}
	var left []string
	for _, g := range order {
		if n := count[g]; n > 0 {
			left = append(left, fmt.Sprintf("%d %s %s %s", n, g.typ, g.category, g.status))
		}
	}
	return left, nil
}

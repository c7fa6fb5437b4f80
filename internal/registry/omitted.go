package registry

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/entry/body"
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
	last     body.Ref  // its last entry
	recorded time.Time // when its last part was recorded
	idx      []uint64  // its entries
}

// omitted finds the full statements of party's holdings, as known at now,
// that leave out items the database holds on their date, as known at now
// (so an elimination notified late, after a statement that rightly left
// the item out, is no omission): item-level statements that do not name
// an item, per-type declarations that declare fewer items of a type,
// category and status than the database holds. Aggregates are not
// compared: they are counted, not listed.
func (r *Registry) omitted(s *session, party string, now time.Time) ([]Finding, error) {
	sts, err := s.statements(party, now)
	if err != nil || len(sts) == 0 {
		return nil, err
	}
	h, err := s.history(party)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, st := range sts {
		held := h.held(r.t, st, fmtTime(now))
		if len(held) == 0 {
			continue
		}
		var left []string
		if st.level == levelTypes {
			left, err = r.typesLeftOut(s, party, st, now, held)
		} else {
			left = h.leftOut(st, held)
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

// A history is what the statements of a party are checked against: every
// fact about its items that states a type, category or status (moves and
// warhead changes make no item held or not), read once, in uid,
// effective-date and log order.
type history struct {
	facts     []fact
	corrected map[uint64]string // entry index → when it was first corrected
}

func (s *session) history(party string) (*history, error) {
	rows, err := s.query(`SELECT uid, effective, idx, recorded, type, category, status FROM item_history
		WHERE party = ? AND (type IS NOT NULL OR category IS NOT NULL OR status IS NOT NULL) ORDER BY uid, effective, idx`, party)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	h := &history{corrected: map[uint64]string{}}
	for rows.Next() {
		var f fact
		if err := rows.Scan(&f.uid, &f.effective, &f.idx, &f.recorded, &f.typ, &f.category, &f.status); err != nil {
			return nil, err
		}
		h.facts = append(h.facts, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return h, s.corrections(party, h.corrected)
}

// corrections records when each corrected entry of party's log was first
// corrected.
func (s *session) corrections(party string, into map[uint64]string) error {
	rows, err := s.query(`SELECT idx, min(recorded) FROM corrections WHERE origin = (SELECT origin FROM logs WHERE party = ?) GROUP BY idx`, party)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var idx uint64
		var at string
		if err := rows.Scan(&idx, &at); err != nil {
			return err
		}
		into[idx] = at
	}
	return rows.Err()
}

// held returns the items the database holds, as known at k, at statement
// st, with their type, category and status: as Inventory does on its
// date, but leaving out the facts of its date that come after it in log
// order (an item made on the day, after the statement).
func (h *history) held(t *treaty.Treaty, st statement, k string) []declaration.Item {
	d := st.date.String()
	var out []declaration.Item
	for i := 0; i < len(h.facts); {
		j := i
		var s itemState
		for ; j < len(h.facts) && h.facts[j].uid == h.facts[i].uid; j++ {
			f := &h.facts[j]
			before := f.effective < d || f.effective == d && f.idx <= st.last.Index
			if c, ok := h.corrected[f.idx]; before && f.recorded <= k && (!ok || c > k) {
				s.set(f)
			}
		}
		if s.Category != "" && s.Status != "" && !isFinal(t, s.Status) {
			out = append(out, declaration.Item{UID: h.facts[i].uid, Type: s.Type, Category: s.Category, Status: s.Status})
		}
		i = j
	}
	return out
}

// leftOut returns the UIDs of held that the statement's entries do not
// name.
func (h *history) leftOut(st statement, held []declaration.Item) []string {
	parts := map[uint64]bool{}
	for _, idx := range st.idx {
		parts[idx] = true
	}
	named := map[string]bool{}
	for _, f := range h.facts {
		if parts[f.idx] {
			named[f.uid] = true
		}
	}
	var left []string
	for _, it := range held {
		if !named[it.UID] {
			left = append(left, it.UID)
		}
	}
	return left
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
		var ref body.Ref
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

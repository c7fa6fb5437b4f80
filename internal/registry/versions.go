package registry

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// Open ends of the intervals of item_versions: a version valid until
// further notice, and a version not superseded by anything recorded yet.
const (
	validForever  = "9999-12-31"
	recordedNever = "9999-12-31T23:59:59.999999999Z"
)

// A version is an item's state over a valid interval [validFrom, validTo)
// of effective dates, as known over a recorded interval [recFrom, recTo)
// of recorded times: one row of item_versions.
type version struct {
	validFrom, validTo string
	recFrom, recTo     string
	state              itemState
}

// A knownFact is a fact with the recorded time of the first correction
// of its entry (recordedNever if none): it is known over [recorded,
// corrected).
type knownFact struct {
	fact
	corrected string
}

// versionsOf returns an item's versions from every fact ever stated about
// it, in effective-date and log order: at each recorded time where what
// is known changes, the valid intervals that change are closed and the
// new ones opened. It is a pure function of the facts, so a rebuild in any
// order of logs and batches gives the same rows.
func versionsOf(facts []knownFact) []version {
	var out []version
	open := map[span]int{}
	for _, t := range knownTimes(facts) {
		next := map[span]int{}
		for _, sp := range spansAt(facts, t) {
			if i, ok := open[sp]; ok {
				next[sp] = i
				delete(open, sp)
				continue
			}
			out = append(out, version{validFrom: sp.from, validTo: sp.to, recFrom: t, recTo: recordedNever, state: sp.state})
			next[sp] = len(out) - 1
		}
		for _, i := range open {
			out[i].recTo = t
		}
		open = next
	}
	slices.SortFunc(out, func(a, b version) int {
		return cmp.Or(cmp.Compare(a.validFrom, b.validFrom), cmp.Compare(a.recFrom, b.recFrom))
	})
	return out
}

// A span is an item's state over a valid interval, as known at one time.
type span struct {
	from, to string
	state    itemState
}

// knownTimes returns the times at which the facts known change, in order.
func knownTimes(facts []knownFact) []string {
	var ts []string
	for _, f := range facts {
		ts = append(ts, f.recorded)
		if f.corrected != recordedNever {
			ts = append(ts, f.corrected)
		}
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// spansAt folds the facts known at t (recorded at or before t, and not
// corrected by then) in order: one span per effective date stated, and
// adjacent spans in the same state merged.
func spansAt(facts []knownFact, t string) []span {
	var out []span
	var st itemState
	for i := range facts {
		f := &facts[i]
		if f.recorded > t || f.corrected <= t {
			continue
		}
		st.set(&f.fact)
		if n := len(out); n > 0 && out[n-1].from == f.effective {
			out[n-1].state = st
			continue
		}
		if n := len(out); n > 0 {
			out[n-1].to = f.effective
		}
		out = append(out, span{from: f.effective, to: validForever, state: st})
	}
	return coalesce(out)
}

// coalesce merges adjacent spans in the same state.
func coalesce(spans []span) []span {
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && out[n-1].state == sp.state {
			out[n-1].to = sp.to
			continue
		}
		out = append(out, sp)
	}
	return out
}

// writeVersions brings the versions of the items p changes up to date.
// A fact after everything known about its item, recorded after every
// change of the item's versions, or the first fact of a new item, extends
// the item's versions from its head (appendVersion), reading one row; any
// other change rewrites the item's versions from its whole history. Both
// give the rows versionsOf gives.
func (s *session) writeVersions(p *plan) error {
	uids, err := s.touched(p)
	if err != nil {
		return err
	}
	appended := map[string]bool{}
	for i := range p.facts {
		f := &p.facts[i]
		isNew := slices.Contains(p.newUIDs, f.uid)
		if p.corrects != nil || p.next[i] == nil && !isNew {
			continue
		}
		if appended[f.uid], err = s.appendVersion(p.rec.Party, f, isNew); err != nil {
			return err
		}
	}
	for _, uid := range uids {
		if !appended[uid] {
			if err := s.rewriteVersions(p.rec.Party, uid); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendVersion adds fact f, dated on or after the item's latest fact, to
// the item's versions from its head, if f is recorded after the head's
// changed, or if f is the first fact of a new item (isNew); it reports
// whether it did. A fact that leaves the item's state as it was changes
// nothing; one dated on the head's first day changes the head's state,
// unless that makes it the state of the version before it
// (appendSameDay). Each writes the versions it closes and opens in one
// statement.
func (s *session) appendVersion(party string, f *fact, isNew bool) (bool, error) {
	h, ok, err := s.head(party, f.uid)
	switch {
	case err != nil:
		return false, err
	case !ok && isNew:
		v := version{validFrom: f.effective, validTo: validForever, recFrom: f.recorded, recTo: recordedNever}
		v.state.set(f)
		return true, s.openHead(party, f.uid, &head{version: v, changed: f.recorded})
	case !ok || f.recorded <= h.changed || f.effective < h.validFrom:
		return false, nil
	}
	next := h.state
	next.set(f)
	switch {
	case next == h.state:
		return true, nil
	case f.effective == h.validFrom:
		return true, s.appendSameDay(party, f, &h, next)
	}
	split := version{validFrom: h.validFrom, validTo: f.effective, recFrom: f.recorded, recTo: recordedNever, state: h.state}
	nh := head{version: version{validFrom: f.effective, validTo: validForever, recFrom: f.recorded, recTo: recordedNever, state: next},
		prevFrom: split.validFrom, prevRec: split.recFrom, changed: f.recorded}
	return true, s.openHead(party, f.uid, &nh, closed(h.version, f), split)
}

// appendSameDay replaces head h, whose valid interval starts on f's
// date, with a version in state next; if next is the state of the version
// before h, the two merge into one open version.
func (s *session) appendSameDay(party string, f *fact, h *head, next itemState) error {
	prev := version{validFrom: h.prevFrom, validTo: h.validFrom, recFrom: h.prevRec, recTo: recordedNever}
	if h.prevFrom != "" {
		st := &prev.state
		if _, err := s.row(`SELECT type, category, status, facility, warheads FROM item_versions
			WHERE party = ? AND uid = ? AND valid_from = ? AND recorded_from = ?`, []any{party, f.uid, h.prevFrom, h.prevRec},
			&st.Type, &st.Category, &st.Status, &st.Facility, &st.Warheads); err != nil {
			return err
		}
	}
	if h.prevFrom == "" || prev.state != next {
		v := version{validFrom: h.validFrom, validTo: validForever, recFrom: f.recorded, recTo: recordedNever, state: next}
		return s.openHead(party, f.uid, &head{version: v, prevFrom: h.prevFrom, prevRec: h.prevRec, changed: f.recorded}, closed(h.version, f))
	}
	nh := head{version: version{validFrom: prev.validFrom, validTo: validForever, recFrom: f.recorded, recTo: recordedNever, state: prev.state},
		changed: f.recorded}
	// The version now before the head ends where prev began; older
	// versions between it and prev (closed by earlier changes) are
	// scanned, in key order from prev's first day back.
	if _, err := s.row(`SELECT valid_from, recorded_from FROM item_versions WHERE party = ? AND uid = ? AND valid_from < ?
		AND valid_to = ? AND recorded_to = ? ORDER BY valid_from DESC LIMIT 1`, []any{party, f.uid, prev.validFrom, prev.validFrom, recordedNever},
		&nh.prevFrom, &nh.prevRec); err != nil {
		return err
	}
	return s.openHead(party, f.uid, &nh, closed(h.version, f), closed(prev, f))
}

// closed returns v as known until f was recorded.
func closed(v version, f *fact) version {
	v.recTo = f.recorded
	return v
}

// openHead writes the versions the item's head h closes and opens,
// rows, and h's own version, and makes h the item's head. A closed
// version is written over its row.
func (s *session) openHead(party, uid string, h *head, rows ...version) error {
	if err := s.writeVersionRows(party, uid, append(rows, h.version), upsertVersion); err != nil {
		return err
	}
	s.setHead(party, uid, h)
	return nil
}

// rewriteVersions rewrites the versions of party's item uid, and its
// head, from its whole history.
func (s *session) rewriteVersions(party, uid string) error {
	facts, err := s.knownFacts(party, uid)
	if err != nil {
		return err
	}
	if err := s.exec(`DELETE FROM item_versions WHERE party = ? AND uid = ?`, party, uid); err != nil {
		return err
	}
	vs := versionsOf(facts)
	if err := s.writeVersionRows(party, uid, vs, ""); err != nil {
		return err
	}
	if h, ok := headOf(vs); ok {
		s.setHead(party, uid, &h)
	} else {
		s.dropHead(party, uid)
	}
	return nil
}

// upsertVersion, after the rows of an INSERT into item_versions, writes
// a row whose key is already there over it: a version closed.
const upsertVersion = ` ON CONFLICT(party, uid, valid_from, recorded_from) DO UPDATE SET recorded_to = excluded.recorded_to`

// writeVersionRows inserts vs, up to versionsPerInsert rows a statement,
// each statement ending with conflict.
func (s *session) writeVersionRows(party, uid string, vs []version, conflict string) error {
	for len(vs) > 0 {
		n := min(len(vs), versionsPerInsert)
		q := `INSERT INTO item_versions(party, uid, valid_from, valid_to, recorded_from, recorded_to, type, category, status, facility, warheads) VALUES ` +
			strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), `, n-1) + `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)` + conflict
		args := make([]any, 0, 11*n)
		for _, v := range vs[:n] {
			st := &v.state
			args = append(args, party, uid, v.validFrom, v.validTo, v.recFrom, v.recTo, st.Type, st.Category, st.Status, st.Facility, st.Warheads)
		}
		if err := s.exec(q, args...); err != nil {
			return fmt.Errorf("writing versions of %s: %w", uid, err)
		}
		vs = vs[n:]
	}
	return nil
}

// versionsPerInsert bounds the rows of one INSERT into item_versions (and
// so the statements a session prepares for it).
const versionsPerInsert = 8

// knownFacts returns every fact about party's item uid, corrected ones
// included, in effective-date and log order.
func (s *session) knownFacts(party, uid string) ([]knownFact, error) {
	rows, err := s.query(`SELECT `+factColumns+`,
		coalesce((SELECT min(c.recorded) FROM corrections c WHERE c.origin = h.origin AND c.idx = h.idx), ?)
		FROM item_history h WHERE party = ? AND uid = ? ORDER BY effective, idx`, recordedNever, party, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []knownFact
	for rows.Next() {
		var f knownFact
		var moved *string
		if err := rows.Scan(&f.uid, &f.effective, &f.idx, &f.origin, &f.recorded,
			&f.typ, &f.category, &f.status, &f.facility, &f.warheads, &moved, &f.corrected); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// touched returns the items whose history p changes: those its facts name
// and, for a correction, those the corrected entry named.
func (s *session) touched(p *plan) ([]string, error) {
	fs := p.facts
	if p.corrects != nil {
		old, err := s.factsOf(p.rec.Origin, *p.corrects)
		if err != nil {
			return nil, err
		}
		fs = append(old, fs...)
	}
	var uids []string
	for _, f := range fs {
		uids = append(uids, f.uid)
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

// inventory reads party's items on asOf as known at knownAt from
// item_versions: for each item ever declared, the one version valid on
// asOf as known at knownAt, found by one probe of the table's key.
func (r *Registry) inventory(s *session, party string, asOf treaty.Date, knownAt time.Time) ([]declaration.Item, error) {
	d, k := asOf.String(), fmtTime(knownAt)
	rows, err := s.query(s.d.variant("inventory", `SELECT v.uid, v.type, v.category, v.status, v.facility, v.warheads
		FROM items i JOIN item_versions v ON (v.party, v.uid, v.valid_from, v.recorded_from) = (
			SELECT w.party, w.uid, w.valid_from, w.recorded_from FROM item_versions w WHERE w.party = i.party AND w.uid = i.uid
			AND w.valid_from <= ?1 AND w.valid_to > ?1 AND w.recorded_from <= ?2 AND w.recorded_to > ?2
			ORDER BY w.valid_from DESC, w.recorded_from DESC LIMIT 1)
		WHERE i.party = ?3 AND v.category <> '' AND v.status <> '' ORDER BY i.uid`), d, k, party)
	if err != nil {
		return nil, fmt.Errorf("reading inventory: %w", err)
	}
	defer rows.Close()
	var out []declaration.Item
	for rows.Next() {
		it := declaration.Item{AsOf: asOf, Party: party}
		if err := rows.Scan(&it.UID, &it.Type, &it.Category, &it.Status, &it.Facility, &it.Warheads); err != nil {
			return nil, err
		}
		if !isFinal(r.t, it.Status) {
			out = append(out, it)
		}
	}
	return out, rows.Err()
}

// versionOn returns the state of party's item uid on date d as known now
// (its version valid on d and not superseded), or nil if it has none
// then: one probe of item_versions' key back from d.
func (s *session) versionOn(party, uid, d string) (*itemState, error) {
	var st itemState
	ok, err := s.row(`SELECT type, category, status, facility, warheads FROM item_versions
		WHERE party = ? AND uid = ? AND valid_from <= ? AND valid_to > ? AND recorded_to = ?
		ORDER BY valid_from DESC LIMIT 1`, []any{party, uid, d, d, recordedNever},
		&st.Type, &st.Category, &st.Status, &st.Facility, &st.Warheads)
	if err != nil || !ok {
		return nil, err
	}
	return &st, nil
}

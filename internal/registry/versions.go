package registry

import (
	"cmp"
	"fmt"
	"slices"
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

// writeVersions brings the versions of the items p changes up to date:
// a fact after everything known about its item, recorded after every
// change of what is known about it, closes the item's open version and
// opens its successors (appendVersion); any other change rewrites the
// item's versions from its whole history. Both give the rows versionsOf
// gives.
func (s *session) writeVersions(p *plan) error {
	uids, err := s.touched(p)
	if err != nil {
		return err
	}
	appended := map[string]bool{}
	for i := range p.facts {
		if p.corrects != nil || p.next[i] == nil {
			continue
		}
		if appended[p.facts[i].uid], err = s.appendVersion(p.rec.Party, &p.facts[i]); err != nil {
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
// the item's versions, if f is recorded after every time at which what
// is known about the item changed; it reports whether it did.
func (s *session) appendVersion(party string, f *fact) (bool, error) {
	var last string
	if _, err := s.row(`SELECT coalesce(max(max(recorded_from), max(CASE WHEN recorded_to <> ?1 THEN recorded_to ELSE '' END)), '')
		FROM item_versions WHERE party = ?2 AND uid = ?3`, []any{recordedNever, party, f.uid}, &last); err != nil {
		return false, err
	}
	if last >= f.recorded && last != "" {
		return false, nil
	}
	var v version
	ok, err := s.row(`SELECT valid_from, recorded_from, type, category, status, facility, warheads FROM item_versions
		WHERE party = ? AND uid = ? AND valid_to = ? AND recorded_to = ?`, []any{party, f.uid, validForever, recordedNever},
		&v.validFrom, &v.recFrom, &v.state.Type, &v.state.Category, &v.state.Status, &v.state.Facility, &v.state.Warheads)
	switch {
	case err != nil:
		return false, err
	case !ok && last != "", ok && f.effective < v.validFrom:
		return false, nil
	}
	next := v.state
	next.set(f)
	switch {
	case ok && next == v.state:
		return true, nil
	case ok && f.effective == v.validFrom:
		// The open version may now equal the one before it.
		return false, nil
	}
	var add []version
	if ok {
		if err := s.exec(`UPDATE item_versions SET recorded_to = ? WHERE party = ? AND uid = ? AND valid_from = ? AND recorded_from = ?`,
			f.recorded, party, f.uid, v.validFrom, v.recFrom); err != nil {
			return false, err
		}
		if v.validFrom < f.effective {
			add = append(add, version{validFrom: v.validFrom, validTo: f.effective, recFrom: f.recorded, recTo: recordedNever, state: v.state})
		}
	}
	add = append(add, version{validFrom: f.effective, validTo: validForever, recFrom: f.recorded, recTo: recordedNever, state: next})
	return true, s.insertVersions(party, f.uid, add)
}

// rewriteVersions rewrites the versions of party's item uid from its
// whole history.
func (s *session) rewriteVersions(party, uid string) error {
	facts, err := s.knownFacts(party, uid)
	if err != nil {
		return err
	}
	if err := s.exec(`DELETE FROM item_versions WHERE party = ? AND uid = ?`, party, uid); err != nil {
		return err
	}
	return s.insertVersions(party, uid, versionsOf(facts))
}

func (s *session) insertVersions(party, uid string, vs []version) error {
	for _, v := range vs {
		st := &v.state
		if err := s.exec(`INSERT INTO item_versions(party, uid, valid_from, valid_to, recorded_from, recorded_to, type, category, status, facility, warheads)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, party, uid, v.validFrom, v.validTo, v.recFrom, v.recTo,
			st.Type, st.Category, st.Status, st.Facility, st.Warheads); err != nil {
			return fmt.Errorf("writing versions of %s: %w", uid, err)
		}
	}
	return nil
}

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
	rows, err := s.query(`SELECT v.uid, v.type, v.category, v.status, v.facility, v.warheads
		FROM items i JOIN item_versions v ON (v.party, v.uid, v.valid_from, v.recorded_from) = (
			SELECT w.party, w.uid, w.valid_from, w.recorded_from FROM item_versions w WHERE w.party = i.party AND w.uid = i.uid
			AND w.valid_from <= ?1 AND w.valid_to > ?1 AND w.recorded_from <= ?2 AND w.recorded_to > ?2
			ORDER BY w.valid_from DESC, w.recorded_from DESC LIMIT 1)
		WHERE i.party = ?3 AND v.category <> '' AND v.status <> '' ORDER BY i.uid`, d, k, party)
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

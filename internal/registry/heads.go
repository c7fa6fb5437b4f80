package registry

import (
	"cmp"
	"slices"
	"strings"
)

// A head is an item's open version (valid until further notice, as known
// now), the key (prevFrom, prevRec) of the version before it as known now
// (empty if none), and changed, the latest recorded time at which any of
// the item's versions opened or closed: one row of version_heads.
type head struct {
	version
	prevFrom, prevRec string
	changed           string
}

// headOf returns the head of an item with versions vs, and whether it
// has one (an item whose every fact is corrected has none).
func headOf(vs []version) (head, bool) {
	var h head
	found := false
	for _, v := range vs {
		h.changed = max(h.changed, v.recFrom)
		if v.recTo != recordedNever {
			h.changed = max(h.changed, v.recTo)
		}
		if v.validTo == validForever && v.recTo == recordedNever {
			h.version, found = v, true
		}
	}
	if !found {
		return head{}, false
	}
	for _, v := range vs {
		if v.validTo == h.validFrom && v.recTo == recordedNever {
			h.prevFrom, h.prevRec = v.validFrom, v.recFrom
		}
	}
	return h, true
}

// A headKey names an item: party and uid.
type headKey [2]string

// A headCache holds the heads a session read or changed; the changed ones
// are written to version_heads when the session commits (flushHeads), so
// an item changed many times in one transaction has its head read and
// written once.
type headCache struct {
	heads map[headKey]cachedHead
}

type cachedHead struct {
	h            head
	found, dirty bool
}

func (s *session) headCache() *headCache {
	if s.heads == nil {
		s.heads = &headCache{heads: map[headKey]cachedHead{}}
	}
	return s.heads
}

// head returns the head of party's item uid, and whether it has one.
func (s *session) head(party, uid string) (head, bool, error) {
	c := s.headCache()
	if e, ok := c.heads[headKey{party, uid}]; ok {
		return e.h, e.found, nil
	}
	h := head{version: version{validTo: validForever, recTo: recordedNever}}
	st := &h.state
	found, err := s.row(`SELECT valid_from, recorded_from, prev_from, prev_recorded, changed, type, category, status, facility, warheads
		FROM version_heads WHERE party = ? AND uid = ?`, []any{party, uid},
		&h.validFrom, &h.recFrom, &h.prevFrom, &h.prevRec, &h.changed, &st.Type, &st.Category, &st.Status, &st.Facility, &st.Warheads)
	if err != nil {
		return head{}, false, err
	}
	c.heads[headKey{party, uid}] = cachedHead{h: h, found: found}
	return h, found, nil
}

// setHead makes h the head of party's item uid.
func (s *session) setHead(party, uid string, h *head) {
	s.headCache().heads[headKey{party, uid}] = cachedHead{h: *h, found: true, dirty: true}
}

// dropHead records that party's item uid has no head.
func (s *session) dropHead(party, uid string) {
	s.headCache().heads[headKey{party, uid}] = cachedHead{dirty: true}
}

// flushHeads writes the heads the session changed, in key order, up to
// headsPerInsert rows a statement.
func (s *session) flushHeads() error {
	if s.heads == nil {
		return nil
	}
	var keys []headKey
	for k, e := range s.heads.heads {
		if e.dirty {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b headKey) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	var put []headKey
	for _, k := range keys {
		if s.heads.heads[k].found {
			put = append(put, k)
			continue
		}
		if err := s.exec(`DELETE FROM version_heads WHERE party = ? AND uid = ?`, k[0], k[1]); err != nil {
			return err
		}
	}
	for len(put) > 0 {
		n := min(len(put), headsPerInsert)
		if err := s.putHeads(put[:n]); err != nil {
			return err
		}
		put = put[n:]
	}
	s.heads = nil
	return nil
}

// headsPerInsert bounds the rows of one INSERT into version_heads.
const headsPerInsert = 64

func (s *session) putHeads(keys []headKey) error {
	q := `INSERT INTO version_heads(party, uid, valid_from, recorded_from, prev_from, prev_recorded, changed, type, category, status, facility, warheads) VALUES ` +
		strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), `, len(keys)-1) + `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(party, uid) DO UPDATE SET valid_from = excluded.valid_from,
		recorded_from = excluded.recorded_from, prev_from = excluded.prev_from, prev_recorded = excluded.prev_recorded,
		changed = excluded.changed, type = excluded.type, category = excluded.category,
		status = excluded.status, facility = excluded.facility, warheads = excluded.warheads`
	args := make([]any, 0, 12*len(keys))
	for _, k := range keys {
		h := s.heads.heads[k].h
		st := &h.state
		args = append(args, k[0], k[1], h.validFrom, h.recFrom, h.prevFrom, h.prevRec, h.changed, st.Type, st.Category, st.Status, st.Facility, st.Warheads)
	}
	return s.exec(q, args...)
}

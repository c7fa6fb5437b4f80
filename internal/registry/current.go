package registry

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// maxCurrent bounds how many items' latest states the write path keeps in
// memory; past it the memory is dropped and refilled from item_state as
// records name items again, so memory does not grow with the number of
// items ever declared.
const maxCurrent = 1 << 20

// A current is what Apply remembers between calls of the state it
// committed, so that validating and writing a record reads nothing the
// registry wrote itself: each item's latest state (item_state) and the
// facilities each party has named. Only Apply, which holds applyMu, uses
// it; read-only sessions always read the database.
type current struct {
	latest     map[itemKey]*latest // nil: the item has no item_state row
	facilities map[itemKey]bool    // party and facility id already in facilities
}

// An itemKey names an item (or a facility) of a party.
type itemKey struct{ party, uid string }

// A pending is one Apply session's view on top of the registry's current:
// states it read or changed, and which of them item_state must be told of
// before the session commits.
type pending struct {
	latest     map[itemKey]*latest
	dirty      map[itemKey]bool
	facilities map[itemKey]bool
	history    map[itemKey]bool // items the session wrote history for
}

func newPending() *pending {
	return &pending{latest: map[itemKey]*latest{}, dirty: map[itemKey]bool{}, facilities: map[itemKey]bool{}, history: map[itemKey]bool{}}
}

// cached returns the item's latest state as the session sees it, and
// whether it is known without reading the database.
func (s *session) cached(k itemKey) (*latest, bool) {
	if l, ok := s.pend.latest[k]; ok {
		return l, true
	}
	l, ok := s.cur.latest[k]
	return l, ok
}

// flushLatest writes the latest state of every item the session changed
// to item_state, once per item however many records changed it, in key
// order.
func (s *session) flushLatest() error {
	keys := slices.SortedFunc(maps.Keys(s.dirty()), func(a, b itemKey) int {
		return cmp.Or(strings.Compare(a.party, b.party), strings.Compare(a.uid, b.uid))
	})
	for _, k := range keys {
		l := s.pend.latest[k]
		if l == nil {
			if err := s.exec(`DELETE FROM item_state WHERE party = ? AND uid = ?`, k.party, k.uid); err != nil {
				return fmt.Errorf("writing item state: %w", err)
			}
			continue
		}
		st := &l.state
		if err := s.exec(`INSERT INTO item_state(party, uid, effective, idx, type, category, status, facility, warheads) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(party, uid) DO UPDATE SET effective = excluded.effective, idx = excluded.idx, type = excluded.type,
			category = excluded.category, status = excluded.status, facility = excluded.facility, warheads = excluded.warheads`,
			k.party, k.uid, l.effective, l.idx, st.Type, st.Category, st.Status, st.Facility, st.Warheads); err != nil {
			return fmt.Errorf("writing item state: %w", err)
		}
	}
	return nil
}

func (s *session) dirty() map[itemKey]bool {
	if s.pend == nil {
		return nil
	}
	return s.pend.dirty
}

// commitCurrent makes what s read and wrote the registry's current, after
// s committed.
func (r *Registry) commitCurrent(s *session) {
	if len(r.cur.latest)+len(s.pend.latest) > maxCurrent {
		r.cur.latest = map[itemKey]*latest{}
	}
	if len(r.cur.facilities)+len(s.pend.facilities) > maxCurrent {
		r.cur.facilities = map[itemKey]bool{}
	}
	for k, l := range s.pend.latest {
		r.cur.latest[k] = l
	}
	for k := range s.pend.facilities {
		r.cur.facilities[k] = true
	}
}

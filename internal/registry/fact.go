package registry

import (
	"fmt"
	"slices"
	"strings"

	"accord/internal/treaty"
)

// A fact is one row of item history: what one entry stated about one
// item. A nil member leaves the item's value unchanged.
type fact struct {
	uid       string
	effective string // YYYY-MM-DD
	idx       uint64
	origin    string
	recorded  string
	typ       *string
	category  *string
	status    *string
	facility  *string
	warheads  *int64
	movedFrom string // set on a move: the facility the item left
}

// An itemState is an item's values after folding its facts in order.
type itemState struct {
	Type, Category, Status, Facility string
	Warheads                         int
}

func (f *fact) where() string {
	return fmt.Sprintf("effective %s (entry %s#%d)", f.effective, f.origin, f.idx)
}

// lifecycle checks one step of an item's history: fact f applied to state
// s (nil if the item does not exist yet). It returns the new state, or
// the rule f breaks.
func lifecycle(t *treaty.Treaty, s *itemState, f *fact) (*itemState, *Refusal) {
	if s == nil {
		return declare(t, f)
	}
	if isFinal(t, s.Status) && changes(s, f) {
		return nil, refuseItem(ErrEliminated, f.uid, "it became %s before %s, and cannot come back", s.Status, f.where())
	}
	if f.typ != nil && *f.typ != s.Type || f.category != nil && *f.category != s.Category {
		return nil, refuseItem(ErrIdentity, f.uid, "it is a %s %s; %s states %s %s", s.Category, s.Type, f.where(), deref(f.category, s.Category), deref(f.typ, s.Type))
	}
	if f.movedFrom != "" && f.movedFrom != s.Facility {
		return nil, refuseItem(ErrFacility, f.uid, "it is at %q, not at %q, when it moves %s", s.Facility, f.movedFrom, f.where())
	}
	n := *s
	if f.status != nil && *f.status != s.Status {
		if !t.CanChange(s.Status, *f.status) {
			return nil, refuseItem(ErrLifecycle, f.uid, "status %s cannot change to %s %s; %s allows %s", s.Status, *f.status, f.where(), t.ID, allowed(t, s.Status))
		}
		n.Status = *f.status
	}
	if f.facility != nil {
		n.Facility = *f.facility
	}
	if f.warheads != nil {
		n.Warheads = int(*f.warheads)
	}
	return &n, nil
}

// declare checks a fact about an item that does not exist yet.
func declare(t *treaty.Treaty, f *fact) (*itemState, *Refusal) {
	if f.movedFrom != "" {
		return nil, refuseItem(ErrNoSuchItem, f.uid, "it does not exist when it moves %s: declare it first", f.where())
	}
	if f.typ == nil || f.category == nil || f.status == nil {
		return nil, refuseItem(ErrNoSuchItem, f.uid, "it does not exist %s: a new item needs its type, category and status", f.where())
	}
	if isFinal(t, *f.status) {
		return nil, refuseItem(ErrNoSuchItem, f.uid, "it does not exist, so it cannot be %s %s", *f.status, f.where())
	}
	s := &itemState{Type: *f.typ, Category: *f.category, Status: *f.status}
	if f.facility != nil {
		s.Facility = *f.facility
	}
	if f.warheads != nil {
		s.Warheads = int(*f.warheads)
	}
	return s, nil
}

// changes reports whether f changes anything about an item in state s.
func changes(s *itemState, f *fact) bool {
	return f.movedFrom != "" ||
		f.status != nil && *f.status != s.Status ||
		f.facility != nil && *f.facility != s.Facility ||
		f.warheads != nil && int(*f.warheads) != s.Warheads ||
		f.typ != nil && *f.typ != s.Type ||
		f.category != nil && *f.category != s.Category
}

func isFinal(t *treaty.Treaty, status string) bool {
	st, ok := t.Status(status)
	return ok && len(st.To) == 0
}

func allowed(t *treaty.Treaty, from string) string {
	st, _ := t.Status(from)
	if len(st.To) == 0 {
		return "no change from " + from
	}
	return from + " → " + strings.Join(st.To, ", ")
}

func deref(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// fold applies facts in order and returns the state after the last, or
// the first rule broken.
func fold(t *treaty.Treaty, facts []fact) (*itemState, *Refusal) {
	var s *itemState
	for i := range facts {
		n, ref := lifecycle(t, s, &facts[i])
		if ref != nil {
			return nil, ref
		}
		s = n
	}
	return s, nil
}

// insert returns facts with f placed in effective-date and log order.
func insert(facts []fact, f fact) ([]fact, int) {
	i, _ := slices.BinarySearchFunc(facts, f, func(a, b fact) int {
		if c := strings.Compare(a.effective, b.effective); c != 0 {
			return c
		}
		return compareUint(a.idx, b.idx)
	})
	return slices.Insert(slices.Clone(facts), i, f), i
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

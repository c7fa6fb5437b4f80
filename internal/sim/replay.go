package sim

import (
	"slices"
	"strings"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// Replay applies party's notifications in events that take effect on or
// before d, in order, to an empty treaty database, and returns every item
// not eliminated, in UID order, dated d. It reads nothing but the events
// and the treaty's notification effects: a full statement ("data") or a
// change sets each item it lists; a move sets their facility; an event
// changes nothing.
func Replay(t *treaty.Treaty, events []Event, party string, d treaty.Date) []declaration.Item {
	state := map[string]declaration.Item{}
	for i := range events {
		if e := &events[i]; e.Party == party && !e.Effective.After(d) {
			apply(t, state, e)
		}
	}
	out := make([]declaration.Item, 0, len(state))
	for _, it := range state {
		if it.Status != "eliminated" {
			it.AsOf = d
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b declaration.Item) int { return strings.Compare(a.UID, b.UID) })
	return out
}

// apply applies one event to state: a full statement or a change sets
// each item it lists; a move sets their facility.
func apply(t *treaty.Treaty, state map[string]declaration.Item, e *Event) {
	nt, _ := t.Notification(e.Type)
	switch nt.Effect {
	case "data", "change":
		for _, it := range e.Items {
			state[it.UID] = it
		}
	case "move":
		for _, it := range e.Items {
			if s, ok := state[it.UID]; ok {
				s.Facility = e.To
				state[it.UID] = s
			}
		}
	}
}

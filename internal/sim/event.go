package sim

import (
	"time"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// An Event is one notification a party sends: a type from the treaty
// definition, the date its facts take effect and the time it was sent.
//
// Items depend on the type's effect: for "data" and "change", each item's
// whole state after the notification (status eliminated or converted
// included); for "move" and "event", the items named, by UID only, with
// From and To the facilities a move goes between.
type Event struct {
	Party     string      `json:"party"`
	Type      string      `json:"type"`
	Effective treaty.Date `json:"effective"`
	Sent      time.Time   `json:"sent"`
	// Due is the deadline of the type's Due rule; Late is set exactly
	// when Sent is after it, and the simulation makes a few late on
	// purpose.
	Due   time.Time          `json:"due"`
	Late  bool               `json:"late,omitempty"`
	Items []declaration.Item `json:"items,omitempty"`
	// Stock are the lots of warheads counted per site that a warhead
	// notification (effect stock, produce, dismantle, transfer or
	// recategorise) states or moves: see warheads.go.
	Stock  []body.Lot        `json:"stock,omitempty"`
	From   string            `json:"from,omitempty"`
	To     string            `json:"to,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	// Acks are the other parties' acknowledgements of this notification.
	// A party that has suspended the treaty acknowledges nothing.
	Acks []Ack `json:"acks,omitempty"`
	// Note says in words what the notification is about.
	Note string `json:"note,omitempty"`
	// ID names an event that another answers (a step of an inspection);
	// Answers is the ID of the event this one answers, in another party's
	// log: whoever records the world sets the notification's answers to
	// where that event landed (inspect.go).
	ID      string `json:"id,omitempty"`
	Answers string `json:"answers,omitempty"`
	// Stated are the items of an inspection step exactly as its
	// notification states them (a briefing's missiles with their
	// warheads, what a report found), in place of Items.
	Stated []body.Item `json:"stated,omitempty"`
}

// An Ack is one party's acknowledgement of a notification.
type Ack struct {
	Party string    `json:"party"`
	Sent  time.Time `json:"sent"`
}

// UIDs returns the UIDs of the items the event names.
func (e *Event) UIDs() []string {
	out := make([]string, len(e.Items))
	for i, it := range e.Items {
		out[i] = it.UID
	}
	return out
}

// A step is a notification not yet dated: one group's actions are a
// sequence of steps, dated when the period's sequences are interleaved.
type step struct {
	typ    string
	items  []declaration.Item
	from   string
	to     string
	fields map[string]string
	note   string
}

func (s step) event(party string, d treaty.Date) Event {
	return Event{Party: party, Type: s.typ, Effective: d, Items: s.items, From: s.from, To: s.to, Fields: s.fields, Note: s.note}
}

// named returns items naming each uid and nothing else.
func named(party string, uids ...string) []declaration.Item {
	out := make([]declaration.Item, len(uids))
	for i, u := range uids {
		out[i] = declaration.Item{Party: party, UID: u}
	}
	return out
}

// Split returns e in parts of at most n items each, sharing every other
// member, for logs whose entries are bounded in size; e itself when it
// has no more than n items.
func (e Event) Split(n int) []Event {
	if n <= 0 || len(e.Items) <= n {
		return []Event{e}
	}
	var out []Event
	for items := e.Items; len(items) > 0; {
		k := min(n, len(items))
		p := e
		p.Items = items[:k:k]
		out = append(out, p)
		items = items[k:]
	}
	return out
}

package sim

import (
	"math/rand/v2"
	"slices"
	"time"

	"accord/internal/treaty"
)

// latePerParty is how many notifications each party sends late on
// purpose, so that the deadline checks have something to find.
const latePerParty = 6

// lateTypes are the notification types a party may send late. A late
// notification never reaches the other parties after a later notification
// about the same items (see lateSafe).
var lateTypes = []string{sixMonth, changeInData, movement, launch, bomberDepart, convComplete}

// time sets every event's deadline, sent time, lateness and
// acknowledgements.
func (b *builder) time(w *World) {
	rng := b.rng("timing")
	last := map[string]time.Time{} // party/uid → last sent
	for i := range w.Events {
		e := &w.Events[i]
		nt, _ := w.Treaty.Notification(e.Type)
		e.Due = due(w.Treaty, nt, e.Effective)
		e.Sent = onTime(rng, nt, e)
		if e.Type == initialData && w.Scenario == Trilateral {
			// Business goes on the day after: state everything first.
			e.Sent = e.Effective.Time().Add(time.Duration(2+rng.IntN(8)) * time.Hour)
		}
		if nt.Effect != "data" {
			for _, u := range e.UIDs() {
				if t, ok := last[e.Party+"/"+u]; ok && !e.Sent.After(t) {
					e.Sent = t.Add(time.Minute)
				}
			}
			for _, u := range e.UIDs() {
				last[e.Party+"/"+u] = e.Sent
			}
		}
	}
	statementsLast(w.Events)
	// A party that has fallen silent does not send what it would have
	// sent after that day, even about earlier changes.
	w.Events = slices.DeleteFunc(w.Events, func(e Event) bool {
		s := Silent(b.t, e.Party)
		return !s.IsZero() && e.Type != launch && !e.Sent.Before(s.Time())
	})
	for _, p := range w.Parties {
		makeLate(rng, w, p)
	}
	for i := range w.Events {
		e := &w.Events[i]
		e.Late = e.Sent.After(e.Due)
		e.Acks = acks(rng, b.t, w.Parties, e)
	}
}

// statementsLast sends each warhead statement after everything its party
// sent about the days up to its date (evs are in date order), so that the
// New START data its deployed warheads are compared with is known when it
// arrives.
func statementsLast(evs []Event) {
	last := map[string]time.Time{}
	for i := range evs {
		e := &evs[i]
		if e.Type == warheadData && !e.Sent.After(last[e.Party]) {
			e.Sent = last[e.Party].Add(time.Minute)
		}
		if e.Sent.After(last[e.Party]) {
			last[e.Party] = e.Sent
		}
	}
}

// due returns the deadline of a notification of type nt effective on d.
func due(t *treaty.Treaty, nt treaty.NotificationType, d treaty.Date) time.Time {
	if nt.Due.Anchor == "entry_into_force" {
		return nt.Due.Due(t.Dates.EntryIntoForce.Time())
	}
	return nt.Due.Due(d.Time())
}

// onTime returns a plausible sent time within the deadline.
func onTime(rng *rand.Rand, nt treaty.NotificationType, e *Event) time.Time {
	minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Minute }
	eff := e.Effective.Time()
	switch {
	case nt.Effect == "data":
		return e.Due.Add(-minutes(2*24*60, 12*24*60))
	case nt.Due.Before:
		return e.Due.Add(-minutes(60, 72*60))
	case e.Due.Sub(eff) <= time.Hour:
		return eff.Add(minutes(5, 55))
	case e.Due.Sub(eff) <= 48*time.Hour:
		return eff.Add(minutes(60, 40*60))
	}
	return eff.Add(minutes(8*60, 4*24*60))
}

// makeLate makes latePerParty of party's notifications late.
func makeLate(rng *rand.Rand, w *World, party string) {
	var cand []int
	for i, e := range w.Events {
		if e.Party == party && slices.Contains(lateTypes, e.Type) {
			cand = append(cand, i)
		}
	}
	rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	n := 0
	for _, i := range cand {
		if n == latePerParty {
			return
		}
		e := &w.Events[i]
		sent := e.Due.Add(time.Duration(1+rng.IntN(9*24)) * time.Hour)
		if e.Type == launch {
			sent = e.Due.Add(time.Duration(2+rng.IntN(18)) * time.Hour) // still before the launch
		}
		if lateSafe(w.Events, i, sent) {
			e.Sent = sent
			e.Note += " (sent late)"
			n++
		}
	}
}

// lateSafe reports whether event i may be sent at sent: no later
// notification about its items is sent before it.
func lateSafe(evs []Event, i int, sent time.Time) bool {
	uids := evs[i].UIDs()
	if evs[i].Type == sixMonth {
		return true // a full statement only restates what is known
	}
	for j := i + 1; j < len(evs); j++ {
		e := &evs[j]
		if e.Party != evs[i].Party || e.Type == sixMonth || e.Sent.After(sent) {
			continue
		}
		for _, u := range e.UIDs() {
			if slices.Contains(uids, u) {
				return false
			}
		}
	}
	return true
}

// acks returns the other parties' acknowledgements of e: each within a
// day, except from a party that had fallen silent under t (New START, in
// every scenario).
func acks(rng *rand.Rand, t *treaty.Treaty, parties []string, e *Event) []Ack {
	var out []Ack
	for _, p := range parties {
		if p == e.Party {
			continue
		}
		if s := Silent(t, p); !s.IsZero() && !e.Sent.Before(s.Time()) {
			continue
		}
		out = append(out, Ack{Party: p, Sent: e.Sent.Add(time.Duration(20+rng.IntN(20*60)) * time.Minute)})
	}
	return out
}

package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// The steps of an inspection after the designation (docs/inspections.md,
// "The sequence").
const (
	briefing    = "pre_inspection_briefing"
	rvDesignate = "rv_designation"
	inspReport  = "inspection_report"
)

// pointsOfEntry are each party's points of entry for inspection teams.
var pointsOfEntry = map[string][]string{
	"USA": {"Washington, D.C.", "San Francisco"},
	"RUS": {"Moscow", "Ulan-Ude"},
}

// inspectedKinds are the facility kinds each inspection type visits. Each
// is a facility type of the treaty definition that the type may visit
// (TestInspectedKinds), so that the designation states it and the
// treaty database checks it.
var inspectedKinds = map[string][]string{
	"type_one": {ICBMBase, SubmarineBase, AirBase},
	// New START has no inspection of production facilities: START's
	// continuous monitoring at Votkinsk ended with START.
	"type_two": {Storage, Elimination, TestRange},
}

// stableDays is how far from an inspection a change to an item keeps it
// out of the briefing and the report: a change notified around the
// inspection may reach the treaty database after them, and the
// simulation states only what both parties' databases agree on.
const stableDays = 15

// inspections returns the notices of every inspection each party makes of
// the other, the whole sequence of each, from the parties' events evs:
// each treaty year's full quota, from 60 days after entry into force
// (Protocol Part Five, Section I.2) until inspections were paused, and a
// share of it in the year the pause cuts short (docs/inspections.md, "The
// demo").
func inspections(t *treaty.Treaty, parties []string, evs []Event, rng *rand.Rand) []Event {
	end := pause(t)
	var plans []planned
	for _, by := range parties {
		for _, of := range parties {
			if by == of {
				continue
			}
			for y := t.Dates.EntryIntoForce; y.Before(end); y = y.Add(treaty.Period{Years: 1}) {
				plans = append(plans, inspectionYear(t, rng, by, of, y, end)...)
			}
		}
	}
	sites := sitesOn(t, evs, plans)
	out := exhibitions()
	for i, p := range plans {
		out = append(out, p.events(t, sites[i], rng, i)...)
	}
	return out
}

// pause returns the day inspections were paused for all parties, or
// expiry.
func pause(t *treaty.Treaty) treaty.Date {
	for _, e := range t.Events {
		if e.Kind == "inspections_paused" && e.Party == "" {
			return e.Date
		}
	}
	return t.Expiry()
}

// A planned inspection: by inspects a site of of, arriving on day.
type planned struct {
	by, of, typ string
	day         treaty.Date
	site        Facility
	poe         string
}

// inspectionYear plans one treaty year's inspections by party by of party
// of: each type's quota (a rounded share of it when the pause cuts the
// year short), in random order, on days at least spacing apart, as Part
// Five, Section I.4 allows one inspection at a time.
func inspectionYear(t *treaty.Treaty, rng *rand.Rand, by, of string, year, end treaty.Date) []planned {
	from := year
	if first := t.Dates.EntryIntoForce.AddDays(60); from.Before(first) {
		from = first
	}
	next := year.Add(treaty.Period{Years: 1})
	to := next.AddDays(-spacing)
	share := 1.0
	if !to.Before(end) {
		to = end.AddDays(-spacing)
		share = float64(days(from, end)) / float64(days(year, next))
	}
	var types []string
	for _, it := range t.Inspections {
		for range int(float64(it.PerYear)*share + 0.5) {
			types = append(types, it.ID)
		}
	}
	rng.Shuffle(len(types), func(i, j int) { types[i], types[j] = types[j], types[i] })
	var out []planned
	for i, k := range spacedDays(rng, int(days(from, to))+1, len(types)) {
		out = append(out, planOne(rng, by, of, types[i], from.AddDays(k)))
	}
	return out
}

// spacing is the fewest days between two inspections by one party of
// another: the notice of intent of the next (sent up to 104 hours before
// its day, timing.go) comes after the report of the last (sent up to
// about 2.5 days after its day), so that each inspection's steps follow
// one another in the inspecting party's log.
const spacing = 8

// spacedDays returns n days in [0, span), in order, at least spacing
// apart: n days drawn from the span less the gaps, each then moved on by
// the gaps before it. Fewer if the span cannot hold n.
func spacedDays(rng *rand.Rand, span, n int) []int {
	for n > 0 && span-(n-1)*(spacing-1) < n {
		n--
	}
	free := span - (n-1)*(spacing-1)
	if n == 0 || free <= 0 {
		return nil
	}
	ks := rng.Perm(free)[:n]
	slices.Sort(ks)
	for i := range ks {
		ks[i] += i * (spacing - 1)
	}
	return ks
}

// planOne picks the point of entry and the site, freely, as New START lets
// the inspectors.
func planOne(rng *rand.Rand, by, of, typ string, d treaty.Date) planned {
	poes := pointsOfEntry[of]
	var sites []Facility
	for _, f := range facilities {
		if f.Party == of && slices.Contains(inspectedKinds[typ], f.Kind) {
			sites = append(sites, f)
		}
	}
	return planned{by: by, of: of, typ: typ, day: d, site: sites[rng.IntN(len(sites))], poe: poes[rng.IntN(len(poes))]}
}

// events returns the notices of one inspection, the n-th simulated: the
// intent, the arrival and the designation (naming the site's facility
// type) on the day of arrival and the next, the inspected party's
// briefing, the missile the inspectors designate for a reentry-vehicle
// inspection, and the report of what they found, which confirms what the
// inspected party's database holds. The other party's acknowledgement of
// the report countersigns it (timing.go).
func (p planned) events(t *treaty.Treaty, at []declaration.Item, rng *rand.Rand, n int) []Event {
	id := fmt.Sprintf("inspection-%d", n)
	note := p.typ + " inspection of " + p.of + " at " + p.site.Name
	f := func(kv ...string) map[string]string {
		m := map[string]string{"inspection_type": p.typ}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	d := p.day.AddDays(1)
	out := []Event{
		{Party: p.by, Type: intentInspect, Effective: p.day, Fields: f("point_of_entry", p.poe, "inspected", p.of), Note: note},
		{Party: p.by, Type: arrivalPOE, Effective: p.day, Fields: f("point_of_entry", p.poe, "inspected", p.of), Note: note},
		{Party: p.by, Type: siteDesignate, Effective: d, ID: id + "/designation", Note: note,
			Fields: f("facility", p.site.ID, "facility_type", p.site.Kind, "inspected", p.of)},
		{Party: p.of, Type: briefing, Effective: d, ID: id + "/briefing", Answers: id + "/designation", Note: note,
			Fields: f("facility", p.site.ID, "facility_type", p.site.Kind), Stated: p.briefed(t, at)},
	}
	rep := Event{Party: p.by, Type: inspReport, Effective: d, Answers: id + "/briefing", Note: note,
		Fields: f("facility", p.site.ID, "confirmed", confirmed(at))}
	if b := out[3].Stated; len(b) > 0 {
		uid := b[rng.IntN(len(b))].UID
		out = append(out, Event{Party: p.by, Type: rvDesignate, Effective: d, Answers: id + "/briefing", Note: note + ", reentry-vehicle inspection of " + uid,
			Fields: f("uid", uid)})
	}
	rep.Stated = found(at, out[len(out)-1].Fields["uid"])
	return append(out, rep)
}

// briefed returns what the briefing states: for a type with a
// reentry-vehicle inspection, each deployed missile at the site with its
// warheads.
func (p planned) briefed(t *treaty.Treaty, at []declaration.Item) []body.Item {
	if !slices.ContainsFunc(t.Inspections, func(it treaty.InspectionType) bool { return it.ID == p.typ && it.ReentryVehicles }) {
		return nil
	}
	var out []body.Item
	for _, it := range at {
		if it.Status == "deployed" && (it.Category == "icbm" || it.Category == "slbm") {
			w := it.Warheads
			out = append(out, body.Item{UID: it.UID, Warheads: &w})
		}
	}
	return out
}

// found returns what the report found: every item at the site by type,
// and on the missile designated the warheads counted.
func found(at []declaration.Item, designated string) []body.Item {
	out := make([]body.Item, 0, len(at))
	for _, it := range at {
		b := body.Item{UID: it.UID, Type: it.Type}
		if it.UID == designated {
			w := it.Warheads
			b.Warheads = &w
		}
		out = append(out, b)
	}
	return out
}

// confirmed says in words what the report confirms: the count of each
// type and status at the site.
func confirmed(at []declaration.Item) string {
	if len(at) == 0 {
		return "no treaty-accountable item at the site, as declared"
	}
	counts := map[string]int{}
	var keys []string
	for _, it := range at {
		k := it.Status + " " + it.Type
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
	}
	slices.Sort(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", counts[k], k)
	}
	return s + ", as declared"
}

// sitesOn returns, for each planned inspection, the items of the
// inspected party at the site on the day after arrival (the day of the
// designation, the briefing and the report) that no change or move
// touches within stableDays of it, replaying each party's events once.
func sitesOn(t *treaty.Treaty, evs []Event, plans []planned) [][]declaration.Item {
	out := make([][]declaration.Item, len(plans))
	order := make([]int, len(plans))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return plans[a].day.Compare(plans[b].day) })
	byParty := map[string][]Event{}
	for _, e := range evs {
		byParty[e.Party] = append(byParty[e.Party], e)
	}
	for _, pe := range byParty {
		slices.SortStableFunc(pe, func(a, b Event) int { return a.Effective.Compare(b.Effective) })
	}
	replays := map[string]*replayer{}
	for _, i := range order {
		p := plans[i]
		r := replays[p.of]
		if r == nil {
			r = &replayer{t: t, evs: byParty[p.of], state: map[string]declaration.Item{}}
			replays[p.of] = r
		}
		out[i] = r.stableAt(p.site.ID, p.day.AddDays(1))
	}
	return out
}

// A replayer applies one party's events, in date order, up to a date
// that only moves forward, as Replay does.
type replayer struct {
	t     *treaty.Treaty
	evs   []Event
	next  int
	state map[string]declaration.Item
}

// stableAt returns the party's items at facility on d, in UID order,
// that no change, move or event touches within stableDays of d.
func (r *replayer) stableAt(facility string, d treaty.Date) []declaration.Item {
	for ; r.next < len(r.evs) && !r.evs[r.next].Effective.After(d); r.next++ {
		apply(r.t, r.state, &r.evs[r.next])
	}
	lo, _ := slices.BinarySearchFunc(r.evs, d.AddDays(-stableDays), func(e Event, x treaty.Date) int { return e.Effective.Compare(x) })
	moving := map[string]bool{}
	for i := lo; i < len(r.evs) && !r.evs[i].Effective.After(d.AddDays(stableDays)); i++ {
		if nt, _ := r.t.Notification(r.evs[i].Type); nt.Effect != "data" {
			for _, u := range r.evs[i].UIDs() {
				moving[u] = true
			}
		}
	}
	var out []declaration.Item
	for _, it := range r.state {
		if it.Facility == facility && it.Status != "eliminated" && !moving[it.UID] {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b declaration.Item) int { return strings.Compare(a.UID, b.UID) })
	return out
}

// answerTimes sends each step that answers another (an event with
// Answers) after the step it answers was sent, within its deadline
// counted from then, and has the other party acknowledge it after that:
// the acknowledgement of a report is its countersignature.
func answerTimes(t *treaty.Treaty, w *World, rng *rand.Rand) {
	sent := map[string]time.Time{}
	for i := range w.Events {
		e := &w.Events[i]
		if e.Answers != "" {
			nt, _ := t.Notification(e.Type)
			received := sent[e.Answers]
			e.Due = nt.Due.Due(received)
			e.Sent = received.Add(time.Duration(10+rng.IntN(int(e.Due.Sub(received).Minutes())/2)) * time.Minute)
			e.Late = false
			e.Acks = acks(rng, t, w.Parties, e)
		}
		if e.ID != "" {
			sent[e.ID] = e.Sent
		}
	}
}

// exhibitionHeld is the notification of an exhibition.
const exhibitionHeld = "exhibition_held"

// exhibitions returns the exhibitions of March 2011: the United States
// exhibited its B-1B (converted to non-nuclear armaments) and B-2A heavy
// bombers, Russia its RS-24 ICBM and mobile launcher (the State
// Department's release of 3 February 2012; "Last March …", The Hill's
// Congress Blog, early 2012; docs/inspections.md, "The demo"). The days
// and places are simulated.
func exhibitions() []Event {
	x := func(party, exhibition, typ, place, day string) Event {
		return Event{Party: party, Type: exhibitionHeld, Effective: treaty.MustDate(day), Note: "exhibition of the " + typ + " (day and place simulated)",
			Fields: map[string]string{"exhibition": exhibition, "item_type": typ, "place": place}}
	}
	return []Event{
		x("USA", "exhibition_nonnuclear_bomber", "B-1B", "Dyess AFB, Texas (simulated)", "2011-03-22"),
		x("USA", "exhibition", "B-2A", "Whiteman AFB, Missouri (simulated)", "2011-03-24"),
		x("RUS", "exhibition", "RS-24", "Teykovo (simulated)", "2011-03-29"),
	}
}

// fitInspections keeps of the inspection steps and exhibitions only what
// the world's treaty defines (a scenario's definition may define fewer
// of the sequence's notifications, or fewer of their fields): a step of a
// type it lacks is dropped, with the steps that answer it, and a field it
// does not allow is left out.
func fitInspections(w *World) {
	dropped := map[string]bool{}
	w.Events = slices.DeleteFunc(w.Events, func(e Event) bool {
		if e.ID == "" && e.Answers == "" && e.Type != exhibitionHeld && e.Type != intentInspect && e.Type != arrivalPOE && e.Type != siteDesignate {
			return false
		}
		nt, ok := w.Treaty.Notification(e.Type)
		if !ok || dropped[e.Answers] {
			dropped[e.ID] = e.ID != ""
			return true
		}
		for k := range e.Fields {
			if !nt.Allows(k) {
				delete(e.Fields, k)
			}
		}
		return false
	})
}

package sim

import (
	"fmt"

	"accord/internal/treaty"
)

// party generates one party's notifications from entry into force until
// it falls silent, calibrated to its targets.
func (b *builder) party(id string, groups []*group) ([]Event, []Target, error) {
	pub, err := Published()
	if err != nil {
		return nil, nil, err
	}
	silent := Silent(b.t, id)
	if silent.IsZero() {
		silent = b.t.Expiry()
	}
	targets := schedule(b.t, pub, id, lastExchange(b.t, silent))
	plans, err := planAll(groups, targets)
	if err != nil {
		return nil, nil, fmt.Errorf("calibrating: %w", err)
	}
	f := newForce(id, groups, b.rng("force/"+id))
	eif := b.t.Dates.EntryIntoForce
	evs := []Event{{Party: id, Type: initialData, Effective: eif, Items: f.initial(plans[0]), Note: "initial data on entry into force"}}
	// Nothing changes before the initial data is due, so that no change
	// reaches the other parties ahead of the items it changes.
	from := eif.AddDays(46)
	for _, p := range plans[1:] {
		p.withheld = withheld(b.t, id, p.target.Date)
		evs = append(evs, f.period(p, from)...)
		from = p.target.Date.AddDays(1)
		b.report(id, p.target.Date)
	}
	evs = append(evs, f.routine(from, silent.AddDays(-1))...)
	evs = append(evs, launchesOnly(f.routine(maxDate(from, silent), b.t.Expiry().AddDays(-1)))...)
	return evs, targets, nil
}

// launchesOnly keeps the launch notifications of evs: what a party that
// has fallen silent still sends (both parties kept notifying ICBM and
// SLBM launches under the 1988 Ballistic Missile Launch Notification
// Agreement).
func launchesOnly(evs []Event) []Event {
	var out []Event
	for _, e := range evs {
		if e.Type == launch {
			out = append(out, e)
		}
	}
	return out
}

func maxDate(a, b treaty.Date) treaty.Date {
	if a.After(b) {
		return a
	}
	return b
}

// withheld returns the treaty's data_withheld event for party on d: the
// data exchange of that date was not provided.
func withheld(t *treaty.Treaty, party string, d treaty.Date) *treaty.Event {
	for i, e := range t.Events {
		if e.Party == party && e.Kind == "data_withheld" && e.Date.Equal(d) {
			return &t.Events[i]
		}
	}
	return nil
}

func (b *builder) report(party string, d treaty.Date) {
	b.done++
	if b.progress != nil {
		b.progress(party, d, b.done, b.total)
	}
}

// steps returns how many dates the parties' generation goes through, for
// progress reports.
func (b *builder) steps(parties ...string) int {
	pub, _ := Published()
	n := 0
	for _, p := range parties {
		n += len(schedule(b.t, pub, p, lastExchange(b.t, Silent(b.t, p)))) - 1
	}
	return n
}

// lastExchange returns the as-of date of the last data exchange due
// before silent.
func lastExchange(t *treaty.Treaty, silent treaty.Date) treaty.Date {
	var last treaty.Date
	for y := t.Dates.EntryIntoForce.Year(); y <= silent.Year(); y++ {
		for _, md := range t.DataExchange.AsOf {
			d := treaty.MustDate(fmt.Sprintf("%d-%s", y, md))
			if d.Add(t.DataExchange.Within).Before(silent) {
				last = d
			}
		}
	}
	return last
}

// period moves every group to plan p over the days from from to p's
// date, and states the data on that date when it is a data exchange.
func (f *force) period(p plan, from treaty.Date) []Event {
	seqs := make([][]step, len(f.groups))
	for gi, g := range f.groups {
		_, _, wavg := g.estimate(p.target.Date)
		seqs[gi] = f.steps(gi, p.quotas[gi], wavg)
	}
	evs := f.interleave(seqs, from, p.target.Date)
	if p.target.Exchange == "" {
		return evs
	}
	note := "data as of " + p.target.Date.String()
	if p.target.Interpolated {
		note += " (calibrated to interpolated aggregates: none published)"
	}
	if p.withheld != nil {
		// Kept in the party's own log so that its database holds the
		// figures it published; the note says they were not provided.
		note += " (not provided to the other party: " + p.withheld.Note + ")"
	}
	return append(evs, Event{Party: f.party, Type: p.target.Exchange, Effective: p.target.Date, Items: f.holdings(), Note: note})
}

// routine carries on day-to-day business (rotations, launches,
// departures) from from to to, holding the counts where they are.
func (f *force) routine(from, to treaty.Date) []Event {
	if to.Before(from) {
		return nil
	}
	seqs := make([][]step, len(f.groups))
	for gi, g := range f.groups {
		c, d, w := f.count(gi)
		q := quota{counted: c, deployed: d, warheads: w, converted: f.converted(gi)}
		_, _, wavg := g.estimate(to)
		seqs[gi] = f.steps(gi, q, wavg)
	}
	return f.interleave(seqs, from, to)
}

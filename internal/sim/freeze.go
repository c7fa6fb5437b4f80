package sim

import (
	"fmt"
	"slices"

	"accord/internal/treaty"
)

// A Breach is a simulated breach of a freeze: on Date, Party produces at
// Site the warheads that take its total Excess above its baseline. No
// party ever breached a freeze (none was agreed): it exists only in the
// freeze-breach scenario, which says so.
type Breach struct {
	Party  string      `json:"party"`
	Date   treaty.Date `json:"date"`
	Site   string      `json:"site"`
	Excess int         `json:"excess"`
}

// SimulatedBreach is the freeze-breach scenario's breach: between the
// data exchanges of 1 March and 1 September 2021, while the freeze of
// us-freeze-2020 is in force (5 February 2021 to 5 February 2022). Party,
// date, site and size are all simulated.
var SimulatedBreach = Breach{Party: "USA", Date: treaty.MustDate("2021-06-15"), Site: "USA-PANTEX", Excess: 25}

// freezeTreaty is the definition the freeze scenarios run.
const freezeTreaty = "us-freeze-2020"

// freeze turns the New START world into the world of the US position of
// October 2020: New START extended by one year to 5 February 2022 (the
// world ends there), both parties exchanging their New START data and
// their warheads per site as of the freeze's baseline date, 20 October
// 2020.
func (b *builder) freeze(w *World) error {
	t, err := treaty.Builtin(freezeTreaty)
	if err != nil {
		return err
	}
	base, err := freezeBaseline(t)
	if err != nil {
		return err
	}
	end := t.Expiry()
	w.Events = slices.DeleteFunc(w.Events, func(e Event) bool { return !e.Effective.Before(end) })
	w.Calibration = slices.DeleteFunc(w.Calibration, func(c Target) bool { return !c.Date.Before(end) })
	for _, p := range w.Parties {
		w.Events = append(w.Events, Event{Party: p, Type: t.DataExchange.Notification, Effective: base,
			Items: Replay(w.Treaty, w.Events, p, base), Note: "data as of the freeze's baseline date, the baseline exchange (hypothetical)"})
	}
	w.Treaty = t
	return nil
}

// freezeBaseline returns the baseline date of t's freeze.
func freezeBaseline(t *treaty.Treaty) (treaty.Date, error) {
	for _, l := range t.Limits {
		if !l.Baseline.IsZero() {
			return l.Baseline, nil
		}
	}
	return treaty.Date{}, fmt.Errorf("%s has no freeze", t.ID)
}

// warheads adds every party's warhead notifications to w: a statement
// per site on start (the freeze's baseline date), then at every data
// exchange, and the flows between them, until each party's last day (its
// silence or the treaty's expiry). Each party's book opens on start,
// calibrated to the table of record (warheadcal.go), and its deployed
// strategic warheads follow its New START notifications in w.
func (b *builder) warheads(w *World, start treaty.Date) error {
	figs, err := PublishedWarheads()
	if err != nil {
		return err
	}
	evs := slices.Clone(w.Events)
	slices.SortStableFunc(evs, func(a, b Event) int { return a.Effective.Compare(b.Effective) })
	for _, p := range w.Parties {
		end := w.Treaty.Expiry().AddDays(-1)
		if s := Silent(b.t, p); !s.IsZero() && s.Before(end) {
			end = s.AddDays(-10) // no flow of its last days is sent after the silence
		}
		deps := deployments(w.Treaty, evs, p, start, end)
		a, err := b.arsenal(figs, p, deps[0])
		if err != nil {
			return err
		}
		if w.Scenario == FreezeBreach && p == SimulatedBreach.Party {
			w.Breach = &SimulatedBreach
			a.breach = w.Breach
		}
		out, err := a.run(deps, end, b.t.DataExchange.AsOf)
		if err != nil {
			return err
		}
		w.Events = append(w.Events, out...)
	}
	return nil
}

func (b *builder) arsenal(figs figures, party string, dep deployment) (*arsenal, error) {
	open := map[string]func(figures, deployment) (*arsenal, error){"USA": usArsenal, "RUS": rusArsenal, "CHN": chnArsenal}[party]
	if open == nil {
		return nil, fmt.Errorf("no warhead calibration for %s", party)
	}
	a, err := open(figs, dep)
	if err != nil {
		return nil, err
	}
	a.rng = b.rng("warheads/" + party)
	return a, nil
}

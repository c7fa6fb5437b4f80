package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"accord/internal/declaration"
)

// Notification type ids the generator sends.
const (
	initialData   = "initial_data"
	sixMonth      = "six_month_update"
	changeInData  = "change_in_data"
	movement      = "movement"
	launch        = "launch"
	convStart     = "conversion_start"
	convComplete  = "conversion_complete"
	bomberDepart  = "bomber_departure"
	intentInspect = "intent_to_inspect"
	arrivalPOE    = "arrival_point_of_entry"
	siteDesignate = "site_designation"
)

// change notifies the current state of units.
func (f *force) change(note string, us ...*unit) step {
	items := make([]declaration.Item, len(us))
	for i, u := range us {
		items[i] = u.Item
	}
	return step{typ: changeInData, items: items, note: note}
}

func (f *force) move(u *unit, to, note string) []step {
	if u.Facility == to {
		return nil
	}
	s := step{typ: movement, items: named(f.party, u.UID), from: u.Facility, to: to, note: note}
	u.Facility = to
	return []step{s}
}

// unload takes a deployed launcher out of deployment: its missile, with
// no warheads, goes back to store.
func (f *force) unload(gi int, l *unit) []step {
	l.Status = "non_deployed"
	m := l.pair
	if m == nil {
		return []step{f.change("heavy bomber no longer deployed", l)}
	}
	l.pair, m.pair = nil, nil
	m.Status, m.Warheads = "non_deployed", 0
	steps := []step{f.change("missile removed from its launcher", m, l)}
	return append(steps, f.move(m, f.groups[gi].store, "missile returned to storage")...)
}

// load deploys launcher l with a missile carrying w warheads (a bomber
// needs none). It declares a new missile when none is in store.
func (f *force) load(gi int, l *unit, w int) []step {
	l.Status = "deployed"
	if f.groups[gi].missile == "" {
		return []step{f.change("heavy bomber deployed", l)}
	}
	var steps []step
	spare := f.withStatus(f.missiles[gi], "non_deployed")
	var m *unit
	if len(spare) == 0 {
		m = f.newMissile(gi)
		steps = append(steps, f.change("new missile", m))
	} else {
		m = spare[f.rng.IntN(len(spare))]
	}
	steps = append(steps, f.move(m, l.Facility, "missile moved to its launcher")...)
	m.Status, m.Warheads = "deployed", w
	l.pair, m.pair = m, l
	return append(steps, f.change("missile loaded into a launcher", m, l))
}

// retire converts (status converted) or eliminates (status eliminated) a
// launcher or a missile.
func (f *force) retire(gi int, u *unit, status string) []step {
	var steps []step
	if u.Status == "deployed" {
		steps = f.unload(gi, u)
	}
	g := f.groups[gi]
	if status == "eliminated" && g.elimAt != "" && u.Category == g.launcher {
		steps = append(steps, f.move(u, g.elimAt, "launcher moved for elimination")...)
	}
	noun := map[string]string{"converted": "conversion", "eliminated": "elimination"}[status]
	steps = append(steps, step{typ: convStart, items: named(f.party, u.UID), note: noun + " of " + u.Type + " " + u.Category + " begins"})
	u.Status = status
	steps = append(steps, step{typ: convComplete, items: []declaration.Item{u.Item}, note: noun + " of " + u.Type + " " + u.Category + " complete"})
	if status == "eliminated" {
		f.remove(gi, u)
		delete(f.units, u.UID)
	}
	return steps
}

// counted returns the group's launchers that count (deployed or not).
func (f *force) countedLaunchers(gi int) []*unit {
	return slices.DeleteFunc(slices.Clone(f.launchers[gi]), func(u *unit) bool {
		return u.Status != "deployed" && u.Status != "non_deployed"
	})
}

// choose returns n of us, non-deployed first, at random within each
// status, or in declaration order for submarine tubes (boats retire and
// convert together).
func (f *force) choose(gi int, us []*unit, n int) []*unit {
	if f.groups[gi].slots.kind == "tube" {
		slices.SortStableFunc(us, func(a, b *unit) int { return f.tubeRank(a) - f.tubeRank(b) })
		return us[:n]
	}
	nd, dep := f.withStatus(us, "non_deployed"), f.withStatus(us, "deployed")
	var out []*unit
	for len(out) < n {
		if len(nd) > 0 {
			out = append(out, f.pick(&nd))
		} else {
			out = append(out, f.pick(&dep))
		}
	}
	return out
}

// tubeRank orders submarine tubes: for conversion, the last four tubes
// of each boat first, boats in a seeded order; otherwise by boat.
func (f *force) tubeRank(u *unit) int {
	i := strings.LastIndex(u.UID, "-T")
	boat := u.UID[:i]
	tube := 0
	fmt.Sscanf(u.UID[i+2:], "%d", &tube)
	rank := f.boatRank(boat)*100 + tube
	if tube > 20 {
		rank -= 1_000_000
	}
	return rank
}

func (f *force) boatRank(boat string) int {
	r, ok := f.boats[boat]
	if !ok {
		r = len(f.boats)
		f.boats[boat] = r
	}
	return r
}

// adjustWarheads spreads target warheads over the group's deployed
// missiles, changing as few loadings as it can. It notifies nothing:
// changes in data on warheads are reported only in the next data
// exchange (Protocol Part Four, Section II.3), which states every
// missile's loading.
func (f *force) adjustWarheads(gi int, target int) {
	g := f.groups[gi]
	if g.missile == "" {
		return
	}
	var dep []*unit
	cur := 0
	for _, l := range f.launchers[gi] {
		if l.Status == "deployed" && l.pair != nil {
			dep = append(dep, l.pair)
			cur += l.pair.Warheads
		}
	}
	for guard := 0; cur != target && guard < 100000; guard++ {
		m := dep[f.rng.IntN(len(dep))]
		switch {
		case cur < target && m.Warheads < g.wmax:
			m.Warheads++
			cur++
		case cur > target && m.Warheads > g.wmin:
			m.Warheads--
			cur--
		}
	}
}

// loading is the warheads a newly loaded missile of g carries.
func (g *group) loading(wavg float64) int {
	return min(max(int(math.Round(wavg)), g.wmin), g.wmax)
}

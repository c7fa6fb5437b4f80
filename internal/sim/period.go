package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// initial builds the holdings the party declares on entry into force.
func (f *force) initial(p plan) []declaration.Item {
	for gi, g := range f.groups {
		q := p.quotas[gi]
		_, _, wavg := g.estimate(p.target.Date)
		ls := make([]*unit, q.counted)
		for i := range ls {
			ls[i] = f.newLauncher(gi, "non_deployed")
		}
		for _, i := range f.rng.Perm(len(ls))[:q.deployed] {
			f.load(gi, ls[i], g.loading(wavg))
		}
		for range g.spares {
			f.newMissile(gi)
		}
		f.uncounted(gi)
		f.adjustWarheads(gi, q.warheads)
	}
	return f.holdings()
}

// uncounted declares the group's test and training launchers.
func (f *force) uncounted(gi int) {
	g := f.groups[gi]
	for _, s := range []struct {
		n        int
		at, kind string
	}{{g.test, g.testAt, "test"}, {g.training, g.trainAt, "training"}} {
		for i := range s.n {
			code := strings.TrimPrefix(s.at, f.party+"-")
			uid := fmt.Sprintf("%s-%s-%s%02d", g.slots.prefix, code, strings.ToUpper(s.kind[:4]), i+1)
			f.add(gi, declaration.Item{UID: uid, Type: g.typ, Category: g.launcher, Status: s.kind, Facility: s.at})
		}
	}
}

// steps moves group gi to quota q, and adds the period's routine: missile
// rotations, test launches and bomber departures.
func (f *force) steps(gi int, q quota, wavg float64) []step {
	var out []step
	if n := q.converted - f.converted(gi); n > 0 {
		for _, u := range f.choose(gi, f.countedLaunchers(gi), n) {
			out = append(out, f.retire(gi, u, "converted")...)
		}
	}
	out = append(out, f.resize(gi, q.counted)...)
	out = append(out, f.redeploy(gi, q.deployed, wavg)...)
	out = append(out, f.rotate(gi)...)
	f.adjustWarheads(gi, q.warheads)
	out = append(out, f.launches(gi)...)
	out = append(out, f.departures(gi)...)
	out = append(out, f.surplus(gi, q)...)
	if q.hasStock {
		out = append(out, f.restock(gi, q.stock)...)
	}
	return out
}

// restock eliminates non-deployed missiles, or declares new ones, until
// the group holds n.
func (f *force) restock(gi, n int) []step {
	nd := f.withStatus(f.missiles[gi], "non_deployed")
	var out []step
	for len(nd) > n {
		out = append(out, f.retire(gi, f.pick(&nd), "eliminated")...)
	}
	var us []*unit
	for k := len(nd); k < n; k++ {
		us = append(us, f.newMissile(gi))
	}
	if len(us) > 0 {
		out = append(out, f.change("new missiles", us...))
	}
	return out
}

func (f *force) converted(gi int) int {
	return len(f.withStatus(f.launchers[gi], "converted"))
}

// resize eliminates or produces launchers until counted count.
func (f *force) resize(gi int, counted int) []step {
	var out []step
	have := f.countedLaunchers(gi)
	if n := len(have) - counted; n > 0 {
		status := cmp.Or(f.groups[gi].retireAs, "eliminated")
		for _, u := range f.choose(gi, have, n) {
			out = append(out, f.retire(gi, u, status)...)
		}
	}
	batch := 1 + f.rng.IntN(3)
	if f.groups[gi].slots.kind == "tube" {
		batch = 16 // a new submarine's tubes, together
	}
	for n := counted - len(have); n > 0; n -= batch {
		var us []*unit
		for range min(n, batch) {
			us = append(us, f.newLauncher(gi, "non_deployed"))
		}
		out = append(out, f.change("new launchers", us...))
	}
	return out
}

// redeploy loads or unloads launchers until deployed are.
func (f *force) redeploy(gi int, deployed int, wavg float64) []step {
	var out []step
	_, have, _ := f.count(gi)
	counted := f.countedLaunchers(gi)
	if n := deployed - have; n > 0 {
		nd := f.withStatus(counted, "non_deployed")
		for range n {
			out = append(out, f.load(gi, f.pick(&nd), f.groups[gi].loading(wavg))...)
		}
	}
	if n := have - deployed; n > 0 {
		dep := f.withStatus(counted, "deployed")
		for range n {
			out = append(out, f.unload(gi, f.pick(&dep))...)
		}
	}
	return out
}

// maintenanceRate is the share of a group's deployed launchers whose
// missile is exchanged for maintenance (or, for heavy bombers, that go to
// depot maintenance and come back) in a six-month period. It sets the
// simulation's volume: with it, the notifications exchanged match the
// public record's order (more than 1,000 by August 2011, 14,600 by
// February 2018, 22,000 by May 2021; docs/simulation.md).
const maintenanceRate = 0.19

// rotate swaps deployed missiles for spares of the same loading, as
// maintenance does; a heavy bomber group sends bombers to depot
// maintenance and back.
func (f *force) rotate(gi int) []step {
	dep := f.withStatus(f.countedLaunchers(gi), "deployed")
	n := int(math.Round(float64(len(dep))*maintenanceRate)) + f.rng.IntN(3)
	if f.groups[gi].missile == "" {
		return f.depot(gi, n)
	}
	var out []step
	for range n {
		dep := f.withStatus(f.countedLaunchers(gi), "deployed")
		if len(dep) == 0 || len(f.withStatus(f.missiles[gi], "non_deployed")) == 0 {
			break
		}
		l := dep[f.rng.IntN(len(dep))]
		old, w := l.pair, l.pair.Warheads
		spare := slices.DeleteFunc(f.withStatus(f.missiles[gi], "non_deployed"), func(u *unit) bool { return u == old })
		out = append(out, f.unload(gi, l)...)
		m := spare[f.rng.IntN(len(spare))]
		out = append(out, f.move(m, l.Facility, "spare missile moved to its launcher")...)
		m.Status, m.Warheads, l.Status = "deployed", w, "deployed"
		l.pair, m.pair = m, l
		out = append(out, f.change("missile exchanged for maintenance", m, l))
	}
	return out
}

// depot sends n of the group's deployed heavy bombers to maintenance
// (no longer deployed) and back (deployed again).
func (f *force) depot(gi, n int) []step {
	var out []step
	dep := f.withStatus(f.countedLaunchers(gi), "deployed")
	for range min(n, len(dep)) {
		b := f.pick(&dep)
		b.Status = "non_deployed"
		out = append(out, f.change("heavy bomber to depot maintenance", b))
		b.Status = "deployed"
		out = append(out, f.change("heavy bomber back from depot maintenance", b))
	}
	return out
}

// surplus eliminates non-deployed missiles beyond what the group's empty
// launchers and its spares call for.
func (f *force) surplus(gi int, q quota) []step {
	g := f.groups[gi]
	if g.missile == "" {
		return nil
	}
	nd := f.withStatus(f.missiles[gi], "non_deployed")
	keep := q.counted - q.deployed + g.spares
	if q.counted == 0 {
		keep = 0
	}
	var out []step
	for len(nd) > keep {
		out = append(out, f.retire(gi, f.pick(&nd), "eliminated")...)
	}
	return out
}

// launches fires a few spare missiles in tests; a launched missile is
// eliminated.
func (f *force) launches(gi int) []step {
	site, ok := launchSites[f.groups[gi].id]
	if !ok {
		return nil
	}
	var out []step
	for range int(site.rate + f.rng.Float64()) {
		nd := f.withStatus(f.missiles[gi], "non_deployed")
		if len(nd) == 0 {
			break
		}
		m := f.pick(&nd)
		out = append(out, step{typ: launch, fields: map[string]string{"type": m.Type, "launch_area": site.from, "impact_area": site.to},
			note: m.Type + " test launch"})
		m.Status = "eliminated"
		out = append(out, f.change("missile launched", m))
		f.remove(gi, m)
		delete(f.units, m.UID)
	}
	return out
}

// departures sends deployed heavy bombers abroad for more than a day.
func (f *force) departures(gi int) []step {
	dest, ok := bomberTrips[f.groups[gi].id]
	if !ok {
		return nil
	}
	var out []step
	for range int(dest.rate + f.rng.Float64()) {
		dep := f.withStatus(f.launchers[gi], "deployed")
		if len(dep) == 0 {
			break
		}
		b := dep[f.rng.IntN(len(dep))]
		to := dest.to[f.rng.IntN(len(dest.to))]
		out = append(out, step{typ: bomberDepart, fields: map[string]string{"uid": b.UID, "destination": to}, note: b.Type + " to " + to})
	}
	return out
}

// interleave merges the groups' step sequences at random, keeping each
// sequence's order, and dates them on sorted random days in [from, to].
func (f *force) interleave(seqs [][]step, from, to treaty.Date) []Event {
	total := 0
	for _, s := range seqs {
		total += len(s)
	}
	span := int(days(from, to)) + 1
	dates := make([]int, total)
	for i := range dates {
		dates[i] = f.rng.IntN(span)
	}
	slices.Sort(dates)
	out := make([]Event, 0, total)
	for left := total; left > 0; left-- {
		k := f.rng.IntN(left)
		for i := range seqs {
			if k < len(seqs[i]) {
				out = append(out, seqs[i][0].event(f.party, from.AddDays(dates[len(out)])))
				seqs[i] = seqs[i][1:]
				break
			}
			k -= len(seqs[i])
		}
	}
	return out
}

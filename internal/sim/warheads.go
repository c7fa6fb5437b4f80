package sim

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// Warhead notification types of the definitions that verify a freeze
// (us-freeze-2020, trilateral-draft), and the categories and statuses of
// warheads (docs/warheads.md).
const (
	warheadData          = "warhead_data"
	warheadProduced      = "warhead_produced"
	warheadDismantled    = "warhead_dismantled"
	warheadTransferred   = "warhead_transferred"
	warheadRecategorised = "warhead_recategorised"

	strategic    = "warhead"
	nonstrategic = "nonstrategic_warhead"
	deployed     = "deployed"
	stored       = "non_deployed"
	retired      = "retired"
)

// A lotKey is one of a party's warhead balances: a site, category and
// status.
type lotKey struct{ site, category, status string }

// An arsenal is one party's warheads counted per site, as the generator
// evolves them from an opening calibrated to the public figures
// (warheadcal.go). Every change goes through flow, which applies it to
// the book and emits the notification, so that the notifications and
// the book never disagree.
type arsenal struct {
	party string
	// basis says what the totals are calibrated to, for the notes.
	basis string
	book  map[lotKey]int
	// store is the central storage the missile bases draw their warheads
	// from when the missiles loaded there carry more than the base holds.
	store string
	// dismantled and produced give the warheads dismantled (at
	// dismantleAt, from its retired warheads) and produced (at produceAt)
	// from the opening to a date; nil for none. Retired warheads wait at
	// retiredAt: when it is not dismantleAt, each month's are shipped there
	// a few days before they are dismantled.
	dismantled, produced              func(treaty.Date) int
	dismantleAt, produceAt, retiredAt string
	// breach, if set, is the simulated breach of the freeze-breach
	// scenario.
	breach *Breach
	rng    *rand.Rand
	out    []Event
	// done counts what has been dismantled and produced so far.
	doneDismantled, doneProduced int
	missileSites                 map[string]bool
	// dismantleDays are the days warheads are dismantled: one seeded day
	// a month ("YYYY-MM-DD"); shipDays the days the retired warheads to be
	// dismantled are shipped, each with its dismantlement day. Production
	// is on the first of each month.
	dismantleDays map[string]bool
	shipDays      map[string]treaty.Date
	doneShipped   int
}

// total returns the party's warheads in every category and status (the
// book holds nothing dismantled).
func (a *arsenal) total() int {
	n := 0
	for _, c := range a.book {
		n += c
	}
	return n
}

// flow applies lots of a flow notification of type typ to the book, and
// emits it. A lot that would drive a balance
// negative is an error: the generator never sends what the rules refuse.
func (a *arsenal) flow(d treaty.Date, typ string, lots []body.Lot, note string) error {
	if len(lots) == 0 {
		return nil
	}
	for _, l := range lots {
		if err := a.apply(typ, l); err != nil {
			return fmt.Errorf("%s %s on %s: %w", a.party, typ, d, err)
		}
	}
	a.out = append(a.out, Event{Party: a.party, Type: typ, Effective: d, Stock: lots, Note: note})
	return nil
}

func (a *arsenal) apply(typ string, l body.Lot) error {
	from := lotKey{l.Site, l.Category, l.Status}
	switch typ {
	case warheadProduced:
		a.book[from] += l.Count
		return nil
	case warheadTransferred:
		a.book[lotKey{l.ToSite, l.Category, l.Status}] += l.Count
	case warheadRecategorised:
		a.book[lotKey{l.Site, l.ToCategory, l.ToStatus}] += l.Count
	}
	if a.book[from] < l.Count {
		return fmt.Errorf("%s holds %d %s %s, %d taken", l.Site, a.book[from], l.Category, l.Status, l.Count)
	}
	a.book[from] -= l.Count
	if a.book[from] == 0 {
		delete(a.book, from)
	}
	return nil
}

// statement emits the party's full statement of its warheads per site on
// d: every balance it holds, in site, category and status order.
func (a *arsenal) statement(d treaty.Date, note string) {
	var lots []body.Lot
	for _, k := range slices.SortedFunc(maps.Keys(a.book), compareKeys) {
		lots = append(lots, body.Lot{Site: k.site, Category: k.category, Status: k.status, Count: a.book[k]})
	}
	a.out = append(a.out, Event{Party: a.party, Type: warheadData, Effective: d, Stock: lots, Note: note})
}

func compareKeys(x, y lotKey) int {
	return cmp.Or(cmp.Compare(x.site, y.site), cmp.Compare(x.category, y.category), cmp.Compare(x.status, y.status))
}

// deploy keeps the deployed strategic warheads at each missile base equal
// to the warheads emplaced on the deployed ICBMs and SLBMs there: a base
// whose missiles carry more takes warheads out of its storage, first
// bringing in from the central store what it lacks; one whose missiles
// carry fewer puts the difference into its storage.
func (a *arsenal) deploy(d treaty.Date, dep deployment) error {
	for site := range dep.emplaced {
		a.missileSites[site] = true
	}
	var moves, recats []body.Lot
	for _, site := range slices.Sorted(maps.Keys(a.missileSites)) {
		have, want := a.book[lotKey{site, strategic, deployed}], dep.emplaced[site]
		switch {
		case want > have:
			if pool := a.book[lotKey{site, strategic, stored}]; pool < want-have {
				moves = append(moves, body.Lot{Category: strategic, Status: stored, Site: a.store, ToSite: site, Count: want - have - pool})
			}
			recats = append(recats, body.Lot{Category: strategic, Status: stored, Site: site, ToCategory: strategic, ToStatus: deployed, Count: want - have})
		case want < have:
			recats = append(recats, body.Lot{Category: strategic, Status: deployed, Site: site, ToCategory: strategic, ToStatus: stored, Count: have - want})
		}
	}
	if err := a.flow(d, warheadTransferred, moves, "warheads sent to missile bases for the missiles loaded there since the last exchange (simulated)"); err != nil {
		return err
	}
	return a.flow(d, warheadRecategorised, recats, "warheads loaded on or taken off deployed missiles since the last exchange, as New START's data of the day (simulated)")
}

// dismantle dismantles what the party's rate calls for by d.
func (a *arsenal) dismantle(d treaty.Date) error {
	if a.dismantled == nil || !a.dismantleDays[d.String()] {
		return nil
	}
	n := a.dismantled(d) - a.doneDismantled
	if n <= 0 {
		return nil
	}
	a.doneDismantled += n
	lot := body.Lot{Category: strategic, Status: retired, Site: a.dismantleAt, Count: n}
	return a.flow(d, warheadDismantled, []body.Lot{lot}, "retired warheads dismantled, at the published or estimated rate (dates simulated)")
}

// ship sends to the dismantlement plant, on a shipping day, the retired
// warheads to be dismantled by its dismantlement day.
func (a *arsenal) ship(d treaty.Date) error {
	until, ok := a.shipDays[d.String()]
	if !ok || a.dismantled == nil || a.retiredAt == a.dismantleAt {
		return nil
	}
	n := a.dismantled(until) - a.doneShipped
	if n <= 0 {
		return nil
	}
	a.doneShipped += n
	lot := body.Lot{Category: strategic, Status: retired, Site: a.retiredAt, ToSite: a.dismantleAt, Count: n}
	return a.flow(d, warheadTransferred, []body.Lot{lot}, "retired warheads shipped for dismantlement (dates simulated)")
}

// produce produces what the party's estimates call for by d.
func (a *arsenal) produce(d treaty.Date) error {
	if a.produced == nil || d.String()[8:] != "01" {
		return nil
	}
	n := a.produced(d) - a.doneProduced
	if n <= 0 {
		return nil
	}
	a.doneProduced += n
	lot := body.Lot{Category: strategic, Status: stored, Site: a.produceAt, Count: n}
	return a.flow(d, warheadProduced, []body.Lot{lot}, "warheads produced, as the estimates of the total grow (dates simulated)")
}

// breachOn produces, on the breach's date, the warheads that take the
// party's total excess above its baseline.
func (a *arsenal) breachOn(d treaty.Date, baseline int) error {
	b := a.breach
	if b == nil || !d.Equal(b.Date) {
		return nil
	}
	n := baseline - a.total() + b.Excess
	lot := body.Lot{Category: strategic, Status: stored, Site: b.Site, Count: n}
	note := fmt.Sprintf("SIMULATED BREACH: %d warheads produced, taking the total to %d, %d above the freeze baseline of %d", n, baseline+b.Excess, b.Excess, baseline)
	return a.flow(d, warheadProduced, []body.Lot{lot}, note)
}

// run evolves the arsenal from the opening (deps[0]) to end, with a
// statement on the opening day and on every data-exchange date (asOf,
// "MM-DD") after it. The deployed strategic warheads at the missile bases
// follow the party's deployments (deps, in date order) on the exchange
// dates, just before the statement: as New START has changes in the
// warheads on deployed missiles notified only in the six-month update
// (Protocol Part Four, Section II.3), so they are counted per site as of
// each exchange, and the statement agrees with New START's data of the
// same date.
func (a *arsenal) run(deps []deployment, end treaty.Date, asOf []string) ([]Event, error) {
	open := deps[0].date
	baseline := a.total()
	a.statement(open, "warhead holdings per site on "+open.String()+", the opening statement: total calibrated to "+a.basis+"; per site simulated")
	for _, d := range a.dates(open, end) {
		if err := a.steps(d, baseline); err != nil {
			return nil, err
		}
		if !exchangeDay(d, asOf) {
			continue
		}
		if err := a.deploy(d, deploymentOn(deps, d)); err != nil {
			return nil, err
		}
		a.statement(d, "warhead holdings per site as of "+d.String()+" (totals from "+a.basis+"; per site simulated)")
	}
	return a.out, nil
}

// deploymentOn returns the deployment in force on d: the last dated on or
// before it.
func deploymentOn(deps []deployment, d treaty.Date) deployment {
	i := 0
	for i+1 < len(deps) && !deps[i+1].date.After(d) {
		i++
	}
	return deps[i]
}

func (a *arsenal) steps(d treaty.Date, baseline int) error {
	if err := a.produce(d); err != nil {
		return err
	}
	if err := a.ship(d); err != nil {
		return err
	}
	if err := a.dismantle(d); err != nil {
		return err
	}
	return a.breachOn(d, baseline)
}

// dates returns the days after open, up to end, on which something may
// happen: warheads are produced (the first of the month), shipped for
// dismantlement and dismantled (seeded days of the month), a statement is
// made (the first of some months), or the breach occurs.
func (a *arsenal) dates(open, end treaty.Date) []treaty.Date {
	var ds []treaty.Date
	a.dismantleDays, a.shipDays = map[string]bool{}, map[string]treaty.Date{}
	for m := treaty.MustDate(open.String()[:8] + "01"); !m.After(end); m = m.Add(treaty.Period{Months: 1}) {
		ship := maxDate(m.AddDays(1+a.rng.IntN(3)), open.AddDays(1))
		d := ship.AddDays(3 + a.rng.IntN(20))
		a.dismantleDays[d.String()] = true
		a.shipDays[ship.String()] = d
		ds = append(ds, m, ship, d)
	}
	if a.breach != nil {
		ds = append(ds, a.breach.Date)
	}
	ds = slices.DeleteFunc(ds, func(d treaty.Date) bool { return !d.After(open) || d.After(end) })
	slices.SortFunc(ds, treaty.Date.Compare)
	return slices.CompactFunc(ds, treaty.Date.Equal)
}

func exchangeDay(d treaty.Date, asOf []string) bool {
	return slices.Contains(asOf, d.String()[5:])
}

// A deployment is a party's warheads emplaced on its deployed ICBMs and
// SLBMs, and its deployed heavy bombers, per facility, on a date, as its
// New START notifications give them.
type deployment struct {
	date     treaty.Date
	emplaced map[string]int
	bombers  map[string]int
}

// deployments returns party's deployment on from, and on every later day
// up to to on which its notifications in events (in date order) change
// the warheads emplaced at some facility.
func deployments(t *treaty.Treaty, events []Event, party string, from, to treaty.Date) []deployment {
	state := map[string]declaration.Item{}
	var out []deployment
	add := func(d treaty.Date) {
		dep := deploymentOf(state, d)
		if len(out) == 0 || !maps.Equal(dep.emplaced, out[len(out)-1].emplaced) {
			out = append(out, dep)
		}
	}
	var last treaty.Date
	for i := range events {
		e := &events[i]
		if e.Party != party || e.Effective.After(to) {
			continue
		}
		if len(out) == 0 && e.Effective.After(from) {
			add(from)
		}
		if e.Effective.After(last) && last.After(from) {
			add(last)
		}
		applyItems(t, state, e)
		last = e.Effective
	}
	if len(out) == 0 || last.After(from) {
		add(maxDate(last, from))
	}
	return out
}

// applyItems applies e's items to state as Replay does.
func applyItems(t *treaty.Treaty, state map[string]declaration.Item, e *Event) {
	nt, _ := t.Notification(e.Type)
	for _, it := range e.Items {
		switch nt.Effect {
		case "data", "change":
			state[it.UID] = it
		case "move":
			if s, ok := state[it.UID]; ok {
				s.Facility = e.To
				state[it.UID] = s
			}
		}
	}
}

func deploymentOf(state map[string]declaration.Item, d treaty.Date) deployment {
	dep := deployment{date: d, emplaced: map[string]int{}, bombers: map[string]int{}}
	for _, it := range state {
		if it.Status != deployed {
			continue
		}
		switch it.Category {
		case "icbm", "slbm":
			dep.emplaced[it.Facility] += it.Warheads
		case "heavy_bomber":
			dep.bombers[it.Facility]++
		}
	}
	return dep
}

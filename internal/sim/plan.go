package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"accord/internal/treaty"
)

// A quota is what one group holds on one calibration date.
type quota struct {
	counted   int // deployed and non-deployed launchers
	deployed  int // deployed launchers, each loaded (or a deployed bomber)
	warheads  int // warheads on the group's deployed missiles
	converted int // launchers converted so far
	// stock, when hasStock, is the group's non-deployed missiles on the
	// date: a published per-type figure.
	stock    int
	hasStock bool
}

// A plan is one party's quotas, group by group, on one target date.
type plan struct {
	target Target
	quotas []quota
	// withheld is set when the party did not provide this exchange.
	withheld *treaty.Event
}

// planner carries what calibration must never undo from one date to the
// next: launchers eliminated or converted, and production.
type planner struct {
	groups  []*group
	legacy  int // launchers awaiting elimination still counted
	grown   int // the growth group's launchers: it never shrinks
	conv    int // launchers converted
	extra   int // production this date beyond the anchors
	started bool
}

// planAll calibrates a party's groups to every target in turn.
func planAll(groups []*group, targets []Target) ([]plan, error) {
	p := &planner{groups: groups}
	out := make([]plan, 0, len(targets))
	for _, t := range targets {
		q, err := p.quotas(t)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", t.Party, t.Date, err)
		}
		out = append(out, plan{target: t, quotas: q})
	}
	return out, nil
}

func (p *planner) quotas(t Target) ([]quota, error) {
	p.extra = 0
	q := make([]quota, len(p.groups))
	for i, g := range p.groups {
		if g.slack == 0 && g.exists(t.Date) {
			c, _, _ := g.estimate(t.Date)
			q[i].counted = c
			if g.growth {
				q[i].counted = max(c, p.grown)
			}
		}
	}
	for i, g := range p.groups {
		q[i].stock, q[i].hasStock = g.stock[t.Date.String()]
	}
	if err := p.launchers(t, q); err != nil {
		return nil, err
	}
	if err := p.deploy(t, q); err != nil {
		return nil, err
	}
	return q, p.warheads(t, q)
}

func (g *group) exists(d treaty.Date) bool {
	return g.from == "" || !d.Before(treaty.MustDate(g.from))
}

// estimate interpolates the group's anchors on d.
func (g *group) estimate(d treaty.Date) (counted, deployed int, wavg float64) {
	as := g.anchors
	i := slices.IndexFunc(as, func(a anchor) bool { return treaty.MustDate(a.date).After(d) })
	switch {
	case i == 0:
		return as[0].counted, as[0].deployed, as[0].wavg
	case i < 0:
		a := as[len(as)-1]
		return a.counted, a.deployed, a.wavg
	case g.step:
		return as[i-1].counted, as[i-1].deployed, as[i-1].wavg
	}
	a, b := as[i-1], as[i]
	f := days(treaty.MustDate(a.date), d) / days(treaty.MustDate(a.date), treaty.MustDate(b.date))
	lerp := func(x, y int) int { return int(math.Round(float64(x) + f*float64(y-x))) }
	return lerp(a.counted, b.counted), lerp(a.deployed, b.deployed), a.wavg + f*(b.wavg-a.wavg)
}

// launchers meets the published launcher total: launchers awaiting
// elimination absorb the difference while there are any, then
// conversions (which only grow) or the growth group's production (ahead
// of its anchors when need be; it never shrinks).
func (p *planner) launchers(t Target, q []quota) error {
	r := t.Launchers
	for _, x := range q {
		r -= x.counted
	}
	if !p.started {
		p.started, p.legacy = true, max(r, 0)
	}
	switch {
	case r < 0:
		if -r < p.conv {
			return fmt.Errorf("launchers rise to %d after conversions began", t.Launchers)
		}
		p.legacy, p.conv = 0, -r
	case r > p.legacy:
		if p.conv > 0 || !slices.ContainsFunc(p.groups, func(g *group) bool { return g.growth }) {
			return fmt.Errorf("launchers rise to %d with nothing to produce", t.Launchers)
		}
		p.extra = r - p.legacy
	default:
		p.legacy = r
	}
	p.spread(q)
	return nil
}

// spread shares the legacy launchers, production and conversions out
// among the groups.
func (p *planner) spread(q []quota) {
	left := p.legacy
	for _, i := range p.order(func(g *group) int { return -g.slack }, func(g *group) bool { return g.slack > 0 }) {
		size := p.groups[i].anchors[0].counted
		if p.groups[i].slack == 1 {
			size = left // the first to go absorbs the rest
		}
		q[i].counted = min(left, size)
		left -= q[i].counted
	}
	for i, g := range p.groups {
		if g.growth {
			q[i].counted += p.extra
			p.grown = q[i].counted
		}
	}
	conv := p.conv
	for _, i := range p.order(func(g *group) int { return g.convRank }, func(g *group) bool { return g.converts > 0 }) {
		c := min(conv, p.groups[i].converts)
		q[i].converted, q[i].counted = c, q[i].counted-c
		conv -= c
	}
}

// order returns the indexes of the groups that pass keep, sorted by key.
func (p *planner) order(key func(*group) int, keep func(*group) bool) []int {
	var idx []int
	for i, g := range p.groups {
		if keep(g) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key(p.groups[a]), key(p.groups[b])) })
	return idx
}

func (g *group) capacity(q quota) int {
	return int(math.Floor(float64(q.counted)*g.capFrac + 1e-9))
}

// deploy meets the published number of deployed delivery vehicles.
func (p *planner) deploy(t Target, q []quota) error {
	r := t.DeployedDeliveryVehicles
	for i, g := range p.groups {
		_, e, _ := g.estimate(t.Date)
		if !g.exists(t.Date) {
			e = 0
		}
		q[i].deployed = min(e, g.capacity(q[i]))
		r -= q[i].deployed
	}
	flex := p.order(func(g *group) int { return g.dflex }, func(g *group) bool { return g.dflex > 0 })
	rooms := make([]int, len(flex))
	for k, i := range flex {
		rooms[k] = p.groups[i].capacity(q[i]) - q[i].deployed
		if r < 0 {
			rooms[k] = q[i].deployed
		}
	}
	for k, n := range share(r, rooms) {
		q[flex[k]].deployed += n
		r -= n
	}
	if r != 0 {
		return fmt.Errorf("%d deployed delivery vehicles left over", r)
	}
	return nil
}

// warheads meets the published warhead count, moving deployments between
// groups when the loadings alone cannot.
func (p *planner) warheads(t Target, q []quota) error {
	for range 2000 {
		need, lo, hi := p.loadRange(t, q)
		if need >= lo && need <= hi {
			return p.load(t, q, need)
		}
		if !p.swap(q, need > hi) {
			return fmt.Errorf("%d warheads cannot be loaded (%d–%d)", t.Warheads, lo, hi)
		}
	}
	return fmt.Errorf("%d warheads: no loading found", t.Warheads)
}

// loadRange returns the warheads deployed missiles must carry and the
// least and most they can.
func (p *planner) loadRange(t Target, q []quota) (need, lo, hi int) {
	need = t.Warheads
	for i, g := range p.groups {
		if g.missile == "" {
			need -= q[i].deployed
			continue
		}
		lo += q[i].deployed * g.wmin
		hi += q[i].deployed * g.wmax
	}
	return need, lo, hi
}

// warheadsPer is what one deployment of g adds to the count at most (up)
// or at least.
func (g *group) warheadsPer(up bool) int {
	switch {
	case g.missile == "":
		return 1
	case up:
		return g.wmax
	}
	return g.wmin
}

// swap moves one deployment to a group whose missiles can carry more
// (up) or fewer warheads. It reports whether it found one.
func (p *planner) swap(q []quota, up bool) bool {
	val := func(i int) int {
		w := p.groups[i].warheadsPer(up)
		if !up {
			w = -w
		}
		return w
	}
	from, to := -1, -1
	for i, g := range p.groups {
		if g.dflex == 0 {
			continue
		}
		if q[i].deployed > 0 && (from < 0 || val(i) < val(from)) {
			from = i
		}
		if q[i].deployed < g.capacity(q[i]) && (to < 0 || val(i) > val(to)) {
			to = i
		}
	}
	if from < 0 || to < 0 || val(to) <= val(from) {
		return false
	}
	q[from].deployed--
	q[to].deployed++
	return true
}

// load shares need warheads among the missile groups: each at its
// estimated average, then the difference in wflex order.
func (p *planner) load(t Target, q []quota, need int) error {
	r := need
	for i, g := range p.groups {
		if g.missile == "" {
			continue
		}
		_, _, avg := g.estimate(t.Date)
		w := int(math.Round(float64(q[i].deployed) * avg))
		q[i].warheads = min(max(w, q[i].deployed*g.wmin), q[i].deployed*g.wmax)
		r -= q[i].warheads
	}
	flex := p.order(func(g *group) int { return cmp.Or(g.wflex, 99) }, func(g *group) bool { return g.missile != "" })
	rooms := make([]int, len(flex))
	for k, i := range flex {
		g := p.groups[i]
		rooms[k] = q[i].deployed*g.wmax - q[i].warheads
		if r < 0 {
			rooms[k] = q[i].warheads - q[i].deployed*g.wmin
		}
	}
	for k, n := range share(r, rooms) {
		q[flex[k]].warheads += n
		r -= n
	}
	if r != 0 {
		return fmt.Errorf("%d warheads left over", r)
	}
	return nil
}

// share splits r (of either sign) among rooms (each ≥ 0) in proportion
// to them, never more than a room, the rounding going to the first. The
// parts have r's sign and add up to r when the rooms allow.
func share(r int, rooms []int) []int {
	sign, total := 1, 0
	if r < 0 {
		sign, r = -1, -r
	}
	for _, x := range rooms {
		total += x
	}
	parts := make([]int, len(rooms))
	if total == 0 {
		return parts
	}
	left := min(r, total)
	for k, x := range rooms {
		parts[k] = min(r, total) * x / total
		left -= parts[k]
	}
	for k := range parts {
		n := min(left, rooms[k]-parts[k])
		parts[k] += n
		left -= n
	}
	for k := range parts {
		parts[k] *= sign
	}
	return parts
}

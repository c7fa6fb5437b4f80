package registry

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"accord/entry/body"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// A wkey is where warheads are counted: a site, a category and a status.
type wkey struct{ site, category, status string }

// A wevent is one entry's effect on a party's warheads: the lots it
// states or moves, in the order of the entry.
type wevent struct {
	origin    string
	idx       uint64
	effective string
	recorded  string
	typ       string
	effect    string // stock, produce, dismantle, transfer, recategorise, or item
	lots      []body.Lot
}

func (e *wevent) ref() string { return fmt.Sprintf("%s#%d", e.origin, e.idx) }

// A wfinding is a finding the fold of a party's warhead events makes.
type wfinding struct {
	kind      string
	ev        *wevent
	limit     string
	key       wkey
	value     int64
	expected  int64
	reference string // for a balance finding, the entry that opened the book
}

// A freeze is one freeze limit's running state for a party.
type freeze struct {
	limit    treaty.Limit
	rules    []treaty.Rule
	value    int64
	baseline *int64
	fixed    bool // the baseline date has passed
	breached bool
}

// A book is a party's warhead balances after the events folded into it,
// in date and log order (docs/warheads.md, "Balances"). Per-site lots and
// per-item warheads are kept apart, so that a statement of per-site lots
// restates only the first.
type book struct {
	lastEff  string
	lastIdx  uint64
	started  bool
	stated   *wevent // the latest statement, which opened the book
	count    map[wkey]int64
	item     map[wkey]int64
	total    int64
	freezes  []*freeze
	declared bool // the party has declared warheads, per item or per site
}

func newBook(t *treaty.Treaty, party string) *book {
	b := &book{count: map[wkey]int64{}, item: map[wkey]int64{}}
	for _, l := range t.Limits {
		if l.Ceiling != nil || l.Baseline.IsZero() || !l.Binds(party) {
			continue
		}
		if !slices.ContainsFunc(l.Count, func(r treaty.Rule) bool { return t.WarheadCategory(r.Category) }) {
			continue
		}
		b.freezes = append(b.freezes, &freeze{limit: l, rules: l.Count})
	}
	return b
}

func (b *book) clone() *book {
	c := *b
	c.count, c.item = maps.Clone(b.count), maps.Clone(b.item)
	c.freezes = make([]*freeze, len(b.freezes))
	for i, f := range b.freezes {
		g := *f
		c.freezes[i] = &g
	}
	return &c
}

// inOrder reports whether an event dated effective, with index idx, comes
// after every event folded into b.
func (b *book) inOrder(effective string, idx uint64) bool {
	return !b.started || effective > b.lastEff || effective == b.lastEff && idx > b.lastIdx
}

// A delta is a change of one balance.
type delta struct {
	key  wkey
	n    int64
	item bool
}

// deltas returns the changes ev makes to b's balances, or the rule it
// breaks; b is unchanged.
func (b *book) deltas(ev *wevent) ([]delta, []wfinding, *Refusal) {
	if ev.effect == "stock" {
		return b.restate(ev)
	}
	var out []delta
	for _, l := range ev.lots {
		from, to := lotKeys(ev.effect, l)
		n := int64(l.Count)
		if from != nil {
			out = append(out, delta{*from, -n, ev.effect == "item"})
		}
		if to != nil {
			out = append(out, delta{*to, n, ev.effect == "item"})
		}
	}
	pending := map[wkey]int64{}
	added := int64(0)
	for _, d := range out {
		if d.item {
			continue
		}
		have := b.count[d.key] + pending[d.key]
		if have+d.n < 0 {
			return nil, nil, refuse(ErrBalance, "%s holds %d %s %s warheads on %s, and %s %s removes %d: a balance cannot go negative",
				d.key.site, have, d.key.status, d.key.category, ev.effective, ev.typ, ev.ref(), -d.n)
		}
		pending[d.key] += d.n
		if added += d.n; b.total+added > maxWarheads {
			return nil, nil, refuse(ErrBalance, "%s %s would take the party's warheads above %d, the most accord counts", ev.typ, ev.ref(), int64(maxWarheads))
		}
	}
	return out, nil, nil
}

// maxWarheads bounds a party's total warheads, so that no balance or
// running total can overflow however many flows a hostile log sends: the
// engine's bound on every sum (engine.MaxSum).
const maxWarheads = engine.MaxSum

// lotKeys returns the balance a lot takes warheads from and the one it
// adds them to (nil for none). A per-item lot goes from its item's state
// before to its state after; a dismantled warhead goes nowhere.
func lotKeys(effect string, l body.Lot) (from, to *wkey) {
	at := &wkey{l.Site, l.Category, l.Status}
	moved := &wkey{or(l.ToSite, l.Site), or(l.ToCategory, l.Category), or(l.ToStatus, l.Status)}
	switch effect {
	case "produce":
		return nil, at
	case "dismantle":
		return at, nil
	case "item":
		from, to = at, moved
		if l.Status == "" {
			from = nil
		}
		if l.ToStatus == "" || l.ToStatus == "dismantled" {
			to = nil
		}
		if from != nil && from.status == "dismantled" {
			from = nil
		}
		return from, to
	}
	return at, moved
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// restate returns the deltas of a statement, which replaces every
// per-site balance, and the balance findings it makes against the book
// it replaces.
func (b *book) restate(ev *wevent) ([]delta, []wfinding, *Refusal) {
	stated := map[wkey]int64{}
	for _, l := range ev.lots {
		k := wkey{l.Site, l.Category, l.Status}
		if _, dup := stated[k]; dup {
			return nil, nil, refuse(ErrFields, "%s states %s %s warheads at %s twice", ev.typ, k.status, k.category, k.site)
		}
		stated[k] = int64(l.Count)
	}
	keys := slices.Collect(maps.Keys(stated))
	for k := range b.count {
		if _, ok := stated[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	var out []delta
	var fs []wfinding
	for _, k := range keys {
		have, want := b.count[k], stated[k]
		if have == want {
			continue
		}
		out = append(out, delta{k, want - have, false})
		if b.stated != nil {
			fs = append(fs, wfinding{kind: FindingBalance, ev: ev, key: k, value: want, expected: have, reference: b.stated.ref()})
		}
	}
	return out, fs, nil
}

func compareKeys(a, b wkey) int {
	return cmp.Or(cmp.Compare(a.site, b.site), cmp.Compare(a.category, b.category), cmp.Compare(a.status, b.status))
}

// apply folds ev into b: it fixes the baselines whose date ev passes,
// applies ev's deltas, and checks every freeze in force on ev's date. It
// returns the findings ev makes, or the rule it breaks, with b unchanged.
func (b *book) apply(t *treaty.Treaty, ev *wevent) ([]wfinding, *Refusal) {
	ds, fs, ref := b.deltas(ev)
	if ref != nil {
		return nil, ref
	}
	b.fixBaselines(ev.effective)
	for _, d := range ds {
		b.add(d)
	}
	if ev.effect == "stock" {
		b.stated = ev
	}
	b.declared = b.declared || len(ev.lots) > 0
	b.started, b.lastEff, b.lastIdx = true, ev.effective, ev.idx
	return append(fs, b.checkFreezes(t, ev)...), nil
}

func (b *book) add(d delta) {
	m := b.count
	if d.item {
		m = b.item
	}
	if m[d.key] += d.n; m[d.key] == 0 {
		delete(m, d.key)
	}
	b.total += d.n
	for _, f := range b.freezes {
		for _, r := range f.rules {
			if r.Matches(d.key.category, d.key.status) {
				f.value += d.n * int64(max(r.Weight, 1))
			}
		}
	}
}

// fixBaselines fixes the baseline of every freeze whose baseline date is
// before effective: the party's value then, or none if it had declared
// no warheads by then.
func (b *book) fixBaselines(effective string) {
	for _, f := range b.freezes {
		if f.fixed || effective <= f.limit.Baseline.String() {
			continue
		}
		f.fixed = true
		if b.declared {
			v := f.value
			f.baseline = &v
		}
	}
}

func (b *book) checkFreezes(t *treaty.Treaty, ev *wevent) []wfinding {
	d := parseDate(ev.effective)
	var out []wfinding
	for _, f := range b.freezes {
		in := f.limit.InForce(d) && t.InForce(d) && f.baseline != nil
		over := in && f.value > *f.baseline
		if over && !f.breached {
			out = append(out, wfinding{kind: FindingFreezeBreach, ev: ev, limit: f.limit.ID, value: f.value, expected: *f.baseline})
		}
		f.breached = over
	}
	return out
}

// balances returns the non-zero balances of b, per-site lots and per-item
// warheads added up, sorted.
func (b *book) balances() []Balance {
	all := map[wkey]*Balance{}
	get := func(k wkey) *Balance {
		if all[k] == nil {
			all[k] = &Balance{Site: k.site, Category: k.category, Status: k.status}
		}
		return all[k]
	}
	for k, n := range b.count {
		get(k).Count += n
	}
	for k, n := range b.item {
		get(k).Count += n
		get(k).PerItem += n
	}
	var out []Balance
	for _, k := range slices.SortedFunc(maps.Keys(all), compareKeys) {
		if all[k].Count != 0 {
			out = append(out, *all[k])
		}
	}
	return out
}

// points returns the freezes' values after the last event folded.
func (b *book) points(t *treaty.Treaty, effective string) []FreezePoint {
	d := parseDate(effective)
	var out []FreezePoint
	for _, f := range b.freezes {
		p := FreezePoint{Limit: f.limit.ID, Value: f.value, InForce: f.limit.InForce(d) && t.InForce(d)}
		if f.baseline != nil {
			v := *f.baseline
			p.Baseline = &v
		}
		out = append(out, p)
	}
	return out
}

package escrow

import (
	"cmp"
	"slices"
)

// FlowKind is what a flow notification records about warheads.
type FlowKind string

// The flows [CheckFlows] compares with reveals (docs/escrow.md, "Flows").
const (
	Produced      FlowKind = "produced"      // new warheads at Site
	Dismantled    FlowKind = "dismantled"    // warheads at Site dismantled
	Transferred   FlowKind = "transferred"   // warheads moved from Site to To
	Recategorised FlowKind = "recategorised" // a lot at Site changing from Category to ToCategory
)

// MaxLot bounds a lot flow's count, as a signed lot's count is bounded
// (docs/warheads.md).
const MaxLot = 1_000_000_000

// Flow is a flow notification as the party logged it: one warhead named
// by UID (UID set), or a lot of Count warheads of one Category at a site
// (UID empty), as a treaty's warhead flow notifications carry them.
type Flow struct {
	Kind       FlowKind `json:"kind"`
	Date       string   `json:"date"`                  // YYYY-MM-DD
	UID        string   `json:"uid,omitempty"`         // the warhead, for a flow by UID
	Site       string   `json:"site"`                  // where it is produced or dismantled, or where it leaves
	To         string   `json:"to,omitempty"`          // where a transfer arrives
	Category   Category `json:"category,omitempty"`    // a lot's category
	ToCategory Category `json:"to_category,omitempty"` // a recategorised lot's new category
	Count      uint64   `json:"count,omitempty"`       // a lot's warheads, 1 to MaxLot

	item itemFlow // how a flow read from a per-item notification applies
}

// itemFlow says how a flow read from a notification of items (not lots)
// applies: such a notification does not say whether an item is new, nor
// always where it is (docs/escrow.md, "Flows from the log").
type itemFlow byte

const (
	itemNone      itemFlow = iota // a flow as given
	itemStated                    // a warhead stated in full at Site: produced if unknown, else moved there
	itemMoved                     // moved from Site to To: followed if known, else not a warhead known here
	itemDismantle                 // dismantled: at where it is if known; if unknown and Site is "", not placed
)

// lot reports whether f is a lot, not a flow of one warhead.
func (f *Flow) lot() bool { return f.UID == "" }

// weight is the number of warheads f moves.
func (f *Flow) weight() uint64 {
	if f.lot() {
		return f.Count
	}
	return 1
}

func (f *Flow) check() error {
	_, err := parseDate(f.Date)
	switch {
	case err != nil:
		return fail(ErrEncoding, "", "flow at %s: %v", f.Site, err)
	case !validSite(f.Site):
		return fail(ErrEncoding, "", "flow on %s: invalid site %q", f.Date, f.Site)
	case f.Kind != Produced && f.Kind != Dismantled && f.Kind != Transferred && f.Kind != Recategorised:
		return fail(ErrEncoding, "", "flow at %s on %s: unknown kind %q", f.Site, f.Date, f.Kind)
	case f.Kind == Transferred && !validSite(f.To) || f.Kind != Transferred && f.To != "":
		return fail(ErrEncoding, "", "flow at %s on %s: to %q is only and always for a transfer", f.Site, f.Date, f.To)
	case f.lot():
		return f.checkLot()
	case !validID(f.UID) || f.Kind == Recategorised || f.Category != "" || f.ToCategory != "" || f.Count != 0:
		return fail(ErrEncoding, "", "flow of %q on %s: a flow of one warhead is produced, dismantled or transferred, with no category or count", f.UID, f.Date)
	}
	return nil
}

// checkLot checks the form of a lot flow.
func (f *Flow) checkLot() error {
	switch {
	case f.Count < 1 || f.Count > MaxLot:
		return fail(ErrEncoding, "", "lot at %s on %s: count %d is not from 1 to %d", f.Site, f.Date, f.Count, MaxLot)
	case f.Category.code() == 0:
		return fail(ErrEncoding, "", "lot at %s on %s: unknown category %q", f.Site, f.Date, f.Category)
	case (f.Kind == Recategorised) != (f.ToCategory != ""):
		return fail(ErrEncoding, "", "lot at %s on %s: to_category is only and always for a change of category", f.Site, f.Date)
	case f.Kind == Recategorised && (f.ToCategory.code() == 0 || f.ToCategory == f.Category):
		return fail(ErrEncoding, "", "lot at %s on %s: to_category %q is not another category", f.Site, f.Date, f.ToCategory)
	}
	return nil
}

// CheckFlows checks the reveals against the flow notifications logged
// since the commitment (flows dated after the commitment's date; earlier
// ones are ignored, the declaration reflects them), in date order (input
// order within a day).
//
// A flow of one warhead follows it from its revealed site: a warhead
// produced after the commitment must not be in it; a warhead dismantled
// or transferred must be where the reveals and earlier flows put it, and
// not already dismantled; and a warhead neither produced since nor
// revealed, dismantled or transferred from a revealed site or once every
// region is revealed, was missing from the declaration (unless its site
// was declared by counts, which name no UIDs).
//
// A lot is counted against its site's balance of its category: what the
// reveals list there plus the lots that arrived since, less the lots that
// left. A lot that leaves a revealed site (any site, once every region is
// revealed) must not take that balance below zero: those warheads were
// not in the declaration.
//
// It fails with [ErrFlow], or [ErrEncoding] for a malformed flow.
func (v *Verified) CheckFlows(flows []Flow) error {
	for i := range flows {
		if err := flows[i].check(); err != nil {
			return err
		}
	}
	return v.checkFlows(flows)
}

// checkFlows is CheckFlows on flows known to be well formed.
func (v *Verified) checkFlows(flows []Flow) error {
	sorted := slices.Clone(flows)
	slices.SortStableFunc(sorted, func(a, b Flow) int { return cmp.Compare(a.Date, b.Date) })
	t := v.tracker()
	for _, f := range sorted {
		if f.Date <= v.Commitment.Date {
			continue
		}
		err := t.apply(&f)
		if f.lot() {
			err = t.lots.apply(&f)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tracker follows warheads through flows.
type tracker struct {
	v     *Verified
	at    map[string]string // uid → current site; "" once dismantled
	sites map[string]string // revealed site → region
	count map[string]bool   // revealed sites declared by counts, whose UIDs are unknown
	lots  *balances
}

func (v *Verified) tracker() *tracker {
	t := &tracker{v: v, at: map[string]string{}, sites: map[string]string{}, count: map[string]bool{}}
	t.lots = &balances{sites: t.sites, all: v.Complete(), held: map[siteCategory]uint64{}}
	for _, r := range v.Reveals {
		for _, l := range r.Leaves {
			e := &l.Entry
			if e.Padding() {
				continue
			}
			t.sites[e.Site] = r.Region
			if e.UID != "" {
				t.at[e.UID] = e.Site
				t.lots.held[siteCategory{e.Site, e.Category}]++
				continue
			}
			t.count[e.Site] = true
			for c, n := range e.Counts {
				t.lots.held[siteCategory{e.Site, c}] += uint64(n)
			}
		}
	}
	return t
}

// apply checks one flow of a warhead by UID dated after the commitment
// and follows it; a lot passes.
func (t *tracker) apply(f *Flow) error {
	if f.lot() {
		return nil
	}
	site, known := t.at[f.UID]
	if f.item != itemNone {
		var skip bool
		if f, skip = t.resolve(f, site, known); skip {
			return nil
		}
	}
	region := t.v.UIDs[f.UID]
	switch {
	case f.Kind == Produced && known:
		return fail(ErrFlow, region, "%s produced at %s on %s, but it already existed", f.UID, f.Site, f.Date)
	case f.Kind == Produced:
		t.at[f.UID] = f.Site
		return nil
	case known && site == "":
		return fail(ErrFlow, region, "%s %s on %s after its dismantlement", f.UID, f.Kind, f.Date)
	case known && site != f.Site:
		return fail(ErrFlow, region, "%s %s at %s on %s, but it was at %s", f.UID, f.Kind, f.Site, f.Date, site)
	case !known && !t.count[f.Site] && (t.sites[f.Site] != "" || t.v.Complete()):
		return fail(ErrFlow, t.sites[f.Site], "%s %s at %s on %s was not in the declaration", f.UID, f.Kind, f.Site, f.Date)
	case f.Kind == Transferred:
		t.at[f.UID] = f.To
	case known:
		t.at[f.UID] = ""
	}
	return nil
}

// resolve turns a flow read from an item notification into the flow it
// is, given where its warhead is; skip if it moves nothing known here.
func (t *tracker) resolve(f *Flow, site string, known bool) (*Flow, bool) {
	g := *f
	g.item = itemNone
	switch {
	case f.item == itemStated && !known:
		g.Kind = Produced
	case f.item == itemStated && site != "" && site != f.Site:
		g.Kind, g.Site, g.To = Transferred, site, f.Site
	case f.item == itemStated:
		return nil, true
	case f.item == itemMoved && !known:
		return nil, true
	case f.item == itemDismantle && known:
		g.Site = cmp.Or(site, f.Site)
	case f.item == itemDismantle && f.Site == "":
		return nil, true
	}
	return &g, false
}

// siteCategory is the key of a lot balance.
type siteCategory struct {
	site     string
	category Category
}

// balances are the lot balances of the sites the reveals list.
type balances struct {
	sites map[string]string // revealed site → region
	all   bool              // every region is revealed: every site is known
	held  map[siteCategory]uint64
}

// apply checks one lot dated after the commitment and books it.
func (b *balances) apply(f *Flow) error {
	if f.Kind == Produced {
		b.held[siteCategory{f.Site, f.Category}] += f.Count
		return nil
	}
	if err := b.take(siteCategory{f.Site, f.Category}, f); err != nil {
		return err
	}
	switch f.Kind {
	case Transferred:
		b.held[siteCategory{f.To, f.Category}] += f.Count
	case Recategorised:
		b.held[siteCategory{f.Site, f.ToCategory}] += f.Count
	}
	return nil
}

// take removes f's lot from its site's balance, failing if the site is
// known and holds fewer.
func (b *balances) take(k siteCategory, f *Flow) error {
	held := b.held[k]
	region, known := b.sites[k.site]
	if held >= f.Count {
		b.held[k] = held - f.Count
		return nil
	}
	b.held[k] = 0
	if !known && !b.all {
		return nil
	}
	return fail(ErrFlow, region, "%d %s %s at %s on %s, but the reveals and the flows since leave %d there: they were not in the declaration",
		f.Count, f.Category, f.Kind, f.Site, f.Date, held)
}

package escrow

import (
	"cmp"
	"slices"
)

// FlowKind is what a flow notification records about one warhead.
type FlowKind string

// The flows [CheckFlows] compares with reveals (docs/escrow.md, "Flows").
const (
	Produced    FlowKind = "produced"    // a new warhead at Site
	Dismantled  FlowKind = "dismantled"  // the warhead at Site is dismantled
	Transferred FlowKind = "transferred" // the warhead moved from Site to To
)

// Flow is a flow notification naming one warhead by UID, as logged by the
// party. Flows without a UID (counts) are balanced by the treaty database,
// not here.
type Flow struct {
	Kind FlowKind `json:"kind"`
	Date string   `json:"date"`         // YYYY-MM-DD
	UID  string   `json:"uid"`          // the warhead
	Site string   `json:"site"`         // where it is produced or dismantled, or where it leaves
	To   string   `json:"to,omitempty"` // where a transferred warhead arrives
}

func (f *Flow) check() error {
	_, err := parseDate(f.Date)
	switch {
	case err != nil:
		return fail(ErrEncoding, "", "flow of %s: %v", f.UID, err)
	case !validID(f.UID) || !validID(f.Site):
		return fail(ErrEncoding, "", "flow on %s: invalid uid %q or site %q", f.Date, f.UID, f.Site)
	case f.Kind == Transferred && !validID(f.To) || f.Kind != Transferred && f.To != "":
		return fail(ErrEncoding, "", "flow of %s: to %q is only and always for a transfer", f.UID, f.To)
	case f.Kind != Produced && f.Kind != Dismantled && f.Kind != Transferred:
		return fail(ErrEncoding, "", "flow of %s: unknown kind %q", f.UID, f.Kind)
	}
	return nil
}

// CheckFlows checks the reveals against the flow notifications logged
// since the commitment (flows dated after the commitment's date; earlier
// ones are ignored, the declaration reflects them). In date order (input
// order within a day), following each revealed warhead from its revealed
// site: a warhead produced after the commitment must not be in it; a
// warhead dismantled or transferred must be where the reveals and earlier
// flows put it, and not already dismantled; and a warhead neither produced
// since nor revealed, dismantled or transferred from a revealed site or
// once every region is revealed, was missing from the declaration (unless
// its site was declared by counts, which name no UIDs). It
// fails with [ErrFlow], or [ErrEncoding] for a malformed flow.
func (v *Verified) CheckFlows(flows []Flow) error {
	for i := range flows {
		if err := flows[i].check(); err != nil {
			return err
		}
	}
	sorted := slices.Clone(flows)
	slices.SortStableFunc(sorted, func(a, b Flow) int { return cmp.Compare(a.Date, b.Date) })
	t := v.tracker()
	for _, f := range sorted {
		if f.Date > v.Commitment.Date {
			if err := t.apply(&f); err != nil {
				return err
			}
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
}

func (v *Verified) tracker() *tracker {
	t := &tracker{v: v, at: map[string]string{}, sites: map[string]string{}, count: map[string]bool{}}
	for _, r := range v.Reveals {
		for _, l := range r.Leaves {
			if !l.Entry.Padding() {
				t.sites[l.Entry.Site] = r.Region
			}
			if l.Entry.UID != "" {
				t.at[l.Entry.UID] = l.Entry.Site
			} else if !l.Entry.Padding() {
				t.count[l.Entry.Site] = true
			}
		}
	}
	return t
}

// apply checks one flow dated after the commitment and follows it.
func (t *tracker) apply(f *Flow) error {
	site, known := t.at[f.UID]
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

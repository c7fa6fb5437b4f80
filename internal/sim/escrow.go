package sim

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"accord/entry/body"
	"accord/escrow"
	"accord/internal/treaty"
)

// An Escrow is one party's simulated escrowed declaration in the freeze
// scenarios (docs/escrow.md, "In the demo"): the warheads of its baseline
// statement of 20 October 2020, one site entry per site with its counts
// per category, grouped into regions by the kind of facility the site is
// (icbm_base, warhead_storage …), and the days its regions are revealed.
// The commitment is sent an hour after the statement it commits to, so
// that whoever reads it already holds the statement. No party ever
// committed to or revealed a declaration: all of it is simulated.
type Escrow struct {
	Declaration escrow.Declaration `json:"declaration"`
	Sent        time.Time          `json:"sent"`
	Reveals     []RevealStep       `json:"reveals"`
}

// A RevealStep is one region's reveal, effective on Date and sent at
// Sent: noon that day, or an hour after the commitment if that is later.
type RevealStep struct {
	Region string      `json:"region"`
	Date   treaty.Date `json:"date"`
	Sent   time.Time   `json:"sent"`
}

// revealOrder is the order in which the simulated parties open their
// regions: the bases, whose deployed warheads New START's data already
// locate, first, and the central stores, the most sensitive, last.
var revealOrder = []string{ICBMBase, SubmarineBase, AirBase, TestRange, NonStrategicBase, WarheadPlant, Storage, WarheadStorage}

// revealYear is the time over which the regions are revealed: one region
// every revealYear/n days after the commitment, the last a year after it.
const revealYear = 365

// escrows returns each party's escrow in w: the declaration of its
// warhead statement effective on t's freeze baseline date, revealed over
// the following year.
func escrows(w *World, t *treaty.Treaty) ([]Escrow, error) {
	base, err := freezeBaseline(t)
	if err != nil {
		return nil, err
	}
	kind := map[string]string{}
	for _, f := range facilitiesOf(w.Parties) {
		kind[f.ID] = f.Kind
	}
	var out []Escrow
	for _, p := range w.Parties {
		i := slices.IndexFunc(w.Events, func(e Event) bool {
			return e.Party == p && e.Type == warheadData && e.Effective.Equal(base)
		})
		if i < 0 {
			return nil, fmt.Errorf("%s has no warhead statement on %s to commit to", p, base)
		}
		d, err := escrowDeclaration(p, base, w.Events[i].Stock, kind)
		if err != nil {
			return nil, err
		}
		sent := w.Events[i].Sent.Add(time.Hour)
		out = append(out, Escrow{Declaration: *d, Sent: sent, Reveals: revealSteps(d, base, sent)})
	}
	return out, nil
}

// escrowDeclaration turns a statement's lots into a declaration: a site
// entry per site, in a region named by the site's facility kind.
func escrowDeclaration(party string, d treaty.Date, lots []body.Lot, kind map[string]string) (*escrow.Declaration, error) {
	sites := map[string]map[escrow.Category]uint32{}
	for _, l := range lots {
		c, err := escrowCategory(l)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", party, d, err)
		}
		if sites[l.Site] == nil {
			sites[l.Site] = map[escrow.Category]uint32{}
		}
		sites[l.Site][c] += uint32(l.Count)
	}
	regions := map[string][]escrow.Entry{}
	for site, counts := range sites {
		k := kind[site]
		if k == "" {
			return nil, fmt.Errorf("%s on %s: site %s is no declared facility", party, d, site)
		}
		regions[k] = append(regions[k], escrow.Entry{Site: site, Counts: counts})
	}
	out := &escrow.Declaration{Party: party, Date: d.String()}
	for id, es := range regions {
		slices.SortFunc(es, func(a, b escrow.Entry) int { return cmp.Compare(a.Site, b.Site) })
		out.Regions = append(out.Regions, escrow.Region{ID: id, Entries: es})
	}
	slices.SortFunc(out.Regions, func(a, b escrow.Region) int { return cmp.Compare(rank(a.ID), rank(b.ID)) })
	return out, nil
}

// escrowCategory is the escrow category of a lot's category and status
// (escrow.LotCategory, docs/escrow.md, "Categories").
func escrowCategory(l body.Lot) (escrow.Category, error) {
	if c, ok := escrow.LotCategory(l.Category, l.Status); ok {
		return c, nil
	}
	return "", fmt.Errorf("warheads at %s: no escrow category for %s %s", l.Site, l.Category, l.Status)
}

// rank is a region's place in revealOrder; kinds not listed come last.
func rank(region string) int {
	if i := slices.Index(revealOrder, region); i >= 0 {
		return i
	}
	return len(revealOrder)
}

// revealSteps dates the reveal of each of d's regions, in its order:
// region i of n on day base + (i+1)·revealYear/n, sent no earlier than
// an hour after the commitment's sent time.
func revealSteps(d *escrow.Declaration, base treaty.Date, committed time.Time) []RevealStep {
	n := len(d.Regions)
	out := make([]RevealStep, n)
	for i, r := range d.Regions {
		day := base.AddDays((i + 1) * revealYear / n)
		sent := day.Time().Add(12 * time.Hour)
		if earliest := committed.Add(time.Hour); sent.Before(earliest) {
			sent = earliest
		}
		out[i] = RevealStep{Region: r.ID, Date: day, Sent: sent}
	}
	return out
}

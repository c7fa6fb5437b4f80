package office

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"accord/escrow"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// maxEscrowRegions bounds a --regions file: one line per site.
const maxEscrowRegions = 1 << 20

// ReadEscrowRegions reads a file that maps sites to regions: CSV with the
// header "site,region", then one line per site (a facility name, as in a
// warhead declaration) and its region (an id). A site listed twice, a
// region that is not an id, or any other line is refused, naming the line.
// Every refusal is an *InputError.
func ReadEscrowRegions(name string, data []byte) (map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 2
	out := map[string]string{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, inputErrorf("%s: %w", name, err)
		}
		if line == 1 {
			if rec[0] != "site" || rec[1] != "region" {
				return nil, inputErrorf("%s:1: the header is %q, want \"site,region\"", name, strings.Join(rec, ","))
			}
			continue
		}
		if err := regionRow(out, rec[0], rec[1]); err != nil {
			return nil, inputErrorf("%s:%d: %w", name, line, err)
		}
		if len(out) > maxEscrowRegions {
			return nil, inputErrorf("%s: more than %d sites", name, maxEscrowRegions)
		}
	}
	if len(out) == 0 {
		return nil, inputErrorf("%s: no sites: give a header \"site,region\" and a line per site", name)
	}
	return out, nil
}

// regionRow adds one site's region to m.
func regionRow(m map[string]string, site, region string) error {
	if prev, ok := m[site]; ok {
		return fmt.Errorf("site: %q is already in region %s", site, prev)
	}
	if !escrow.ValidID(region) {
		return fmt.Errorf("region: %q is not an id (letters, digits and . _ -, at most 64)", region)
	}
	m[site] = region
	return nil
}

// isEscrowJSON reports whether data is the JSON input of package escrow:
// an object with a "regions" member.
func isEscrowJSON(data []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(data, &m) == nil && m["regions"] != nil
}

// warheadDeclaration reads a warhead declaration file (docs/warheads.md:
// the rows of warheads per site, and items of a warhead category) of the
// node's party as of one date, and turns it into the declaration to
// commit to: each site's rows become one site entry with a count per
// escrow category (escrow.LotCategory), each item a warhead entry, and
// each site goes to its region in regions, or to a region of its own if
// regions is nil. Every refusal is an *InputError.
func (o *Office) warheadDeclaration(name string, data []byte, regions map[string]string) (*escrow.Declaration, error) {
	set, err := declaration.Load(o.Treaty, name, bytes.NewReader(data))
	if err != nil {
		return nil, &InputError{Err: err}
	}
	if len(set.Types) > 0 || len(set.Aggregates) > 0 {
		return nil, inputErrorf("%s: holds type or aggregate rows: an escrowed declaration lists warheads per site or per item only", name)
	}
	day, err := o.warheadDate(name, set)
	if err != nil {
		return nil, err
	}
	b := &regionBuilder{regions: regions, bySite: map[string]map[escrow.Category]uint32{}, byRegion: map[string]*escrow.Region{}}
	for _, w := range set.Warheads {
		if err := b.lot(w.Site, w.Category, w.Status, w.Count); err != nil {
			return nil, inputErrorf("%s: %w", name, err)
		}
	}
	for _, it := range set.Items {
		if err := b.item(it); err != nil {
			return nil, inputErrorf("%s: %w", name, err)
		}
	}
	d := &escrow.Declaration{Party: o.Node.Config.Party, Date: day.String(), Regions: b.list()}
	if len(d.Regions) == 0 {
		return nil, inputErrorf("%s: no warheads to escrow (dismantled and empty rows are not escrowed)", name)
	}
	return d, nil
}

// warheadDate checks that every row of set is the node's party's, as of
// one date, and returns it.
func (o *Office) warheadDate(name string, set *declaration.Set) (treaty.Date, error) {
	var dates []treaty.Date
	note := func(party string, d treaty.Date) error {
		if party != o.Node.Config.Party {
			return otherParty("%s: declares party %q, but this is %s's node", name, party, o.Node.Config.Party)
		}
		if !slices.Contains(dates, d) {
			dates = append(dates, d)
		}
		return nil
	}
	for _, w := range set.Warheads {
		if err := note(w.Party, w.AsOf); err != nil {
			return treaty.Date{}, err
		}
	}
	for _, it := range set.Items {
		if err := note(it.Party, it.AsOf); err != nil {
			return treaty.Date{}, err
		}
	}
	if len(dates) != 1 || dates[0].IsZero() {
		return treaty.Date{}, inputErrorf("%s: an escrowed declaration is as of one date, given by as_of; the rows give %d", name, len(dates))
	}
	return dates[0], prefixed(name, withinLife(o.Treaty, dates[0]))
}

// regionBuilder gathers a warhead declaration's entries by region.
type regionBuilder struct {
	regions  map[string]string // site → region; nil: one per site
	bySite   map[string]map[escrow.Category]uint32
	byRegion map[string]*escrow.Region
	order    []string // regions, in first-seen order
	owner    map[string]string
}

// region returns the region of site.
func (b *regionBuilder) region(site string) (*escrow.Region, error) {
	id, ok := b.regions[site]
	if b.regions == nil {
		if id, ok = escrow.RegionOf(site); !ok {
			return nil, fmt.Errorf("site %q makes no region id: map it with --regions", site)
		}
		if b.owner == nil {
			b.owner = map[string]string{}
		}
		if prev, dup := b.owner[id]; dup && prev != site {
			return nil, fmt.Errorf("sites %q and %q both make region %s: map them with --regions", prev, site, id)
		}
		b.owner[id] = site
	} else if !ok {
		return nil, fmt.Errorf("site %q is in no region of the --regions file", site)
	}
	r := b.byRegion[id]
	if r == nil {
		r = &escrow.Region{ID: id}
		b.byRegion[id], b.order = r, append(b.order, id)
	}
	return r, nil
}

// lot adds one warhead row to its site's entry.
func (b *regionBuilder) lot(site, category, status string, count int) error {
	c, ok := escrow.LotCategory(category, status)
	if !ok || count == 0 {
		return nil
	}
	r, err := b.region(site)
	if err != nil {
		return err
	}
	counts := b.bySite[site]
	if counts == nil {
		counts = map[escrow.Category]uint32{}
		r.Entries = append(r.Entries, escrow.Entry{Site: site, Counts: counts})
		b.bySite[site] = counts
	}
	counts[c] += uint32(count)
	return nil
}

// item adds an item of a warhead category as a warhead entry.
func (b *regionBuilder) item(it declaration.Item) error {
	c, ok := escrow.LotCategory(it.Category, it.Status)
	if !ok {
		if o := it.Category; o != "warhead" && o != "nonstrategic_warhead" {
			return fmt.Errorf("item %s is a %s, not a warhead: an escrowed declaration lists warheads only", it.UID, o)
		}
		return nil
	}
	if it.Facility == "" {
		return fmt.Errorf("item %s has no facility, so no site and no region", it.UID)
	}
	r, err := b.region(it.Facility)
	if err != nil {
		return err
	}
	r.Entries = append(r.Entries, escrow.Entry{Site: it.Facility, UID: it.UID, Category: c})
	return nil
}

// list returns the regions, in first-seen order.
func (b *regionBuilder) list() []escrow.Region {
	out := make([]escrow.Region, len(b.order))
	for i, id := range b.order {
		out[i] = *b.byRegion[id]
	}
	return out
}

package escrow

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"hash/maphash"
	"math/bits"
	"slices"

	"github.com/gtank/ristretto255"
)

// Opening is what a party keeps after [Commit] to reveal regions later:
// the declaration in committed order and the values derived from the
// secret. It holds secrets; it is never logged or printed. It is not safe
// for concurrent use. [Commit] with the same secret and declaration makes
// it again: the secret is all a party must keep.
type Opening struct {
	commitment *Commitment
	hash       [32]byte
	regions    []Region   // sorted by id, entries in canonical order
	counts     []uint64   // each region's warheads
	blinds     [][32]byte // each region's blinding factor
	roots      [][32]byte // each region's subtree root
	keys       *keys
}

// cheat lets the tests commit what an honest [Commit] refuses, to show that
// the checks catch it: a region's committed count off by delta, entries
// out of canonical order, or a declaration that fails validation.
type cheat struct {
	countDelta map[string]int64
	unsorted   bool
	invalid    bool
}

// Commit commits to d with the party's secret. It fails if d is not a
// valid declaration: ids, dates and categories well formed, region ids
// unique, every UID unique, at most one site entry per site in a region,
// and no region with more entries than the capacity. A Capacity of 0
// means the smallest power of two holding all of d's entries in one
// region, which hides every region's size completely (docs/escrow.md,
// "Padding"). Commit does not modify d, but the Opening may share d's
// entries: d must not change while the Opening is in use.
func Commit(secret *[SecretSize]byte, d *Declaration) (*Commitment, *Opening, error) {
	return commit(secret, d, cheat{})
}

func commit(secret *[SecretSize]byte, d *Declaration, ch cheat) (*Commitment, *Opening, error) {
	regions, capacity, err := prepare(d, ch)
	if err != nil {
		return nil, nil, err
	}
	k, err := newKeys(secret, d.Party, d.Date)
	if err != nil {
		return nil, nil, err
	}
	c := &Commitment{Party: d.Party, Date: d.Date, Capacity: capacity}
	o := &Opening{commitment: c, regions: regions, keys: k}
	blind := ristretto255.NewScalar()
	leaves := make([][32]byte, capacity) // reused by every region
	for _, r := range regions {
		b, rc := o.commitRegion(r, leaves, ch.countDelta[r.ID])
		blind.Add(blind, b)
		c.Regions = append(c.Regions, rc)
	}
	c.Total, c.Blind = sum(o.counts)+uint64(sumDelta(ch.countDelta)), encodeScalar(blind)
	c.Root = rootOf(sha256.New(), slices.Clone(o.roots))
	o.hash = c.Hash()
	return c, o, nil
}

// commitRegion computes region r's subtree root, blinding factor and count
// commitment, and records them in o.
func (o *Opening) commitRegion(r Region, leaves [][32]byte, delta int64) (blind *ristretto255.Scalar, rc RegionCommitment) {
	o.roots = append(o.roots, o.regionRoot(r, leaves))
	var count uint64
	for i := range r.Entries {
		count += r.Entries[i].Warheads()
	}
	o.counts = append(o.counts, count)
	blind = ristretto255.NewScalar().FromUniformBytes(o.keys.blind(r.ID))
	o.blinds = append(o.blinds, encodeScalar(blind))
	n := scalarOf(count)
	if delta >= 0 {
		n.Add(n, scalarOf(uint64(delta)))
	} else {
		n.Subtract(n, scalarOf(uint64(-delta)))
	}
	return blind, RegionCommitment{ID: r.ID, Count: encodeElement(pedersen(n, blind))}
}

// regionRoot returns the root of r's padded subtree, using leaves (of
// the capacity's length) as scratch.
func (o *Opening) regionRoot(r Region, leaves [][32]byte) [32]byte {
	lh := newLeafHasher()
	for i := range leaves {
		e := &Entry{}
		if i < len(r.Entries) {
			e = &r.Entries[i]
		}
		salt := o.keys.salt(r.ID, uint32(i))
		leaves[i] = lh.hash(r.ID, uint32(i), &salt, e)
	}
	return subtreeRoot(lh.h, leaves)
}

func sum(counts []uint64) (n uint64) {
	for _, c := range counts {
		n += c
	}
	return n
}

func sumDelta(m map[string]int64) (n int64) {
	for _, d := range m {
		n += d
	}
	return n
}

// prepare validates d and returns its regions sorted, with entries in
// canonical order, and the capacity.
func prepare(d *Declaration, ch cheat) ([]Region, uint32, error) {
	regions := slices.Clone(d.Regions)
	slices.SortFunc(regions, func(a, b Region) int { return cmp.Compare(a.ID, b.ID) })
	entries := 0
	for i := range regions {
		if !ch.unsorted && !slices.IsSortedFunc(regions[i].Entries, compareEntries) {
			regions[i].Entries = slices.Clone(regions[i].Entries)
			slices.SortFunc(regions[i].Entries, compareEntries)
		}
		entries = max(entries, len(regions[i].Entries))
	}
	if err := validate(d, regions); err != nil && !ch.invalid {
		return nil, 0, err
	}
	capacity := d.Capacity
	if capacity == 0 {
		capacity = uint32(1) << bits.Len(uint(max(totalEntries(regions), 1)-1))
	}
	if !validCapacity(capacity) || int(capacity) < entries {
		return nil, 0, fmt.Errorf("escrow: capacity %d: want a power of two from %d to %d", capacity, entries, MaxCapacity)
	}
	return regions, capacity, nil
}

func totalEntries(regions []Region) (n int) {
	for _, r := range regions {
		n += len(r.Entries)
	}
	return n
}

// compareEntries orders entries by site, then UID (a site's count entry,
// with no UID, first).
func compareEntries(a, b Entry) int {
	return cmp.Or(cmp.Compare(a.Site, b.Site), cmp.Compare(a.UID, b.UID))
}

// validate checks a declaration whose regions are sorted.
func validate(d *Declaration, regions []Region) error {
	if !validID(d.Party) {
		return fmt.Errorf("escrow: invalid party id %q", d.Party)
	}
	if _, err := parseDate(d.Date); err != nil {
		return fmt.Errorf("escrow: %w", err)
	}
	if len(regions) == 0 || len(regions) > MaxRegions {
		return fmt.Errorf("escrow: %d regions, want 1 to %d", len(regions), MaxRegions)
	}
	for i, r := range regions {
		if !validID(r.ID) || i > 0 && r.ID == regions[i-1].ID {
			return fmt.Errorf("escrow: region %q: invalid or repeated id", r.ID)
		}
		if err := validateRegion(r); err != nil {
			return fmt.Errorf("escrow: region %s: %w", r.ID, err)
		}
	}
	return uniqueUIDs(regions)
}

// validateRegion checks a region's entries, in canonical order.
func validateRegion(r Region) error {
	for i := range r.Entries {
		e := &r.Entries[i]
		if err := e.check(); err != nil {
			return err
		}
		if i > 0 && compareEntries(r.Entries[i-1], *e) == 0 {
			return fmt.Errorf("site %s: repeated entry %q", e.Site, e.UID)
		}
	}
	return nil
}

// uniqueUIDs checks that no UID is declared twice. It sorts 64-bit hashes
// of the UIDs, and compares the UIDs themselves only if two hashes are
// equal: a map of a million strings costs more than the whole tree.
func uniqueUIDs(regions []Region) error {
	seed := maphash.MakeSeed()
	hashes := make([]uint64, 0, totalEntries(regions))
	for _, r := range regions {
		for i := range r.Entries {
			if uid := r.Entries[i].UID; uid != "" {
				hashes = append(hashes, maphash.String(seed, uid))
			}
		}
	}
	slices.Sort(hashes)
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			return exactUniqueUIDs(regions)
		}
	}
	return nil
}

// exactUniqueUIDs is uniqueUIDs with a map, to name a repeated UID.
func exactUniqueUIDs(regions []Region) error {
	seen := map[string]string{}
	for _, r := range regions {
		for _, e := range r.Entries {
			if prev, ok := seen[e.UID]; ok && e.UID != "" {
				return fmt.Errorf("escrow: uid %s declared in regions %s and %s", e.UID, prev, r.ID)
			}
			seen[e.UID] = r.ID
		}
	}
	return nil
}

// Hash returns the Hash of the commitment o opens.
func (o *Opening) Hash() [32]byte { return o.hash }

// Reveal returns the bundle that opens region in o's commitment.
func (o *Opening) Reveal(region string) (*Reveal, error) {
	i := slices.IndexFunc(o.regions, func(r Region) bool { return r.ID == region })
	if i < 0 {
		return nil, fmt.Errorf("escrow: no region %q in the commitment", region)
	}
	r := &Reveal{Commitment: o.hash, Region: region, Count: o.counts[i], Blind: o.blinds[i]}
	r.Path = pathOf(sha256.New(), o.roots, i)
	r.Leaves = make([]Leaf, o.commitment.Capacity)
	for j := range r.Leaves {
		r.Leaves[j].Salt = o.keys.salt(region, uint32(j))
		if j < len(o.regions[i].Entries) {
			r.Leaves[j].Entry = o.regions[i].Entries[j]
		}
	}
	return r, nil
}

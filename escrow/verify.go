package escrow

import (
	"slices"

	"github.com/gtank/ristretto255"
)

// CheckCommitment checks c's total opening: the sum of the regions' count
// commitments must equal Total·G + Blind·H. It fails with [ErrTotal].
func CheckCommitment(c *Commitment) error {
	sum := ristretto255.NewElement().Zero()
	for _, r := range c.Regions {
		e := decodeElement(r.Count)
		if e == nil {
			return fail(ErrEncoding, r.ID, "count commitment is not a canonical element")
		}
		sum.Add(sum, e)
	}
	blind := decodeScalar(c.Blind)
	if blind == nil {
		return fail(ErrEncoding, "", "blind is not a canonical scalar")
	}
	if sum.Equal(pedersen(scalarOf(c.Total), blind)) != 1 {
		return fail(ErrTotal, "", "the regions' count commitments do not open to the total %d", c.Total)
	}
	return nil
}

// CheckReveal checks one reveal against c, in this order: it names c
// ([ErrCommitment]) and one of its regions ([ErrRegion]); its leaves and
// path hash to c's root ([ErrTree]); its real entries come first, in
// canonical order ([ErrOrder]); its count is its entries' ([ErrCount]);
// and the count and blinding factor open the region's count commitment
// ([ErrCountCommitment]). It does not compare reveals with each other:
// [Verify] does.
func CheckReveal(c *Commitment, r *Reveal) error {
	if r.Commitment != c.Hash() {
		return fail(ErrCommitment, r.Region, "the reveal opens another commitment")
	}
	i := c.region(r.Region)
	if i < 0 {
		return fail(ErrRegion, r.Region, "no such region in the commitment")
	}
	if err := checkTree(c, r, i); err != nil {
		return err
	}
	if err := checkOrder(r); err != nil {
		return err
	}
	return checkCount(c.Regions[i], r)
}

// checkTree checks that r's leaves, at region index i, hash to c's root.
func checkTree(c *Commitment, r *Reveal, i int) error {
	if len(r.Leaves) != int(c.Capacity) {
		return fail(ErrTree, r.Region, "%d leaves, the capacity is %d", len(r.Leaves), c.Capacity)
	}
	lh := newLeafHasher()
	hashes := make([][32]byte, len(r.Leaves))
	for j := range r.Leaves {
		hashes[j] = lh.hash(r.Region, uint32(j), &r.Leaves[j].Salt, &r.Leaves[j].Entry)
	}
	root, ok := rootFromPath(lh.h, subtreeRoot(lh.h, hashes), uint64(i), uint64(len(c.Regions)), r.Path)
	if !ok || root != c.Root {
		return fail(ErrTree, r.Region, "the revealed leaves do not hash to the committed root")
	}
	return nil
}

// checkOrder checks that r's real entries come first, in canonical order.
func checkOrder(r *Reveal) error {
	for j := 1; j < len(r.Leaves); j++ {
		a, b := &r.Leaves[j-1].Entry, &r.Leaves[j].Entry
		if b.Padding() {
			continue
		}
		if a.Padding() || compareEntries(*a, *b) >= 0 {
			return fail(ErrOrder, r.Region, "leaf %d is not in canonical order", j)
		}
	}
	return nil
}

// checkCount checks r's count against its entries and its commitment.
func checkCount(rc RegionCommitment, r *Reveal) error {
	var n uint64
	for j := range r.Leaves {
		n += r.Leaves[j].Entry.Warheads()
	}
	if n != r.Count {
		return fail(ErrCount, r.Region, "the reveal states %d warheads, its entries hold %d", r.Count, n)
	}
	blind := decodeScalar(r.Blind)
	if blind == nil {
		return fail(ErrEncoding, r.Region, "blind is not a canonical scalar")
	}
	if encodeElement(pedersen(scalarOf(n), blind)) != rc.Count {
		return fail(ErrCountCommitment, r.Region, "%d warheads do not open the region's count commitment", n)
	}
	return nil
}

// Verified is what [Verify] established: a commitment with a total that
// opens, and the regions revealed so far, each checked.
type Verified struct {
	Commitment *Commitment
	Reveals    []*Reveal         // in the order checked
	UIDs       map[string]string // every revealed UID → its region
	Revealed   uint64            // warheads in the revealed regions
}

// Verify checks c ([CheckCommitment]) and then each reveal in turn
// ([CheckReveal]), that no region is revealed twice ([ErrRegion]), that
// no UID is revealed twice across all of them ([ErrUID]), and that the
// revealed counts never exceed the total ([ErrHidden]: the regions still
// hidden would then hold a negative count). It stops at the first failure.
func Verify(c *Commitment, reveals ...*Reveal) (*Verified, error) {
	if err := CheckCommitment(c); err != nil {
		return nil, err
	}
	v := &Verified{Commitment: c, UIDs: map[string]string{}}
	for _, r := range reveals {
		if err := v.add(r); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// add checks r and adds it to v.
func (v *Verified) add(r *Reveal) error {
	if r.Commitment != v.Commitment.Hash() {
		return fail(ErrCommitment, r.Region, "the reveal opens another commitment")
	}
	if slices.ContainsFunc(v.Reveals, func(p *Reveal) bool { return p.Region == r.Region }) {
		return fail(ErrRegion, r.Region, "the region is already revealed")
	}
	if err := CheckReveal(v.Commitment, r); err != nil {
		return err
	}
	for _, l := range r.Leaves {
		if l.Entry.UID == "" {
			continue
		}
		if prev, ok := v.UIDs[l.Entry.UID]; ok {
			return fail(ErrUID, r.Region, "uid %s is also revealed in region %s", l.Entry.UID, prev)
		}
		v.UIDs[l.Entry.UID] = r.Region
	}
	v.Reveals = append(v.Reveals, r)
	v.Revealed += r.Count
	if v.Revealed > v.Commitment.Total {
		return fail(ErrHidden, r.Region, "%d warheads revealed, over the total %d: a hidden region's count is negative", v.Revealed, v.Commitment.Total)
	}
	return nil
}

// Complete reports whether every region of the commitment is revealed.
func (v *Verified) Complete() bool { return len(v.Reveals) == len(v.Commitment.Regions) }

// CheckFreeze checks the commitment against a freeze baseline: the opened
// total (the revealed counts plus the still-committed ones, which [Verify]
// showed are not negative in sum) must be at most baseline. It fails with
// [ErrFreeze].
func (v *Verified) CheckFreeze(baseline uint64) error {
	if v.Commitment.Total > baseline {
		return fail(ErrFreeze, "", "total %d is over the baseline %d (%d revealed, %d still committed)",
			v.Commitment.Total, baseline, v.Revealed, v.Commitment.Total-v.Revealed)
	}
	return nil
}

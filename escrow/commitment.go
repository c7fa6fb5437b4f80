package escrow

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
)

// commitmentMagic is the first line of a version 1 commitment encoding.
const commitmentMagic = "accord escrow commitment v1\n"

// Commitment is the public commitment to a declaration: what a party logs
// at the outset.
//
// Compatibility: the encoding (docs/escrow.md, "Commitment") is fixed by
// its first line "accord escrow commitment v1"; a v1 commitment's bytes
// never change meaning, and [ParseCommitment] accepts only the canonical
// encoding. Any change (a field, a limit, a hash) needs a new first line,
// and verifiers keep accepting v1.
type Commitment struct {
	Party    string             // party id
	Date     string             // the declaration's date, YYYY-MM-DD
	Capacity uint32             // leaves per region, a power of two up to MaxCapacity
	Root     [32]byte           // Merkle root over every region's padded subtree
	Total    uint64             // the opened total: warheads in all regions
	Blind    [32]byte           // the sum of the regions' blinding factors, a canonical scalar
	Regions  []RegionCommitment // sorted by ID, ids unique, 1 to MaxRegions
}

// RegionCommitment is a region's id and the Pedersen commitment to its
// count, count·G + blind·H, as a canonical ristretto255 encoding.
type RegionCommitment struct {
	ID    string
	Count [32]byte
}

// Marshal returns c's canonical encoding.
func (c *Commitment) Marshal() []byte {
	b := appendString([]byte(commitmentMagic), c.Party)
	b = append(b, c.Date...)
	b = binary.BigEndian.AppendUint32(b, c.Capacity)
	b = append(b, c.Root[:]...)
	b = binary.BigEndian.AppendUint64(b, c.Total)
	b = append(b, c.Blind[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.Regions)))
	for _, r := range c.Regions {
		b = append(appendString(b, r.ID), r.Count[:]...)
	}
	return b
}

// Hash returns SHA-256 of c's encoding, by which reveals and observations
// name it.
func (c *Commitment) Hash() [32]byte { return sha256.Sum256(c.Marshal()) }

// region returns the index of the region with id, or -1.
func (c *Commitment) region(id string) int {
	for i, r := range c.Regions {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// ParseCommitment decodes a commitment. It fails with [ErrEncoding] unless
// b is exactly the canonical encoding of a well-formed commitment; it does
// not check the total opening ([CheckCommitment] does).
func ParseCommitment(b []byte) (*Commitment, error) {
	r := &reader{b: b}
	if !bytes.Equal(r.bytes(len(commitmentMagic), "header"), []byte(commitmentMagic)) && r.err == nil {
		r.fail("not an escrow commitment v1")
	}
	c := &Commitment{Party: r.id("party"), Date: string(r.bytes(10, "date"))}
	if _, err := parseDate(c.Date); r.err == nil && err != nil {
		r.fail("%v", err)
	}
	c.Capacity = r.uint32("capacity")
	if r.err == nil && !validCapacity(c.Capacity) {
		r.fail("capacity %d is not a power of two from 1 to %d", c.Capacity, MaxCapacity)
	}
	c.Root, c.Total, c.Blind = r.hash("root"), r.uint64("total"), r.hash("blind")
	if r.err == nil && decodeScalar(c.Blind) == nil {
		r.fail("blind is not a canonical scalar")
	}
	c.Regions = r.regions()
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return c, nil
}

// regions reads the region count and the regions of a commitment.
func (r *reader) regions() []RegionCommitment {
	n := int(r.uint16("region count"))
	if r.err == nil && (n == 0 || n > MaxRegions) {
		r.fail("%d regions, want 1 to %d", n, MaxRegions)
	}
	var out []RegionCommitment
	for i := 0; i < n && r.err == nil; i++ {
		rc := RegionCommitment{ID: r.id("region"), Count: r.hash("count commitment")}
		if r.err == nil && i > 0 && rc.ID <= out[i-1].ID {
			r.fail("region %s out of order", rc.ID)
		}
		if r.err == nil && decodeElement(rc.Count) == nil {
			r.fail("region %s: count commitment is not a canonical element", rc.ID)
		}
		out = append(out, rc)
	}
	return out
}

func validCapacity(n uint32) bool {
	return n >= 1 && n <= MaxCapacity && bits.OnesCount32(n) == 1
}

package escrow

import (
	"bytes"
	"encoding/binary"
)

// revealMagic is the first line of a version 1 reveal encoding.
const revealMagic = "accord escrow reveal v1\n"

// Reveal is the bundle that opens one region of a commitment: every leaf
// of the region's padded subtree with its salt, the region's path to the
// root, and the opening of its count commitment.
//
// Compatibility: the encoding (docs/escrow.md, "Reveal") is fixed by its
// first line "accord escrow reveal v1"; [ParseReveal] accepts only the
// canonical encoding, and any change needs a new first line.
type Reveal struct {
	Commitment [32]byte   // the commitment's Hash
	Region     string     // the region's id
	Count      uint64     // warheads in the region
	Blind      [32]byte   // the region's blinding factor, a canonical scalar
	Path       [][32]byte // the region root's inclusion path, leaf side first
	Leaves     []Leaf     // every leaf of the region, Capacity of them
}

// Leaf is one revealed leaf: its salt and its entry (padding or real).
type Leaf struct {
	Salt  [32]byte
	Entry Entry
}

// Marshal returns r's canonical encoding.
func (r *Reveal) Marshal() []byte {
	b := append([]byte(revealMagic), r.Commitment[:]...)
	b = appendString(b, r.Region)
	b = binary.BigEndian.AppendUint64(b, r.Count)
	b = append(b, r.Blind[:]...)
	b = append(b, byte(len(r.Path)))
	for _, p := range r.Path {
		b = append(b, p[:]...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Leaves)))
	for i := range r.Leaves {
		b = appendEntry(append(b, r.Leaves[i].Salt[:]...), &r.Leaves[i].Entry)
	}
	return b
}

// ParseReveal decodes a reveal bundle. It fails with [ErrEncoding] unless
// b is exactly the canonical encoding of a well-formed bundle; what the
// bundle proves is [CheckReveal]'s.
func ParseReveal(b []byte) (*Reveal, error) {
	r := &reader{b: b}
	if !bytes.Equal(r.bytes(len(revealMagic), "header"), []byte(revealMagic)) && r.err == nil {
		r.fail("not an escrow reveal v1")
	}
	rv := &Reveal{Commitment: r.hash("commitment hash"), Region: r.id("region")}
	rv.Count, rv.Blind = r.uint64("count"), r.hash("blind")
	if r.err == nil && decodeScalar(rv.Blind) == nil {
		r.fail("blind is not a canonical scalar")
	}
	n := int(r.byte1("path length"))
	if r.err == nil && n > maxPath {
		r.fail("path of %d hashes, at most %d", n, maxPath)
	}
	for i := 0; i < n && r.err == nil; i++ {
		rv.Path = append(rv.Path, r.hash("path"))
	}
	rv.Leaves = r.leaves()
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return rv, nil
}

// leaves reads the leaf count and the leaves of a reveal.
func (r *reader) leaves() []Leaf {
	n := r.uint32("leaf count")
	if r.err == nil && !validCapacity(n) {
		r.fail("%d leaves is not a power of two from 1 to %d", n, MaxCapacity)
	}
	if r.err == nil && uint64(len(r.b)) < uint64(n)*33 {
		r.fail("truncated leaves")
	}
	if r.err != nil {
		return nil
	}
	out := make([]Leaf, n)
	for i := range out {
		out[i] = Leaf{Salt: r.hash("salt"), Entry: r.entry()}
		if r.err != nil {
			return nil
		}
	}
	return out
}

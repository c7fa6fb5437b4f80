package escrow

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// domain is the prefix of every hash input, salt and key derivation of
// version 1 (docs/escrow.md, "Domain separation").
const domain = "accord/escrow/v1"

// keys derives a commitment's salts and blinding factors from the secret:
// HKDF-SHA256 (RFC 5869) with the extract salt "accord/escrow/v1".
type keys struct {
	prk   []byte
	ctx   []byte    // enc(party) || date, in every info string
	mac   hash.Hash // HMAC-SHA256 keyed with prk, reused for every salt
	info  []byte
	party string
}

func newKeys(secret *[SecretSize]byte, party, date string) (*keys, error) {
	prk, err := hkdf.Extract(sha256.New, secret[:], []byte(domain))
	if err != nil {
		return nil, err
	}
	ctx := appendString(nil, party)
	ctx = append(ctx, date...)
	return &keys{prk: prk, ctx: ctx, mac: hmac.New(sha256.New, prk), party: party}, nil
}

// salt returns the salt of leaf i of region: HKDF-Expand(prk, info, 32)
// with info "accord/escrow/v1 salt" || 0x00 || ctx || enc(region) ||
// uint32(i). For a 32-byte output HKDF-Expand is one HMAC of info || 0x01,
// computed here with one reused HMAC state.
func (k *keys) salt(region string, i uint32) [32]byte {
	k.info = append(append(k.info[:0], domain+" salt\x00"...), k.ctx...)
	k.info = appendString(k.info, region)
	k.info = binary.BigEndian.AppendUint32(k.info, i)
	k.mac.Reset()
	k.mac.Write(k.info)
	k.mac.Write([]byte{1})
	var s [32]byte
	k.mac.Sum(s[:0])
	return s
}

// blind returns the 64 uniform bytes of region's blinding factor:
// HKDF-Expand(prk, "accord/escrow/v1 blind" || 0x00 || ctx || enc(region), 64).
func (k *keys) blind(region string) []byte {
	info := append([]byte(domain+" blind\x00"), k.ctx...)
	info = appendString(info, region)
	b, err := hkdf.Expand(sha256.New, k.prk, string(info), 64)
	if err != nil {
		panic(err) // only for lengths over 255*32
	}
	return b
}

// leafHasher computes leaf hashes with one reused SHA-256 state.
type leafHasher struct {
	h   hash.Hash
	buf []byte
}

func newLeafHasher() *leafHasher { return &leafHasher{h: sha256.New()} }

// hash returns SHA-256(0x00 || "accord/escrow/v1 leaf" || enc(region) ||
// uint32(i) || salt || entry), entry being the leaf's entry encoding.
func (l *leafHasher) hash(region string, i uint32, salt *[32]byte, e *Entry) [32]byte {
	b := append(l.buf[:0], 0)
	b = append(b, domain+" leaf"...)
	b = appendString(b, region)
	b = binary.BigEndian.AppendUint32(b, i)
	b = append(b, salt[:]...)
	b = appendEntry(b, e)
	l.buf = b
	l.h.Reset()
	l.h.Write(b)
	var out [32]byte
	l.h.Sum(out[:0])
	return out
}

// node returns SHA-256(0x01 || left || right).
func node(h hash.Hash, left, right *[32]byte) [32]byte {
	h.Reset()
	h.Write([]byte{1})
	h.Write(left[:])
	h.Write(right[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// subtreeRoot returns the root of a perfect tree over leaves (a power of
// two of them), overwriting leaves.
func subtreeRoot(h hash.Hash, leaves [][32]byte) [32]byte {
	for n := len(leaves); n > 1; n /= 2 {
		for i := 0; i < n/2; i++ {
			leaves[i] = node(h, &leaves[2*i], &leaves[2*i+1])
		}
	}
	return leaves[0]
}

// rootOf returns the RFC 6962 Merkle tree hash over region roots, with the
// region roots as the leaves' hashes (they are not hashed again).
func rootOf(h hash.Hash, roots [][32]byte) [32]byte {
	if len(roots) == 1 {
		return roots[0]
	}
	k := split(len(roots))
	l, r := rootOf(h, roots[:k]), rootOf(h, roots[k:])
	return node(h, &l, &r)
}

// split returns the largest power of two smaller than n > 1.
func split(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

// pathOf returns the RFC 6962 inclusion path of roots[i], leaf side first.
func pathOf(h hash.Hash, roots [][32]byte, i int) [][32]byte {
	if len(roots) == 1 {
		return nil
	}
	k := split(len(roots))
	if i < k {
		return append(pathOf(h, roots[:k], i), rootOf(h, roots[k:]))
	}
	return append(pathOf(h, roots[k:], i-k), rootOf(h, roots[:k]))
}

// rootFromPath returns the root that leaf at index i of n, with path,
// belongs to (the RFC 9162 verification algorithm), and false if the path's length is wrong.
func rootFromPath(h hash.Hash, leaf [32]byte, i, n uint64, path [][32]byte) ([32]byte, bool) {
	if i >= n {
		return leaf, false
	}
	fn, sn, r := i, n-1, leaf
	for _, p := range path {
		if sn == 0 {
			return r, false
		}
		if fn&1 == 1 || fn == sn {
			r = node(h, &p, &r)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = node(h, &r, &p)
		}
		fn, sn = fn>>1, sn>>1
	}
	return r, sn == 0
}

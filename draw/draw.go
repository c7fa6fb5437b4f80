// Package draw implements joint random draws: choices that neither party
// to an inspection can rig (which missile's warheads to count, which
// storage site or escrow region to open, which warhead UIDs to sample).
//
// Two parties draw together. Each commits to a 32-byte random value in
// its own accord log (a [Commit] body: the draw's id, purpose, the other
// party, the population and how many to pick, a reveal-by time, and
// [HashValue] of the value), then each reveals its value in a second entry
// (a [Reveal] body) that names the other party's commitment entry by its
// log position and leaf hash, so it cannot have been made before that
// commitment existed. The seed ([Seed]) is SHA-256 over both values and
// both commitments' log positions; [NewStream] turns it into the draws:
// [Stream.Uniform] (an integer in [0, n) without modulo bias),
// [Stream.Sample] (k distinct of n, a partial Fisher–Yates shuffle) and
// [Stream.Weighted].
//
// A party hands over a [Bundle] (its commitment and reveal, each with an
// offline receipt, c2sp.org/tlog-proof); [Check] recomputes the draw from
// the two parties' bundles and their log keys alone. Every failure is a
// [*CheckError] naming the check.
//
// Trust: neither party is trusted. A party's value is fixed in its log
// before it sees the other's (its reveal must name the other's
// commitment, and the other's reveal names its own), so neither can
// choose its value to steer the seed; the one choice left to the last to
// reveal is to withhold its reveal, which is then a finding against it
// (docs/draws.md, "Honest limits"). The logs' keys are trusted as far as
// their witnesses make them. docs/draws.md is the full specification,
// byte by byte.
package draw

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ValueSize is the size of a party's random value.
const ValueSize = 32

// Limits of version 1, checked by every parser.
const (
	MaxPopulation = 1 << 24 // the largest "of"
	MaxPick       = 1 << 12 // the largest "pick"
	MaxPurpose    = 256     // bytes of a purpose
)

// Domain separators: the first bytes hashed by [HashValue], [Seed] and
// [NewStream].
const (
	valueDomain  = "accord draw value v1\n"
	seedDomain   = "accord draw seed v1\n"
	streamDomain = "accord draw stream v1\n"
)

// TimeLayout is how a commitment's reveal-by time is written: UTC, to the
// second.
const TimeLayout = "2006-01-02T15:04:05Z"

// validID reports whether s is a draw or party id: 1 to 64 bytes of A-Z
// a-z 0-9 . _ -, the first a letter or digit (the syntax of entry's ids).
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// validPurpose reports whether s is a purpose: 1 to MaxPurpose bytes of
// printable ASCII, not starting or ending with a space.
func validPurpose(s string) bool {
	if len(s) == 0 || len(s) > MaxPurpose || strings.TrimSpace(s) != s {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// appendString appends enc(s): one length byte, then s. Every string
// hashed is at most 255 bytes (an origin is at most 136).
func appendString(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...)
}

// HashValue returns the commitment to value that the party whose log is
// origin makes for the draw id: SHA-256 of "accord draw value v1\n",
// enc(origin), enc(id) and the value. Binding the origin and the id means
// a party cannot copy the other's commitment, nor reuse one across draws.
func HashValue(origin, id string, value *[ValueSize]byte) [32]byte {
	b := appendString([]byte(valueDomain), origin)
	b = appendString(b, id)
	return sha256.Sum256(append(b, value[:]...))
}

// A Share is one party's part of a draw: its log, where its commitment
// is, and the value it revealed.
type Share struct {
	Origin string          // the party's log origin
	Index  uint64          // the index of its commitment entry
	Value  [ValueSize]byte // the value it revealed
}

// ErrShares reports two shares of one log: a draw is between two logs.
var ErrShares = errors.New("draw: a seed needs the shares of two different logs")

// Seed returns the seed of draw id from the two parties' shares, in
// either order: SHA-256 of "accord draw seed v1\n", enc(id), then for
// each share in byte order of its origin, enc(origin), the commitment's
// index as 8 bytes big-endian, and the value.
func Seed(id string, a, b Share) ([32]byte, error) {
	if a.Origin == b.Origin {
		return [32]byte{}, ErrShares
	}
	if b.Origin < a.Origin {
		a, b = b, a
	}
	buf := appendString([]byte(seedDomain), id)
	for _, s := range []Share{a, b} {
		buf = appendString(buf, s.Origin)
		buf = binary.BigEndian.AppendUint64(buf, s.Index)
		buf = append(buf, s.Value[:]...)
	}
	return sha256.Sum256(buf), nil
}

// parseTime parses a reveal-by time as version 1 writes it.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil || t.Format(TimeLayout) != s {
		return time.Time{}, fmt.Errorf("reveal_by %q is not a UTC time YYYY-MM-DDTHH:MM:SSZ", s)
	}
	return t, nil
}

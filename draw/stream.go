package draw

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// A Stream is the sequence of 64-bit words a seed gives: block i (from 0)
// is SHA-256 of "accord draw stream v1\n", the seed and i as 8 bytes
// big-endian, read as four words big-endian. Every draw takes its words
// from the stream in order, so the same seed and the same calls give the
// same results everywhere. A Stream is not safe for concurrent use.
type Stream struct {
	seed  [32]byte
	block uint64
	buf   [32]byte
	used  int // words of buf already taken, 4 when empty
}

// NewStream returns the stream of seed, at its first word.
func NewStream(seed [32]byte) *Stream {
	return &Stream{seed: seed, used: 4}
}

// Word returns the stream's next word.
func (s *Stream) Word() uint64 {
	if s.used == 4 {
		b := append([]byte(streamDomain), s.seed[:]...)
		s.buf = sha256.Sum256(binary.BigEndian.AppendUint64(b, s.block))
		s.block++
		s.used = 0
	}
	w := binary.BigEndian.Uint64(s.buf[8*s.used:])
	s.used++
	return w
}

// Uniform returns an integer uniformly in [0, n), n ≥ 1, without modulo
// bias: it takes words until one is below the largest multiple of n that
// fits in 64 bits, 2^64 − (2^64 mod n), and returns it mod n. Fewer than
// two words are taken on average for any n.
func (s *Stream) Uniform(n uint64) uint64 { return uniform(s.Word, n) }

// uniform is Uniform over any source of words.
func uniform(word func() uint64, n uint64) uint64 {
	if n == 0 {
		panic("draw: Uniform(0)")
	}
	rem := -n % n // 2^64 mod n
	for {
		if w := word(); w <= ^uint64(0)-rem {
			return w % n
		}
	}
}

// Sample returns k distinct integers of [0, n), k ≤ n, in the order
// drawn: a partial Fisher–Yates shuffle of the list 0 … n−1, where step i
// (from 0) swaps position i with position i + Uniform(n − i) and takes
// the value now at i. It keeps only the swapped positions, so it needs
// memory in k, not n.
func (s *Stream) Sample(k, n uint64) ([]uint64, error) {
	if k > n {
		return nil, fmt.Errorf("draw: cannot pick %d distinct of %d", k, n)
	}
	if k > MaxPick {
		return nil, fmt.Errorf("draw: %d picks, at most %d", k, MaxPick)
	}
	moved := make(map[uint64]uint64, 2*k)
	at := func(i uint64) uint64 {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	out := make([]uint64, k)
	for i := uint64(0); i < k; i++ {
		j := i + s.Uniform(n-i)
		out[i], moved[j] = at(j), at(i)
	}
	return out, nil
}

// ErrWeights reports weights that sum to zero or past 2^64 − 1.
var ErrWeights = errors.New("draw: weights must sum to between 1 and 2^64-1")

// Weighted returns an index i of weights with probability weights[i] /
// sum(weights): x = Uniform(sum), then the first i whose running sum of
// weights exceeds x.
func (s *Stream) Weighted(weights []uint64) (int, error) {
	var total uint64
	for _, w := range weights {
		if total+w < total {
			return 0, ErrWeights
		}
		total += w
	}
	if total == 0 {
		return 0, ErrWeights
	}
	x := s.Uniform(total)
	for i, w := range weights {
		if x < w {
			return i, nil
		}
		x -= w
	}
	panic("unreachable")
}

package draw

import (
	"crypto/sha256"
	"testing"
)

// BenchmarkDraw times the steps of a draw beside one SHA-256 of 64
// bytes, the unit every step is made of: a seed from two shares, one
// uniform integer, 3 of 42 (an RV inspection's draw) and 20 of 10^6
// (warhead UIDs sampled from a large declaration), and checking both
// parties' bundles (four receipts, four Ed25519 signatures).
func BenchmarkDraw(b *testing.B) {
	a := Share{"accord/newstart/RUS", 3, testValue("RUS")}
	c := Share{"accord/newstart/USA", 17, testValue("USA")}
	seed, _ := Seed("rv", a, c)
	b.Run("sha256-64B", func(b *testing.B) {
		var buf [64]byte
		for range b.N {
			h := sha256.Sum256(buf[:])
			copy(buf[:], h[:])
		}
	})
	b.Run("seed", func(b *testing.B) {
		for range b.N {
			Seed("rv", a, c)
		}
	})
	b.Run("uniform", func(b *testing.B) {
		for range b.N {
			NewStream(seed).Uniform(42)
		}
	})
	for _, s := range []struct {
		name    string
		pick, n uint64
	}{{"sample-3-of-42", 3, 42}, {"sample-20-of-1e6", 20, 1_000_000}} {
		b.Run(s.name, func(b *testing.B) {
			for range b.N {
				NewStream(seed).Sample(s.pick, s.n)
			}
		})
	}
	usa, rus := twoParties(b)
	ub, rb := usa.bundle(), rus.bundle()
	b.Run("check", func(b *testing.B) {
		for range b.N {
			if _, err := Check(ub, rb, usa.log.v, rus.log.v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

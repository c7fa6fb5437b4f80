package escrow

import (
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gtank/ristretto255"
)

var benchN = flag.Int("escrow.n", 1_000_000, "entries committed by BenchmarkCommit")

// benchDeclaration returns n warheads in regions of up to 62,500 entries
// (capacity 65,536), 125 warheads to a site.
func benchDeclaration(n, perRegion int) *Declaration {
	d := &Declaration{Party: "USA", Date: "2020-10-20"}
	for i := 0; i < n; i++ {
		if i%perRegion == 0 {
			d.Regions = append(d.Regions, Region{ID: fmt.Sprintf("region-%03d", i/perRegion)})
		}
		r := &d.Regions[len(d.Regions)-1]
		r.Entries = append(r.Entries, Entry{
			Site:     fmt.Sprintf("site-%05d", i/125),
			UID:      fmt.Sprintf("W-%07d", i),
			Category: Categories[i%len(Categories)],
		})
	}
	d.Capacity = uint32(1) << (32 - leadingZeros(uint32(perRegion-1)))
	return d
}

func leadingZeros(x uint32) int {
	n := 0
	for i := 31; i >= 0 && x&(1<<i) == 0; i-- {
		n++
	}
	return n
}

// BenchmarkCommit commits *benchN entries, beside the baseline: a bare
// RFC 6962 SHA-256 Merkle tree over the same entries, each with a random
// 32-byte salt, unpadded and unpartitioned.
func BenchmarkCommit(b *testing.B) {
	d := benchDeclaration(*benchN, 62_500)
	secret := testSecret("bench")
	b.Run("escrow", func(b *testing.B) {
		// Each iteration also times the baseline, off the clock, so that
		// the speed ratio compares runs under the same machine load.
		var commit, bare time.Duration
		for range b.N {
			t := time.Now()
			if _, _, err := Commit(secret, d); err != nil {
				b.Fatal(err)
			}
			commit += time.Since(t)
			b.StopTimer()
			t = time.Now()
			bareRoot(d, rand.NewChaCha8([32]byte{}))
			bare += time.Since(t)
			b.StartTimer()
		}
		b.ReportMetric(float64(*benchN)*float64(b.N)/commit.Seconds(), "entries/s")
		b.ReportMetric(bare.Seconds()/commit.Seconds(), "speed-vs-bare")
	})
	b.Run("sha256-merkle", func(b *testing.B) {
		for b.Loop() {
			bareRoot(d, rand.NewChaCha8([32]byte{}))
		}
		b.ReportMetric(float64(*benchN)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	})
}

// bareRoot is the baseline tree: SHA-256(0x00 || salt || entry) leaves,
// RFC 6962 interior nodes.
func bareRoot(d *Declaration, rnd *rand.ChaCha8) [32]byte {
	var leaves [][32]byte
	var buf []byte
	var salt [32]byte
	for _, r := range d.Regions {
		for i := range r.Entries {
			rnd.Read(salt[:])
			buf = appendEntry(append(append(buf[:0], 0), salt[:]...), &r.Entries[i])
			leaves = append(leaves, sha256.Sum256(buf))
		}
	}
	return rootOf(sha256.New(), leaves)
}

// BenchmarkPedersen commits to the counts of 1,000 regions (blinding
// factors derived from the secret, n·G + b·H) and checks the total
// opening, beside the baseline: SHA-256 hash commitments to the same
// counts with random 32-byte blinds.
func BenchmarkPedersen(b *testing.B) {
	const regions = 1000
	k, _ := newKeys(testSecret("bench"), "USA", "2020-10-20")
	b.Run("ristretto255", func(b *testing.B) {
		for b.Loop() {
			c := &Commitment{}
			blind := ristretto255.NewScalar()
			for i := range regions {
				id := fmt.Sprintf("region-%04d", i)
				bl := ristretto255.NewScalar().FromUniformBytes(k.blind(id))
				blind.Add(blind, bl)
				c.Regions = append(c.Regions, RegionCommitment{ID: id, Count: encodeElement(pedersen(scalarOf(uint64(i)), bl))})
				c.Total += uint64(i)
			}
			c.Blind = encodeScalar(blind)
			if err := CheckCommitment(c); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(regions*float64(b.N)/b.Elapsed().Seconds(), "regions/s")
	})
	b.Run("sha256", func(b *testing.B) {
		rnd := rand.NewChaCha8([32]byte{})
		for b.Loop() {
			var buf [40]byte
			for i := range regions {
				binary.BigEndian.PutUint64(buf[:8], uint64(i))
				rnd.Read(buf[8:])
				_ = sha256.Sum256(buf[:])
			}
		}
		b.ReportMetric(regions*float64(b.N)/b.Elapsed().Seconds(), "regions/s")
	})
}

// BenchmarkVerifyReveal parses and checks the reveal of a region of 10,000
// warheads (capacity 16,384), beside the baseline: the root of a bare
// salted SHA-256 Merkle tree over the same 10,000 entries.
func BenchmarkVerifyReveal(b *testing.B) {
	d := benchDeclaration(10_000, 10_000)
	c, o, err := Commit(testSecret("bench"), d)
	if err != nil {
		b.Fatal(err)
	}
	r, _ := o.Reveal(d.Regions[0].ID)
	rb := r.Marshal()
	b.Run("escrow", func(b *testing.B) {
		for b.Loop() {
			r, err := ParseReveal(rb)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Verify(c, r); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/reveal")
	})
	b.Run("sha256-merkle", func(b *testing.B) {
		for b.Loop() {
			bareRoot(d, rand.NewChaCha8([32]byte{}))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/reveal")
	})
}

package draw

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"testing"
)

// seeds is the number of seeds the distribution tests draw from.
const seeds = 100_000

// critical is the upper critical value of the chi-square distribution
// with 9 degrees of freedom at alpha = 0.005: a fair draw over ten
// outcomes exceeds it with probability 0.005. The seeds are fixed, so a
// test either always passes or always fails; the small alpha keeps a
// correct draw from failing on an unlucky choice of seeds. Source: the
// table "The Chi-Square Distribution" (row 9, column .005: 23.58935,
// docs/draws.md, "Sources"), checked against the distribution itself by
// TestCriticalValue.
const critical = 23.58935

// testSeed is seed i of the distribution tests: SHA-256 of "seed" and i.
func testSeed(i int) [32]byte {
	return sha256.Sum256(binary.BigEndian.AppendUint64([]byte("seed"), uint64(i)))
}

// chiSquare returns Pearson's statistic of counts against expected.
func chiSquare(counts []int, expected []float64) float64 {
	var x float64
	for i, c := range counts {
		d := float64(c) - expected[i]
		x += d * d / expected[i]
	}
	return x
}

func flat(n int, total float64) []float64 {
	e := make([]float64, n)
	for i := range e {
		e[i] = total / float64(n)
	}
	return e
}

// TestUniform draws one integer of [0, 10) from each of 10^5 seeds.
func TestUniform(t *testing.T) {
	counts := make([]int, 10)
	for i := range seeds {
		counts[NewStream(testSeed(i)).Uniform(10)]++
	}
	if x := chiSquare(counts, flat(10, seeds)); x > critical {
		t.Fatalf("chi-square %.2f over %.2f: %v", x, critical, counts)
	}
}

// TestSampleUniform picks 3 of 10 from each seed: each position of the
// sample is uniform over the ten, and no sample repeats a member.
func TestSampleUniform(t *testing.T) {
	counts := [3][]int{make([]int, 10), make([]int, 10), make([]int, 10)}
	for i := range seeds {
		s, err := NewStream(testSeed(i)).Sample(3, 10)
		if err != nil {
			t.Fatal(err)
		}
		if s[0] == s[1] || s[0] == s[2] || s[1] == s[2] {
			t.Fatalf("seed %d: sample %v repeats", i, s)
		}
		for p, v := range s {
			counts[p][v]++
		}
	}
	for p := range counts {
		if x := chiSquare(counts[p], flat(10, seeds)); x > critical {
			t.Errorf("position %d: chi-square %.2f over %.2f: %v", p, x, critical, counts[p])
		}
	}
}

// TestWeightedDistribution draws with weights 1 … 10 from each seed.
func TestWeightedDistribution(t *testing.T) {
	w := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	counts, want := make([]int, 10), make([]float64, 10)
	for i := range w {
		want[i] = seeds * float64(w[i]) / 55
	}
	for i := range seeds {
		k, err := NewStream(testSeed(i)).Weighted(w)
		if err != nil {
			t.Fatal(err)
		}
		counts[k]++
	}
	if x := chiSquare(counts, want); x > critical {
		t.Fatalf("chi-square %.2f over %.2f: %v", x, critical, counts)
	}
}

// TestChiSquareFindsBias checks that the test above can fail: drawing
// from one byte of each seed mod 10 (6 of the 10 outcomes get 26 of 256
// byte values, the other 4 get 25) is over the critical value.
func TestChiSquareFindsBias(t *testing.T) {
	counts := make([]int, 10)
	for i := range seeds {
		s := testSeed(i)
		counts[s[0]%10]++
	}
	if x := chiSquare(counts, flat(10, seeds)); x <= critical {
		t.Fatalf("chi-square %.2f of a biased draw is not over %.2f: %v", x, critical, counts)
	}
}

// TestUniformRejects checks the rejection of words at or past the last
// multiple of n, with a scripted source of words.
func TestUniformRejects(t *testing.T) {
	for _, tc := range []struct {
		n     uint64
		words []uint64
		want  uint64
		taken int
	}{
		{3, []uint64{1<<64 - 1, 5}, 2, 2}, // 2^64 mod 3 = 1: the last word is rejected
		{3, []uint64{1<<64 - 2, 5}, 1<<64 - 2 - (1<<64-2)/3*3, 1},
		{10, []uint64{1<<64 - 6, 1<<64 - 7, 8}, 9, 2}, // 2^64 mod 10 = 6: the top six are rejected
		{1 << 63, []uint64{1<<64 - 1}, 1<<63 - 1, 1},  // a power of two rejects nothing
		{1, []uint64{12345}, 0, 1},
	} {
		i := 0
		got := uniform(func() uint64 { i++; return tc.words[i-1] }, tc.n)
		if got != tc.want || i != tc.taken {
			t.Errorf("n %d: got %d after %d words, want %d after %d", tc.n, got, i, tc.want, tc.taken)
		}
	}
}

// TestSampleAll checks that picking n of n is a permutation, for every
// n up to 64.
func TestSampleAll(t *testing.T) {
	for n := uint64(1); n <= 64; n++ {
		s, err := NewStream(testSeed(int(n))).Sample(n, n)
		if err != nil {
			t.Fatal(err)
		}
		seen := make([]bool, n)
		for _, v := range s {
			if v >= n || seen[v] {
				t.Fatalf("n %d: %v is not a permutation", n, s)
			}
			seen[v] = true
		}
	}
	if _, err := NewStream(testSeed(0)).Sample(4, 3); err == nil {
		t.Fatal("4 of 3 drawn")
	}
	if _, err := NewStream(testSeed(0)).Weighted([]uint64{0, 0}); err == nil {
		t.Fatal("weights summing to zero drawn")
	}
	if _, err := NewStream(testSeed(0)).Weighted([]uint64{1 << 63, 1 << 63}); err == nil {
		t.Fatal("weights summing past 2^64-1 drawn")
	}
}

// chiSquareTail returns the probability that a chi-square variable with
// k degrees of freedom, k odd, exceeds x:
// erfc(√(x/2)) + √(2/π)·e^(−x/2)·Σ_{j=0}^{(k−3)/2} x^(j+1/2) / (1·3·…·(2j+1)).
func chiSquareTail(x float64, k int) float64 {
	var sum float64
	denom := 1.0
	for j := 0; j < (k-1)/2; j++ {
		denom *= float64(2*j + 1)
		sum += math.Pow(x, float64(j)+0.5) / denom
	}
	return math.Erfc(math.Sqrt(x/2)) + math.Sqrt(2/math.Pi)*math.Exp(-x/2)*sum
}

// TestCriticalValue checks the critical value from the table against the
// distribution itself, and the formula against other values of the same
// tables (1 and 3 degrees of freedom at 0.05, 9 at 0.01).
func TestCriticalValue(t *testing.T) {
	for _, c := range []struct {
		x     float64
		k     int
		alpha float64
	}{{critical, 9, 0.005}, {21.66599, 9, 0.01}, {3.84146, 1, 0.05}, {7.81473, 3, 0.05}} {
		if p := chiSquareTail(c.x, c.k); math.Abs(p-c.alpha) > 1e-6 {
			t.Errorf("P(chi-square with %d degrees of freedom > %v) = %.7f, want %v", c.k, c.x, p, c.alpha)
		}
	}
}

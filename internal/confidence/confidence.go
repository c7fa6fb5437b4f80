// Package confidence computes how much an inspection campaign proves: the
// probability that a misdeclaration of a given size would have been found
// by the samples inspected so far (docs/inspections.md, "Confidence").
//
// One inspection draws n items without replacement from a population of
// N, of which k are misdeclared (an undeclared warhead, a missile carrying
// more warheads than declared). The inspection finds the misdeclaration
// when its sample holds at least one of the k items, with probability
//
//	P = 1 − C(N−k, n) / C(N, n)
//
// (hypergeometric). Successive inspections are independent samples, so
// a campaign misses only if every inspection misses: the cumulative
// probability is 1 − ∏(1 − Pᵢ), per category and over all categories.
//
// Every function here is pure, bounded and safe for concurrent use. Every
// count is bounded by body.MaxCount, the bound on every count in accord.
package confidence

import (
	"fmt"
	"math"

	"accord/entry/body"
)

// The arguments of Detect, as an Error names them.
const (
	ArgPopulation  = "population"
	ArgMisdeclared = "misdeclared"
	ArgSample      = "sample"
)

// An Error is an argument out of its bounds. Arg is ArgPopulation,
// ArgMisdeclared or ArgSample, so that a caller can name its own field or
// flag.
type Error struct {
	Arg   string
	Value int
	Msg   string // e.g. "is more than the population, 400"
}

func (e *Error) Error() string { return fmt.Sprintf("%s %d %s", e.Arg, e.Value, e.Msg) }

// Detect returns the probability that a sample of n items, drawn without
// replacement from a population of N of which k are misdeclared, holds at
// least one misdeclared item. It is 0 when k or n is 0, and 1 when the
// sample cannot miss (k > N − n). N, k and n must be between 0 and
// body.MaxCount, with k and n at most N; otherwise the *Error names the
// argument.
func Detect(N, k, n int) (float64, error) {
	l, err := logMiss(N, k, n)
	if err != nil {
		return 0, err
	}
	return found(l), nil
}

// logMiss returns the logarithm of the probability that the sample misses
// every misdeclared item, C(N−k, n)/C(N, n), or −Inf when it cannot.
//
// The ratio is computed in the product form ∏ᵢ (1 − n/(N−i)) over the
// min(k, n) factors i < min(k, n) (the ratio is symmetric in k and n), as
// a sum of log1p terms: no binomial coefficient is ever formed, so
// nothing overflows, and a probability near 0 keeps its relative
// precision. The sum stops once it is below stopBelow, where the
// probability of a miss is already below half a float64 epsilon: at most
// about √(40·N) terms (2·10⁵ for N = 10⁹).
func logMiss(N, k, n int) (float64, error) {
	if err := check(N, k, n); err != nil {
		return 0, err
	}
	if k > N-n {
		return math.Inf(-1), nil
	}
	m, other := min(k, n), max(k, n)
	sum := 0.0
	for i := range m {
		sum += math.Log1p(-float64(other) / float64(N-i))
		if sum < stopBelow {
			break
		}
	}
	return sum, nil
}

// stopBelow is the log of a miss probability small enough that
// 1 − e^stopBelow rounds to 1 in float64 (e⁻⁴⁰ ≈ 4·10⁻¹⁸).
const stopBelow = -40

func check(N, k, n int) error {
	switch {
	case N < 0:
		return &Error{ArgPopulation, N, "is negative"}
	case N > body.MaxCount:
		return &Error{ArgPopulation, N, fmt.Sprintf("is more than %d, the largest count accord accepts", body.MaxCount)}
	case k < 0:
		return &Error{ArgMisdeclared, k, "is negative"}
	case k > N:
		return &Error{ArgMisdeclared, k, fmt.Sprintf("is more than the population, %d", N)}
	case n < 0:
		return &Error{ArgSample, n, "is negative"}
	case n > N:
		return &Error{ArgSample, n, fmt.Sprintf("is more than the population, %d", N)}
	}
	return nil
}

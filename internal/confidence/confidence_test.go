package confidence

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"accord/entry/body"
	"accord/internal/treaty"
)

// exact returns 1 − C(N−k, n)/C(N, n) computed exactly with math/big and
// rounded once to the nearest float64: an independent computation of
// what Detect computes in floating point.
func exact(N, k, n int) float64 {
	var miss big.Rat
	miss.SetFrac(new(big.Int).Binomial(int64(N-k), int64(n)), new(big.Int).Binomial(int64(N), int64(n)))
	f, _ := new(big.Rat).Sub(big.NewRat(1, 1), &miss).Float64()
	return f
}

// close reports whether got is within the error Detect allows itself of
// want: 1e-12 absolute, and 1e-9 relative for small probabilities.
func close(got, want float64) bool {
	d := math.Abs(got - want)
	return d <= 1e-12 || d <= 1e-9*want
}

func TestDetect(t *testing.T) {
	cases := []struct {
		N, k, n int
		want    float64 // -1: compare with exact only
	}{
		{400, 20, 18, -1},               // the worked example of docs/inspections.md: 0.6109…
		{400, 0, 18, 0},                 // nothing misdeclared: never found
		{400, 20, 0, 0},                 // nothing sampled
		{0, 0, 0, 0},                    // an empty population
		{400, 20, 400, 1},               // everything sampled
		{400, 1, 400, 1},                // one item, everything sampled
		{400, 20, 381, 1},               // k > N − n: the sample cannot miss
		{400, 20, 380, -1},              // k = N − n: it can, barely
		{400, 400, 1, 1},                // everything misdeclared
		{1, 1, 1, 1},                    // one item
		{2, 1, 1, 0.5},                  // a coin
		{10, 3, 4, -1},                  // small
		{18, 1, 1, -1},                  // one of a year's 18 inspections
		{100, 10, 91, 1},                // k > N − n again
		{100, 10, 90, -1},               // k = N − n: 1 − 1/C(100, 10)
		{1000000, 1, 1, -1},             // large N: 10⁻⁶
		{1000000, 1, 1000000, 1},        // large N, n = N
		{1000000, 0, 999999, 0},         // large N, k = 0
		{1000000, 1000, 500, -1},        // large N, a few hundred sampled
		{1000000, 10, 2000, -1},         // large N, a small misdeclaration
		{1000000, 2000, 3000, -1},       // large N, P ≈ 1 − e⁻⁶
		{1000000, 20000, 5000, -1},      // large N: the sum stops early, P rounds to 1
		{1000000, 5, 999996, 1},         // large N, k > N − n: certain
		{1000000, 5, 999995, -1},        // large N, k = N − n
		{body.MaxCount, 1, 1, -1},       // the largest population: 10⁻⁹
		{body.MaxCount, 1000, 1000, -1}, // the largest population, 10⁻³ each
	}
	for _, c := range cases {
		got, err := Detect(c.N, c.k, c.n)
		if err != nil {
			t.Errorf("Detect(%d, %d, %d): %v", c.N, c.k, c.n, err)
			continue
		}
		if c.want >= 0 && (got != c.want || math.Signbit(got)) {
			t.Errorf("Detect(%d, %d, %d) = %v, want exactly %v", c.N, c.k, c.n, got, c.want)
		}
		if want := exact(c.N, c.k, c.n); !close(got, want) {
			t.Errorf("Detect(%d, %d, %d) = %.17g, exactly %.17g", c.N, c.k, c.n, got, want)
		}
	}
}

// TestDetectExample pins the worked example of the issue and of
// docs/inspections.md: 400 items, 20 misdeclared, 18 sampled give 0.61.
func TestDetectExample(t *testing.T) {
	got, err := Detect(400, 20, 18)
	if err != nil || math.Round(got*100)/100 != 0.61 {
		t.Fatalf("Detect(400, 20, 18) = %v, %v; want 0.61 to two places", got, err)
	}
}

// TestDetectSmall compares Detect with the exact value for every
// (N, k, n) with N up to 40.
func TestDetectSmall(t *testing.T) {
	for N := 0; N <= 40; N++ {
		for k := 0; k <= N; k++ {
			for n := 0; n <= N; n++ {
				got, err := Detect(N, k, n)
				if want := exact(N, k, n); err != nil || !close(got, want) {
					t.Fatalf("Detect(%d, %d, %d) = %v, %v; exactly %v", N, k, n, got, err, want)
				}
			}
		}
	}
}

func TestDetectBounds(t *testing.T) {
	cases := []struct {
		N, k, n int
		arg     string
		msg     string
	}{
		{-1, 0, 0, ArgPopulation, "population -1 is negative"},
		{body.MaxCount + 1, 0, 0, ArgPopulation, "population 1000000001 is more than 1000000000, the largest count accord accepts"},
		{400, -1, 18, ArgMisdeclared, "misdeclared -1 is negative"},
		{400, 401, 18, ArgMisdeclared, "misdeclared 401 is more than the population, 400"},
		{400, 20, -1, ArgSample, "sample -1 is negative"},
		{400, 20, 401, ArgSample, "sample 401 is more than the population, 400"},
		{math.MinInt, math.MaxInt, math.MaxInt, ArgPopulation, ""},
		{math.MaxInt, 0, 0, ArgPopulation, ""},
	}
	for _, c := range cases {
		p, err := Detect(c.N, c.k, c.n)
		var e *Error
		if !errors.As(err, &e) || e.Arg != c.arg || p != 0 {
			t.Errorf("Detect(%d, %d, %d) = %v, %v; want an error naming %s", c.N, c.k, c.n, p, err, c.arg)
			continue
		}
		if c.msg != "" && err.Error() != c.msg {
			t.Errorf("Detect(%d, %d, %d): %q, want %q", c.N, c.k, c.n, err, c.msg)
		}
	}
}

func TestCampaign(t *testing.T) {
	d := treaty.MustDate
	ins := []Inspection{
		{Date: d("2012-03-01"), Category: "warhead", Population: 400, Misdeclared: 20, Sample: 18},
		{Date: d("2011-06-01"), Category: "warhead", Population: 400, Misdeclared: 20, Sample: 18},
		{Date: d("2011-09-01"), Category: "icbm", Population: 10, Misdeclared: 0, Sample: 10},
		{Date: d("2011-09-01"), Category: "icbm", Population: 10, Misdeclared: 1, Sample: 5},
	}
	steps, err := Campaign(ins)
	if err != nil {
		t.Fatal(err)
	}
	p := exact(400, 20, 18)
	want := []struct {
		date                       string
		detect, category, anywhere float64
	}{
		{"2011-06-01", p, p, p},
		{"2011-09-01", 0, 0, p},                 // nothing misdeclared: proves nothing
		{"2011-09-01", 0.5, 0.5, 1 - (1-p)*0.5}, // in the order given
		{"2012-03-01", p, 1 - (1-p)*(1-p), 1 - (1-p)*(1-p)*0.5},
	}
	if len(steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(steps), len(want))
	}
	for i, w := range want {
		s := steps[i]
		if s.Date.String() != w.date || !close(s.Detect, w.detect) || !close(s.CategoryCumulative, w.category) || !close(s.Cumulative, w.anywhere) {
			t.Errorf("step %d = %s %v/%v/%v, want %s %v/%v/%v", i, s.Date, s.Detect, s.CategoryCumulative, s.Cumulative, w.date, w.detect, w.category, w.anywhere)
		}
	}
	if steps[2].Misdeclared != 1 || steps[1].Misdeclared != 0 {
		t.Errorf("inspections on the same date were reordered: %+v", steps[1:3])
	}
}

func TestCampaignCertain(t *testing.T) {
	steps, err := Campaign([]Inspection{{Population: 10, Misdeclared: 5, Sample: 6}, {Population: 10, Misdeclared: 1, Sample: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Cumulative != 1 || steps[1].Cumulative != 1 || steps[1].Detect != 0.1 {
		t.Errorf("a certain detection is not kept: %+v", steps)
	}
}

func TestCampaignBounds(t *testing.T) {
	_, err := Campaign([]Inspection{{Population: 10, Sample: 1}, {Population: 10, Misdeclared: 11, Sample: 1}})
	var e *Error
	if !errors.As(err, &e) || e.Arg != ArgMisdeclared || err.Error() != "inspection 1: misdeclared 11 is more than the population, 10" {
		t.Errorf("Campaign with a bad inspection: %v", err)
	}
	steps, err := Campaign(make([]Inspection, MaxInspections+1))
	if err == nil || steps != nil {
		t.Errorf("Campaign of %d inspections: %v, %v; want an error", MaxInspections+1, len(steps), err)
	}
	if steps, err := Campaign(nil); err != nil || len(steps) != 0 {
		t.Errorf("Campaign(nil) = %v, %v", steps, err)
	}
}

// BenchmarkDetect measures Detect at the worst case of its product form,
// the largest population with k = n near √(40·N), where the sum of logs
// runs longest before it may stop, and at the worked example.
func BenchmarkDetect(b *testing.B) {
	for _, c := range []struct {
		name    string
		N, k, n int
	}{
		{"example", 400, 20, 18},
		{"worst", body.MaxCount, 200_000, 200_000},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Detect(c.N, c.k, c.n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

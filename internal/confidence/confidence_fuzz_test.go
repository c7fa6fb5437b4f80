package confidence

import (
	"errors"
	"testing"

	"accord/entry/body"
)

// FuzzDetect checks Detect on any arguments: an error exactly when an
// argument is out of bounds, otherwise a probability that is 0 and 1
// exactly where it must be, grows with the sample and with the
// misdeclaration, and (for small populations) equals the exact value.
func FuzzDetect(f *testing.F) {
	f.Add(400, 20, 18)
	f.Add(0, 0, 0)
	f.Add(body.MaxCount, 1000, 1000)
	f.Add(body.MaxCount, 500_000_000, 400_000_000)
	f.Add(-1, 0, 0)
	f.Add(10, 11, 1)
	f.Fuzz(func(t *testing.T, N, k, n int) {
		p, err := Detect(N, k, n)
		valid := N >= 0 && N <= body.MaxCount && k >= 0 && k <= N && n >= 0 && n <= N
		var e *Error
		if !valid {
			if !errors.As(err, &e) || p != 0 {
				t.Fatalf("Detect(%d, %d, %d) = %v, %v; want an *Error", N, k, n, p, err)
			}
			return
		}
		if err != nil || p < 0 || p > 1 {
			t.Fatalf("Detect(%d, %d, %d) = %v, %v", N, k, n, p, err)
		}
		switch {
		case k == 0 || n == 0:
			if p != 0 {
				t.Fatalf("Detect(%d, %d, %d) = %v, want 0", N, k, n, p)
			}
		case k > N-n:
			if p != 1 {
				t.Fatalf("Detect(%d, %d, %d) = %v, want 1", N, k, n, p)
			}
		}
		if n < N {
			if q, _ := Detect(N, k, n+1); q < p-1e-12 {
				t.Fatalf("Detect(%d, %d, %d) = %v, less than with one fewer sampled (%v)", N, k, n+1, q, p)
			}
		}
		if k < N {
			if q, _ := Detect(N, k+1, n); q < p-1e-12 {
				t.Fatalf("Detect(%d, %d, %d) = %v, less than with one fewer misdeclared (%v)", N, k+1, n, q, p)
			}
		}
		if N <= 200 {
			if want := exact(N, k, n); !close(p, want) {
				t.Fatalf("Detect(%d, %d, %d) = %.17g, exactly %.17g", N, k, n, p, want)
			}
		}
	})
}

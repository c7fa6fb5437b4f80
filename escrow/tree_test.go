package escrow

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"accord/escrow/internal/indep"
)

// TestTreeSizes reveals every region of commitments of 1 to 40 regions
// (capacities 1 and 4), and checks that each path hash flipped in turn,
// a path one hash short or one too long, and a reveal at another region's
// index all fail the tree check.
func TestTreeSizes(t *testing.T) {
	for n := 1; n <= 40; n++ {
		for _, capacity := range []uint32{1, 4} {
			d := &Declaration{Party: "P", Date: "2020-10-20", Capacity: capacity}
			for i := range n {
				d.Regions = append(d.Regions, Region{ID: fmt.Sprintf("r%02d", i), Entries: []Entry{
					{Site: "s", UID: fmt.Sprintf("u%02d", i), Category: Retired}}})
			}
			c, o, err := Commit(testSecret("P"), d)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range d.Regions {
				checkPaths(t, c, o, r.ID)
			}
		}
	}
}

func checkPaths(t *testing.T, c *Commitment, o *Opening, region string) {
	t.Helper()
	r, _ := o.Reveal(region)
	if err := CheckReveal(c, r); err != nil {
		t.Fatalf("%d regions, %s: %v", len(c.Regions), region, err)
	}
	for i := range r.Path {
		r.Path[i][i%32] ^= 0x40
		if err := CheckReveal(c, r); !errors.Is(err, ErrTree) {
			t.Fatalf("%d regions, %s: path hash %d flipped: %v", len(c.Regions), region, i, err)
		}
		r.Path[i][i%32] ^= 0x40
	}
	path := r.Path
	r.Path = append(slices.Clone(path), [32]byte{7})
	if err := CheckReveal(c, r); !errors.Is(err, ErrTree) {
		t.Fatalf("%d regions, %s: a path one hash too long: %v", len(c.Regions), region, err)
	}
	if len(path) > 0 {
		r.Path = path[:len(path)-1]
		if err := CheckReveal(c, r); !errors.Is(err, ErrTree) {
			t.Fatalf("%d regions, %s: a path one hash short: %v", len(c.Regions), region, err)
		}
	}
}

// TestDifferential checks random declarations, reveals and single-byte
// changes with both verifiers: they must agree on every verdict and on the
// check that fails first.
func TestDifferential(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := range 60 {
		d := randomDeclaration(rnd, round)
		c, o, err := Commit(testSecret(fmt.Sprint(round)), d)
		if err != nil {
			t.Fatal(err)
		}
		in := &indep.Input{Commitment: c.Marshal()}
		for _, i := range rnd.Perm(len(d.Regions))[:1+rnd.IntN(len(d.Regions))] {
			r, _ := o.Reveal(c.Regions[i].ID)
			in.Reveals = append(in.Reveals, r.Marshal())
		}
		compare(t, fmt.Sprintf("round %d", round), in)
		for range 20 {
			b := in.Commitment
			if k := rnd.IntN(len(in.Reveals) + 1); k < len(in.Reveals) {
				b = in.Reveals[k]
			}
			i, x := rnd.IntN(len(b)), byte(1+rnd.IntN(255))
			b[i] ^= x
			compare(t, fmt.Sprintf("round %d, byte %d ^ %#x", round, i, x), in)
			b[i] ^= x
		}
	}
}

func randomDeclaration(rnd *rand.Rand, round int) *Declaration {
	d := &Declaration{Party: "P", Date: "2020-10-20"}
	for i := range 1 + rnd.IntN(9) {
		r := Region{ID: fmt.Sprintf("r%d", i)}
		for j := range rnd.IntN(6) {
			site := fmt.Sprintf("s%d", rnd.IntN(3))
			if rnd.IntN(3) == 0 {
				r.Entries = append(r.Entries, Entry{Site: fmt.Sprintf("c%d-%d", j, i), Counts: map[Category]uint32{
					Categories[rnd.IntN(5)]: uint32(rnd.IntN(100))}})
				continue
			}
			r.Entries = append(r.Entries, Entry{Site: site, UID: fmt.Sprintf("u%d-%d-%d", round, i, j), Category: Categories[rnd.IntN(5)]})
		}
		d.Regions = append(d.Regions, r)
	}
	return d
}

// compare runs both verifiers on in.
func compare(t *testing.T, what string, in *indep.Input) {
	t.Helper()
	var got string
	err := func() error {
		c, err := ParseCommitment(in.Commitment)
		if err != nil {
			return err
		}
		var rs []*Reveal
		for _, b := range in.Reveals {
			r, err := ParseReveal(b)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		_, err = Verify(c, rs...)
		return err
	}()
	var ce *CheckError
	if errors.As(err, &ce) {
		got = ce.Check
	}
	if want := indep.Verify(in); got != want {
		t.Fatalf("%s: escrow says %q (%v), the independent verifier %q", what, got, err, want)
	}
}

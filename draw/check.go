package draw

import (
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// A Side is one party's part in a checked draw.
type Side struct {
	Party       string    `json:"party"`
	Origin      string    `json:"origin"`
	CommitIndex uint64    `json:"commit_index"`
	RevealIndex uint64    `json:"reveal_index"`
	Revealed    time.Time `json:"revealed"` // the reveal entry's created time
	Late        bool      `json:"late"`     // revealed after the reveal-by time: a finding
}

// A Result is a draw [Check] recomputed: its terms, both sides, the seed
// and the picks, in the order drawn.
type Result struct {
	ID       string    `json:"draw"`
	Purpose  string    `json:"purpose"`
	Of       uint64    `json:"of"`
	Pick     uint64    `json:"pick"`
	RevealBy time.Time `json:"reveal_by"`
	Sides    [2]Side   `json:"sides"` // in byte order of origin
	Seed     [32]byte  `json:"-"`
	Picks    []uint64  `json:"picks"`
}

// A Logged draw is one party's entries of a draw, as its log holds them:
// what [Combine] joins with the other party's.
type Logged struct {
	Party       string
	Commit      *Commit
	CommitRef   Ref       // the commitment entry
	Reveal      *Reveal   // nil if the party has not revealed
	RevealIndex uint64    // the reveal entry's index
	Revealed    time.Time // the reveal entry's created time
}

// Check recomputes the draw of bundles a and b, given in either order,
// with keys, the verifier keys of the two parties' logs: the check log
// first (every receipt proves its entry is in the log whose key has the
// entry's origin as name; the commitment comes before the reveal of the
// same draw), then withheld (both parties revealed), value (each value
// hashes to its commitment), terms (the two commitments are to the same
// draw, each naming the other party), and peer (each reveal names the
// other's commitment entry). Every failure is a [*CheckError].
func Check(a, b *Bundle, keys ...note.Verifier) (*Result, error) {
	la, err := checkLog(a, keys)
	if err != nil {
		return nil, err
	}
	lb, err := checkLog(b, keys)
	if err != nil {
		return nil, err
	}
	return Combine(la, lb)
}

// Combine applies the checks withheld, value, terms and peer of [Check]
// to two parties' logged entries of a draw, in either order, and
// computes the draw. A node that holds both logs calls it directly.
func Combine(a, b *Logged) (*Result, error) {
	if b.CommitRef.Origin < a.CommitRef.Origin {
		a, b = b, a
	}
	for _, check := range []func(x, y *Logged) error{checkWithheld, checkValue, checkTerms, checkPeer} {
		if err := check(a, b); err != nil {
			return nil, err
		}
		if err := check(b, a); err != nil {
			return nil, err
		}
	}
	return result(a, b)
}

// checkLog checks a bundle's receipts and parses its bodies.
func checkLog(b *Bundle, keys []note.Verifier) (*Logged, error) {
	e, body, ref, err := loggedBody(b.Commit, keys)
	if err != nil {
		return nil, err
	}
	if body.Commit == nil {
		return nil, fail(ErrLog, body.Reveal.ID, "entry %d of %s is a reveal, not a commitment", ref.Index, ref.Origin)
	}
	l := &Logged{Party: e.Party, Commit: body.Commit, CommitRef: ref}
	if b.Reveal == nil {
		return l, nil
	}
	re, rb, rref, err := loggedBody(b.Reveal, keys)
	switch {
	case err != nil:
		return nil, err
	case rref.Origin != ref.Origin:
		return nil, fail(ErrLog, l.Commit.ID, "the reveal is an entry of %s, the commitment of %s", rref.Origin, ref.Origin)
	case rb.Reveal == nil || rb.Reveal.ID != l.Commit.ID:
		return nil, fail(ErrLog, l.Commit.ID, "entry %d of %s is not a reveal of this draw", rref.Index, rref.Origin)
	case rref.Index <= ref.Index:
		return nil, fail(ErrLog, l.Commit.ID, "the reveal, entry %d, is not after the commitment, entry %d", rref.Index, ref.Index)
	}
	l.Reveal, l.RevealIndex, l.Revealed = rb.Reveal, rref.Index, re.Created
	return l, nil
}

// loggedBody checks a receipt with the key named by its entry's origin,
// and parses the entry's draw body.
func loggedBody(rc *entry.Receipt, keys []note.Verifier) (*entry.Entry, *Body, Ref, error) {
	ref := Ref{Index: rc.Index}
	e, _, err := entry.Parse(rc.Entry)
	if err != nil {
		return nil, nil, ref, fail(ErrLog, "", "entry %d: %v", rc.Index, err)
	}
	ref.Origin = e.Origin()
	v := keyFor(keys, ref.Origin)
	if v == nil {
		return nil, nil, ref, fail(ErrLog, "", "entry %d is of %s, and no key of that log was given", rc.Index, ref.Origin)
	}
	if e, _, err = entry.CheckReceipt(rc, v, nil); err != nil {
		return nil, nil, ref, fail(ErrLog, "", "entry %d is not proven in %s's log: %v", rc.Index, ref.Origin, err)
	}
	if e.Kind != entry.Commitment || !Match(e.Body) {
		return nil, nil, ref, fail(ErrLog, "", "entry %d of %s is not a draw entry", rc.Index, ref.Origin)
	}
	body, err := ParseBody(e.Body)
	if err != nil {
		return nil, nil, ref, err
	}
	ref.LeafHash = entry.LeafHash(rc.Entry)
	return e, body, ref, nil
}

func keyFor(keys []note.Verifier, origin string) note.Verifier {
	for _, v := range keys {
		if v.Name() == origin {
			return v
		}
	}
	return nil
}

func checkWithheld(x, _ *Logged) error {
	if x.Reveal == nil {
		return fail(ErrWithheld, x.Commit.ID, "%s committed as entry %d of %s and no reveal of it is held", x.Party, x.CommitRef.Index, x.CommitRef.Origin)
	}
	return nil
}

func checkValue(x, _ *Logged) error {
	if HashValue(x.CommitRef.Origin, x.Commit.ID, &x.Reveal.Value) != x.Commit.ValueHash {
		return fail(ErrValue, x.Commit.ID, "%s's value, entry %d, is not the one its commitment, entry %d, hashes", x.Party, x.RevealIndex, x.CommitRef.Index)
	}
	return nil
}

func checkTerms(x, y *Logged) error {
	cx, cy := x.Commit, y.Commit
	switch {
	case x.CommitRef.Origin == y.CommitRef.Origin:
		return fail(ErrTerms, cx.ID, "both bundles are of %s: a draw is between two parties", x.CommitRef.Origin)
	case cx.ID != cy.ID:
		return fail(ErrTerms, cx.ID, "%s commits to draw %s, %s to draw %s", x.Party, cx.ID, y.Party, cy.ID)
	case cx.With != y.Party:
		return fail(ErrTerms, cx.ID, "%s's commitment is with %s, not %s", x.Party, cx.With, y.Party)
	case cx.Purpose != cy.Purpose || cx.Of != cy.Of || cx.Pick != cy.Pick || !cx.RevealBy.Equal(cy.RevealBy):
		return fail(ErrTerms, cx.ID, "the two commitments differ in purpose, of, pick or reveal_by")
	}
	return nil
}

func checkPeer(x, y *Logged) error {
	if x.Reveal.Peer != y.CommitRef {
		return fail(ErrPeer, x.Commit.ID, "%s's reveal, entry %d, names %s#%d, not %s's commitment %s#%d",
			x.Party, x.RevealIndex, x.Reveal.Peer.Origin, x.Reveal.Peer.Index, y.Party, y.CommitRef.Origin, y.CommitRef.Index)
	}
	return nil
}

// result computes the seed and the picks of a checked draw.
func result(a, b *Logged) (*Result, error) {
	c := a.Commit
	seed, err := Seed(c.ID, Share{a.CommitRef.Origin, a.CommitRef.Index, a.Reveal.Value}, Share{b.CommitRef.Origin, b.CommitRef.Index, b.Reveal.Value})
	if err != nil {
		return nil, err
	}
	picks, err := NewStream(seed).Sample(c.Pick, c.Of)
	if err != nil {
		return nil, err
	}
	r := &Result{ID: c.ID, Purpose: c.Purpose, Of: c.Of, Pick: c.Pick, RevealBy: c.RevealBy, Seed: seed, Picks: picks}
	for i, l := range []*Logged{a, b} {
		r.Sides[i] = Side{Party: l.Party, Origin: l.CommitRef.Origin, CommitIndex: l.CommitRef.Index, RevealIndex: l.RevealIndex,
			Revealed: l.Revealed, Late: l.Revealed.After(c.RevealBy)}
	}
	return r, nil
}

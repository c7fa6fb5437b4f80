package office

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"accord/draw"
	"accord/entry"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// DrawDir holds the party's value for each draw it committed to, as
// DIR/draw/<id>.value (64 hex digits), until it reveals.
//
// Trust: a value is secret until its reveal, and trusted: whoever reads
// it before then and also controls the other party's value could steer
// the draw. It is for the node's user alone (mode 0600 in a 0700
// directory). Losing it before the reveal makes the reveal impossible,
// which is a finding against the party (docs/draws.md): back it up with
// the data directory.
const DrawDir = "draw"

// A DrawStep is where a draw step landed: the entry appended (or found
// already logged), and the party's bundle so far.
type DrawStep struct {
	Draw   string       `json:"draw"`
	Step   string       `json:"step"`  // draw.StepCommit or draw.StepReveal
	Index  uint64       `json:"index"` // the step's entry
	Again  bool         `json:"again"` // already logged: nothing appended
	Bundle *draw.Bundle `json:"-"`
}

// DrawCommit commits the node's party to a fresh random value for the
// draw whose terms c states (c.ValueHash is ignored): it keeps the value
// in DIR/draw/, then appends the commitment effective on the given date
// (today if none). A draw already committed is refused, as are terms the
// treaty database refuses; both change nothing.
func (o *Office) DrawCommit(ctx context.Context, c draw.Commit, effective Given) (*DrawStep, error) {
	day, err := o.drawDay(effective)
	if err != nil {
		return nil, err
	}
	if side, err := o.ownDraw(ctx, c.ID); err != nil || side != nil {
		if err == nil {
			err = inputErrorf("draw %s is already committed as entry %d of %s", c.ID, side.Commit.Index, o.Node.Origin())
		}
		return nil, err
	}
	if _, ok := o.Treaty.Party(c.With); !ok || c.With == o.Node.Config.Party {
		return nil, inputErrorf("--with: %q is not another party to %s", c.With, o.Treaty.ID)
	}
	if _, err := draw.ParseBody((&draw.Body{Commit: &c}).Marshal()); err != nil {
		return nil, &InputError{Err: err} // before the id names a file
	}
	if now := o.now().UTC(); !c.RevealBy.After(now) {
		return nil, inputErrorf("--reveal-by %s is not after now, %s", c.RevealBy.Format(draw.TimeLayout), now.Format(draw.TimeLayout))
	}
	value, err := o.drawValue(c.ID)
	if err != nil {
		return nil, err
	}
	c.ValueHash = draw.HashValue(o.Node.Origin(), c.ID, value)
	index, err := o.appendDraw(ctx, (&draw.Body{Commit: &c}).Marshal(), day)
	if err != nil {
		return nil, err
	}
	return o.drawStep(ctx, c.ID, draw.StepCommit, index, false)
}

// DrawReveal reveals the party's value for draw id, naming the other
// party's commitment: the one the treaty database holds (from the peer's
// mirrored log) or, if given, peer, the receipt of that commitment
// checked with the peer's log key (peerKey, or the key of the peer in the
// node's configuration). The other party's commitment must be to the
// same terms, with this party. A draw already revealed is not logged
// again; its bundle is made anew. Refusals change nothing.
func (o *Office) DrawReveal(ctx context.Context, id string, peer *entry.Receipt, peerKey note.Verifier, effective Given) (*DrawStep, error) {
	side, err := o.ownDraw(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case side == nil:
		return nil, inputErrorf("%s's log holds no commitment to draw %s: commit first (accord inspect draw commit)", o.Node.Config.Party, id)
	case side.Reveal != nil:
		return o.drawStep(ctx, id, draw.StepReveal, side.Reveal.Index, true)
	}
	day, err := o.drawDay(effective)
	if err != nil {
		return nil, err
	}
	ref, err := o.peerCommit(ctx, side, peer, peerKey)
	if err != nil {
		return nil, err
	}
	value, err := o.keptValue(id, side)
	if err != nil {
		return nil, err
	}
	b := (&draw.Body{Reveal: &draw.Reveal{ID: id, Peer: ref, Value: *value}}).Marshal()
	index, err := o.appendDraw(ctx, b, day)
	if err != nil {
		return nil, err
	}
	return o.drawStep(ctx, id, draw.StepReveal, index, false)
}

// drawStep returns the step at index with the party's bundle of draw id.
func (o *Office) drawStep(ctx context.Context, id, step string, index uint64, again bool) (*DrawStep, error) {
	side, err := o.ownDraw(ctx, id)
	if err != nil {
		return nil, err
	}
	src, v := o.Node.Source(), o.Node.Verifier
	b := &draw.Bundle{}
	if b.Commit, err = ledger.Prove(ctx, src, v, side.Commit.Index); err != nil {
		return nil, err
	}
	if side.Reveal != nil {
		if b.Reveal, err = ledger.Prove(ctx, src, v, side.Reveal.Index); err != nil {
			return nil, err
		}
	}
	return &DrawStep{Draw: id, Step: step, Index: index, Again: again, Bundle: b}, nil
}

// drawDay is the given date, or today, within the treaty's life.
func (o *Office) drawDay(effective Given) (treaty.Date, error) {
	day, err := effective.date()
	if err != nil {
		return day, err
	}
	if day.IsZero() {
		day = treaty.DateOf(o.now().UTC())
	}
	if err := withinLife(o.Treaty, day); err != nil {
		return day, prefixed(givenName(effective, "effective date"), err)
	}
	return day, nil
}

// ownDraw returns the party's side of draw id, or nil.
func (o *Office) ownDraw(ctx context.Context, id string) (*registry.DrawSide, error) {
	if err := o.Sync(ctx); err != nil {
		return nil, err
	}
	sides, err := o.Registry.Draw(ctx, id, o.now().UTC())
	if err != nil {
		return nil, err
	}
	for i := range sides {
		if sides[i].Party == o.Node.Config.Party {
			return &sides[i], nil
		}
	}
	return nil, nil
}

// peerCommit returns the other party's commitment to side's draw, from
// the treaty database or from the receipt rc, and checks its terms.
func (o *Office) peerCommit(ctx context.Context, side *registry.DrawSide, rc *entry.Receipt, key note.Verifier) (draw.Ref, error) {
	t := side.Terms
	if rc != nil {
		return o.givenCommit(t, rc, key)
	}
	sides, err := o.Registry.Draw(ctx, t.ID, o.now().UTC())
	if err != nil {
		return draw.Ref{}, err
	}
	for _, p := range sides {
		if p.Party == t.With {
			c := p.Commit
			return draw.Ref{Origin: c.Origin, Index: c.Index, LeafHash: c.LeafHash}, sameTerms(t, p.Terms, o.Node.Config.Party, c.String())
		}
	}
	return draw.Ref{}, inputErrorf("draw %s: %s's commitment is not in the logs this node holds: give the bundle it wrote with --peer", t.ID, t.With)
}

// givenCommit checks rc, a receipt of the other party's commitment.
func (o *Office) givenCommit(t *draw.Commit, rc *entry.Receipt, key note.Verifier) (draw.Ref, error) {
	origin := entry.Origin(o.Treaty.ID, t.With)
	if key == nil {
		for _, p := range o.Node.Config.Peers {
			if p.Party == t.With {
				key, _ = note.NewVerifier(p.LogVKey)
			}
		}
	}
	switch {
	case key == nil:
		return draw.Ref{}, inputErrorf("--peer-vkey: %s is not a peer of this node: give its log key", t.With)
	case key.Name() != origin:
		return draw.Ref{}, inputErrorf("--peer-vkey: a key of %s, not of %s", key.Name(), origin)
	}
	e, _, err := entry.CheckReceipt(rc, key, nil)
	if err != nil {
		return draw.Ref{}, inputErrorf("--peer: %v", err)
	}
	b, err := draw.ParseBody(e.Body)
	if err != nil || b.Commit == nil {
		return draw.Ref{}, inputErrorf("--peer: entry %d of %s is not a draw commitment", rc.Index, origin)
	}
	ref := draw.Ref{Origin: origin, Index: rc.Index, LeafHash: entry.LeafHash(rc.Entry)}
	return ref, sameTerms(t, b.Commit, o.Node.Config.Party, fmt.Sprintf("%s#%d", origin, rc.Index))
}

// sameTerms refuses the other party's commitment p unless it is to the
// terms of t, with party.
func sameTerms(t, p *draw.Commit, party, where string) error {
	var diff []string
	for _, d := range []struct {
		name string
		same bool
	}{{"draw", p.ID == t.ID}, {"with", p.With == party}, {"purpose", p.Purpose == t.Purpose}, {"of", p.Of == t.Of},
		{"pick", p.Pick == t.Pick}, {"reveal_by", p.RevealBy.Equal(t.RevealBy)}} {
		if !d.same {
			diff = append(diff, d.name)
		}
	}
	if len(diff) > 0 {
		return inputErrorf("draw %s: the other party's commitment %s differs in %s: nothing revealed", t.ID, where, strings.Join(diff, ", "))
	}
	return nil
}

// drawPath is the file of the party's value for draw id.
func (o *Office) drawPath(id string) string {
	return filepath.Join(o.Node.Dir, DrawDir, id+".value")
}

// drawValue returns the value kept for draw id, or makes and keeps a new
// one. A value kept but never committed (a crash between the two) is
// used again: its hash was never published.
func (o *Office) drawValue(id string) (*[draw.ValueSize]byte, error) {
	if v, err := o.readValue(id); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return v, err
	}
	var v [draw.ValueSize]byte
	rand.Read(v[:])
	if err := os.MkdirAll(filepath.Join(o.Node.Dir, DrawDir), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(o.drawPath(id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(hex.EncodeToString(v[:]) + "\n")
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return nil, err
	}
	return &v, nil
}

func (o *Office) readValue(id string) (*[draw.ValueSize]byte, error) {
	b, err := os.ReadFile(o.drawPath(id))
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != draw.ValueSize {
		return nil, fmt.Errorf("%s: not %d bytes in hex", filepath.Join(DrawDir, id+".value"), draw.ValueSize)
	}
	return (*[draw.ValueSize]byte)(raw), nil
}

// keptValue reads the value of side's draw and checks it is the one
// committed.
func (o *Office) keptValue(id string, side *registry.DrawSide) (*[draw.ValueSize]byte, error) {
	name := filepath.Join(DrawDir, id+".value")
	v, err := o.readValue(id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is missing: the value committed cannot be revealed without it (restore it from the backup)", name)
	}
	if err != nil {
		return nil, err
	}
	if draw.HashValue(o.Node.Origin(), id, v) != side.Terms.ValueHash {
		return nil, fmt.Errorf("%s is not the value committed in entry %d of %s", name, side.Commit.Index, o.Node.Origin())
	}
	return v, nil
}

// appendDraw appends a draw entry effective on day (appendCommitment).
func (o *Office) appendDraw(ctx context.Context, b []byte, day treaty.Date) (uint64, error) {
	a, err := o.appendCommitment(ctx, b, day)
	return a.Index, err
}

// drawModes returns a problem for the directory of draw values if others
// can enter it, and for each value others can read or write: a value
// read before its reveal lets whoever also sets the other party's value
// steer the draw (docs/draws.md, "Trust").
func drawModes(dir string) []node.Problem {
	var probs []node.Problem
	add := func(name string, want os.FileMode) {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			return
		}
		probs = append(probs, node.Problem{File: name,
			Err:  fmt.Sprintf("mode %v lets others read the party's draw values (chmod %o it)", fi.Mode().Perm(), want),
			Hint: "a value read before its reveal lets whoever also sets the other party's value steer the draw"})
	}
	add(DrawDir, 0o700)
	values, _ := filepath.Glob(filepath.Join(dir, DrawDir, "*.value"))
	for _, v := range values {
		add(filepath.Join(DrawDir, filepath.Base(v)), 0o600)
	}
	return probs
}

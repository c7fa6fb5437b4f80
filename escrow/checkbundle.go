package escrow

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// A Policy is what a verifier brings to a bundle besides the party's log
// key.
type Policy struct {
	// Effects maps each notification type of the treaty the log's origin
	// names to its effect ("produce", "dismantle", "transfer",
	// "recategorise", "change", "move", ...), to read flows from the log
	// (docs/escrow.md, "Flows from the log"). A notification of a type it
	// does not list fails the check log.
	Effects map[string]string
	// Witnesses are c2sp.org/tlog-cosignature verifiers; Quorum of them
	// (all if Quorum is 0) must have cosigned the bundle's checkpoint.
	Witnesses []note.Verifier
	Quorum    int
}

// A CheckedBundle is what [CheckBundle] established: the checks of
// [Verify] on the bundle's commitment and reveals, where each is logged,
// and the flows the log records since.
type CheckedBundle struct {
	*Verified
	Entry        *entry.Entry // the commitment's log entry
	Index        uint64       // its index in the party's log
	Size         uint64       // the checkpoint's size: entries Index to Size-1 were read
	Cosigned     []string     // the witnesses whose cosignature verified, in policy order
	RevealIndex  []uint64     // each reveal's index, in bundle order
	RevealEffect []string     // each reveal entry's effective date
	Flows        []Flow       // the flows read from the notifications after the commitment
}

// CheckBundle checks b with v, the party's log verifier key, and p: the
// check log (the checkpoint is signed by v; the prefix and the entries
// make its tree, so the entries are every leaf from the commitment to its
// size; each entry is signed by v; the first is a commitment entry whose
// commitment is the party's of its effective date; the bundle carries the
// reveal of every reveal record of it, in log order, and nothing else),
// the check witness (p's quorum cosigned the checkpoint), then [Verify]
// on the commitment and the reveals, then [Verified.CheckFlows] on the
// flows read from the entries. Every failure is a [*CheckError].
func CheckBundle(b *Bundle, v note.Verifier, p *Policy) (*CheckedBundle, error) {
	if p == nil {
		p = &Policy{}
	}
	cp, _, _, err := log.ParseCheckpoint(b.Checkpoint, v.Name(), v)
	if err != nil {
		return nil, fail(ErrLog, "", "the checkpoint is not signed by %s's key: %v", v.Name(), err)
	}
	cb := &CheckedBundle{Index: b.First, Size: cp.Size}
	if err := checkRange(b, cp); err != nil {
		return nil, err
	}
	reveals, err := cb.readLog(b, v, p)
	if err != nil {
		return nil, err
	}
	if cb.Cosigned, err = p.cosigned(b.Checkpoint, cp.Size); err != nil {
		return nil, err
	}
	if cb.Verified, err = Verify(cb.commitment(), reveals...); err != nil {
		return nil, err
	}
	return cb, cb.checkFlows(cb.Flows)
}

// cosigned returns the names of p's witnesses that cosigned the
// checkpoint, failing the check witness below the quorum.
func (p *Policy) cosigned(signed []byte, size uint64) ([]string, error) {
	var got, missing []string
	for _, w := range p.Witnesses {
		if n, err := note.Open(signed, note.VerifierList(w)); err == nil && len(n.Sigs) == 1 {
			got = append(got, w.Name())
		} else {
			missing = append(missing, w.Name())
		}
	}
	quorum := p.Quorum
	if quorum == 0 {
		quorum = len(p.Witnesses)
	}
	if len(got) < quorum {
		return nil, fail(ErrWitness, "", "the checkpoint of size %d is cosigned by %d of %d witnesses, %d needed: none by %s",
			size, len(got), len(p.Witnesses), quorum, strings.Join(missing, ", "))
	}
	return got, nil
}

// checkRange checks that the prefix and the entries make the
// checkpoint's tree: the entries are its leaves First to size-1.
func checkRange(b *Bundle, cp *log.Checkpoint) error {
	if b.First+uint64(len(b.Entries)) != cp.Size {
		return fail(ErrLog, "", "entries %d to %d do not end at the checkpoint's size %d", b.First, b.First+uint64(len(b.Entries))-1, cp.Size)
	}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r, err := rf.NewRange(0, b.First, b.Prefix)
	if err != nil {
		return fail(ErrLog, "", "the prefix is not the compact range of entries 0 to %d: %v", b.First, err)
	}
	for _, e := range b.Entries {
		leaf := entry.LeafHash(e)
		if err := r.Append(leaf[:], nil); err != nil {
			return fail(ErrLog, "", "%v", err)
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil || !bytes.Equal(root, cp.Hash) {
		return fail(ErrLog, "", "the prefix and entries %d to %d do not make the checkpoint's root", b.First, cp.Size-1)
	}
	return nil
}

// readLog opens the bundle's entries: the commitment, the reveal records
// of it (matched with the bundle's reveals, which it returns parsed) and
// the flows of the notifications.
func (cb *CheckedBundle) readLog(b *Bundle, v note.Verifier, p *Policy) ([]*Reveal, error) {
	e, c, err := loggedCommitment(b.Entries[0], b.First, v)
	if err != nil {
		return nil, err
	}
	cb.Entry = e
	cb.Verified = &Verified{Commitment: c}
	var reveals []*Reveal
	for i, enc := range b.Entries[1:] {
		index := b.First + 1 + uint64(i)
		e, err := entry.Open(enc, v)
		if err != nil {
			return nil, fail(ErrLog, "", "entry %d: %v", index, err)
		}
		r, err := cb.readEntry(e, index, b, len(reveals), p)
		if err != nil {
			return nil, err
		}
		if r != nil {
			reveals = append(reveals, r)
		}
	}
	if len(reveals) != len(b.Reveals) {
		return nil, fail(ErrLog, "", "the bundle carries %d reveals, the log records %d", len(b.Reveals), len(reveals))
	}
	return reveals, nil
}

// commitment returns the commitment readLog found.
func (cb *CheckedBundle) commitment() *Commitment { return cb.Verified.Commitment }

// readEntry reads one entry after the commitment: a reveal record of it
// returns the bundle's reveal number n; a notification adds its flows.
func (cb *CheckedBundle) readEntry(e *entry.Entry, index uint64, b *Bundle, n int, p *Policy) (*Reveal, error) {
	day := e.Effective.Format(time.DateOnly)
	switch e.Kind {
	case entry.Notification:
		flows, err := logFlows(e, index, p.Effects)
		cb.Flows = append(cb.Flows, flows...)
		return nil, err
	case entry.Commitment:
		body, err := ParseLogBody(e.Body)
		c := cb.commitment()
		if err != nil || body.Reveal == nil || body.Reveal.Commitment != c.Hash() {
			return nil, nil // another undertaking, or another commitment
		}
		if n >= len(b.Reveals) {
			return nil, fail(ErrLog, body.Reveal.Region, "entry %d records a reveal the bundle does not carry", index)
		}
		if day < c.Date {
			return nil, fail(ErrLog, body.Reveal.Region, "entry %d is effective %s, before the commitment's date %s", index, day, c.Date)
		}
		cb.RevealIndex, cb.RevealEffect = append(cb.RevealIndex, index), append(cb.RevealEffect, day)
		return loggedReveal(body.Reveal, b.Reveals[n], index)
	}
	return nil, nil
}

// loggedCommitment opens the first entry and returns its commitment.
func loggedCommitment(enc []byte, index uint64, v note.Verifier) (*entry.Entry, *Commitment, error) {
	e, err := entry.Open(enc, v)
	if err != nil {
		return nil, nil, fail(ErrLog, "", "entry %d: %v", index, err)
	}
	var body *LogBody
	if e.Kind == entry.Commitment {
		body, err = ParseLogBody(e.Body)
	}
	if e.Kind != entry.Commitment || err != nil || body.Commitment == nil {
		return nil, nil, fail(ErrLog, "", "entry %d is not an escrow commitment", index)
	}
	c := body.Commitment
	switch day := e.Effective.Format(time.DateOnly); {
	case c.Party != e.Party:
		return nil, nil, fail(ErrLog, "", "entry %d of %s's log commits for party %s", index, e.Party, c.Party)
	case c.Date != day:
		return nil, nil, fail(ErrLog, "", "entry %d is effective %s, its commitment is dated %s", index, day, c.Date)
	}
	return e, c, nil
}

// loggedReveal checks a reveal's bytes against the record of entry
// index, and parses them.
func loggedReveal(lr *LoggedReveal, raw []byte, index uint64) (*Reveal, error) {
	if sha256.Sum256(raw) != lr.Hash {
		return nil, fail(ErrLog, lr.Region, "the bundle's reveal is not the one entry %d records", index)
	}
	r, err := ParseReveal(raw)
	if err != nil {
		return nil, err
	}
	if r.Region != lr.Region || r.Count != lr.Count {
		return nil, fail(ErrLog, lr.Region, "the reveal opens %s with %d warheads, entry %d records %s with %d", r.Region, r.Count, index, lr.Region, lr.Count)
	}
	return r, nil
}

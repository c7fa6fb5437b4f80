package office

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"accord/entry"
	"accord/escrow"
	"accord/internal/ledger"
	"accord/internal/treaty"
)

// A Revealed region: where its reveal is logged, and the bundle that
// proves it and every earlier reveal of the same commitment.
type Revealed struct {
	Region     string         `json:"region"`
	Count      uint64         `json:"count"`      // the region's warheads
	Index      uint64         `json:"index"`      // the reveal's entry
	Again      bool           `json:"again"`      // already revealed: nothing appended
	Commitment string         `json:"commitment"` // its hash, hex
	Opened     []string       `json:"opened"`     // the regions revealed so far, in log order
	Regions    int            `json:"regions"`    // the regions committed
	Bundle     *escrow.Bundle `json:"-"`
}

// escrowed is the party's latest commitment in its log and its reveals.
type escrowed struct {
	index      uint64
	commitment *escrow.Commitment
	reveals    []uint64 // the reveal entries, in log order
	regions    []string // their regions
}

// Reveal opens region of the party's latest commitment: it appends the
// reveal's record, effective on the given date (today if none; not before
// the commitment's date), and returns the bundle of the commitment and
// every reveal of it so far, each with its receipt. A region already
// revealed is not logged again; its bundle is made anew. Refusals (no
// commitment, an unknown region, a bad date) are *InputError values and
// change nothing.
func (o *Office) Reveal(ctx context.Context, region string, effective Given) (*Revealed, error) {
	es, err := o.latestEscrow(ctx)
	if err != nil {
		return nil, err
	}
	opening, err := o.reopen(es.commitment)
	if err != nil {
		return nil, err
	}
	r, err := opening.Reveal(region)
	if err != nil {
		return nil, inputErrorf("--region: no region %q in the commitment (regions: %s)", region, regionIDs(es.commitment))
	}
	h := es.commitment.Hash()
	out := &Revealed{Region: region, Count: r.Count, Commitment: hex.EncodeToString(h[:]), Regions: len(es.commitment.Regions)}
	if err := o.logReveal(ctx, es, r, effective, out); err != nil {
		return nil, err
	}
	out.Opened = es.regions
	out.Bundle, err = o.bundle(ctx, es, opening)
	return out, err
}

// logReveal appends r's record unless es has it already, and notes where
// it is in out and es.
func (o *Office) logReveal(ctx context.Context, es *escrowed, r *escrow.Reveal, effective Given, out *Revealed) error {
	for i, reg := range es.regions {
		if reg == r.Region {
			out.Index, out.Again = es.reveals[i], true
			return nil
		}
	}
	day, err := o.revealDay(es.commitment, effective)
	if err != nil {
		return err
	}
	a, err := o.appendEscrow(ctx, &escrow.LogBody{Reveal: escrow.LogReveal(r)}, day)
	if err != nil {
		return err
	}
	out.Index = a.Index
	es.reveals, es.regions = append(es.reveals, a.Index), append(es.regions, r.Region)
	return nil
}

// revealDay is the given date, or today, checked against the treaty's
// life and the commitment's date.
func (o *Office) revealDay(c *escrow.Commitment, effective Given) (treaty.Date, error) {
	day, err := effective.date()
	if err != nil {
		return day, err
	}
	if day.IsZero() {
		day = treaty.DateOf(o.now().UTC())
	}
	if day.String() < c.Date {
		return day, inputErrorf("%s: %s is before the commitment's date %s", givenName(effective, "effective date"), day, c.Date)
	}
	return day, withinLife(o.Treaty, day)
}

// latestEscrow reads the node's log for its latest commitment and the
// reveals of it.
func (o *Office) latestEscrow(ctx context.Context) (*escrowed, error) {
	var es *escrowed
	err := o.escrowEntries(ctx, func(index uint64, b *escrow.LogBody) {
		switch {
		case b.Commitment != nil:
			es = &escrowed{index: index, commitment: b.Commitment}
		case es != nil && b.Reveal.Commitment == es.commitment.Hash():
			es.reveals, es.regions = append(es.reveals, index), append(es.regions, b.Reveal.Region)
		}
	})
	if err != nil {
		return nil, err
	}
	if es == nil {
		return nil, inputErrorf("%s's log holds no escrow commitment: commit first (accord escrow commit)", o.Node.Config.Party)
	}
	return es, nil
}

// escrowEntries calls fn with every escrow entry of the node's log up to
// its checkpoint, in order. Entries of kind commitment whose body is not
// an escrow's are other undertakings, and skipped.
func (o *Office) escrowEntries(ctx context.Context, fn func(index uint64, b *escrow.LogBody)) error {
	cp, _, err := ledger.ReadCheckpoint(ctx, o.Node.Source(), o.Node.Verifier)
	if err != nil {
		return err
	}
	return ledger.Entries(ctx, o.Node.Source(), o.Node.Verifier, cp.Size, func(r ledger.Record) error {
		if r.Entry.Kind != entry.Commitment {
			return nil
		}
		if b, err := escrow.ParseLogBody(r.Entry.Body); err == nil {
			fn(r.Index, b)
		}
		return nil
	})
}

// reopen makes the opening of c again from the secret and the declaration
// kept in DIR/escrow/.
func (o *Office) reopen(c *escrow.Commitment) (*escrow.Opening, error) {
	h := c.Hash()
	name := filepath.Join(EscrowDir, hex.EncodeToString(h[:])+".json")
	b, err := os.ReadFile(filepath.Join(o.Node.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: the declaration committed in the log is missing (restore it from the backup)", name)
	}
	if err != nil {
		return nil, err
	}
	var d escrow.Declaration
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	secret, created, err := o.escrowSecret()
	if err != nil {
		return nil, err
	}
	if created {
		return nil, fmt.Errorf("%s is missing: no reveal is possible without it (restore it from the backup)", EscrowKeyFile)
	}
	got, opening, err := escrow.Commit(secret, &d)
	if err != nil || got.Hash() != h {
		return nil, fmt.Errorf("%s and %s do not make the commitment in the log", EscrowKeyFile, name)
	}
	return opening, nil
}

// bundle returns the bundle of es's commitment and reveals, with receipts
// relative to the log's current checkpoint.
func (o *Office) bundle(ctx context.Context, es *escrowed, opening *escrow.Opening) (*escrow.Bundle, error) {
	src, v := o.Node.Source(), o.Node.Verifier
	rc, err := ledger.Prove(ctx, src, v, es.index)
	if err != nil {
		return nil, err
	}
	b := &escrow.Bundle{Commitment: rc}
	for i, region := range es.regions {
		rc, err := ledger.Prove(ctx, src, v, es.reveals[i])
		if err != nil {
			return nil, err
		}
		r, err := opening.Reveal(region)
		if err != nil {
			return nil, err
		}
		b.Reveals = append(b.Reveals, escrow.BundleReveal{Receipt: rc, Reveal: r.Marshal()})
	}
	return b, nil
}

func regionIDs(c *escrow.Commitment) string {
	ids := make([]string, len(c.Regions))
	for i, r := range c.Regions {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}

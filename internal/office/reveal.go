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
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"accord/entry"
	"accord/escrow"
	"accord/internal/ledger"
	"accord/internal/treaty"
	"accord/internal/witness"
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
	Cosigned   []string       `json:"cosigned"`   // the peers whose witness cosigned the bundle's checkpoint
	Uncosigned []string       `json:"uncosigned"` // the peers whose witness had not, when the wait ended
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
	out.Bundle, err = o.bundle(ctx, es, opening, out)
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

// bundle returns the bundle of es's commitment: a checkpoint of the log
// that the node's peers cosigned (see cosignedCheckpoint), every entry
// from the commitment up to it with the compact range of the entries
// before, and the reveal of each reveal record among them (none if
// opening is nil). It notes in out which peers' witnesses cosigned the
// checkpoint.
func (o *Office) bundle(ctx context.Context, es *escrowed, opening *escrow.Opening, out *Revealed) (*escrow.Bundle, error) {
	cp, signed, err := o.cosignedCheckpoint(ctx, out)
	if err != nil {
		return nil, err
	}
	if n := cp.Size - es.index; n > escrow.MaxBundleEntries {
		return nil, inputErrorf("%d entries since the commitment, more than the %d a bundle holds: commit again", n, escrow.MaxBundleEntries)
	}
	b := &escrow.Bundle{Checkpoint: signed, First: es.index}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	prefix := rf.NewEmptyRange(0)
	h := es.commitment.Hash()
	err = ledger.Entries(ctx, o.Node.Source(), o.Node.Verifier, cp.Size, func(r ledger.Record) error {
		if r.Index < es.index {
			return prefix.Append(r.LeafHash[:], nil)
		}
		b.Entries = append(b.Entries, r.Encoded)
		lr := loggedReveal(r.Entry)
		if lr == nil || lr.Commitment != h || opening == nil {
			return nil
		}
		rv, err := opening.Reveal(lr.Region)
		if err == nil {
			b.Reveals = append(b.Reveals, rv.Marshal())
		}
		return err
	})
	b.Prefix = prefix.Hashes()
	return b, err
}

// loggedReveal returns the reveal record an entry holds, or nil.
func loggedReveal(e *entry.Entry) *escrow.LoggedReveal {
	if e.Kind != entry.Commitment {
		return nil
	}
	b, err := escrow.ParseLogBody(e.Body)
	if err != nil {
		return nil
	}
	return b.Reveal
}

// cosignedCheckpoint returns the log's latest checkpoint once it carries
// the cosignature of every peer's witness, waiting for one at most
// cosignWait: a checkpoint is published without the cosignatures that do
// not come within the witness timeout, and the next one tries again. It
// notes in out the peers whose witness cosigned it and those that did not.
func (o *Office) cosignedCheckpoint(ctx context.Context, out *Revealed) (*log.Checkpoint, []byte, error) {
	// cosignWait: the witness timeout, which publishing a checkpoint waits
	// for cosignatures, and two checkpoint intervals, so that one more
	// checkpoint is tried.
	cfg := o.Node.Config
	deadline := time.Now().Add(cfg.Witness.Timeout + 2*cfg.Log.CheckpointInterval)
	for {
		cp, signed, err := ledger.ReadCheckpoint(ctx, o.Node.Source(), o.Node.Verifier)
		if err != nil {
			return nil, nil, err
		}
		out.Cosigned, out.Uncosigned = o.peerCosignatures(signed)
		if len(out.Uncosigned) == 0 || time.Now().After(deadline) {
			return cp, signed, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(cosignPoll):
		}
	}
}

// cosignPoll is how often a reveal looks for a newly cosigned checkpoint.
const cosignPoll = 50 * time.Millisecond

// peerCosignatures returns the parties whose witness cosigned the signed
// checkpoint, and those whose did not.
func (o *Office) peerCosignatures(signed []byte) (cosigned, not []string) {
	cosigned, not = []string{}, []string{}
	for _, p := range o.Node.Config.Peers {
		v, err := witness.NewVerifier(p.WitnessVKey)
		if err == nil && witness.Cosigned(signed, v) {
			cosigned = append(cosigned, p.Party)
		} else {
			not = append(not, p.Party)
		}
	}
	return cosigned, not
}

func regionIDs(c *escrow.Commitment) string {
	ids := make([]string, len(c.Regions))
	for i, r := range c.Regions {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}

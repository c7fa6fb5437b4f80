package demo

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"accord/entry"
	"accord/escrow"
	"accord/internal/ledger"
	"accord/internal/office"
)

// checkEscrows checks the escrowed declarations of a freeze demo: each
// party's log holds its commitment, effective on the baseline date, and a
// reveal of each region on its simulated day, in order; the node holds
// every reveal's bytes under reveals/, and they verify against the
// commitment (escrow.Verify), every region opened, its total within the
// freeze on its own baseline statement.
func checkEscrows(t *testing.T, d *Demo) {
	t.Helper()
	if len(d.World.Escrows) != len(d.Nodes) {
		t.Fatalf("%d escrows for %d parties", len(d.World.Escrows), len(d.Nodes))
	}
	for i, p := range d.Nodes {
		x := d.World.Escrows[i]
		c, logged := escrowEntries(t, p)
		if c == nil || c.Date != "2020-10-20" || c.Party != p.ID {
			t.Fatalf("%s: commitment %+v", p.ID, c)
		}
		if len(logged) != len(x.Reveals) {
			t.Fatalf("%s: %d reveals logged, %d simulated", p.ID, len(logged), len(x.Reveals))
		}
		var reveals []*escrow.Reveal
		for k, lr := range logged {
			if lr.body.Region != x.Reveals[k].Region || !lr.effective.Equal(x.Reveals[k].Date.Time()) {
				t.Errorf("%s: reveal %d of %s on %s, want %s on %s", p.ID, k, lr.body.Region, lr.effective, x.Reveals[k].Region, x.Reveals[k].Date)
			}
			b, err := os.ReadFile(filepath.Join(p.Dir, office.RevealsDir, p.ID, hexOf(lr.body.Hash)))
			if err != nil {
				t.Fatal(err)
			}
			r, err := escrow.ParseReveal(b)
			if err != nil {
				t.Fatalf("%s: stored reveal of %s: %v", p.ID, lr.body.Region, err)
			}
			reveals = append(reveals, r)
		}
		v, err := escrow.Verify(c, reveals...)
		if err != nil || !v.Complete() || v.Revealed != c.Total {
			t.Fatalf("%s: verify: %v (complete %v)", p.ID, err, v != nil && v.Complete())
		}
		if err := v.CheckFreeze(uint64(openingTotal(d.World, p.ID))); err != nil {
			t.Errorf("%s: %v", p.ID, err)
		}
		checkRegistryEscrow(t, p, c)
	}
}

// checkRegistryEscrow checks that p's treaty database holds c with every
// region revealed, and compared its total with the warheads it held on
// c's date when the commitment was recorded: the commitment is sent
// after the statement it commits to.
func checkRegistryEscrow(t *testing.T, p *Party, c *escrow.Commitment) {
	t.Helper()
	ctx := context.Background()
	o, err := office.OpenNode(ctx, p.Node)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	cs, err := o.Registry.Escrows(ctx, p.ID, far)
	if err != nil || len(cs) != 1 {
		t.Fatalf("%s: escrows %v, %v", p.ID, cs, err)
	}
	got := cs[0]
	for _, r := range got.Regions {
		if !r.Revealed {
			t.Errorf("%s: region %s not revealed in the treaty database", p.ID, r.ID)
		}
	}
	if got.Total != c.Total || got.Book == nil || uint64(*got.Book) != c.Total {
		t.Errorf("%s: the treaty database's commitment totals %d against a book of %v, want %d", p.ID, got.Total, got.Book, c.Total)
	}
}

// A loggedReveal is a reveal record of a log, with its effective date.
type loggedReveal struct {
	body      *escrow.LoggedReveal
	effective time.Time
}

// escrowEntries reads p's log for its last commitment and its reveal
// records.
func escrowEntries(t *testing.T, p *Party) (*escrow.Commitment, []loggedReveal) {
	t.Helper()
	ctx := context.Background()
	cp, _, err := ledger.ReadCheckpoint(ctx, p.Node.Source(), p.Node.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	var c *escrow.Commitment
	var out []loggedReveal
	err = ledger.Entries(ctx, p.Node.Source(), p.Node.Verifier, cp.Size, func(r ledger.Record) error {
		if r.Entry.Kind != entry.Commitment {
			return nil
		}
		b, err := escrow.ParseLogBody(r.Entry.Body)
		switch {
		case err != nil:
			return err
		case b.Commitment != nil:
			c = b.Commitment
		default:
			out = append(out, loggedReveal{b.Reveal, r.Entry.Effective})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, out
}

func hexOf(h [32]byte) string { return hex.EncodeToString(h[:]) }

package demo

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"accord/internal/office"
	"accord/internal/sim"
)

// escrow logs each party's simulated escrowed declaration (sim.Escrow):
// the commitment on its date, then each region's reveal on its day, as
// the party's office commits and reveals (office.Commit, office.Reveal),
// and stores the reveals' bytes, which the node serves.
func (d *Demo) escrow(ctx context.Context, offices map[string]*office.Office) error {
	g, gctx := errgroup.WithContext(ctx)
	for i := range d.World.Escrows {
		x := &d.World.Escrows[i]
		o := offices[x.Declaration.Party]
		g.Go(func() error {
			if err := commitAndReveal(gctx, o, x); err != nil {
				return fmt.Errorf("%s escrow: %w", x.Declaration.Party, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	d.progress("committing and revealing the simulated escrowed declarations", len(d.World.Escrows), len(d.World.Escrows))
	return nil
}

// commitAndReveal commits to x's declaration and reveals its regions, each
// entry effective and sent as the simulation dates it.
func commitAndReveal(ctx context.Context, o *office.Office, x *sim.Escrow) error {
	clock := x.Sent
	o.Clock = func() time.Time { return clock }
	defer func() { o.Clock = nil }()
	// No node runs while the demo records, so no witness cosigns a
	// reveal's checkpoint: a reveal need not wait the witness timeout for
	// one (office.Reveal notes the checkpoint uncosigned either way). The
	// log, opened before, keeps its own timeout.
	w := &o.Node.Config.Witness
	timeout := w.Timeout
	w.Timeout = 0
	defer func() { w.Timeout = timeout }()
	if _, err := o.Commit(ctx, &x.Declaration); err != nil {
		return err
	}
	for _, s := range x.Reveals {
		clock = s.Sent
		if _, err := o.Reveal(ctx, s.Region, office.Given{Name: "reveal date", Value: s.Date.String()}); err != nil {
			return fmt.Errorf("region %s: %w", s.Region, err)
		}
	}
	_, err := o.KeepOwnReveals(ctx)
	return err
}

package office

import (
	"context"
	"fmt"
	"time"

	"accord/entry"
	"accord/internal/ledger"
	"accord/internal/registry"
)

// Declare records a declaration of the node's party: es are its parts,
// declaration entries of one date (one, unless the declaration is too
// large for one entry). Every part is checked against the treaty and the
// database first (Registry.Check); if any is refused, nothing is
// appended. The parts are then appended one after another, each once the
// one before is in the log, so they get increasing indexes, and applied
// to the database. each, if not nil, is called after each part is
// appended.
func (o *Office) Declare(ctx context.Context, es []entry.Entry, each func(i int, a ledger.Appended)) error {
	log, err := o.Log(ctx)
	if err != nil {
		return err
	}
	created := o.now().UTC().Truncate(time.Millisecond)
	for i := range es {
		es[i].Treaty, es[i].Party, es[i].Kind, es[i].Created = o.Treaty.ID, o.Node.Config.Party, entry.Declaration, created
	}
	return o.locked(func() error {
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		if err := o.checkParts(ctx, es); err != nil {
			return err
		}
		for i := range es {
			a, err := log.Append(ctx, es[i])
			if err != nil && i > 0 {
				return fmt.Errorf("parts 1-%d of %d are in the log, part %d failed: %w", i, len(es), i+1, err)
			}
			if err != nil {
				return err
			}
			if each != nil {
				each(i, a)
			}
		}
		return o.syncAll(ctx, nil)
	})
}

// checkParts checks each part of a declaration as the log's next entry.
// Parts do not depend on each other: a declaration's rows are unique, and
// its parts are one statement of holdings.
func (o *Office) checkParts(ctx context.Context, es []entry.Entry) error {
	next, err := o.Registry.NextIndex(ctx, o.Node.Origin())
	if err != nil {
		return err
	}
	for i := range es {
		rec := registry.RecordOf(&es[i], next, nil)
		if err := o.Registry.Check(ctx, rec); err != nil {
			if len(es) > 1 {
				return fmt.Errorf("part %d of %d: %w", i+1, len(es), err)
			}
			return err
		}
	}
	return nil
}

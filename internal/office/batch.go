package office

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/ledger"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// A Pending notification, for NotifyAll: its body, effective date and the
// time it is sent.
type Pending struct {
	Notification *body.Notification
	Effective    treaty.Date
	Sent         time.Time
}

// NotifyAll is Notify for a batch of notifications that do not depend on
// each other: none names an item another names, corrects or answers
// another. Each is checked against the database as it stands before the
// batch; if any is refused, nothing is appended. They are then appended
// together, in no guaranteed order, which is why they must be independent.
// It returns where each landed, in the order given.
func (o *Office) NotifyAll(ctx context.Context, ps []Pending) ([]ledger.Appended, error) {
	es, err := o.entries(ps)
	if err != nil {
		return nil, err
	}
	return o.appendAll(ctx, es, true)
}

// ReplayRuns records an ordered history of notifications already
// validated elsewhere (the demo's simulation is tested against the same
// rules): runs of notifications that do not depend on each other, each run
// after the one before it (ledger.Log.AppendRuns). Nothing is checked
// before appending; the database validates each notification as it
// applies it and records one it refuses as a finding. It returns where
// each landed, run by run in the order given.
func (o *Office) ReplayRuns(ctx context.Context, runs [][]Pending) ([][]ledger.Appended, error) {
	ess := make([][]entry.Entry, len(runs))
	for i, ps := range runs {
		es, err := o.entries(ps)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", i, err)
		}
		ess[i] = es
	}
	log, err := o.Log(ctx)
	if err != nil {
		return nil, err
	}
	var out [][]ledger.Appended
	err = o.locked(func() error {
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		if out, err = log.AppendRuns(ctx, ess); err != nil {
			return err
		}
		var es []entry.Entry
		var as []ledger.Appended
		for i := range ess {
			es, as = append(es, ess[i]...), append(as, out[i]...)
			if len(es) >= applyBatch || i == len(ess)-1 {
				if err := o.applyAppended(ctx, es, as); err != nil {
					return err
				}
				es, as = es[:0], as[:0]
			}
		}
		return nil
	})
	return out, err
}

func (o *Office) entries(ps []Pending) ([]entry.Entry, error) {
	es := make([]entry.Entry, len(ps))
	for i, p := range ps {
		body, err := p.Notification.Encode()
		if err != nil {
			return nil, fmt.Errorf("notification %d: %w", i, err)
		}
		es[i] = entry.Entry{Treaty: o.Treaty.ID, Party: o.Node.Config.Party, Kind: entry.Notification,
			Effective: p.Effective.Time(), Created: p.Sent.UTC().Truncate(time.Millisecond), Body: body}
	}
	return es, nil
}

// AppendAll appends entries that do not depend on each other (such as
// acknowledgements or inspection records) to the node's log together, and
// applies them to the database. It returns where each landed, in the
// order given.
func (o *Office) AppendAll(ctx context.Context, es []entry.Entry) ([]ledger.Appended, error) {
	return o.appendAll(ctx, es, false)
}

func (o *Office) appendAll(ctx context.Context, es []entry.Entry, check bool) ([]ledger.Appended, error) {
	log, err := o.Log(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Appended, len(es))
	err = o.locked(func() error {
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		if check {
			if err := o.checkAll(ctx, es); err != nil {
				return err
			}
		}
		if err := appendConcurrently(ctx, log, es, out); err != nil {
			return err
		}
		return o.applyAppended(ctx, es, out)
	})
	return out, err
}

// applyAppended applies entries just appended straight from memory when
// they are exactly the log's next entries, and otherwise (another writer
// appended between them) reads the log.
func (o *Office) applyAppended(ctx context.Context, es []entry.Entry, as []ledger.Appended) error {
	next, err := o.Registry.NextIndex(ctx, o.Node.Origin())
	if err != nil {
		return err
	}
	recs := make([]registry.Record, len(es))
	for i := range es {
		recs[i] = registry.RecordOf(&es[i], as[i].Index, as[i].Entry)
	}
	slices.SortFunc(recs, func(a, b registry.Record) int { return cmp.Compare(a.Index, b.Index) })
	for i, r := range recs {
		if r.Index != next+uint64(i) {
			return o.syncAll(ctx, nil)
		}
	}
	if err := o.Registry.Apply(ctx, recs...); err != nil {
		return err
	}
	return o.syncAll(ctx, nil)
}

func (o *Office) checkAll(ctx context.Context, es []entry.Entry) error {
	next, err := o.Registry.NextIndex(ctx, o.Node.Origin())
	if err != nil {
		return err
	}
	for i := range es {
		rec := registry.RecordOf(&es[i], next, nil)
		rec.Body = es[i].Body
		if err := o.Registry.Check(ctx, rec); err != nil {
			return fmt.Errorf("notification %d: %w", i, err)
		}
	}
	return nil
}

// appendConcurrently appends every entry at once, so that they share
// checkpoints, and waits for all of them.
func appendConcurrently(ctx context.Context, log *ledger.Log, es []entry.Entry, out []ledger.Appended) error {
	var wg sync.WaitGroup
	errs := make([]error, len(es))
	for i := range es {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = log.Append(ctx, es[i])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("entry %d of the batch: %w", i, err)
		}
	}
	return nil
}

package office

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"accord/entry"
	"accord/internal/ledger"
	"accord/internal/peer"
	"accord/internal/registry"
)

// applyBatch is how many records one database transaction takes while
// catching up: large enough to amortise the commit (10,000 records cost
// 0.8 of 1,000 each), small enough to keep a crash's lost work short.
const applyBatch = 10_000

// bulkBehind is how many entries the database must lack, and lack more
// of than it holds, for a catch-up to take the registry's bulk path: its
// indexes are dropped and built again, which costs about as much as
// the entries held.
var bulkBehind uint64 = 10_000 // a variable for tests

// Sync applies to the database every entry of every log the node holds
// that the database does not have yet, through the registry's bulk path
// when the database is far behind (a first sync).
func (o *Office) Sync(ctx context.Context) error {
	return o.locked(func() error {
		held, total, err := o.behind(ctx)
		if err != nil {
			return err
		}
		if total < held+bulkBehind || total-held <= held {
			return o.syncAll(ctx, nil)
		}
		o.Node.Logger.InfoContext(ctx, "catching up the treaty database in bulk", "held", held, "entries", total)
		return o.bulkSync(ctx, nil)
	})
}

// bulkSync is syncAll through the registry's bulk path.
func (o *Office) bulkSync(ctx context.Context, progress func(n uint64)) error {
	if err := o.Registry.StartBulk(ctx); err != nil {
		return err
	}
	err := o.syncAll(ctx, progress)
	// Build the indexes even after a failure: what was applied stays.
	return errors.Join(err, o.Registry.EndBulk(ctx))
}

// behind returns how many entries the database holds and how many the
// logs the node holds have in all.
func (o *Office) behind(ctx context.Context) (held, total uint64, err error) {
	if total, err = o.size(ctx); err != nil {
		return 0, 0, err
	}
	srcs, err := o.sources()
	if err != nil {
		return 0, 0, err
	}
	for _, s := range srcs {
		n, err := o.Registry.NextIndex(ctx, s.v.Name())
		if err != nil {
			return 0, 0, err
		}
		held += n
	}
	return held, total, nil
}

func (o *Office) syncAll(ctx context.Context, progress func(n uint64)) error {
	srcs, err := o.sources()
	if err != nil {
		return err
	}
	for _, s := range srcs {
		if err := o.syncLog(ctx, s, progress); err != nil {
			return err
		}
	}
	return nil
}

// syncLog applies the entries of one log past the database's next index
// for it, up to the log's checkpoint (for the node's own log, up to what
// it has integrated). A peer mirror without a checkpoint
// yet holds nothing to apply. The entries are the node's own and those of
// peers it verified when it copied them, so their signatures are not
// checked again (ledger.Reread); `accord fsck` checks them.
func (o *Office) syncLog(ctx context.Context, s source, progress func(n uint64)) error {
	cp, _, err := ledger.ReadCheckpoint(ctx, s.src, s.v)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("log of %s: %w", s.party, err)
	}
	size := cp.Size
	if s.own != "" {
		n, err := ledger.IntegratedSize(s.own)
		if err != nil {
			return fmt.Errorf("own log: %w", err)
		}
		size = max(size, n)
	}
	next, err := o.Registry.NextIndex(ctx, s.v.Name())
	if err != nil {
		return err
	}
	batch := make([]registry.Record, 0, applyBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := o.Registry.Apply(ctx, batch...); err != nil {
			return fmt.Errorf("log of %s: %w", s.party, err)
		}
		if progress != nil {
			progress(uint64(len(batch)))
		}
		batch = batch[:0]
		return nil
	}
	err = ledger.Reread(ctx, s.src, s.v, next, size, func(r ledger.Record) error {
		batch = append(batch, registry.RecordOf(r.Entry, r.Index, r.Encoded))
		if len(batch) == applyBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("log of %s: %w", s.party, err)
	}
	return flush()
}

// Ingest applies one verified entry of a peer's log (package peer calls it
// before acknowledging the entry). An entry the database already holds is
// skipped; if the database is behind (it lost its last commits in a
// crash), it first catches up from the peer's mirror.
func (o *Office) Ingest(ctx context.Context, party string, index uint64, e entry.Entry, raw []byte) error {
	return o.locked(func() error {
		err := o.Registry.Apply(ctx, registry.RecordOf(&e, index, raw))
		if !errors.Is(err, registry.ErrGap) {
			return err
		}
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		return o.Registry.Apply(ctx, registry.RecordOf(&e, index, raw))
	})
}

// IngestAll applies a run of consecutive verified entries of a peer's
// log, the first at index from, in one database transaction: Ingest for
// a batch (peer.BatchIngester).
func (o *Office) IngestAll(ctx context.Context, party string, from uint64, es []peer.Ingested) error {
	recs := make([]registry.Record, len(es))
	for i := range es {
		recs[i] = registry.RecordOf(&es[i].Entry, from+uint64(i), es[i].Raw)
	}
	return o.locked(func() error {
		err := o.Registry.Apply(ctx, recs...)
		if !errors.Is(err, registry.ErrGap) {
			return err
		}
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		return o.Registry.Apply(ctx, recs...)
	})
}

package peer

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/tlog"
	"golang.org/x/sync/errgroup"

	"accord/entry"
)

// commitEvery is how many bundles are stored between two records of the
// follower's progress: each record syncs the directories of the files
// stored since the last and replaces the state file, a few fsyncs that
// would otherwise be paid per bundle. A crash loses at most that many
// bundles of copying, never their verification.
const commitEvery = 8

// bundle is one entry bundle of the peer's log on its way through the
// follower: fetched, then verified, then stored.
type bundle struct {
	n       uint64    // its index
	entries [][]byte  // all its entries in the tree being copied
	start   int       // how many of them the mirror already holds
	root    tlog.Hash // the signed tree's root hash of the entries up to its last
}

// end returns the size of the tree up to the bundle's last entry.
func (b *bundle) end() uint64 { return b.n*layout.EntryBundleWidth + uint64(len(b.entries)) }

// copyAll copies the entries of the tree cp that the mirror lacks, in a
// pipeline: bundle n+1 is fetched while bundle n's signatures are checked
// (on every CPU) while bundle n-1 is checked against the tree and stored.
// At most one bundle waits between two stages. The progress is recorded
// every commitEvery bundles and when the copy ends, whether it ends in an
// error or not, and covers only bundles stored and checked.
func (fl *Follower) copyAll(ctx context.Context, signed []byte, cp *log.Checkpoint, hr tlog.HashReader) error {
	fl.mu.Lock()
	from := fl.m.Size()
	fl.mu.Unlock()
	if from >= cp.Size {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	fetched, verified := make(chan *bundle, 1), make(chan *bundle, 1)
	g.Go(func() error {
		defer close(fetched)
		return fl.fetchAll(gctx, from, cp.Size, fetched)
	})
	g.Go(func() error {
		defer close(verified)
		return fl.verifyAll(gctx, hr, fetched, verified)
	})
	g.Go(func() error { return fl.storeAll(gctx, signed, cp, verified) })
	return g.Wait()
}

// fetchAll fetches the bundles holding entries from..size-1 in order.
func (fl *Follower) fetchAll(ctx context.Context, from, size uint64, out chan<- *bundle) error {
	for n := from / layout.EntryBundleWidth; n*layout.EntryBundleWidth < size; n++ {
		entries, err := fl.f.bundle(ctx, n, size)
		if err != nil {
			return fmt.Errorf("fetching entries: %w", err)
		}
		b := &bundle{n: n, entries: entries, start: int(max(from, n*layout.EntryBundleWidth) - n*layout.EntryBundleWidth)}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// verifyAll opens every new entry of each bundle with the peer's key and
// reads the signed tree's root hash at its end from the authenticated
// hash tiles hr.
func (fl *Follower) verifyAll(ctx context.Context, hr tlog.HashReader, in <-chan *bundle, out chan<- *bundle) error {
	for b := range in {
		if err := fl.openAll(b.n*layout.EntryBundleWidth+uint64(b.start), b.entries[b.start:]); err != nil {
			return err
		}
		root, err := tlog.TreeHash(int64(b.end()), hr)
		if err != nil {
			return fmt.Errorf("%w: hash tiles: %v", ErrBadData, err)
		}
		b.root = root
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// storeAll checks each verified bundle against the tree, stores it, and
// records the progress every commitEvery bundles and at the end.
func (fl *Follower) storeAll(ctx context.Context, signed []byte, cp *log.Checkpoint, in <-chan *bundle) error {
	stored, err := 0, error(nil)
	for b := range in {
		if err = fl.storeBundle(b, cp); err != nil {
			break
		}
		if stored++; stored%commitEvery == 0 {
			if err = fl.record(signed); err != nil {
				break
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(err, fl.record(signed))
}

// storeBundle adds a verified bundle's new entries to the mirror's tree,
// checks the tree's root against the signed one, and stages the bundle
// and the tiles it changes; on failure the tree is rolled back.
func (fl *Follower) storeBundle(b *bundle, cp *log.Checkpoint) error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	old := fl.m.Size()
	if old != b.n*layout.EntryBundleWidth+uint64(b.start) {
		return fmt.Errorf("storing entry bundle %d: the copy holds %d entries", b.n, old)
	}
	same, err := fl.sameLeaves(b.n, b.entries[:b.start])
	if err != nil {
		return err
	}
	if !same {
		return fmt.Errorf("%w: entry bundle %d rewrites entries already verified", ErrBadData, b.n)
	}
	if err := fl.m.add(b.entries[b.start:]); err != nil {
		fl.m.truncate(old)
		return err
	}
	if root, err := fl.m.root(b.end()); err != nil || root != b.root {
		fl.m.truncate(old)
		return fmt.Errorf("%w: entries %d-%d do not match the signed tree", ErrBadData, old, b.end()-1)
	}
	if err := fl.m.store(b.n, cp.Size, b.entries, old); err != nil {
		fl.m.truncate(old)
		return fmt.Errorf("storing entries: %w", err)
	}
	return nil
}

// record records the entries stored so far as verified, under the
// checkpoint signed, if there are any not yet recorded.
func (fl *Follower) record(signed []byte) error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.m.tiled == fl.m.st.Verified {
		return nil
	}
	st := fl.m.st
	st.Checkpoint, st.Verified = string(signed), fl.m.tiled
	if err := fl.m.commit(st); err != nil {
		return err
	}
	fl.noteProgress()
	select {
	case fl.recorded <- struct{}{}:
	default:
	}
	return nil
}

// sameLeaves reports whether entries are the leaves the mirror holds at
// the start of bundle n.
func (fl *Follower) sameLeaves(n uint64, entries [][]byte) (bool, error) {
	for i, e := range entries {
		h, err := fl.m.hash(tlog.StoredHashIndex(0, int64(n*layout.EntryBundleWidth)+int64(i)))
		if err != nil {
			return false, err
		}
		if h != tlog.RecordHash(e) {
			return false, nil
		}
	}
	return true, nil
}

// openAll opens every entry with the peer's key, in parallel, and checks
// it is of the peer's log: the one check of the entries' signatures.
func (fl *Follower) openAll(first uint64, entries [][]byte) error {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, raw := range entries {
		g.Go(func() error {
			e, err := entry.Open(raw, fl.cfg.Log)
			if err == nil && e.Origin() != fl.cfg.Log.Name() {
				err = fmt.Errorf("entry of %s", e.Origin())
			}
			if err != nil {
				return fmt.Errorf("%w: entry %d: %v", ErrBadData, first+uint64(i), err)
			}
			return nil
		})
	}
	return g.Wait()
}

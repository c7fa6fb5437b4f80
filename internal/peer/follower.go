package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/tlog"
	"golang.org/x/sync/errgroup"

	"accord/entry"
)

// ackBatch is how many entries are ingested and acknowledged between two
// progress records; acknowledgements within a batch are appended
// concurrently, so that they share the own log's checkpoints.
const ackBatch = 256

// Status is what a follower last did.
type Status struct {
	Party      string    `json:"party"`
	Origin     string    `json:"origin"`
	URL        string    `json:"url"`
	Checkpoint uint64    `json:"checkpoint_size"` // size of the latest consistent checkpoint
	Verified   uint64    `json:"verified"`        // entries copied and verified
	Acked      uint64    `json:"acknowledged"`    // entries ingested and acknowledged
	LastSync   time.Time `json:"last_sync,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
	Failures   int       `json:"consecutive_failures"`
}

// Follower follows one peer's log. Run it once; Status and the
// comparisons of its [Set] are safe to call concurrently with it.
type Follower struct {
	cfg Config
	set *Set
	f   *fetcher

	mu     sync.Mutex // guards m and status
	m      *Mirror
	status Status
}

func newFollower(cfg Config, set *Set) (*Follower, error) {
	if cfg.Ingester == nil {
		cfg.Ingester = NopIngester{}
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Logger = cfg.Logger.With("peer", cfg.Party)
	m, err := OpenMirror(cfg.Dir, cfg.Log)
	if err != nil {
		return nil, err
	}
	fl := &Follower{cfg: cfg, set: set, m: m, f: &fetcher{client: cfg.Client, base: cfg.URL, token: cfg.Token}}
	fl.status = Status{Party: cfg.Party, Origin: cfg.Log.Name(), URL: cfg.URL.String()}
	fl.noteProgress()
	return fl, nil
}

// Status returns what the follower last did.
func (fl *Follower) Status() Status {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.status
}

// Run follows the peer until ctx is done: a round, then a wait of
// Interval, or of a jittered exponential backoff after a failed round.
func (fl *Follower) Run(ctx context.Context) error {
	failures := 0
	for {
		err := fl.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			failures++
			fl.cfg.Logger.WarnContext(ctx, "following peer", "err", err, "failures", failures)
		} else {
			failures = 0
		}
		fl.recordRound(err, failures)
		select {
		case <-ctx.Done():
			return nil
		case <-fl.cfg.Clock.After(Backoff(fl.cfg.Interval, fl.cfg.MaxBackoff, failures, fl.cfg.Jitter)):
		}
	}
}

// Backoff returns the wait after the given number of consecutive
// failures: interval when there is none, else interval doubled per
// failure up to max, with the upper half jittered (jitter in [0,1)).
func Backoff(interval, max time.Duration, failures int, jitter func() float64) time.Duration {
	if failures == 0 {
		return interval
	}
	d := interval
	for i := 0; i < failures && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(jitter()*float64(d/2))
}

func (fl *Follower) recordRound(err error, failures int) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.status.Failures = failures
	if err != nil {
		fl.status.LastError = err.Error()
		return
	}
	fl.status.LastError = ""
	fl.status.LastSync = fl.cfg.Clock.Now()
}

// noteProgress copies the mirror's progress into the status; fl.mu held
// or not yet shared.
func (fl *Follower) noteProgress() {
	fl.status.Verified, fl.status.Acked = fl.m.st.Verified, fl.m.st.Acked
	if fl.m.cp != nil {
		fl.status.Checkpoint = fl.m.cp.Size
	}
}

// round syncs the peer's log, acknowledges what is new, and compares the
// checkpoints the peer holds for every log with this node's copies.
func (fl *Follower) round(ctx context.Context) error {
	if err := fl.sync(ctx); err != nil {
		return err
	}
	if err := fl.ack(ctx); err != nil {
		return err
	}
	return fl.exchange(ctx)
}

// sync fetches the peer's checkpoint and every entry up to it.
func (fl *Follower) sync(ctx context.Context) error {
	signed, err := fl.f.checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("fetching checkpoint: %w", err)
	}
	v := fl.cfg.Log
	cp, _, _, err := log.ParseCheckpoint(signed, v.Name(), v)
	if err != nil {
		return fmt.Errorf("%w: checkpoint: %v", ErrBadData, err)
	}
	hr := tlog.TileHashReader(tlog.Tree{N: int64(cp.Size), Hash: tlogHash(cp.Hash)}, newTiles(ctx, fl.f))
	if err := fl.checkNew(ctx, signed, cp, hr); err != nil {
		return err
	}
	for {
		fl.mu.Lock()
		done := fl.m.Size()
		fl.mu.Unlock()
		if done >= cp.Size {
			break
		}
		if err := fl.copyBundle(ctx, done/layout.EntryBundleWidth, signed, cp, hr); err != nil {
			return err
		}
	}
	return fl.commitCheckpoint(signed, cp)
}

// commitCheckpoint records a checkpoint the mirror holds in full (a new
// one of the same tree, e.g. with more cosignatures, or the target of a
// finished copy).
func (fl *Follower) commitCheckpoint(signed []byte, cp *log.Checkpoint) error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.m.st.Checkpoint == string(signed) && fl.m.Checkpoint() != nil {
		return nil
	}
	st := fl.m.st
	st.Checkpoint = string(signed)
	if err := fl.m.commit(st); err != nil {
		return err
	}
	fl.noteProgress()
	return nil
}

// checkNew checks a newly fetched checkpoint against the last one
// recorded, and writes evidence if they are inconsistent.
func (fl *Follower) checkNew(ctx context.Context, signed []byte, cp *log.Checkpoint, hr tlog.HashReader) error {
	fl.mu.Lock()
	known, knownSigned := fl.m.cp, []byte(fl.m.st.Checkpoint)
	fl.mu.Unlock()
	switch {
	case known == nil:
		return nil
	case cp.Size < known.Size:
		return fl.compare(ctx, signed, "peer "+fl.cfg.URL.String(), true)
	case known.Size == 0:
		return nil
	case cp.Size == known.Size:
		if !bytes.Equal(cp.Hash, known.Hash) {
			return fl.fork(ctx, knownSigned, signed, cp.Hash, nil, "this node's copy", "peer "+fl.cfg.URL.String())
		}
		return nil
	}
	prefix, err := tlog.TreeHash(int64(known.Size), hr)
	if err != nil {
		return fmt.Errorf("%w: hash tiles: %v", ErrBadData, err)
	}
	if prefix == tlogHash(known.Hash) {
		return nil
	}
	var prf tlog.TreeProof
	if known.Size > 0 {
		prf, err = tlog.ProveTree(int64(cp.Size), int64(known.Size), hr)
	}
	if err != nil {
		return fmt.Errorf("%w: hash tiles: %v", ErrBadData, err)
	}
	return fl.fork(ctx, knownSigned, signed, prefix[:], hashBytes(prf), "this node's copy", "peer "+fl.cfg.URL.String())
}

// fork writes evidence that older and newer are inconsistent and returns
// ErrFork.
func (fl *Follower) fork(ctx context.Context, older, newer, prefix []byte, prf [][]byte, sources ...string) error {
	ev, err := fl.set.evidence(ctx, fl.cfg.LogVKey, older, newer, prefix, prf, sources)
	if err != nil {
		return fmt.Errorf("%w (and its evidence failed: %v)", ErrFork, err)
	}
	return fmt.Errorf("%w: %s", ErrFork, ev)
}

// compare checks a checkpoint of the peer's log that some node holds
// against this node's copy: a smaller tree must be a prefix of it. It
// writes evidence if not; it cannot judge a larger tree than the copy.
func (fl *Follower) compare(ctx context.Context, signed []byte, source string, fromPeer bool) error {
	v := fl.cfg.Log
	cp, _, _, err := log.ParseCheckpoint(signed, v.Name(), v)
	if err != nil {
		return fmt.Errorf("%w: checkpoint from %s: %v", ErrBadData, source, err)
	}
	fl.mu.Lock()
	known, knownSigned := fl.m.cp, []byte(fl.m.st.Checkpoint)
	complete := known != nil && fl.m.Size() == known.Size
	if !complete || cp.Size > known.Size || cp.Size == 0 {
		fl.mu.Unlock()
		return nil
	}
	prefix := fl.m.root(cp.Size)
	prf, err := fl.m.prove(cp.Size, known.Size)
	fl.mu.Unlock()
	if err != nil {
		return err
	}
	if prefix == tlogHash(cp.Hash) {
		if cp.Size < known.Size && fromPeer {
			return fmt.Errorf("%w: size %d, %d seen before", ErrRollback, cp.Size, known.Size)
		}
		return nil
	}
	if cp.Size == known.Size {
		prf = nil
	}
	return fl.fork(ctx, signed, knownSigned, prefix[:], prf, source, "this node's copy")
}

// copyBundle fetches entry bundle b of the tree cp, checks every new
// entry and the tree they make against the authenticated hash tiles hr,
// and only then stores them and records the progress.
func (fl *Follower) copyBundle(ctx context.Context, b uint64, signed []byte, cp *log.Checkpoint, hr tlog.HashReader) error {
	entries, err := fl.f.bundle(ctx, b, cp.Size)
	if err != nil {
		return fmt.Errorf("fetching entries: %w", err)
	}
	fl.mu.Lock()
	start := fl.m.Size() - b*layout.EntryBundleWidth
	fl.mu.Unlock()
	if err := fl.openAll(b*layout.EntryBundleWidth+start, entries[start:]); err != nil {
		return err
	}
	end := b*layout.EntryBundleWidth + uint64(len(entries))
	want, err := tlog.TreeHash(int64(end), hr)
	if err != nil {
		return fmt.Errorf("%w: hash tiles: %v", ErrBadData, err)
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	old := fl.m.Size()
	if !fl.sameLeaves(b, entries[:start]) {
		return fmt.Errorf("%w: entry bundle %d rewrites entries already verified", ErrBadData, b)
	}
	if err := fl.m.add(entries[start:]); err != nil {
		return err
	}
	if fl.m.root(end) != want {
		fl.m.truncate(old)
		return fmt.Errorf("%w: entries %d-%d do not match the signed tree", ErrBadData, old, end-1)
	}
	return fl.store(b, old, end, entries, signed, cp)
}

// store writes a verified bundle and the tiles it changes, then records
// the progress; on failure the in-memory tree is rolled back.
func (fl *Follower) store(b, old, end uint64, entries [][]byte, signed []byte, cp *log.Checkpoint) error {
	st := fl.m.st
	st.Checkpoint, st.Verified = string(signed), end
	err := errors.Join(fl.m.writeBundle(b, cp.Size, entries), fl.m.writeTiles(old, end))
	if err == nil {
		err = fl.m.commit(st)
	}
	if err != nil {
		fl.m.truncate(old)
		return fmt.Errorf("storing entries: %w", err)
	}
	fl.noteProgress()
	return nil
}

// sameLeaves reports whether entries are the leaves the mirror holds at
// the start of bundle b.
func (fl *Follower) sameLeaves(b uint64, entries [][]byte) bool {
	for i, e := range entries {
		idx := tlog.StoredHashIndex(0, int64(b*layout.EntryBundleWidth)+int64(i))
		if fl.m.hashes[idx] != tlog.RecordHash(e) {
			return false
		}
	}
	return true
}

// openAll opens every entry with the peer's key, in parallel, and checks
// it is of the peer's log.
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

package peer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/tlog"
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

	recorded chan struct{} // signalled when the copy records progress
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
	fl := &Follower{cfg: cfg, set: set, m: m, f: &fetcher{client: cfg.Client, base: cfg.URL, token: cfg.Token},
		recorded: make(chan struct{}, 1)}
	fl.status = Status{Party: cfg.Party, Origin: cfg.Log.Name(), URL: cfg.URL.String()}
	fl.noteProgress()
	if cfg.Acked != nil {
		cfg.Acked.forget(cfg.Log.Name(), m.st.Acked)
	}
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
// checkpoints the peer holds for every log with this node's copies. The
// entries are ingested and acknowledged while the copy goes on, as soon as
// each record of its progress makes them durable.
func (fl *Follower) round(ctx context.Context) error {
	done := make(chan struct{})
	acked := make(chan error, 1)
	go func() { acked <- fl.ackWhile(ctx, done) }()
	err := fl.sync(ctx)
	close(done)
	if ackErr := <-acked; err == nil {
		err = ackErr
	}
	if err != nil {
		return err
	}
	return fl.exchange(ctx)
}

// ackWhile acknowledges what the copy records as verified, each time it
// records some, until done is closed, and then once more.
func (fl *Follower) ackWhile(ctx context.Context, done <-chan struct{}) error {
	for {
		select {
		case <-done:
			return fl.ack(ctx)
		case <-fl.recorded:
			if err := fl.ack(ctx); err != nil {
				return err
			}
		}
	}
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
	if err := fl.copyAll(ctx, signed, cp, hr); err != nil {
		return err
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
	prefix, err := fl.m.root(cp.Size)
	var prf [][]byte
	if err == nil {
		prf, err = fl.m.prove(cp.Size, known.Size)
	}
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

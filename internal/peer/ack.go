package peer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sync/errgroup"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/ledger"
)

// AckIndex is the set of peer entries the node's own log acknowledges,
// read from the log at start-up and kept up to date by the followers, so
// that an entry is acknowledged once even if the node crashed after
// appending its acknowledgement and before recording its progress. Each
// follower forgets the entries below its recorded progress, which it
// never acknowledges again, so the index holds the entries of at most a
// few batches per peer, not one per entry of the log.
//
// Concurrency: safe for concurrent use.
type AckIndex struct {
	mu    sync.Mutex
	acked map[string]map[uint64]bool // by origin
}

// ReadAcks reads the acknowledgements in the node's own log from src, of
// the log of key v, keeping those of entries at or past done[origin], the
// progress each follower recorded ([Recorded]): a follower never
// acknowledges an entry below it again. The node wrote the log and
// Tessera stored it durably, so the entries' signatures are not checked
// again (ledger.Reread); `accord fsck` checks them.
func ReadAcks(ctx context.Context, src ledger.Source, v note.Verifier, done map[string]uint64) (*AckIndex, error) {
	x := &AckIndex{acked: map[string]map[uint64]bool{}}
	cp, _, err := ledger.ReadCheckpoint(ctx, src, v)
	if err != nil {
		return nil, err
	}
	err = ledger.Reread(ctx, src, v, 0, cp.Size, func(r ledger.Record) error {
		if r.Entry.Kind != entry.Acknowledgement {
			return nil
		}
		a, err := body.ParseAcknowledgement(r.Entry.Body)
		if err != nil {
			return nil // not an acknowledgement this node writes
		}
		if a.Entry.Index >= done[a.Entry.Origin] {
			x.add(a.Entry.Origin, a.Entry.Index)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading own acknowledgements: %w", err)
	}
	return x, nil
}

// Recorded returns how many entries of the peer's log the follower whose
// mirror is in dir (DIR/peers/P) recorded as ingested and acknowledged: 0
// if it recorded nothing yet.
func Recorded(dir string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), err)
	}
	return st.Acked, nil
}

func (x *AckIndex) add(origin string, index uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	m, ok := x.acked[origin]
	if !ok {
		m = map[uint64]bool{}
		x.acked[origin] = m
	}
	m[index] = true
}

// forget forgets the acknowledgements of the entries of origin below
// index n. It keeps the others in a new map: Go maps do not shrink when
// entries are deleted (golang/go#20135), and the map read at start-up
// holds every acknowledgement in the own log.
func (x *AckIndex) forget(origin string, n uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	kept := map[uint64]bool{}
	for i := range x.acked[origin] {
		if i >= n {
			kept[i] = true
		}
	}
	x.acked[origin] = kept
}

// Has reports whether the own log acknowledges entry index of origin.
func (x *AckIndex) Has(origin string, index uint64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.acked[origin][index]
}

// Count returns how many entries of origin the own log acknowledges.
func (x *AckIndex) Count(origin string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.acked[origin])
}

// acknowledges reports whether an entry of kind k is acknowledged: every
// kind but acknowledgements, which would be acknowledged back and forth
// for ever.
func acknowledges(k entry.Kind) bool { return k != entry.Acknowledgement }

// ackEntry returns the acknowledgement of entry index of origin with the
// given leaf hash, dated now.
func ackEntry(origin string, index uint64, leaf [32]byte, now time.Time) (entry.Entry, error) {
	a := body.Acknowledgement{Entry: body.Ref{Origin: origin, Index: index, LeafHash: body.Hash(leaf)}}
	body, err := a.Encode()
	if err != nil {
		return entry.Entry{}, err
	}
	now = now.UTC()
	return entry.Entry{
		Kind:      entry.Acknowledgement,
		Effective: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
		Body:      body,
	}, nil
}

// ackPipeline is how many batches may have acknowledgements waiting for
// the own log's checkpoint while the next batch is ingested: enough to
// cover a checkpoint interval and a round of witness cosigning at full
// ingestion speed.
const ackPipeline = 8

// ack ingests and acknowledges the verified entries not yet
// acknowledged, a batch at a time. Batches are ingested in order while
// the acknowledgements of up to ackPipeline earlier batches wait for the
// own log's checkpoint, so that the database and the log work at once;
// progress is recorded in order, for each batch once all its
// acknowledgements are published.
func (fl *Follower) ack(ctx context.Context) error {
	fl.mu.Lock()
	from, verified := fl.m.st.Acked, fl.m.st.Verified
	fl.mu.Unlock()
	var pending []*pendingAcks
	var err error
	for from < verified && err == nil {
		to := min(verified, from+ackBatch-from%ackBatch)
		var b *pendingAcks
		b, err = fl.ingestRange(ctx, from, to)
		if b != nil {
			pending = append(pending, b)
		}
		for err == nil && len(pending) > ackPipeline {
			err = fl.finish(pending[0])
			pending = pending[1:]
		}
		from = to
	}
	for _, b := range pending {
		if err == nil {
			err = fl.finish(b)
		} else {
			b.g.Wait() // no acknowledgement left running
		}
	}
	return err
}

// pendingAcks is a batch of entries ingested whose acknowledgements are being
// appended.
type pendingAcks struct {
	to uint64
	g  errgroup.Group
}

// ingestRange ingests entries [from, to) in order and starts appending
// the missing acknowledgements concurrently.
func (fl *Follower) ingestRange(ctx context.Context, from, to uint64) (*pendingAcks, error) {
	recs, err := fl.readMirrored(from, to)
	if err != nil {
		return nil, err
	}
	origin := fl.cfg.Log.Name()
	b := &pendingAcks{to: to}
	bi, batched := fl.cfg.Ingester.(BatchIngester)
	if batched {
		es := make([]Ingested, len(recs))
		for i, r := range recs {
			es[i] = Ingested{*r.e, r.raw}
		}
		if err := bi.IngestAll(ctx, fl.cfg.Party, from, es); err != nil {
			return b, fmt.Errorf("ingesting entries %d to %d: %w", from, to-1, err)
		}
	}
	for i, r := range recs {
		index := from + uint64(i)
		if !batched {
			if err := fl.cfg.Ingester.Ingest(ctx, fl.cfg.Party, index, *r.e, r.raw); err != nil {
				return b, fmt.Errorf("ingesting entry %d: %w", index, err)
			}
		}
		if fl.cfg.Acks == nil || !acknowledges(r.e.Kind) || fl.cfg.Acked.Has(origin, index) {
			continue
		}
		b.g.Go(func() error { return fl.appendAck(ctx, origin, index, r.raw) })
	}
	return b, nil
}

// finish waits for a batch's acknowledgements and records the progress.
func (fl *Follower) finish(b *pendingAcks) error {
	if err := b.g.Wait(); err != nil {
		return err
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	st := fl.m.st
	st.Acked = b.to
	if err := fl.m.commit(st); err != nil {
		return err
	}
	fl.noteProgress()
	if fl.cfg.Acked != nil {
		fl.cfg.Acked.forget(fl.cfg.Log.Name(), b.to)
	}
	return nil
}

func (fl *Follower) appendAck(ctx context.Context, origin string, index uint64, raw []byte) error {
	e, err := ackEntry(origin, index, entry.LeafHash(raw), fl.cfg.Clock.Now())
	if err != nil {
		return err
	}
	a, err := fl.cfg.Acks.Append(ctx, e)
	if err != nil {
		return fmt.Errorf("acknowledging entry %d: %w", index, err)
	}
	fl.cfg.Acked.add(origin, index)
	fl.cfg.Logger.DebugContext(ctx, "acknowledged entry", "index", index, "ack", a.Index)
	return nil
}

type mirrored struct {
	e   *entry.Entry
	raw []byte
}

// readMirrored reads entries [from, to) of one bundle from the mirror.
// They were verified when copied and are below the recorded mark of what
// was (the state's Verified), so their signatures are not checked again:
// only their encoding, log and key (ledger.Parse).
func (fl *Follower) readMirrored(from, to uint64) ([]mirrored, error) {
	fl.mu.Lock()
	size := fl.m.st.Verified
	fl.mu.Unlock()
	b := from / layout.EntryBundleWidth
	path := filepath.Join(fl.cfg.Dir, logDir, layout.EntriesPath(b, layout.PartialTileSize(0, b, size)))
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("mirrored bundle %d: %w", b, err)
	}
	lo, hi := from-b*layout.EntryBundleWidth, to-b*layout.EntryBundleWidth
	if uint64(len(eb.Entries)) < hi {
		return nil, fmt.Errorf("mirrored bundle %d: %d entries, want %d", b, len(eb.Entries), hi)
	}
	var out []mirrored
	for i, r := range eb.Entries[lo:hi] {
		e, err := ledger.Parse(r, fl.cfg.Log)
		if err != nil {
			return nil, fmt.Errorf("mirrored entry %d: %w", from+uint64(i), err)
		}
		out = append(out, mirrored{e, r})
	}
	return out, nil
}

package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/transparency-dev/tessera"

	"accord/entry"
)

// Appended describes an entry once it is in the log.
type Appended struct {
	Index      uint64   // the entry's index in the log
	LeafHash   [32]byte // the Merkle leaf hash of Entry
	Entry      []byte   // the encoded, signed entry
	Checkpoint []byte   // a published signed checkpoint that covers it
}

// Append validates e, signs it with the log key and appends it. e.Treaty
// and e.Party must be the log's, or empty to mean the log's; a zero
// e.Created is set from the log's clock, truncated to the millisecond.
// e.Body must already be canonical ([entry.CanonicalJSON]).
//
// Append returns only when the entry is durably sequenced and covered by a
// published checkpoint. If it fails before the entry is queued (bad input,
// oversized entry, wrong log), nothing is appended. If ctx ends after
// that, the entry may still appear in the log.
func (l *Log) Append(ctx context.Context, e entry.Entry) (Appended, error) {
	p, err := l.Sequence(ctx, e)
	if err != nil {
		return Appended{}, err
	}
	return p.Await(ctx)
}

// A Sequenced entry has its index in the log and is durably stored in
// the log's entry bundles and tiles (Tessera's POSIX driver integrates
// as it sequences), but may not be covered by a published checkpoint yet:
// Await waits for that.
type Sequenced struct {
	Appended // without Checkpoint
	log      *Log
	kind     entry.Kind
	idx      tessera.Index
}

// Sequence is Append without the wait for a checkpoint: it returns once
// e is durably sequenced, so a caller that orders appends under a lock
// can release it before the checkpoint, which may wait for witnesses.
// Bad input appends nothing, as for Append.
func (l *Log) Sequence(ctx context.Context, e entry.Entry) (*Sequenced, error) {
	b, err := l.sign(&e)
	if err != nil {
		return nil, err
	}
	idx, err := l.queue(ctx, b)()
	if err != nil {
		return nil, fmt.Errorf("appending %s entry: %w", e.Kind, err)
	}
	return &Sequenced{Appended: Appended{Index: idx.Index, LeafHash: entry.LeafHash(b), Entry: b}, log: l, kind: e.Kind, idx: idx}, nil
}

// Await waits until a published checkpoint covers the entry, and returns
// where it landed with that checkpoint.
func (s *Sequenced) Await(ctx context.Context) (Appended, error) {
	_, cp, err := s.log.awaiter.Await(ctx, func() (tessera.Index, error) { return s.idx, nil })
	if err != nil {
		return Appended{}, fmt.Errorf("awaiting a checkpoint covering %s entry %d: %w", s.kind, s.Index, err)
	}
	a := s.Appended
	a.Checkpoint = cp
	s.log.logger.DebugContext(ctx, "appended entry", "index", a.Index, "kind", s.kind)
	return a, nil
}

// queue hands b to Tessera under l.mu, which fixes its place in the order.
func (l *Log) queue(ctx context.Context, b []byte) tessera.IndexFuture {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.add(ctx, tessera.NewEntry(b))
}

// sign completes, validates and signs e.
func (l *Log) sign(e *entry.Entry) ([]byte, error) {
	if e.Treaty == "" && e.Party == "" {
		e.Treaty, e.Party = l.treaty, l.party
	}
	if e.Treaty != l.treaty || e.Party != l.party {
		return nil, fmt.Errorf("%w: entry of %s, log of %s", ErrWrongLog, e.Origin(), l.Origin())
	}
	if e.Created.IsZero() {
		e.Created = l.clock().UTC().Truncate(time.Millisecond)
	}
	if l.check != nil {
		if err := l.check(e); err != nil {
			return nil, fmt.Errorf("refusing %s entry: %w", e.Kind, err)
		}
	}
	b, err := entry.Sign(e, l.signer)
	if err != nil {
		return nil, fmt.Errorf("refusing %s entry: %w", e.Kind, err)
	}
	return b, nil
}

// AppendRuns appends runs of entries: the entries of one run in no
// guaranteed order (they must not depend on each other), every run after
// the whole run before it. Each run waits only until it is sequenced, so
// a long ordered history needs one checkpoint, not one per run. It
// returns, run by run in the order given, where each entry landed, once
// every entry is durably sequenced and covered by a published checkpoint.
//
// Entries are checked and signed as their run is queued. On an error the
// runs queued before it may be in the log; nothing of a run that fails
// its checks is.
func (l *Log) AppendRuns(ctx context.Context, runs [][]entry.Entry) ([][]Appended, error) {
	out := make([][]Appended, len(runs))
	var last tessera.Index
	queued := false
	for r, run := range runs {
		bs := make([][]byte, len(run))
		for i := range run {
			b, err := l.sign(&run[i])
			if err != nil {
				return nil, fmt.Errorf("run %d, entry %d: %w", r, i, err)
			}
			bs[i] = b
		}
		fs := make([]tessera.IndexFuture, len(bs))
		for i, b := range bs {
			fs[i] = l.queue(ctx, b)
		}
		out[r] = make([]Appended, len(bs))
		for i, f := range fs {
			idx, err := f()
			if err != nil {
				return nil, fmt.Errorf("run %d, appending %s entry: %w", r, run[i].Kind, err)
			}
			out[r][i] = Appended{Index: idx.Index, LeafHash: entry.LeafHash(bs[i]), Entry: bs[i]}
			if !queued || idx.Index > last.Index {
				last, queued = idx, true
			}
		}
	}
	if !queued {
		return out, nil
	}
	_, cp, err := l.awaiter.Await(ctx, func() (tessera.Index, error) { return last, nil })
	if err != nil {
		return nil, fmt.Errorf("awaiting a checkpoint covering entry %d: %w", last.Index, err)
	}
	for _, run := range out {
		for i := range run {
			run[i].Checkpoint = cp
		}
	}
	l.logger.DebugContext(ctx, "appended runs", "runs", len(runs), "last", last.Index)
	return out, nil
}

// Await waits until a published checkpoint covers entry index, which
// this process or an earlier one sequenced, and returns that checkpoint.
func (l *Log) Await(ctx context.Context, index uint64) ([]byte, error) {
	_, cp, err := l.awaiter.Await(ctx, func() (tessera.Index, error) { return tessera.Index{Index: index}, nil })
	if err != nil {
		return nil, fmt.Errorf("awaiting a checkpoint covering entry %d: %w", index, err)
	}
	return cp, nil
}

// Package peer follows the other parties' logs. A [Follower] per peer
// fetches the peer's checkpoint and tiles (c2sp.org/tlog-tiles), checks
// the checkpoint's signature and its consistency with everything seen
// before, opens and checks every new entry, keeps a verified copy of the
// log in the node's data directory ([Mirror]), hands each entry to an
// [Ingester] in log order, and appends an acknowledgement of it to the
// node's own log. A [Set] of followers also compares the checkpoints other
// nodes hold for every log, and writes evidence of any split view.
//
// Trust model: a peer is not trusted: at most it withholds data or serves
// data that fails a check, in which case nothing of it is stored,
// ingested or acknowledged, and the follower retries with backoff. A
// checkpoint signed by the peer's key that contradicts another is kept as
// evidence (package evidence). The data directory is trusted by the node:
// whoever rewrites DIR/peers/P can make it accept a fork it saw before.
package peer

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/internal/ledger"
)

// Errors a follower reports in its status.
var (
	// ErrFork reports a peer log that is not consistent with a checkpoint
	// seen before; evidence has been written and the follower stops
	// advancing that log.
	ErrFork = errors.New("peer log is inconsistent with what was seen before")
	// ErrRollback reports a peer serving a smaller checkpoint than one
	// seen before but consistent with it (stale, or rolled back): the
	// follower waits for the log to catch up.
	ErrRollback = errors.New("peer serves an older checkpoint than one seen before")
	// ErrBadData reports data from the peer that fails a check (a tile or
	// bundle that does not match the signed tree, an entry that does not
	// open); nothing of it is kept.
	ErrBadData = errors.New("peer served data that fails verification")
)

// Ingester receives every verified entry of every peer log, in log order
// per peer, before it is acknowledged.
//
// Concurrency: Ingest is called from one goroutine per peer, so calls for
// different peers may run concurrently. Durability and errors: Ingest may
// be called again with an entry it already ingested (after a crash
// between Ingest and the follower recording its progress), with the same
// index and bytes, and must then do nothing and return nil. An error
// stops the follower's acknowledgements at that entry; it is retried with
// backoff.
type Ingester interface {
	Ingest(ctx context.Context, peer string, index uint64, e entry.Entry, raw []byte) error
}

// BatchIngester is an Ingester that also takes a run of consecutive
// entries of one peer's log at once (in one database transaction, say):
// the follower then calls IngestAll for each batch (up to 256 entries)
// instead of Ingest for each entry. The rules of Ingest hold for every
// entry; an error means the follower ingests the batch again later.
type BatchIngester interface {
	Ingester
	IngestAll(ctx context.Context, peer string, from uint64, es []Ingested) error
}

// Ingested is one verified entry handed to a BatchIngester.
type Ingested struct {
	Entry entry.Entry
	Raw   []byte // the entry as signed and logged
}

// NopIngester ingests nothing.
type NopIngester struct{}

func (NopIngester) Ingest(context.Context, string, uint64, entry.Entry, []byte) error { return nil }

// Appender appends entries to the node's own log, durably: Append returns
// once the entry is covered by a published checkpoint. *ledger.Log is one.
// It must be safe for concurrent use.
type Appender interface {
	Append(ctx context.Context, e entry.Entry) (ledger.Appended, error)
}

// Clock is the time source of followers, injectable for tests.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config configures a Follower.
type Config struct {
	Party   string        // the peer's party
	Log     note.Verifier // the peer's log key; its name is the log's origin
	LogVKey string        // the same key as text, for evidence
	URL     *url.URL      // the peer node's base URL
	Token   string        // bearer token for the peer's entry bundles
	Client  *http.Client  // carries the per-request timeout
	Dir     string        // DIR/peers/<party>

	Interval   time.Duration // between polls when all is well
	MaxBackoff time.Duration // longest wait after failures

	Ingester Ingester // NopIngester if nil
	Acks     Appender // the node's own log; nil appends no acknowledgements
	Acked    *AckIndex
	Node     string // the node's own origin, named in evidence

	Clock  Clock          // real time if nil
	Jitter func() float64 // in [0,1); math/rand/v2 if nil
	Logger *slog.Logger
}

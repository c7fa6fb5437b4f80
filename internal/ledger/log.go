package ledger

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"

	"accord/entry"
)

// Default timings. A CLI append waits for a checkpoint, so they are short.
const (
	// DefaultCheckpointInterval is how often a new checkpoint is signed and
	// published; Tessera's POSIX driver allows no less than 100ms.
	DefaultCheckpointInterval = 100 * time.Millisecond
	// DefaultBatchMaxAge is how long an entry may wait to be sequenced
	// with others in one batch.
	DefaultBatchMaxAge = 10 * time.Millisecond
	// DefaultBatchMaxSize is the most entries sequenced in one batch.
	DefaultBatchMaxSize = 256
	// pollPeriod is how often Append looks for a new published checkpoint.
	pollPeriod = 10 * time.Millisecond
	// shutdownTimeout bounds how long Close waits for the last checkpoint.
	shutdownTimeout = 10 * time.Second
)

// Options configure a [Log].
type Options struct {
	Dir    string      // the directory holding the log's tiles and checkpoint
	Signer note.Signer // the log key; its name is the origin accord/<treaty>/<party>
	// Verifier is the log key's public half; if set, Open also checks the
	// signature of the checkpoint it finds (see [CheckEdge]).
	Verifier note.Verifier

	// Check, if set, validates each entry before it is signed (for
	// example against the treaty definition). An error refuses the entry.
	Check func(*entry.Entry) error

	Clock              func() time.Time // time of new entries; time.Now if nil
	Logger             *slog.Logger     // discarded if nil
	CheckpointInterval time.Duration    // DefaultCheckpointInterval if zero
	BatchMaxAge        time.Duration    // DefaultBatchMaxAge if zero
	BatchMaxSize       uint             // DefaultBatchMaxSize if zero

	// Witnesses, if set, must cosign each checkpoint before it is
	// published (c2sp.org/tlog-witness), under WitnessOptions; HTTPClient
	// reaches them (http.DefaultClient if nil).
	Witnesses      *tessera.WitnessGroup
	WitnessOptions tessera.WitnessOptions
	HTTPClient     *http.Client
}

// Log is a party's log opened for appending.
//
// Append is safe for concurrent use. Entries are queued for sequencing in
// the order their Append calls take the queue lock, and Tessera sequences
// its queue in order, so an entry appended after another Append returned
// always has a higher index: a caller whose entry depends on another
// appends it once the first Append has returned.
type Log struct {
	treaty, party string
	signer        note.Signer
	check         func(*entry.Entry) error
	clock         func() time.Time
	logger        *slog.Logger

	mu       sync.Mutex // held while an entry is queued, to fix its order
	add      tessera.AddFn
	awaiter  *tessera.PublicationAwaiter
	reader   tessera.LogReader
	shutdown func(context.Context) error
	cancel   context.CancelFunc
}

// Open opens the log in opts.Dir for appending, creating an empty log
// with a signed checkpoint of size 0 if there is none. Only one process
// may append to a log at a time. Close releases it.
func Open(ctx context.Context, opts Options) (*Log, error) {
	treaty, party, err := entry.ParseOrigin(opts.Signer.Name())
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	l := &Log{treaty: treaty, party: party, signer: opts.Signer, check: opts.Check,
		clock: opts.Clock, logger: opts.Logger}
	if l.clock == nil {
		l.clock = time.Now
	}
	if l.logger == nil {
		l.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	quietTessera(l.logger)
	if err := l.start(ctx, opts); err != nil {
		return nil, fmt.Errorf("opening log in %s: %w", opts.Dir, err)
	}
	return l, nil
}

func (l *Log) start(ctx context.Context, opts Options) error {
	// A new checkpoint is computed from the tiles on the tree's right
	// edge: check them before Tessera signs anything from them.
	if err := CheckEdge(ctx, opts.Dir, opts.Verifier); err != nil {
		return err
	}
	driver, err := posix.New(ctx, posix.Config{Path: opts.Dir, HTTPClient: opts.HTTPClient})
	if err != nil {
		return err
	}
	// The lifecycle outlives the ctx of Open: Close ends it.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	app, shutdown, reader, err := tessera.NewAppender(lctx, driver, appendOptions(opts))
	if err != nil {
		cancel()
		return err
	}
	l.add, l.shutdown, l.reader, l.cancel = app.Add, shutdown, reader, cancel
	l.awaiter = tessera.NewPublicationAwaiter(lctx, reader.ReadCheckpoint, pollPeriod)
	return nil
}

func appendOptions(opts Options) *tessera.AppendOptions {
	cpi := cmp(opts.CheckpointInterval, DefaultCheckpointInterval)
	o := tessera.NewAppendOptions()
	if opts.Witnesses != nil {
		wo := opts.WitnessOptions
		o = o.WithWitnesses(*opts.Witnesses, &wo)
	}
	return o.
		WithCheckpointSigner(opts.Signer).
		WithCheckpointInterval(cpi).
		WithCheckpointRepublishInterval(max(cpi, time.Minute)).
		WithBatching(cmp(opts.BatchMaxSize, DefaultBatchMaxSize), cmp(opts.BatchMaxAge, DefaultBatchMaxAge)).
		WithShutdownTimeout(shutdownTimeout)
}

// cmp returns v, or def if v is zero.
func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Origin returns the log's origin, accord/<treaty>/<party>.
func (l *Log) Origin() string { return l.signer.Name() }

// Close waits until every appended entry is covered by a published
// checkpoint (at most ten seconds), then stops the log.
func (l *Log) Close(ctx context.Context) error {
	defer l.cancel()
	if err := l.shutdown(ctx); err != nil {
		return fmt.Errorf("closing log: %w", err)
	}
	return nil
}

var quietOnce sync.Once

// quietTessera sends Tessera's klog output to logger, errors only: its
// informational messages are noise for accord's users.
func quietTessera(logger *slog.Logger) {
	quietOnce.Do(func() {
		klog.SetSlogLogger(slog.New(errorsOnly{logger.Handler()}))
	})
}

// errorsOnly drops records below slog.LevelError.
type errorsOnly struct{ slog.Handler }

func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && h.Handler.Enabled(ctx, l)
}
func (h errorsOnly) WithAttrs(a []slog.Attr) slog.Handler { return errorsOnly{h.Handler.WithAttrs(a)} }
func (h errorsOnly) WithGroup(n string) slog.Handler      { return errorsOnly{h.Handler.WithGroup(n)} }

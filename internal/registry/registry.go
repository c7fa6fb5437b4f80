// Package registry is the treaty database: a projection of every log a
// node holds into an embedded SQLite store (or a PostgreSQL database,
// Config.DSN) of parties, facilities, items
// with their full history, notifications with their deadlines, and
// acknowledgements; and the rules judged on that history.
//
// The rules it owns are those that read a party's history, each a query
// answered in one read transaction: whether a notification is valid
// against the sender's items ([Registry.Check], check.go), which
// notifications are due and when (schedule.go, notice.go), acknowledgement
// windows, refused entries and omissions from a statement of holdings
// ([Registry.Findings], finding.go, omitted.go), and inspection quotas
// per treaty year ([Registry.Status], status.go). Counting and limits are
// package engine's, which [Registry.Status] calls; docs/architecture.md
// says which package owns which rule.
//
// The logs are the only source of truth. [Registry.Apply] ingests
// already-verified entries in log order, one log at a time or interleaved;
// the database it builds is a pure function of the logs, so a registry
// rebuilt from the same logs answers every query with byte-identical
// results. [Registry.Check] validates a notification against the treaty
// and the sending party's current database without writing anything: a
// node calls it before it signs and appends.
//
// Time is bitemporal. Every item fact has an effective date (when it
// took effect) and a recorded time (the created time of the entry that
// stated it). Corrections add facts and never overwrite: [Registry.Inventory]
// answers "what P declared, as known at TIME, about DATE".
//
// docs/database.md describes the database and its rules,
// docs/notifications.md the notification and acknowledgement bodies.
package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// schemaVersion is raised on every change to the schema; a database of
// another version is rebuilt from the logs, never migrated.
const schemaVersion = "8"

// DefaultAckWindow is how long a receiving party has to acknowledge a
// notification when the registry's Config does not say.
const DefaultAckWindow = 24 * time.Hour

// Errors callers branch on.
var (
	// ErrGap reports a record whose index is past the next one the
	// registry expects from its log: an entry would be skipped.
	ErrGap = errors.New("gap in log")
	// ErrConflict reports a record whose index was already ingested with
	// another leaf hash: two different histories of one log.
	ErrConflict = errors.New("conflicting entry")
	// ErrWrongLog reports a record whose origin is not the log of its
	// party in the registry's treaty.
	ErrWrongLog = errors.New("record of another log")
	// ErrSchema reports a database made by another schema version or for
	// another treaty; rebuild it from the logs.
	ErrSchema = errors.New("database of another schema or treaty")
)

// Config configures a Registry.
type Config struct {
	// Treaty is the treaty every log of the registry belongs to.
	Treaty *treaty.Treaty
	// Path is the SQLite database file; it is created if missing. It is
	// not used when DSN is set.
	Path string
	// DSN, if set, is the PostgreSQL database to use instead of a SQLite
	// file, as a URL (postgres://user:password@host:port/db) or in
	// keyword/value form (docs/database.md, "PostgreSQL"). The database
	// must exist; the registry creates its tables. The DSN never appears
	// in errors or logs.
	DSN string
	// MaxConns bounds the open PostgreSQL connections; zero is no bound.
	MaxConns int
	// AckWindow is how long after a notification is sent the receiving
	// parties have to acknowledge it; zero means the treaty's
	// acknowledgement window, or DefaultAckWindow if it sets none.
	AckWindow time.Duration
	// EntryStatuses are the statuses a new item may first be declared
	// in by anything but an initial statement of holdings (for New
	// START, a newly produced missile is non-deployed). Empty means the
	// treaty's statuses marked entry, or failing that its non-final
	// statuses with the most allowed transitions.
	EntryStatuses []string
	// Followed are the parties whose logs the node follows (its own and
	// its peers'): a party's silence (missing notifications) is judged
	// only if its log is followed, since a node cannot know what a log it
	// does not follow holds. Nil follows every party of the treaty.
	Followed []string
	// Logger receives one line per refused record; nil discards.
	Logger *slog.Logger
}

// A Registry is the treaty database of one treaty.
//
// Concurrency: all methods are safe for concurrent use. Apply calls are
// serialised; queries and Check read the last committed state and never
// block Apply.
//
// Durability: each Apply call is one database transaction: its records are
// all ingested or none is. A committed Apply survives a crash of the
// process; after a power loss the last Apply calls may be lost, and the
// caller resumes from NextIndex (nothing is lost or ingested twice).
//
// Errors: Check returns a *Refusal for a notification that breaks a rule.
// Apply never fails on the content of a verified entry: a refused entry is
// kept, marked refused and reported as a finding, and its facts are left
// out. Apply fails only on ErrGap, ErrConflict, ErrWrongLog or a storage
// error, and then changes nothing.
type Registry struct {
	t       *treaty.Treaty
	db      *sql.DB
	d       *dialect
	window  time.Duration
	entry   map[string]bool // statuses new items may enter in
	follows map[string]bool // parties whose logs are followed; nil: all

	hasWarheads bool // the treaty has a warhead category
	booksMu     sync.Mutex
	books       map[string]*book // each party's warhead book as committed, once read
	log         *slog.Logger
	applyMu     sync.Mutex
	cur         current // Apply's memory of current state; applyMu guards it
	bulk        *bulk   // bulk mode (bulk.go), nil if not; applyMu guards it
}

// dsn is the SQLite data source of the database at path: write-ahead
// logging, synced at checkpoints, waiting up to 10 s for a lock, with
// foreign keys enforced.
func dsn(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the registry database at cfg.Path.
func Open(ctx context.Context, cfg Config) (*Registry, error) {
	if cfg.Treaty == nil {
		return nil, errors.New("registry: no treaty")
	}
	db, d, where, err := openDB(cfg)
	if err != nil {
		return nil, fmt.Errorf("opening registry %s: %w", where, err)
	}
	r := &Registry{t: cfg.Treaty, db: db, d: d, window: cfg.AckWindow, log: cfg.Logger,
		cur: current{latest: map[itemKey]*latest{}, facilities: map[itemKey]bool{}}}
	if a := cfg.Treaty.Acknowledgement; r.window <= 0 && a != nil {
		r.window = a.Within.AddTo(time.Time{}).Sub(time.Time{})
	}
	if r.window <= 0 {
		r.window = DefaultAckWindow
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.entry = entryStatuses(cfg.Treaty, cfg.EntryStatuses)
	r.hasWarheads = slices.ContainsFunc(cfg.Treaty.Categories, func(c treaty.Category) bool { return c.Warhead })
	if cfg.Followed != nil {
		r.follows = map[string]bool{}
		for _, p := range cfg.Followed {
			r.follows[p] = true
		}
	}
	if err := r.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening registry %s: %w", where, damaged(where, err))
	}
	return r, nil
}

// Close closes the database.
func (r *Registry) Close() error { return r.db.Close() }

// Treaty returns the registry's treaty.
func (r *Registry) Treaty() *treaty.Treaty { return r.t }

func (r *Registry) init(ctx context.Context) error {
	if err := r.createSchema(ctx); err != nil {
		return fmt.Errorf("creating schema: %w", err)
	}
	want := map[string]string{"schema": schemaVersion, "treaty": r.t.ID}
	for k, v := range want {
		if _, err := r.db.ExecContext(ctx, r.d.rewrite(`INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)`), k, v); err != nil {
			return err
		}
		var got string
		if err := r.db.QueryRowContext(ctx, r.d.rewrite(`SELECT value FROM meta WHERE key = ?`), k).Scan(&got); err != nil {
			return err
		}
		if got != v {
			return fmt.Errorf("%w: %s is %q, want %q", ErrSchema, k, got, v)
		}
	}
	return nil
}

// entryStatuses returns the statuses new items may be declared in.
func entryStatuses(t *treaty.Treaty, given []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range given {
		m[s] = true
	}
	if len(m) > 0 {
		return m
	}
	for _, s := range t.Statuses {
		if s.Entry {
			m[s.ID] = true
		}
	}
	if len(m) > 0 {
		return m
	}
	most := 0
	for _, s := range t.Statuses {
		most = max(most, len(s.To))
	}
	for _, s := range t.Statuses {
		if len(s.To) == most && most > 0 {
			m[s.ID] = true
		}
	}
	return m
}

// A Record is one verified log entry, as the registry ingests it.
type Record struct {
	Origin    string      // the log's origin, "accord/<treaty>/<party>"
	Party     string      // the party whose log it is
	Index     uint64      // the entry's index in the log
	LeafHash  body.Hash   // the entry's RFC 6962 leaf hash
	Kind      entry.Kind  // what the entry records
	Effective treaty.Date // the entry's effective date
	Recorded  time.Time   // the entry's created time
	Body      []byte      // the entry's canonical JSON body
}

// RecordOf returns the record of e, the entry at index of its log, whose
// encoding (signature included) is encoded.
func RecordOf(e *entry.Entry, index uint64, encoded []byte) Record {
	return Record{
		Origin: e.Origin(), Party: e.Party, Index: index, LeafHash: entry.LeafHash(encoded),
		Kind: e.Kind, Effective: treaty.DateOf(e.Effective), Recorded: e.Created.UTC(), Body: e.Body,
	}
}

// Ref returns the reference to the record's entry.
func (rec *Record) Ref() body.Ref {
	return body.Ref{Origin: rec.Origin, Index: rec.Index, LeafHash: rec.LeafHash}
}

// origin returns the origin of party's log.
func (r *Registry) origin(party string) string { return entry.Origin(r.t.ID, party) }

func (r *Registry) checkOrigin(rec *Record) error {
	if _, ok := r.t.Party(rec.Party); !ok {
		return fmt.Errorf("%w: %s is not a party to %s", ErrWrongLog, rec.Party, r.t.ID)
	}
	if want := entry.Origin(r.t.ID, rec.Party); rec.Origin != want {
		return fmt.Errorf("%w: origin %q, want %q", ErrWrongLog, rec.Origin, want)
	}
	if rec.Effective.IsZero() || rec.Recorded.IsZero() {
		return fmt.Errorf("%w: record %s#%d has no effective date or recorded time", ErrWrongLog, rec.Origin, rec.Index)
	}
	return nil
}

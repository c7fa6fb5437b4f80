// Package office is a party's treaty office: it keeps the node's treaty
// database (package registry) in step with the logs the node holds (its
// own, and the verified mirrors of its peers'), and validates, signs and
// logs the party's notifications and declarations. Each use case is here
// once, for every surface: the command line and the operator API read a
// notification or declaration with ReadNotification or ReadDeclaration
// and record it with Notify or Declare, so both refuse the same input
// with the same message (an *InputError or a *registry.Refusal).
//
// The logs are the only source of truth: the database in DIR/treaty.db is
// rebuilt from them by Reindex, and every Open first applies whatever the
// logs hold that the database does not.
//
// Concurrency: an Office is safe for concurrent use, and several
// processes may open Offices on one data directory (accord serve and
// accord notify, say): every write to the database and every
// notification is made under an exclusive lock on DIR/treaty.lock.
package office

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// Files of the treaty database in a node's data directory.
const (
	DatabaseFile = "treaty.db"
	lockFile     = "treaty.lock"
)

// An Office is a node's treaty office.
type Office struct {
	Node     *node.Node
	Treaty   *treaty.Treaty
	Registry *registry.Registry
	// Clock gives the time notifications are sent; time.Now if nil.
	Clock func() time.Time

	mu      sync.Mutex // serialises this process's writers before the file lock
	lock    *os.File
	logOnce sync.Once
	log     *ledger.Log
	logErr  error
	ownLog  bool // the office opened log and closes it
}

// Open opens the office of the node in dir and brings its database up to
// date with the logs.
func Open(ctx context.Context, dir string, logger *slog.Logger) (*Office, error) {
	n, err := node.Open(ctx, dir, logger)
	if err != nil {
		return nil, err
	}
	return OpenNode(ctx, n)
}

// OpenNode opens the office of an open node.
func OpenNode(ctx context.Context, n *node.Node) (*Office, error) {
	o, err := openAt(ctx, n, filepath.Join(n.Dir, DatabaseFile))
	if err != nil {
		return nil, err
	}
	if err := o.Sync(ctx); err != nil {
		o.Close(ctx)
		return nil, err
	}
	return o, nil
}

// OpenReplica opens the office of a read-only replica of node n: its
// PostgreSQL database as the writing node keeps it, without bringing it
// up to date (the writer does) or writing anything.
func OpenReplica(ctx context.Context, n *node.Node) (*Office, error) {
	if n.Config.Database == "" {
		return nil, errors.New("a read-only replica needs a PostgreSQL treaty database (database: in accord.yaml)")
	}
	return openAt(ctx, n, "")
}

// openAt opens the office with its database at path, as it is.
func openAt(ctx context.Context, n *node.Node, path string) (*Office, error) {
	t, err := treaty.Builtin(n.Config.Treaty)
	if err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(n.Dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	followed := []string{n.Config.Party}
	for _, p := range n.Config.Peers {
		followed = append(followed, p.Party)
	}
	reg, err := registry.Open(ctx, registry.Config{Treaty: t, Path: path, DSN: n.Config.Database, Followed: followed, Logger: n.Logger})
	if errors.Is(err, registry.ErrSchema) || errors.Is(err, registry.ErrDamaged) {
		err = fmt.Errorf("%w: rebuild it from the logs with accord reindex --data %s", err, n.Dir)
	}
	if err != nil {
		lock.Close()
		return nil, err
	}
	return &Office{Node: n, Treaty: t, Registry: reg, lock: lock}, nil
}

// Close closes the database and, if Notify opened it, the log.
func (o *Office) Close(ctx context.Context) error {
	var errs []error
	if o.ownLog {
		errs = append(errs, o.log.Close(ctx))
	}
	errs = append(errs, o.Registry.Close(), o.lock.Close())
	return errors.Join(errs...)
}

func (o *Office) now() time.Time {
	if o.Clock != nil {
		return o.Clock()
	}
	return time.Now()
}

// locked runs fn holding the office's locks.
func (o *Office) locked(fn func() error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := syscall.Flock(int(o.lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", lockFile, err)
	}
	defer syscall.Flock(int(o.lock.Fd()), syscall.LOCK_UN)
	return fn()
}

// Log returns the node's own log, opened for appending on first use
// unless UseLog gave one.
func (o *Office) Log(ctx context.Context) (*ledger.Log, error) {
	o.logOnce.Do(func() {
		o.log, o.logErr = o.Node.OpenLog(ctx)
		o.ownLog = o.logErr == nil
	})
	return o.log, o.logErr
}

// UseLog makes the office append to l, a log the caller opened (a serving
// node's) and closes itself. It must be called before the first Notify.
func (o *Office) UseLog(l *ledger.Log) {
	o.logOnce.Do(func() { o.log = l })
}

// source is one log the office reads: the node's own, or a peer mirror.
type source struct {
	party string
	src   ledger.Source
	v     note.Verifier
	// own is the directory of the node's own log: its entries are read
	// up to what the log has integrated, which a Sequence may have put
	// ahead of the checkpoint. Empty for a peer's mirror.
	own string
}

// sources lists the logs the node holds.
func (o *Office) sources() ([]source, error) {
	out := []source{{o.Node.Config.Party, o.Node.Source(), o.Node.Verifier, filepath.Join(o.Node.Dir, node.LogDir)}}
	for _, p := range o.Node.Config.Peers {
		v, err := note.NewVerifier(p.LogVKey)
		if err != nil {
			return nil, fmt.Errorf("peer %s: log_vkey: %w", p.Party, err)
		}
		dir := filepath.Join(o.Node.Dir, node.PeersDir, p.Party, node.LogDir)
		out = append(out, source{party: p.Party, src: ledger.DirSource(dir), v: v})
	}
	return out, nil
}

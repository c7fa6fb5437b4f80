package office

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// Reindex rebuilds the treaty database of the node in dir from the logs it
// holds, through the registry's bulk path: it builds a new database beside
// the old one and replaces it only when complete, so a failed or killed
// rebuild changes nothing (the next Reindex starts the new one again). It refuses a data
// directory a serving node holds (node.ErrBusy). progress, if not
// nil, is told how many entries were applied and how many there are.
func Reindex(ctx context.Context, dir string, progress func(done, total uint64)) error {
	n, err := node.Open(ctx, dir, nil)
	if err != nil {
		return err
	}
	// A serving node keeps treaty.db open: replacing it under the server
	// would leave the server writing to a deleted file.
	lock, err := n.Lock("accord reindex")
	if err != nil {
		return fmt.Errorf("reindexing: %w (stop accord serve first)", err)
	}
	defer lock.Close()
	if n.Config.Database != "" {
		return reindexPostgres(ctx, n, progress)
	}
	tmp := filepath.Join(dir, DatabaseFile+".new")
	removeDB(tmp)
	if err := rebuildAt(ctx, n, tmp, progress); err != nil {
		removeDB(tmp)
		return fmt.Errorf("reindexing: %w", err)
	}
	removeDB(filepath.Join(dir, DatabaseFile))
	return os.Rename(tmp, filepath.Join(dir, DatabaseFile))
}

// reindexPostgres rebuilds the node's PostgreSQL treaty database in
// place: it drops the registry's tables and applies the logs again. Unlike
// the SQLite rebuild beside the old file, a failed rebuild leaves a
// partial database, which the next reindex, or the serving node's sync,
// completes: the database is derived from the logs.
func reindexPostgres(ctx context.Context, n *node.Node, progress func(done, total uint64)) error {
	t, err := treaty.Builtin(n.Config.Treaty)
	if err != nil {
		return err
	}
	if err := registry.Drop(ctx, registry.Config{Treaty: t, DSN: n.Config.Database}); err != nil {
		return fmt.Errorf("reindexing: %w", err)
	}
	if err := rebuildAt(ctx, n, "", progress); err != nil {
		return fmt.Errorf("reindexing: %w", err)
	}
	return nil
}

// rebuildAt opens the node's treaty database at path ("" for the
// PostgreSQL database its configuration names), applies every log the
// node holds to it, and closes it.
func rebuildAt(ctx context.Context, n *node.Node, path string, progress func(done, total uint64)) error {
	o, err := openAt(ctx, n, path)
	if err != nil {
		return err
	}
	total, err := o.size(ctx)
	if err == nil {
		err = o.rebuild(ctx, total, progress)
	}
	if cerr := o.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// rebuild applies every log the node holds through the registry's bulk
// path, telling progress.
func (o *Office) rebuild(ctx context.Context, total uint64, progress func(done, total uint64)) error {
	var done uint64
	return o.locked(func() error {
		return o.bulkSync(ctx, func(k uint64) {
			done += k
			if progress != nil {
				progress(done, total)
			}
		})
	})
}

// size is how many entries the logs the node holds have in all.
func (o *Office) size(ctx context.Context) (uint64, error) {
	srcs, err := o.sources()
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, s := range srcs {
		cp, _, err := ledger.ReadCheckpoint(ctx, s.src, s.v)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("log of %s: %w", s.party, err)
		}
		total += cp.Size
	}
	return total, nil
}

// removeDB removes a SQLite database and its write-ahead log.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

package registry

import (
	"context"
	"fmt"
	"regexp"
	"slices"
)

// bulkScanRows is how many entries a registry in bulk mode holds before a
// validation query that an index would serve builds that index: below
// it, scanning the table costs less than keeping the index up to date at
// every insert.
var bulkScanRows uint64 = 10_000 // a variable for tests

// secondaryIndexes are the names of the schema's secondary indexes, in the order
// the schema creates them.
var secondaryIndexes = func() []string {
	var out []string
	for _, m := range regexp.MustCompile(`CREATE INDEX IF NOT EXISTS (\w+) ON`).FindAllStringSubmatch(schema, -1) {
		out = append(out, m[1])
	}
	return out
}()

// A bulk is the state of a registry in bulk mode: the secondary indexes
// dropped and not yet rebuilt, and how many entries the database holds.
type bulk struct {
	dropped []string
	rows    uint64
	// items, while the bulk ingest started on an empty database and
	// has not outgrown maxCurrent, is every item it wrote history for:
	// an item not in it has no history, which validation then need not
	// read. Nil otherwise.
	items map[itemKey]bool
}

// absent reports whether the session knows, without reading, that the
// item has no history and no items row (both are written together).
func (s *session) absent(party, uid string) bool {
	b := s.bulk
	if b == nil || b.items == nil {
		return false
	}
	k := itemKey{party, uid}
	return !b.items[k] && !s.pend.history[k]
}

// StartBulk readies the registry for ingesting many records at once, as
// a reindex or a node's first sync does: it drops the schema's secondary
// indexes, so that Apply writes each table in its primary key's order
// only. An index a validation query reads is built again when that query
// first runs on a database of more than bulkScanRows entries; EndBulk
// builds the rest. Queries answer the same in bulk mode, only slower.
//
// A registry closed or killed in bulk mode loses nothing: Open builds the
// missing indexes again (schema), and ingestion resumes from NextIndex.
func (r *Registry) StartBulk(ctx context.Context) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if r.bulk != nil {
		return nil
	}
	var rows uint64
	if err := r.db.QueryRowContext(ctx, `SELECT coalesce(sum(next_index), 0) FROM logs`).Scan(&rows); err != nil {
		return fmt.Errorf("starting bulk ingest: %w", err)
	}
	for _, name := range secondaryIndexes {
		if _, err := r.db.ExecContext(ctx, `DROP INDEX IF EXISTS `+name); err != nil {
			return fmt.Errorf("starting bulk ingest: %w", err)
		}
	}
	r.bulk = &bulk{dropped: slices.Clone(secondaryIndexes), rows: rows}
	if rows == 0 {
		r.bulk.items = map[itemKey]bool{}
	}
	return nil
}

// EndBulk builds the indexes StartBulk dropped and leaves bulk mode.
func (r *Registry) EndBulk(ctx context.Context) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if r.bulk == nil {
		return nil
	}
	if _, err := r.db.ExecContext(ctx, r.d.schema()); err != nil {
		return fmt.Errorf("building indexes: %w", err)
	}
	r.bulk = nil
	return nil
}

// need builds the named indexes if the registry is in bulk mode, dropped
// them, and holds enough entries for a scan to cost more than the index.
// The index is built inside the session's transaction; the registry
// counts it built when the session commits.
func (s *session) need(names ...string) error {
	b := s.bulk
	if b == nil || b.rows+s.applied < bulkScanRows {
		return nil
	}
	for _, name := range names {
		if !slices.Contains(b.dropped, name) || slices.Contains(s.built, name) {
			continue
		}
		if err := s.exec(indexDDL(name)); err != nil {
			return fmt.Errorf("building index %s: %w", name, err)
		}
		s.built = append(s.built, name)
	}
	return nil
}

// indexDDL returns the schema's statement creating the named index.
func indexDDL(name string) string {
	m := regexp.MustCompile(`CREATE INDEX IF NOT EXISTS ` + name + ` ON [^;]*;`).FindString(schema)
	return m
}

// commitBulk counts what s applied and the indexes it built, after s
// committed.
func (r *Registry) commitBulk(s *session) {
	b := r.bulk
	if b == nil {
		return
	}
	b.rows += s.applied
	if b.items != nil && len(b.items)+len(s.pend.history) > maxCurrent {
		b.items = nil // the shortcut ends; validation reads again
	}
	if b.items != nil {
		for k := range s.pend.history {
			b.items[k] = true
		}
	}
	b.dropped = slices.DeleteFunc(b.dropped, func(n string) bool { return slices.Contains(s.built, n) })
}

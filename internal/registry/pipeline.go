package registry

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// maxPending bounds the writes a PostgreSQL session holds back before it
// sends them.
const maxPending = 512

// A pendingExec is a write held back to be sent with others.
type pendingExec struct {
	query string // in the dialect
	args  []any
}

// On PostgreSQL every statement is a round trip to the server, and the
// writes of an Apply outnumber its reads three to one. A write session
// therefore holds its writes back and sends them together, in one round
// trip (a pgx batch on the session's connection, inside its
// transaction), before its next read and before it commits: every read
// still sees every earlier write, and a failing write fails the Apply as
// before, at the read or commit that sends it. SQLite, in process, runs
// each write at once.

// beginConn begins the transaction of a PostgreSQL write session on a
// connection of its own, so that the held-back writes can be sent on it.
func (r *Registry) beginConn(ctx context.Context) (*sql.Conn, *sql.Tx, error) {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, tx, nil
}

// hold holds a write back; it sends the writes held if there are many.
func (s *session) hold(query string, args []any) error {
	s.pending = append(s.pending, pendingExec{s.d.rewrite(query), args})
	if len(s.pending) >= maxPending {
		return s.flush()
	}
	return nil
}

// flush sends the writes held back, in order, in one round trip.
func (s *session) flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, p := range s.pending {
		b.Queue(p.query, p.args...)
	}
	s.pending = s.pending[:0]
	return s.conn.Raw(func(dc any) error {
		if err := dc.(*stdlib.Conn).Conn().SendBatch(s.ctx, b).Close(); err != nil {
			return fmt.Errorf("writing: %w", err)
		}
		return nil
	})
}

// commit sends the writes held back and commits.
func (s *session) commit() error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.tx.Commit()
}

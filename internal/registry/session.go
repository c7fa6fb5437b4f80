package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"accord/internal/treaty"
)

// A session is one transaction with its prepared statements. Validation
// reads through a session, so that within an Apply batch each record sees
// the records before it.
type session struct {
	ctx     context.Context
	d       *dialect
	tx      *sql.Tx
	conn    *sql.Conn     // a PostgreSQL write session's connection, else nil
	pending []pendingExec // writes held back (pipeline.go)
	stmts   map[string]*sql.Stmt
	books   map[string]*book // the warhead books this session changed or read
	heads   *headCache       // the item heads this session changed or read
	// cur and pend, set for an Apply session only, keep current state in
	// memory (current.go).
	cur  *current
	pend *pending
	// bulk, set for an Apply session in bulk mode (bulk.go): the records
	// the session applied and the indexes it built.
	bulk    *bulk
	applied uint64
	built   []string
}

func (r *Registry) begin(ctx context.Context, readOnly bool) (*session, error) {
	s := &session{ctx: ctx, d: r.d, stmts: map[string]*sql.Stmt{}}
	var err error
	switch {
	case readOnly:
		s.tx, err = r.db.BeginTx(ctx, r.d.readOptions())
	case r.d.postgres:
		s.conn, s.tx, err = r.beginConn(ctx)
	default:
		s.tx, err = r.db.BeginTx(ctx, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("beginning transaction: %w", err)
	}
	return s, nil
}

// end rolls the transaction back unless it was committed; it closes the
// statements either way.
func (s *session) end() {
	s.tx.Rollback()
	for _, st := range s.stmts {
		st.Close()
	}
	if s.conn != nil {
		s.conn.Close()
	}
}

func (s *session) stmt(query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.tx.PrepareContext(s.ctx, s.d.rewrite(query))
	if err != nil {
		return nil, fmt.Errorf("preparing %q: %w", query, err)
	}
	s.stmts[query] = st
	return st, nil
}

func (s *session) exec(query string, args ...any) error {
	if s.conn != nil {
		return s.hold(query, args)
	}
	st, err := s.stmt(query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(s.ctx, args...)
	return err
}

// row runs a query expected to return at most one row, scanning it into
// dest; found is false if there was none.
func (s *session) row(query string, args []any, dest ...any) (found bool, err error) {
	if err := s.flush(); err != nil {
		return false, err
	}
	st, err := s.stmt(query)
	if err != nil {
		return false, err
	}
	err = st.QueryRowContext(s.ctx, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s *session) query(query string, args ...any) (*sql.Rows, error) {
	if err := s.flush(); err != nil {
		return nil, err
	}
	st, err := s.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(s.ctx, args...)
}

// A stored is what validation needs of an ingested entry.
type stored struct {
	leafHash    []byte
	kind, typ   string
	effect      string
	effective   string
	refused     bool
	correctedBy []uint64
}

func (s *session) entry(origin string, idx uint64) (*stored, error) {
	var e stored
	var refused sql.NullString
	ok, err := s.row(`SELECT leaf_hash, kind, type, effect, effective, refused FROM entries WHERE origin = ? AND idx = ?`,
		[]any{origin, idx}, &e.leafHash, &e.kind, &e.typ, &e.effect, &e.effective, &refused)
	if err != nil || !ok {
		return nil, err
	}
	e.refused = refused.Valid
	rows, err := s.query(`SELECT by_idx FROM corrections WHERE origin = ? AND idx = ? ORDER BY by_idx`, origin, idx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var by uint64
		if err := rows.Scan(&by); err != nil {
			return nil, err
		}
		e.correctedBy = append(e.correctedBy, by)
	}
	return &e, rows.Err()
}

// firstDeclared returns the index of the entry that first declared uid.
func (s *session) firstDeclared(party, uid string) (idx uint64, found bool, err error) {
	if s.absent(party, uid) {
		return 0, false, nil
	}
	found, err = s.row(`SELECT idx FROM items WHERE party = ? AND uid = ?`, []any{party, uid}, &idx)
	return idx, found, err
}

// hasData reports whether party has an applied, uncorrected full
// statement of holdings in its log before index before. A per-item
// declaration recorded in parts is one statement: its parts (declarations
// effective on partOf) do not count.
func (s *session) hasData(party string, before uint64, partOf string) (bool, error) {
	if err := s.need("entries_by_effect"); err != nil {
		return false, err
	}
	var has bool
	_, err := s.row(`SELECT EXISTS (SELECT 1 FROM entries e WHERE party = ? AND effect = 'data' AND idx < ? AND refused IS NULL
		AND NOT (kind = 'declaration' AND effective = ?)
		AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.origin = e.origin AND c.idx = e.idx))`,
		[]any{party, before, partOf}, &has)
	return has, err
}

// chain returns the facts about uid as known now (leaving out corrected
// entries and entry except), in effective-date and log order.
func (s *session) chain(party, uid string, except int64) ([]fact, error) {
	if s.absent(party, uid) {
		return nil, nil
	}
	rows, err := s.query(`SELECT `+factColumns+` FROM item_history h WHERE party = ? AND uid = ? AND idx <> ?
		AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.origin = h.origin AND c.idx = h.idx)
		ORDER BY effective, idx`, party, uid, except)
	if err != nil {
		return nil, err
	}
	return scanFacts(rows)
}

// factsOf returns the facts entry origin, idx stated.
func (s *session) factsOf(origin string, idx uint64) ([]fact, error) {
	if err := s.need("item_history_by_entry"); err != nil {
		return nil, err
	}
	rows, err := s.query(`SELECT `+factColumns+` FROM item_history h WHERE origin = ? AND idx = ? ORDER BY uid`, origin, idx)
	if err != nil {
		return nil, err
	}
	return scanFacts(rows)
}

const factColumns = `uid, effective, idx, origin, recorded, type, category, status, facility, warheads, moved_from`

func scanFacts(rows *sql.Rows) ([]fact, error) {
	defer rows.Close()
	var out []fact
	for rows.Next() {
		f, err := scanFact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// A latest is an item's state after its latest fact as known now, and
// that fact's date and index.
type latest struct {
	state     itemState
	effective string
	idx       uint64
}

// after reports whether a fact dated effective with index idx comes after
// every fact l folds.
func (l *latest) after(effective string, idx uint64) bool {
	return effective > l.effective || effective == l.effective && idx > l.idx
}

// latest returns the item's cached latest state, or nil if none is kept.
func (s *session) latest(party, uid string) (*latest, error) {
	k := itemKey{party, uid}
	if s.pend != nil {
		if l, ok := s.cached(k); ok {
			return l, nil
		}
	}
	l, err := s.readLatest(party, uid)
	if err == nil && s.pend != nil {
		s.pend.latest[k] = l
	}
	return l, err
}

func (s *session) readLatest(party, uid string) (*latest, error) {
	var l latest
	ok, err := s.row(`SELECT effective, idx, type, category, status, facility, warheads FROM item_state WHERE party = ? AND uid = ?`,
		[]any{party, uid}, &l.effective, &l.idx, &l.state.Type, &l.state.Category, &l.state.Status, &l.state.Facility, &l.state.Warheads)
	if err != nil || !ok {
		return nil, err
	}
	return &l, nil
}

// putLatest sets the item's latest state (nil: it has none); item_state
// is told when the session commits (flushLatest).
func (s *session) putLatest(party, uid string, l *latest) {
	k := itemKey{party, uid}
	s.pend.latest[k] = l
	s.pend.dirty[k] = true
}

// refold rebuilds the item's cached latest state from its whole history.
func (s *session) refold(t *treaty.Treaty, party, uid string) error {
	chain, err := s.chain(party, uid, -1)
	if err != nil {
		return err
	}
	st, ref := fold(t, chain)
	if ref != nil || st == nil {
		// Only valid facts are written, so this is a history emptied by
		// corrections or one the treaty's rules no longer accept.
		s.putLatest(party, uid, nil)
		return nil
	}
	last := chain[len(chain)-1]
	s.putLatest(party, uid, &latest{state: *st, effective: last.effective, idx: last.idx})
	return nil
}

package registry

import (
	"accord/entry/body"
	"accord/internal/treaty"
	"context"
	"fmt"
	"strings"
)

// Positions returns how far the database has applied each log, as one
// string ("<origin>=<next index>" per log, sorted): two answers computed
// at the same positions come from the same entries, so a cache keyed by
// it never serves an answer the logs have outgrown.
func (r *Registry) Positions(ctx context.Context) (string, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return "", err
	}
	defer s.end()
	rows, err := s.query(`SELECT origin, next_index FROM logs ORDER BY origin`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var origin string
		var n uint64
		if err := rows.Scan(&origin, &n); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s=%d;", origin, n)
	}
	return b.String(), rows.Err()
}

// A Named notification is the one a log's id names (body.Notification.ID).
type Named struct {
	Index     uint64
	LeafHash  body.Hash
	Effective treaty.Date
	Body      []byte
}

// NotificationByID returns the notification of log origin that id
// names, if any.
func (r *Registry) NotificationByID(ctx context.Context, origin, id string) (*Named, bool, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, false, err
	}
	defer s.end()
	var n Named
	var hash []byte
	var eff string
	ok, err := s.row(`SELECT e.idx, e.leaf_hash, e.effective, b.body FROM notification_ids i
		JOIN entries e ON e.origin = i.origin AND e.idx = i.idx JOIN bodies b ON b.origin = e.origin AND b.idx = e.idx WHERE i.origin = ? AND i.id = ?`,
		[]any{origin, id}, &n.Index, &hash, &eff, &n.Body)
	if err != nil || !ok {
		return nil, false, err
	}
	copy(n.LeafHash[:], hash)
	n.Effective = parseDate(eff)
	return &n, true, nil
}

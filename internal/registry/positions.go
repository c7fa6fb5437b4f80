package registry

import (
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
	rows, err := s.tx.QueryContext(ctx, `SELECT origin, next_index FROM logs ORDER BY origin`)
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

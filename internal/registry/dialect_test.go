package registry

import "testing"

// TestRewrite checks the PostgreSQL rewriting of the registry's SQL.
func TestRewrite(t *testing.T) {
	d := &dialect{postgres: true}
	for _, c := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`SELECT a FROM t WHERE b <= ?1 AND c > ?1 AND d = ?2 AND e = ?12`, `SELECT a FROM t WHERE b <= $1 AND c > $1 AND d = $2 AND e = $12`},
		{`SELECT ?2, ?1, ?`, `SELECT $2, $1, $3`},
		{`SELECT '?', ? FROM t WHERE x = 'a?b'`, `SELECT '?', $1 FROM t WHERE x = 'a?b'`},
		{`INSERT OR IGNORE INTO f(a, b) VALUES (?, ?)`, `INSERT INTO f(a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING`},
		{"SELECT 1 FROM m CROSS JOIN acks a ON a.x = m.x\n\t\tCROSS JOIN entries e ON e.y = a.y", "SELECT 1 FROM m JOIN acks a ON a.x = m.x\n\t\tJOIN entries e ON e.y = a.y"},
		{`SELECT 1 FROM items i CROSS JOIN LATERAL (SELECT 1) v`, `SELECT 1 FROM items i CROSS JOIN LATERAL (SELECT 1) v`},
	} {
		if got := d.rewrite(c.in); got != c.want {
			t.Errorf("rewrite(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
	if got := (&dialect{}).rewrite(`SELECT ?1`); got != `SELECT ?1` {
		t.Errorf("SQLite's rewrite changed %q", got)
	}
}

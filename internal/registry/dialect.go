package registry

import (
	"database/sql"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// A dialect is the SQL spoken by one database engine. The registry keeps
// one text of every query and statement, written for SQLite, and the
// dialect rewrites it for the engine in use:
//
//   - PostgreSQL numbers its parameters: ? becomes $1, $2, … and ?N
//     becomes $N;
//   - INSERT OR IGNORE becomes INSERT … ON CONFLICT DO NOTHING;
//   - in the schema, INTEGER becomes BIGINT (SQLite's integers are 64-bit),
//     BLOB becomes BYTEA, TEXT compares byte by byte (COLLATE "C", as
//     SQLite's default BINARY collation does, so that text order is still
//     date and time order whatever the database's locale), and WITHOUT
//     ROWID, a SQLite storage choice, is dropped.
//
// Queries use only what both engines answer alike; the cross-database
// test (crossdb_test.go) checks every query method on the demo world.
type dialect struct {
	postgres bool
	cache    sync.Map // query text → rewritten text
}

// driverName is the database/sql driver of the dialect.
func (d *dialect) driverName() string {
	if d.postgres {
		return "pgx"
	}
	return "sqlite"
}

// rewrite returns q in the dialect.
func (d *dialect) rewrite(q string) string {
	if !d.postgres {
		return q
	}
	if v, ok := d.cache.Load(q); ok {
		return v.(string)
	}
	out := numberParams(q)
	// SQLite reads CROSS JOIN … ON as an inner join in the order written
	// (a hint to its planner); PostgreSQL allows ON only after JOIN.
	out = crossJoinOn.ReplaceAllString(out, "JOIN $1 ON")
	if strings.Contains(out, "INSERT OR IGNORE INTO") {
		out = strings.Replace(out, "INSERT OR IGNORE INTO", "INSERT INTO", 1) + " ON CONFLICT DO NOTHING"
	}
	d.cache.Store(q, out)
	return out
}

// crossJoinOn is a CROSS JOIN of a table with an alias, followed by ON.
var crossJoinOn = regexp.MustCompile(`CROSS JOIN (\w+ \w+) ON`)

// numberParams replaces each ? outside quoted text by $1, $2, …, and
// each ?NNN (SQLite's numbered parameter) by $NNN; as in SQLite, a ?
// after a ?NNN takes the number after the largest so far.
func numberParams(q string) string {
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			k := n + 1
			if j > i+1 {
				k, _ = strconv.Atoi(q[i+1 : j])
			}
			n = max(n, k)
			b.WriteString("$" + strconv.Itoa(k))
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

var (
	ddlText    = regexp.MustCompile(`\bTEXT\b`)
	ddlInteger = regexp.MustCompile(`\bINTEGER\b`)
	ddlBlob    = regexp.MustCompile(`\bBLOB\b`)
)

// schema returns the registry's schema in the dialect.
func (d *dialect) schema() string {
	if !d.postgres {
		return schema
	}
	s := strings.ReplaceAll(schema, ") WITHOUT ROWID;", ");")
	s = ddlText.ReplaceAllString(s, `TEXT COLLATE "C"`)
	s = ddlInteger.ReplaceAllString(s, "BIGINT")
	return ddlBlob.ReplaceAllString(s, "BYTEA")
}

// readOptions are the options of a read transaction. On PostgreSQL a
// read transaction is REPEATABLE READ, so that its queries all see one
// committed state, as a SQLite read transaction does; the default READ
// COMMITTED would let a query see an Apply that committed after the
// transaction's first query.
func (d *dialect) readOptions() *sql.TxOptions {
	if d.postgres {
		return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return &sql.TxOptions{ReadOnly: true}
}

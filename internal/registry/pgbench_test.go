package registry

import (
	"database/sql"
	"testing"
	"time"

	"accord/internal/pgtest"
	"accord/internal/treaty"
)

// BenchmarkReplayPostgres is BenchmarkReplay on PostgreSQL: -registry.n
// notifications replayed into a new registry database per iteration,
// beside the same records inserted as plain rows into one table of
// another new database of the same server, in the same batches. The
// server is the tests' own (internal/pgtest: loopback TCP, fsync off), so
// the ratio measures the registry's statements, not the disk. Run it
// once:
//
//	go test -run '^$' -bench ReplayPostgres -benchtime 1x -registry.n 100000 ./internal/registry
func BenchmarkReplayPostgres(b *testing.B) {
	onPostgres = true
	defer func() { onPostgres = false }()
	b.Run("registry", func(b *testing.B) {
		var spent time.Duration
		for b.Loop() {
			_, d := replay(b, *benchN)
			spent += d
		}
		b.ReportMetric(float64(*benchN*b.N)/spent.Seconds(), "entries/s")
	})
	b.Run("rows", func(b *testing.B) {
		var spent time.Duration
		for b.Loop() {
			spent += replayRowsPostgres(b, *benchN)
		}
		b.ReportMetric(float64(*benchN*b.N)/spent.Seconds(), "entries/s")
	})
}

// replayRowsPostgres is replayRows into a PostgreSQL table.
func replayRowsPostgres(tb testing.TB, n int) time.Duration {
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("pgx", pgtest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE entries (origin TEXT COLLATE "C" NOT NULL, idx BIGINT NOT NULL, leaf_hash BYTEA NOT NULL,
		party TEXT NOT NULL, kind TEXT NOT NULL, effective TEXT NOT NULL, recorded TEXT NOT NULL, body BYTEA NOT NULL,
		PRIMARY KEY (origin, idx))`); err != nil {
		tb.Fatal(err)
	}
	s := newStream(tr)
	var spent time.Duration
	for done := 0; done < n; {
		batch := s.next(tb, min(1000, n-done))
		start := time.Now()
		if err := insertRows(db, batch); err != nil {
			tb.Fatal(err)
		}
		spent += time.Since(start)
		done += len(batch)
	}
	return spent
}

// insertRows inserts batch in one transaction, one prepared statement.
func insertRows(db *sql.DB, batch []Record) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.Prepare(`INSERT INTO entries VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`)
	if err != nil {
		return err
	}
	for _, r := range batch {
		if _, err := st.Exec(r.Origin, r.Index, r.LeafHash[:], r.Party, string(r.Kind), r.Effective.String(),
			r.Recorded.UTC().Format(time.RFC3339Nano), r.Body); err != nil {
			return err
		}
	}
	return tx.Commit()
}

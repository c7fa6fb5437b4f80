package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
)

// ErrDamaged reports a database file that is not a SQLite database, or
// whose pages are corrupt (a truncated or overwritten treaty.db). The
// database is derived from the logs, so the fix is to rebuild it.
var ErrDamaged = errors.New("treaty database damaged")

// SQLite's primary result codes for a damaged file.
const (
	sqliteCorrupt = 11 // SQLITE_CORRUPT: "database disk image is malformed"
	sqliteNotADB  = 26 // SQLITE_NOTADB: "file is not a database"
)

// damaged wraps err with ErrDamaged if SQLite found the file damaged.
func damaged(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		if c := se.Code() & 0xff; c == sqliteCorrupt || c == sqliteNotADB {
			return fmt.Errorf("%w: %s: %w", ErrDamaged, path, err)
		}
	}
	return err
}

// Integrity checks the database file at path without writing to it:
// SQLite's quick_check of every page and index. A damaged file wraps
// ErrDamaged.
func Integrity(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res); err != nil {
		return damaged(path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: %s: %s", ErrDamaged, path, res)
	}
	return nil
}

package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, registered as "pgx"
)

// openDB opens the database cfg names: PostgreSQL if cfg.DSN is set,
// else the SQLite file cfg.Path. where names it for error messages; it
// never holds the DSN, which may carry a password.
func openDB(cfg Config) (db *sql.DB, d *dialect, where string, err error) {
	if cfg.DSN == "" {
		db, err = sql.Open("sqlite", dsn(cfg.Path))
		return db, &dialect{}, cfg.Path, err
	}
	pc, err := pgconn.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, nil, "postgresql", fmt.Errorf("database dsn does not parse: %w", parseReason(err))
	}
	where = fmt.Sprintf("postgresql database %s on %s:%d", pc.Database, pc.Host, pc.Port)
	db, err = sql.Open("pgx", cfg.DSN)
	if err == nil && cfg.MaxConns > 0 {
		db.SetMaxOpenConns(cfg.MaxConns)
	}
	return db, &dialect{postgres: true}, where, err
}

// parseReason is why pgconn refused a DSN, without the DSN: pgconn's
// message quotes it (a password masked), and net/url's, inside it, whole.
func parseReason(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		err = pe.Unwrap()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err
}

// createSchema creates the registry's tables if they are missing. On
// PostgreSQL several processes may open one database at once (a writer
// and its read-only replicas), and concurrent CREATE TABLE IF NOT EXISTS
// statements can collide in the system catalogs: the schema is created
// in one transaction holding an advisory lock.
func (r *Registry) createSchema(ctx context.Context) error {
	if !r.d.postgres {
		_, err := r.db.ExecContext(ctx, schema)
		return err
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The key is arbitrary, the same for every accord registry.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7316150372)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, r.d.schema()); err != nil {
		return err
	}
	return tx.Commit()
}

var tableName = regexp.MustCompile(`CREATE TABLE IF NOT EXISTS (\w+)`)

// Drop drops every table of the registry from the PostgreSQL database
// cfg.DSN names, in one transaction, so that the next Open starts an
// empty registry: `accord reindex` on PostgreSQL. A SQLite registry is a
// file, removed as one.
func Drop(ctx context.Context, cfg Config) error {
	if cfg.DSN == "" {
		return errors.New("registry: drop is for a PostgreSQL database; remove the SQLite file")
	}
	db, _, where, err := openDB(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	var tables []string
	for _, m := range tableName.FindAllStringSubmatch(schema, -1) {
		tables = append(tables, m[1])
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("dropping the registry in %s: %w", where, err)
	}
	return nil
}

// postgresVariants are the few queries PostgreSQL is given in another
// form, by name, each with its reason.
var postgresVariants = map[string]string{
	// inventory (versions.go): SQLite runs the join on a row value equal
	// to a correlated subquery as one probe of item_versions' key per
	// item; PostgreSQL evaluates that subquery for every pair of rows
	// the join considers (minutes on the demo world). LATERAL says the
	// same, one probe per item, in words PostgreSQL plans as such;
	// SQLite has no LATERAL.
	"inventory": `SELECT v.uid, v.type, v.category, v.status, v.facility, v.warheads
		FROM items i CROSS JOIN LATERAL (
			SELECT w.uid, w.type, w.category, w.status, w.facility, w.warheads FROM item_versions w
			WHERE w.party = i.party AND w.uid = i.uid
			AND w.valid_from <= $1 AND w.valid_to > $1 AND w.recorded_from <= $2 AND w.recorded_to > $2
			ORDER BY w.valid_from DESC, w.recorded_from DESC LIMIT 1) v
		WHERE i.party = $3 AND v.category <> '' AND v.status <> '' ORDER BY i.uid`,
}

// variant returns q, or on PostgreSQL the variant of the query named
// name if it has one. The cross-database test checks that both answer
// alike.
func (d *dialect) variant(name, q string) string {
	if v, ok := postgresVariants[name]; ok && d.postgres {
		return v
	}
	return q
}

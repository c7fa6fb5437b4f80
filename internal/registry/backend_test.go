package registry

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"

	"accord/internal/pgtest"
)

// onPostgres is the database the package's tests run on: TestMain runs
// every test on SQLite, then every test again on PostgreSQL.
var onPostgres bool

// RunBoth runs the package's tests (internal and external: the external
// package's TestMain calls it) on SQLite, then again on PostgreSQL, and
// stops the PostgreSQL server; it returns the exit code.
func RunBoth(m *testing.M) int {
	code := m.Run()
	if pgtest.Available() || os.Getenv("CI") == "true" {
		fmt.Println("registry: every test again, on PostgreSQL")
		onPostgres = true
		// Benchmarks and fuzzing run once; the benchmarks that compare
		// the databases name their own.
		flag.Set("test.bench", "")
		flag.Set("test.fuzz", "")
		code = max(code, m.Run())
	} else {
		fmt.Println("registry: initdb is not installed: the tests did not run on PostgreSQL")
	}
	pgtest.Stop()
	return code
}

// testDSNs maps the database paths of the running tests to their
// PostgreSQL databases, so that a test reopening a path reopens its
// database.
var testDSNs sync.Map

// testConfig returns cfg for the database under test: on PostgreSQL, the
// database standing for cfg.Path, created on first use.
func testConfig(t testing.TB, cfg Config) Config {
	t.Helper()
	if !onPostgres {
		return cfg
	}
	if v, ok := testDSNs.Load(cfg.Path); ok {
		cfg.DSN = v.(string)
		return cfg
	}
	cfg.DSN = pgtest.DSN(t)
	testDSNs.Store(cfg.Path, cfg.DSN)
	return cfg
}

// SecondPass reports, to the package's external tests, whether this is
// TestMain's pass on PostgreSQL: a test that itself compares the two
// databases runs in the first pass only.
func SecondPass() bool { return onPostgres }

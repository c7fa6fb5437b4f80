// Package pgtest runs a throwaway PostgreSQL server for the tests of one
// package and gives each test a fresh database of its own.
//
// A package's TestMain calls [Main], which starts nothing by itself: the
// first test that asks for a database ([DSN]) starts the server (initdb
// and pg_ctl on a temporary directory and a free loopback port), and Main
// stops it and removes its directory when the tests are done. Where
// initdb is not installed the tests that need PostgreSQL skip, saying so,
// unless the environment sets CI=true, where they fail: CI must test both
// databases (.ci/run installs PostgreSQL).
//
// The server trusts every local connection and does not fsync: it holds
// nothing but test data, and a crash loses nothing a test needs.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, registered as "pgx"
)

var (
	once   sync.Once
	srv    *server
	srvErr error
	dbs    atomic.Int64
)

// Main runs the package's tests and then stops the server if one was
// started. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the server, if one was started, and removes its directory.
func Stop() {
	if srv != nil {
		srv.stop()
	}
}

// Available reports whether PostgreSQL tests can run here: initdb is
// installed. Where it is not and CI=true, they must not be skipped.
func Available() bool {
	_, err := binary("initdb")
	return err == nil
}

// DSN returns the URL of a new, empty database for the test, dropped when
// the test ends. It skips the test if PostgreSQL is not installed (fails
// it under CI=true) and fails it if the server does not start.
func DSN(t testing.TB) string {
	t.Helper()
	if !Available() {
		if os.Getenv("CI") == "true" {
			t.Fatal("pgtest: initdb is not installed, and CI=true requires the PostgreSQL tests (install Debian's postgresql)")
		}
		t.Skip("pgtest: initdb is not installed: PostgreSQL tests skipped")
	}
	once.Do(func() { srv, srvErr = start() })
	if srvErr != nil {
		t.Fatalf("pgtest: starting PostgreSQL: %v", srvErr)
	}
	name := fmt.Sprintf("t%d", dbs.Add(1))
	if _, err := srv.admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		srv.admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return srv.url(name)
}

// binary finds a PostgreSQL program on PATH or where Debian keeps it.
func binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(found) == 0 {
		return "", errors.New(name + " not found")
	}
	return found[len(found)-1], nil
}

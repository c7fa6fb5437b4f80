package office

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"accord/internal/node"
	"accord/internal/pgtest"
)

// onPostgres is the database the package's tests run on: TestMain runs
// every test with the nodes' treaty databases in SQLite files, then every
// test again with each node's in a PostgreSQL database of its own.
var onPostgres bool

func TestMain(m *testing.M) {
	if dir := os.Getenv(reindexChildEnv); dir != "" {
		reindexChild(dir) // TestReindexKilled's child process
		return
	}
	code := m.Run()
	if pgtest.Available() || os.Getenv("CI") == "true" {
		fmt.Println("office: every test again, on PostgreSQL")
		onPostgres = true
		flag.Set("test.bench", "")
		flag.Set("test.fuzz", "")
		code = max(code, m.Run())
	} else {
		fmt.Println("office: initdb is not installed: the tests did not run on PostgreSQL")
	}
	pgtest.Stop()
	os.Exit(code)
}

// initNode is node.Init for the database under test: on PostgreSQL, the
// node's accord.yaml names a new database of the test server.
func initNode(t *testing.T, ctx context.Context, dir, treatyID, party string) *node.Node {
	t.Helper()
	n, err := node.Init(ctx, dir, treatyID, party)
	if err != nil {
		t.Fatal(err)
	}
	if !onPostgres {
		return n
	}
	path := filepath.Join(dir, node.ConfigFile)
	cfg, err := node.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = pgtest.DSN(t)
	if err := os.WriteFile(path, cfg.Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	n.Config = cfg
	return n
}

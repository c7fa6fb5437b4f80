package registry

import (
	"path/filepath"
	"strings"
	"testing"

	"accord/internal/treaty"
)

// TestDSNNotInErrors checks that a DSN's password appears in no error:
// neither when the DSN does not parse nor when the server is unreachable.
func TestDSNNotInErrors(t *testing.T) {
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	for _, dsn := range []string{
		"postgres://accord:s3cret-pw@127.0.0.1:notaport/treaty",
		"postgres://accord:s3cret-pw@[::1/treaty",
		"host=127.0.0.1 port=x password=s3cret-pw dbname=treaty",
		"postgres://accord:s3cret-pw@127.0.0.1:1/treaty?sslmode=disable&connect_timeout=5",
	} {
		_, err := Open(t.Context(), Config{Treaty: tr, DSN: dsn})
		if err == nil {
			t.Fatalf("%q: opened", dsn)
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// TestDrop checks that Drop empties a PostgreSQL registry: reopened, it
// expects every log from its first entry.
func TestDrop(t *testing.T) {
	if !onPostgres {
		t.Skip("Drop is for PostgreSQL; TestMain's second pass runs it")
	}
	n := newTestNode(t)
	path := filepath.Join(t.TempDir(), "drop.db")
	n.reg = n.open(path)
	n.mustSend("USA", "2011-02-05", "2011-02-20", usaInitial())
	origin := n.reg.origin("USA")
	if next, err := n.reg.NextIndex(n.ctx, origin); err != nil || next != 1 {
		t.Fatalf("before Drop: next index %d, %v", next, err)
	}
	n.reg.Close()
	if err := Drop(n.ctx, testConfig(t, Config{Treaty: n.tr, Path: path})); err != nil {
		t.Fatal(err)
	}
	reg := n.open(path)
	if next, err := reg.NextIndex(n.ctx, origin); err != nil || next != 0 {
		t.Errorf("after Drop: next index %d, %v; want 0", next, err)
	}
}

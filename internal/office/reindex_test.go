package office

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accord/entry/body"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// reindexChildEnv names the data directory a child process reindexes
// until it is killed.
const reindexChildEnv = "ACCORD_OFFICE_REINDEX_CHILD"

// reindexChild reindexes the node in dir and, when the first batch is
// applied (the registry is in bulk mode, its indexes dropped, the new
// database not yet in place), says so and waits to be killed.
func reindexChild(dir string) {
	err := Reindex(context.Background(), dir, func(done, total uint64) {
		fmt.Printf("applied %d of %d\n", done, total)
		time.Sleep(time.Hour)
	})
	fmt.Fprintln(os.Stderr, "reindex returned:", err)
	os.Exit(2)
}

// TestReindexKilled kills accord reindex with SIGKILL in the middle of its
// bulk ingest and checks what it leaves: the old database, untouched, which
// opens and answers as before; a partial new database, which registry.Open
// completes (its indexes built again) so that ingest could resume; and a
// next reindex, which starts the new database again and gives the same
// answers.
func TestReindexKilled(t *testing.T) {
	if onPostgres {
		t.Skip("on PostgreSQL reindex rebuilds in place: docs/database.md")
	}
	o := newTestOffice(t)
	seed(t, o)
	mustNotify(t, o, "change_in_data", "2011-03-01", body.Item{UID: "MM3-2", Status: "deployed"})
	before, size := snapshot(t, o), logSize(t, o)
	ctx := context.Background()
	dir := o.Node.Dir
	o.Close(ctx)

	killDuringReindex(t, dir)
	partial := filepath.Join(dir, DatabaseFile+".new")
	if _, err := os.Stat(partial); err != nil {
		t.Fatalf("the killed reindex left no partial database: %v", err)
	}
	if got := indexes(t, partial); got != "" {
		t.Fatalf("the child was not killed in bulk mode: the partial database has indexes %s", got)
	}
	checkPartial(t, partial, size)
	if got, want := indexes(t, partial), indexes(t, filepath.Join(dir, DatabaseFile)); got != want {
		t.Errorf("reopened partial database has indexes %s, want %s", got, want)
	}
	reopened, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("the old database does not open after a killed reindex: %v", err)
	}
	if got := snapshot(t, reopened); !bytes.Equal(got, before) {
		t.Errorf("the old database answers differently after a killed reindex")
	}
	reopened.Close(ctx)
	if err := Reindex(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("the partial database is still there after a reindex: %v", err)
	}
	rebuilt, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close(ctx)
	if got := snapshot(t, rebuilt); !bytes.Equal(got, before) {
		t.Errorf("reindexed database answers differently:\n%s\n%s", got, before)
	}
}

// killDuringReindex runs Reindex on dir in a child process and kills it
// once it reports its first batch applied.
func killDuringReindex(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), reindexChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "applied ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reindex child printed %q, want a batch applied", sc.Text())
	}
	cmd.Process.Kill()
	cmd.Wait()
}

// checkPartial opens the database a killed reindex left and checks that
// it holds the batch applied before the kill.
func checkPartial(t *testing.T, path string, size uint64) {
	t.Helper()
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.Open(context.Background(), registry.Config{Treaty: tr, Path: path})
	if err != nil {
		t.Fatalf("the partial database does not open: %v", err)
	}
	defer reg.Close()
	n, err := reg.NextIndex(context.Background(), "accord/newstart/USA")
	if err != nil {
		t.Fatal(err)
	}
	if n != size {
		t.Errorf("the partial database holds %d entries, want the %d of the batch applied", n, size)
	}
}

// indexes lists the secondary indexes of the SQLite database at path.
func indexes(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	return strings.Join(out, " ")
}

// TestFirstSync removes the database and checks that the first sync,
// which takes the bulk path, builds one that answers as the incremental
// one did, with every index.
func TestFirstSync(t *testing.T) {
	if onPostgres {
		t.Skip("removes the SQLite file; on PostgreSQL a first sync is reindex's, which TestReindex runs")
	}
	defer func(old uint64) { bulkBehind = old }(bulkBehind)
	bulkBehind = 1
	o := newTestOffice(t)
	seed(t, o)
	mustNotify(t, o, "change_in_data", "2011-03-01", body.Item{UID: "MM3-2", Status: "deployed"})
	before := snapshot(t, o)
	ctx := context.Background()
	dir := o.Node.Dir
	db := filepath.Join(dir, DatabaseFile)
	want := indexes(t, db)
	o.Close(ctx)
	removeDB(db)
	var logged bytes.Buffer
	o2, err := Open(ctx, dir, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close(ctx)
	if !strings.Contains(logged.String(), "catching up the treaty database in bulk") {
		t.Errorf("the first sync did not take the bulk path; logged:\n%s", logged.String())
	}
	if got := snapshot(t, o2); !bytes.Equal(got, before) {
		t.Errorf("first sync answers differently:\n%s\n%s", got, before)
	}
	if got := indexes(t, db); got != want {
		t.Errorf("first sync left indexes %s, want %s", got, want)
	}
}

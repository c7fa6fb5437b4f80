package peer

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sync/errgroup"

	"accord/entry"
	"accord/internal/durable"
	"accord/internal/ledger"
)

// writeLog writes a signed log of n entries in tlog-tiles layout to dir
// (reusing the mirror's writer) and returns its key. Past maxDistinct
// entries, the same signed entries repeat, so that large logs are quick
// to write; a follower still verifies each.
func writeLog(t testing.TB, dir string, n int) (note.Verifier, string) {
	return writeEntries(t, dir, n, "RUS", func(i int) entry.Entry {
		return entry.Entry{Kind: entry.Declaration, Effective: time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC),
			Body: fmt.Appendf(nil, `{"i":%d}`, i)}
	})
}

// writeEntries is writeLog for the log of party whose entry i is
// entryOf(i), its treaty, party and creation time set.
func writeEntries(t testing.TB, dir string, n int, party string, entryOf func(i int) entry.Entry) (note.Verifier, string) {
	skey, vkey, err := note.GenerateKey(nil, entry.Origin("newstart", party))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	encs := make([][]byte, min(n, maxDistinct))
	var g errgroup.Group
	g.SetLimit(8)
	for i := range encs {
		g.Go(func() error {
			e := entryOf(i)
			e.Treaty, e.Party, e.Created = "newstart", party, time.Date(2020, 9, 1, 12, 0, 0, 0, time.UTC)
			b, err := entry.Sign(&e, s)
			encs[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// The peer's log need not survive a crash of the test.
	stage = func(path string, b []byte, perm fs.FileMode) error { return os.WriteFile(path, b, perm) }
	defer func() { stage = durable.Stage }()
	m := newMirror(filepath.Dir(dir), v)
	for b := 0; b*256 < n; b++ {
		chunk := make([][]byte, 0, 256)
		for i := b * 256; i < min(n, b*256+256); i++ {
			chunk = append(chunk, encs[i%len(encs)])
		}
		old := m.Size()
		if err := m.add(chunk); err != nil {
			t.Fatal(err)
		}
		if err := m.store(uint64(b), uint64(n), chunk, old); err != nil {
			t.Fatal(err)
		}
	}
	root, err := m.root(uint64(n))
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", v.Name(), n, root.String())}, s)
	if err := m.writeFile("checkpoint", cp); err != nil {
		t.Fatal(err)
	}
	return v, vkey
}

// maxDistinct is how many distinct entries writeLog signs.
const maxDistinct = 10000

// serveLog serves a log directory as a peer node would, without auth.
func serveLog(t testing.TB, dir string) *url.URL {
	mux := http.NewServeMux()
	mux.Handle("GET /log/", http.StripPrefix("/log/", http.FileServer(http.Dir(dir))))
	mux.HandleFunc("GET /witness/checkpoints", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"checkpoints":[]}`)) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL + "/")
	return u
}

// TestSync follows a log of several bundles (ACCORD_SYNC_ENTRIES entries,
// default 1000, e.g. 100000 to measure) in one process: the copy verifies
// with ledger.Verify and has the same root. It reports the time to fetch
// and verify every entry.
func TestSync(t *testing.T) {
	n := 1000
	if s := os.Getenv("ACCORD_SYNC_ENTRIES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	src := filepath.Join(t.TempDir(), "rus", "log")
	start := time.Now()
	v, vkey := writeLog(t, src, n)
	t.Logf("wrote a log of %d entries in %v", n, time.Since(start))
	u := serveLog(t, src)
	set, err := NewSet([]Config{{Party: "RUS", Log: v, LogVKey: vkey, URL: u, Client: http.DefaultClient,
		Dir: filepath.Join(t.TempDir(), "peers", "RUS"), Interval: time.Second, MaxBackoff: time.Second}}, "accord/newstart/USA", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fl := set.followers[0]
	start = time.Now()
	if err := fl.sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	t.Logf("fetched and verified %d entries in %v (%.0f entries/s)", n, d, float64(n)/d.Seconds())
	res, err := ledger.Verify(context.Background(), ledger.DirSource(filepath.Join(fl.cfg.Dir, logDir)), v, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(src, "checkpoint"))
	if string(res.Signed) != string(want) || res.Checkpoint.Size != uint64(n) {
		t.Fatalf("copy has checkpoint %q, want %q", res.Signed, want)
	}
	// A restart rebuilds the tree from the copy and finds nothing to do.
	start = time.Now()
	m, err := OpenMirror(fl.cfg.Dir, v)
	if err != nil || m.Size() != uint64(n) {
		t.Fatalf("reopening: %v, size %d", err, m.Size())
	}
	t.Logf("reopened the copy in %v", time.Since(start))
}

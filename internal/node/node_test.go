package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"accord/entry"
	"accord/internal/ledger"
)

// newTestNode creates a node with n entries and serves it on loopback.
func newTestNode(t *testing.T, n int) (*Node, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "usa")
	nd, err := Init(t.Context(), dir, "newstart", "USA")
	if err != nil {
		t.Fatal(err)
	}
	l, err := nd.OpenLog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e := entry.Entry{Kind: entry.Declaration, Effective: time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC),
			Body: fmt.Appendf(nil, `{"i":%d}`, i)}
		if _, err := l.Append(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	tok, err := nd.AddToken("USA", RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	authClient = &http.Client{Transport: bearer{tok, http.DefaultTransport}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- nd.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return nd, LogURL(ln.Addr().String())
}

// authClient presents the operator token of the last newTestNode.
var authClient = http.DefaultClient

// bearer adds a bearer token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// authSource opens the log served at u with authClient.
func authSource(t *testing.T, u string) ledger.Source {
	src, err := ledger.OpenSource(u)
	if err != nil {
		t.Fatal(err)
	}
	src.(*ledger.HTTPSource).Client = authClient
	return src
}

// TestInteropXMod follows a served log with golang.org/x/mod's sumdb tlog
// and note packages only, given the URL and log.vkey: it checks the
// checkpoint signature, then every entry's inclusion through the hash
// tiles, which tlog checks against the signed root.
func TestInteropXMod(t *testing.T) {
	nd, url := newTestNode(t, 7)
	vkey, err := os.ReadFile(filepath.Join(nd.Dir, VKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	cp := httpGet(t, url+"checkpoint")
	n, err := note.Open(cp, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if lines[0] != "accord/newstart/USA" {
		t.Fatalf("origin %q", lines[0])
	}
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + lines[1] + "\n" + lines[2] + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	tr := tileReader{t: t, url: url}
	hr := tlog.TileHashReader(tree, tr)
	bundle := httpGet(t, url+"tile/entries/000.p/7")
	for i := int64(0); i < tree.N; i++ {
		size := int(bundle[0])<<8 | int(bundle[1])
		data := bundle[2 : 2+size]
		bundle = bundle[2+size:]
		p, err := tlog.ProveRecord(tree.N, i, hr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(data)); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
}

// tileReader reads C2SP tiles for x/mod's tlog, whose tile paths carry the
// tile height (tile/8/0/000) where C2SP's do not (tile/0/000).
type tileReader struct {
	t   *testing.T
	url string
}

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	var out [][]byte
	for _, tile := range tiles {
		p := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		out = append(out, httpGet(r.t, r.url+p))
	}
	return out, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := authClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInteropTessera follows a served log with Tessera's client package.
func TestInteropTessera(t *testing.T) {
	nd, u := newTestNode(t, 5)
	v, err := ReadVerifier(filepath.Join(nd.Dir, VKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	src := authSource(t, u)
	cp, _, _, err := client.FetchCheckpoint(t.Context(), src.ReadCheckpoint, v, v.Name())
	if err != nil {
		t.Fatal(err)
	}
	pb, err := client.NewProofBuilder(t.Context(), cp.Size, src.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cp.Size {
		eb, err := client.GetEntryBundle(t.Context(), src.ReadEntryBundle, i/256, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pb.InclusionProof(t.Context(), i)
		if err != nil {
			t.Fatal(err)
		}
		r := &entry.Receipt{Entry: eb.Entries[i%256], Index: i, Proof: p, Checkpoint: httpGet(t, u+"checkpoint")}
		if _, _, err := entry.CheckReceipt(r, v, nil); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	if _, _, _, err := log.ParseCheckpoint(httpGet(t, u+"checkpoint"), v.Name(), v); err != nil {
		t.Fatal(err)
	}
}

// TestServeVerify verifies a log over real HTTP with accord's verifier.
func TestServeVerify(t *testing.T) {
	nd, u := newTestNode(t, 3)
	src := authSource(t, u)
	res, err := ledger.Verify(t.Context(), src, nd.Verifier, &ledger.TrustStore{Dir: t.TempDir()})
	if err != nil || res.Checkpoint.Size != 3 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
}

func TestServeHeaders(t *testing.T) {
	_, u := newTestNode(t, 3)
	tests := []struct{ path, cache, ctype string }{
		{"checkpoint", cacheCheckpoint, "text/plain; charset=utf-8"},
		{"tile/0/000.p/3", cachePartial, "application/octet-stream"},
		{"tile/entries/000.p/3", cachePartial, "application/octet-stream"},
	}
	for _, tt := range tests {
		resp, err := authClient.Get(u + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != tt.cache || resp.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("GET %s: %s, Cache-Control %q, Content-Type %q", tt.path, resp.Status,
				resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
		}
	}
	for _, p := range []string{"tile/0/000", "tile/0/../../log.key", "tile/entries/abc", ".state/treeState", "../log.key"} {
		resp, err := authClient.Get(u + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", p, resp.Status)
		}
	}
	resp, err := http.Post(u+"checkpoint", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST checkpoint: %s", resp.Status)
	}
}

func TestInitRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := Init(t.Context(), filepath.Join(dir, "n"), "newstart", "USA"); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(t.Context(), filepath.Join(dir, "n"), "newstart", "USA"); !errors.Is(err, ErrExists) {
		t.Fatalf("second Init = %v, want ErrExists", err)
	}
	for _, c := range [][2]string{{"nosuch", "USA"}, {"newstart", "FRA"}} {
		if _, err := Init(t.Context(), filepath.Join(dir, c[0]+c[1]), c[0], c[1]); err == nil {
			t.Errorf("Init(%s, %s) succeeded", c[0], c[1])
		}
		if _, err := os.Stat(filepath.Join(dir, c[0]+c[1])); err == nil {
			t.Errorf("Init(%s, %s) left a directory", c[0], c[1])
		}
	}
}

func TestKeyMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	if _, err := Init(t.Context(), dir, "newstart", "USA"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v, %v", fi.Mode(), err)
	}
	os.Chmod(filepath.Join(dir, KeyFile), 0o644)
	if _, err := Open(t.Context(), dir, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Open with a readable key = %v", err)
	}
	probs, _ := Fsck(t.Context(), dir, nil)
	if len(probs) == 0 {
		t.Fatal("fsck found no problem with a readable key")
	}
}

func TestConfigValidate(t *testing.T) {
	c := Config{Treaty: "nosuch", Party: "USA", Listen: "nohost", Log: LogConfig{CheckpointInterval: time.Millisecond, BatchMaxAge: time.Hour}}
	err := c.Validate()
	for _, want := range []string{"treaty:", "listen:", "log.checkpoint_interval:", "log.batch_max_age:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want a problem with %s", err, want)
		}
	}
}

// TestConfigDocumented checks that the file init writes documents every
// field of Config and loads back to the same values.
func TestConfigDocumented(t *testing.T) {
	c := &Config{Treaty: "newstart", Party: "USA"}
	c.defaults()
	b := c.Marshal()
	for _, key := range []string{"treaty", "party", "listen", "log", "checkpoint_interval", "batch_max_age"} {
		if !strings.Contains(string(b), "# "+key) && key != "log" {
			t.Errorf("%s is not documented in the config file", key)
		}
	}
	path := filepath.Join(t.TempDir(), ConfigFile)
	os.WriteFile(path, b, 0o644)
	got, err := LoadConfig(path)
	if err != nil || !bytes.Equal(got.Marshal(), b) {
		t.Fatalf("LoadConfig = %+v, %v; want %+v", got, err, c)
	}
	os.WriteFile(path, append(b, "typo: 1\n"...), 0o644)
	if _, err := LoadConfig(path); err == nil {
		t.Fatal("LoadConfig accepted an unknown field")
	}
}

package server

import (
	"context"
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
	"accord/internal/node"
	"accord/internal/office"
)

// newTestNode creates a node with n entries and serves it, with its
// treaty office, on loopback.
func newTestNode(t *testing.T, n int) (*Server, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "usa")
	nd, err := node.Init(t.Context(), dir, "newstart", "USA")
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
	tok, err := nd.AddToken("USA", node.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	authClient = &http.Client{Transport: bearer{tok, http.DefaultTransport}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o, err := office.OpenNode(t.Context(), nd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	s := New(nd, o)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		o.Close(context.Background())
	})
	return s, LogURL(ln.Addr().String())
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
	vkey, err := os.ReadFile(filepath.Join(nd.Dir, node.VKeyFile))
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
	v, err := node.ReadVerifier(filepath.Join(nd.Dir, node.VKeyFile))
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
	for _, p := range []string{"tile/0/000", "tile/0/../../log.key", "tile/entries/abc", ".state/treeState", "../log.key",
		// non-canonical spellings of resources that exist
		"tile/entries/x000/000.p/3", "tile/0/x000/000.p/3", "tile/00/000.p/3", "tile/entries/000.p/03"} {
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

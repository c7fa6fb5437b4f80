package server

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"accord/escrow"
	"accord/internal/node"
	"accord/internal/office"
)

// TestEscrowReveals runs three nodes over loopback HTTP. The United
// States commits to a declaration and reveals one region; its node serves
// the reveal at GET /escrow/{sha256} (public, immutable, 404 for an
// unknown or malformed name), China's node, which follows it directly,
// fetches the reveal its log records and stores it under reveals/USA/,
// and Russia's node, which follows it through a hostile proxy serving
// other bytes for the reveal, drops them, logs why, and stores nothing.
func TestEscrowReveals(t *testing.T) {
	ps := newNetwork(t, "trilateral-draft", "USA", "RUS", "CHN")
	usa, rus, chn := ps[0], ps[1], ps[2]
	proxy := hostileProxy(t, usa)
	rus.configure(func(c *node.Config) {
		for i := range c.Peers {
			if c.Peers[i].Party == "USA" {
				c.Peers[i].URL = proxy + "/"
			}
		}
	})
	h := commitAndReveal(t, usa)
	for _, p := range ps {
		p.start()
	}
	name := hex.EncodeToString(h[:])
	stored := func(p *proc) string { return filepath.Join(p.dir, office.RevealsDir, "USA", name) }
	chn.waitFor("the United States' reveal", func() bool { _, err := os.Stat(stored(chn)); return err == nil })
	b, err := os.ReadFile(stored(chn))
	if err != nil || sha256.Sum256(b) != h {
		t.Fatalf("China stored %d bytes that do not hash to the logged reveal (%v)", len(b), err)
	}
	resp, err := usa.do("GET", "escrow/"+name, "", "")
	if err != nil || resp.StatusCode != 200 || string(resp.Body) != string(b) || resp.Header.Get("Cache-Control") != cacheFull {
		t.Fatalf("GET /escrow/%s: %v %v", name, resp, err)
	}
	for _, bad := range []string{strings.Repeat("0", 64), strings.ToUpper(name), name[:62], "x" + name[1:]} {
		if resp, err := usa.do("GET", "escrow/"+bad, "", ""); err != nil || resp.StatusCode != 404 {
			t.Errorf("GET /escrow/%s: %v %v, want 404", bad, resp, err)
		}
	}
	rus.waitFor("the hostile proxy's reveal to be dropped", func() bool {
		log, _ := os.ReadFile(filepath.Join(rus.dir, "serve.log"))
		return strings.Contains(string(log), "peer reveal not fetched") && strings.Contains(string(log), "do not hash to the logged reveal")
	})
	if _, err := os.Stat(stored(rus)); err == nil {
		t.Errorf("Russia stored the hostile proxy's bytes as the United States' reveal")
	}
}

// hostileProxy serves p's node, except that it answers every reveal with
// other bytes.
func hostileProxy(t *testing.T, p *proc) string {
	u, _ := url.Parse(p.url())
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/escrow/") {
			w.Write([]byte("accord escrow reveal v1\nnot the logged reveal"))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// commitAndReveal commits p's node to a declaration of two regions and
// reveals one, with accord escrow, and returns the reveal's logged hash.
func commitAndReveal(t *testing.T, p *proc) [32]byte {
	t.Helper()
	decl := `{"party":"USA","date":"2021-03-01","regions":[
		{"id":"east","entries":[{"site":"USA-KB","counts":{"deployed_strategic":900}}]},
		{"id":"west","entries":[{"site":"USA-BAN","counts":{"deployed_strategic":800,"nondeployed_strategic":50}}]}]}`
	file := filepath.Join(t.TempDir(), "declaration.json")
	if err := os.WriteFile(file, []byte(decl), 0o600); err != nil {
		t.Fatal(err)
	}
	accord(t, "escrow", "commit", "--data", p.dir, file)
	bundle := filepath.Join(t.TempDir(), "bundle.json")
	accord(t, "escrow", "reveal", "--data", p.dir, "--region", "west", "--effective", "2021-04-01", "-o", bundle)
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	b, err := escrow.ParseBundle(raw)
	if err != nil || len(b.Reveals) != 1 {
		t.Fatalf("bundle: %v", err)
	}
	return sha256.Sum256(b.Reveals[0])
}

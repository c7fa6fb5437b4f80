package server

import (
	"accord/internal/node"
	"crypto/sha256"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// TestTokensConcurrentAndRevoked adds 20 tokens from 20 concurrent
// accord token add processes while the node serves: every one is stored
// and accepted. A revoked token is refused from the next request on, the
// others still work, and the bearer scheme's name is case-insensitive.
func TestTokensConcurrentAndRevoked(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	const n = 20
	toks := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := exec.Command(accordBin, "token", "add", "--data", usa.dir, "--party", "USA", "--role", "operator").Output()
			if err != nil {
				t.Error(err)
			}
			toks[i] = strings.TrimSpace(string(out))
		})
	}
	wg.Wait()
	for i, tok := range toks {
		if code := usa.status("v1/log", "Bearer "+tok); code != http.StatusOK {
			t.Errorf("token %d of %d: %d", i, n, code)
		}
	}
	list := accord(t, "token", "list", "--data", usa.dir)
	if got := strings.Count(list, " operator\n"); got != n+1 {
		t.Fatalf("token list shows %d operator tokens, want %d:\n%s", got, n+1, list)
	}
	revoked := toks[3]
	accord(t, "token", "revoke", "--data", usa.dir, node.TokenID(sha256Of(revoked)))
	if code := usa.status("v1/log", "Bearer "+revoked); code != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401", code)
	}
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		if code := usa.status("v1/log", scheme+" "+toks[4]); code != http.StatusOK {
			t.Errorf("%s scheme: %d, want 200", scheme, code)
		}
	}
	if code := usa.status("v1/log", "Basic "+toks[4]); code != http.StatusUnauthorized {
		t.Errorf("Basic scheme: %d, want 401", code)
	}
}

// status sends GET path with the Authorization header auth and returns
// the status code.
func (p *proc) status(path, auth string) int {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.url()+path, nil)
	req.Header.Set("Authorization", auth)
	resp, err := p.client().Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func sha256Of(s string) [32]byte { return sha256.Sum256([]byte(s)) }

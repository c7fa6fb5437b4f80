package server

import (
	"accord/internal/node"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPI checks that /openapi.json documents exactly the routes the
// handler serves, with the access each has.
func TestOpenAPI(t *testing.T) {
	nd, u := newTestNode(t, 1)
	base := strings.TrimSuffix(u, "/log/")
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string]any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(httpGet(t, base+"/openapi.json"), &doc); err != nil {
		t.Fatal(err)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			r := strings.ToUpper(method) + " " + path
			switch {
			case len(op.Security) == 0:
				r += " public"
			case len(op.Security) == 1 && len(op.Security[0]) == 1:
				for scheme := range op.Security[0] {
					r += " " + scheme
				}
			}
			documented = append(documented, r)
		}
	}
	for _, rt := range nd.routes() {
		r := strings.ReplaceAll(strings.ReplaceAll(rt.pattern, "...}", "}"), "{$}", "")
		r += " " + map[access]string{public: "public", peerOrOwn: "bearer", operatorOnly: "bearer", session: "session"}[rt.access]
		served = append(served, r)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("documented routes:\n%s\nserved routes:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
}

// TestAuth checks that every operator route refuses a missing, unknown or
// peer credential, that entry bundles need a credential, that public
// routes need none, and that one party's credential cannot declare as
// another.
func TestAuth(t *testing.T) {
	nd, u := newTestNode(t, 1)
	base := strings.TrimSuffix(u, "/log/") + "/"
	op, _ := nd.AddToken("USA", node.RoleOperator)
	rus, err := nd.AddToken("RUS", node.RolePeer)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := os.ReadFile(filepath.Join(nd.Dir, node.TokensFile))
	if strings.Contains(string(stored), op) || strings.Contains(string(stored), rus) {
		t.Fatal("a token is stored in the clear")
	}
	do := func(method, path, token, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	decl := `{"party":"USA","effective":"2020-09-01","body":{"aggregates":[{"as_of":"2020-09-01","party":"USA","values":{"warheads":1457}}]}}`
	for _, rt := range nd.routes() {
		if rt.access != operatorOnly {
			continue
		}
		method, path, _ := strings.Cut(rt.pattern, " ")
		for _, c := range []struct {
			token string
			want  int
		}{{"", 401}, {"accord_wrong", 401}, {op + "x", 401}, {"Bearer", 401}, {rus, 403}} {
			if got := do(method, strings.TrimPrefix(path, "/"), c.token, decl); got != c.want {
				t.Errorf("%s with token %q: %d, want %d", rt.pattern, c.token, got, c.want)
			}
		}
	}
	if got := do("GET", "log/tile/entries/000.p/1", "", ""); got != 401 {
		t.Errorf("entry bundle without a token: %d, want 401", got)
	}
	for _, tok := range []string{rus, op} {
		if got := do("GET", "log/tile/entries/000.p/1", tok, ""); got != 200 {
			t.Errorf("entry bundle with a token: %d, want 200", got)
		}
	}
	for _, p := range []string{"log/checkpoint", "log/tile/0/000.p/1", "healthz", "openapi.json", "witness/checkpoints"} {
		if got := do("GET", p, "", ""); got != 200 {
			t.Errorf("public %s: %d, want 200", p, got)
		}
	}
	// The operator of USA cannot declare as RUS.
	if got := do("POST", "v1/declarations", op, strings.Replace(decl, "USA", "RUS", 1)); got != 403 {
		t.Errorf("declaring as RUS with USA's credential: %d, want 403", got)
	}
	if got := do("POST", "v1/declarations", op, decl); got != 201 {
		t.Errorf("declaring as USA with USA's credential: %d, want 201", got)
	}
	// A body that is not a declaration is refused, and nothing appended.
	if got := do("POST", "v1/declarations", op, `{"party":"USA","effective":"2020-09-01","body":{"x":1}}`); got != 422 {
		t.Errorf("declaring free JSON: %d, want 422", got)
	}
	// Tokens are issued only for the right party and role.
	if _, err := nd.AddToken("RUS", node.RoleOperator); err == nil {
		t.Error("issued an operator token for another party")
	}
	if _, err := nd.AddToken("USA", node.RolePeer); err == nil {
		t.Error("issued a peer token for the node's own party")
	}
}

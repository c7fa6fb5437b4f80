package server

import (
	"accord/internal/ledger"
	"accord/internal/node"
	"encoding/json"
	"io"
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
	// A body that is not a declaration is bad input (as for accord log
	// append), and nothing is appended.
	size := logSize(t, nd)
	if got := do("POST", "v1/declarations", op, `{"party":"USA","effective":"2020-09-01","body":{"x":1}}`); got != 400 {
		t.Errorf("declaring free JSON: %d, want 400", got)
	}
	if got := logSize(t, nd); got != size {
		t.Errorf("a refused declaration appended: log size %d, was %d", got, size)
	}
	// Tokens are issued only for the right party and role.
	if _, err := nd.AddToken("RUS", node.RoleOperator); err == nil {
		t.Error("issued an operator token for another party")
	}
	if _, err := nd.AddToken("USA", node.RolePeer); err == nil {
		t.Error("issued a peer token for the node's own party")
	}
}

// logSize is how many entries the node's log has sequenced.
func logSize(t *testing.T, s *Server) uint64 {
	t.Helper()
	n, err := ledger.IntegratedSize(filepath.Join(s.Dir, node.LogDir))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// post sends body to path with the operator's token and returns the
// status and body of the answer.
func post(t *testing.T, base, token, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRequestsStrict checks the operator API's answers to requests that
// are not what they claim (issue 13, point 10): an empty declaration
// request is bad input (400), not another party's (403); a request with
// a key given twice or invalid UTF-8 is refused, not resolved and signed;
// an effective date outside the treaty's life is refused as accord log
// append and accord notify refuse it. Nothing refused is appended.
func TestRequestsStrict(t *testing.T) {
	nd, u := newTestNode(t, 0)
	base := strings.TrimSuffix(u, "/log/") + "/"
	op, err := nd.AddToken("USA", node.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	agg := `{"as_of":"2020-09-01","aggregates":[{"party":"USA","values":{"warheads":1457}}]}`
	undated := `{"types":[{"party":"USA","type":"B-52H","category":"heavy_bomber","status":"deployed","count":36}]}`
	move := `"type":"movement","items":[{"uid":"M-1"}],"to":"Minot"`
	for _, c := range []struct {
		path, body string
		want       int
		msg        string
	}{
		{"v1/declarations", `{}`, 400, `no "body"`},
		{"v1/declarations", `{"party":"USA"}`, 400, `no "body"`},
		{"v1/declarations", `{"body":` + agg + `,"body":` + agg + `}`, 400, `duplicate key "body"`},
		{"v1/declarations", `{"effective":"2020-09-01","effective":"2021-03-01","body":` + undated + `}`, 400, `duplicate key "effective"`},
		{"v1/declarations", `{"body":{"as_of":"2020-09-01","as_of":"2021-03-01","aggregates":[]}}`, 400, `duplicate key "as_of"`},
		{"v1/declarations", `{"body":{"as_of":"2020-09-01","aggregates":[{"party":"USA","source":"a` + "\xff" + `","values":{"warheads":1}}]}}`, 400, "not valid UTF-8"},
		{"v1/declarations", `{"effective":"2010-04-07","body":` + undated + `}`, 400, "effective date 2010-04-07 is before newstart was signed (2010-04-08)"},
		{"v1/declarations", `{"effective":"2026-02-05","body":` + undated + `}`, 400, "effective date 2026-02-05 is not before newstart expired (2026-02-05)"},
		{"v1/declarations", `{"body":` + strings.Replace(agg, "2020-09-01", "2031-09-01", 1) + `}`, 400, "effective date 2031-09-01 is not before newstart expired"},
		{"v1/declarations", `{"body":"party,type\nUSA,B-52H"}`, 400, `"body" is not a JSON object`},
		{"v1/notifications", `{"effective":"2011-03-01",` + move + `,"from":"Hill","from":"Minot"}`, 400, `duplicate key "from"`},
		{"v1/notifications", `{"effective":"2011-03-01","effective":"2011-03-02",` + move + `,"from":"Hill"}`, 400, `duplicate key "effective"`},
		{"v1/notifications", `{"effective":"2011-03-01",` + move + `,"from":"Hi` + "\xff" + `ll"}`, 400, "not valid UTF-8"},
		{"v1/notifications", `{"effective":"2011-03-01",` + move + `,"from":"Hill\ud800"}`, 400, "half of a UTF-16 surrogate pair"},
		{"v1/notifications", `{"effective":"2026-02-05",` + move + `,"from":"Hill"}`, 400, "effective date 2026-02-05 is not before newstart expired (2026-02-05)"},
		{"v1/notifications", `{"effective":"2009-02-05",` + move + `,"from":"Hill"}`, 400, "effective date 2009-02-05 is before newstart was signed"},
	} {
		size := logSize(t, nd)
		got, body := post(t, base, op, c.path, c.body)
		var e struct{ Error string }
		json.Unmarshal([]byte(body), &e)
		if got != c.want || !strings.Contains(e.Error, c.msg) {
			t.Errorf("POST /%s %q: %d %s, want %d and %q", c.path, c.body, got, body, c.want, c.msg)
		}
		if after := logSize(t, nd); after != size {
			t.Errorf("POST /%s %q appended: log size %d, was %d", c.path, c.body, after, size)
		}
	}
	// The same declaration, well formed, is appended: 201 with where it
	// landed.
	got, body := post(t, base, op, "v1/declarations", `{"body":`+agg+`}`)
	var d Declared
	if err := json.Unmarshal([]byte(body), &d); got != 201 || err != nil || len(d.Parts) != 1 || d.Index != d.Parts[0].Index || d.Checkpoint == "" {
		t.Errorf("declaring: %d %s", got, body)
	}
}

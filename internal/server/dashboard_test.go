package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/internal/node"
	"accord/internal/treaty"
	"accord/internal/witness"
)

// openTestServer opens a new USA node under newstart with Open, its
// accord.yaml edited by edit first.
func openTestServer(t *testing.T, edit func(dir string, c *node.Config)) (*Server, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "usa")
	if _, err := node.Init(t.Context(), dir, "newstart", "USA"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, node.ConfigFile)
	c, err := node.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(dir, c)
	if err := os.WriteFile(path, c.Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), dir, nil)
	if err == nil {
		t.Cleanup(func() { s.Close(context.Background()) })
	}
	return s, err
}

// noRedirect is a client that shows redirects instead of following them.
func noRedirect(c *http.Client) *http.Client {
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// TestDashboardSession checks the operator's login on a node's
// dashboard: a code opens one session, with a cookie that is HttpOnly,
// SameSite=Strict, limited to the session's lifetime and Secure over TLS;
// a page without the session, or after it expired, answers 401; an
// unknown, used or expired code opens nothing.
func TestDashboardSession(t *testing.T) {
	s, err := openTestServer(t, func(string, *node.Config) {})
	if err != nil {
		t.Fatal(err)
	}
	for _, useTLS := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(s.Handler())
		if useTLS {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		client := noRedirect(srv.Client())
		get := func(path string, c *http.Cookie) *http.Response {
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			if c != nil {
				req.AddCookie(c)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		if r := get("/", nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("tls %v: the overview without a session: %s", useTLS, r.Status)
		}
		l, _ := s.AddLogin(time.Now(), time.Minute)
		r := get("/login?code="+l.Code, nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" || len(r.Cookies()) != 1 {
			t.Fatalf("tls %v: login: %s, Location %q, cookies %v", useTLS, r.Status, r.Header.Get("Location"), r.Cookies())
		}
		c := r.Cookies()[0]
		if c.Name != SessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge != int(SessionLifetime/time.Second) || c.Path != "/" || c.Secure != useTLS {
			t.Errorf("tls %v: session cookie %q", useTLS, r.Header.Get("Set-Cookie"))
		}
		if r := get("/", &http.Cookie{Name: c.Name, Value: c.Value}); r.StatusCode != http.StatusOK {
			t.Errorf("tls %v: the overview with the session: %s", useTLS, r.Status)
		}
		if r := get("/", &http.Cookie{Name: c.Name, Value: c.Value + "x"}); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("tls %v: the overview with a forged session: %s", useTLS, r.Status)
		}
		if r := get("/login?code="+l.Code, nil); r.StatusCode != http.StatusUnauthorized || len(r.Cookies()) != 0 {
			t.Errorf("tls %v: a used code: %s %v", useTLS, r.Status, r.Cookies())
		}
		old, _ := s.AddLogin(time.Now().Add(-time.Hour), time.Minute)
		if r := get("/login?code="+old.Code, nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("tls %v: an expired code: %s", useTLS, r.Status)
		}
		s.sessions.now = func() time.Time { return time.Now().Add(SessionLifetime) }
		if r := get("/", &http.Cookie{Name: c.Name, Value: c.Value}); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("tls %v: the overview once the session expired: %s", useTLS, r.Status)
		}
		s.sessions.now = time.Now
		srv.Close()
	}
}

// TestDashboardConfig checks accord.yaml's dashboard section: the banner
// and the interpolated dates reach the dashboard's view, and a bad file
// of dates stops the server with its line.
func TestDashboardConfig(t *testing.T) {
	s, err := openTestServer(t, func(dir string, c *node.Config) {
		c.Dashboard.Banner, c.Dashboard.Interpolated = "Simulated.", "dates.csv"
		os.WriteFile(filepath.Join(dir, "dates.csv"), []byte("party,date\nUSA,2016-03-01\n"), 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := newView(s.Node, s.treaty)
	if err != nil {
		t.Fatal(err)
	}
	if v.Simulated() != "Simulated." || !v.Interpolated("USA", treaty.MustDate("2016-03-01")) || v.Interpolated("RUS", treaty.MustDate("2016-03-01")) {
		t.Errorf("view: banner %q, interpolated %v", v.Simulated(), v.interpolated)
	}
	for body, want := range map[string]string{
		"party,date\nUSA,2016-02-30\n": "dates.csv:2: date:",
		"party,day\n":                  `dates.csv:1: header "party,day"`,
		"party,date\nUSA\n":            "wrong number of fields",
	} {
		_, err := openTestServer(t, func(dir string, c *node.Config) {
			c.Dashboard.Interpolated = "dates.csv"
			os.WriteFile(filepath.Join(dir, "dates.csv"), []byte(body), 0o600)
		})
		if err == nil || !strings.Contains(err.Error(), "dashboard.interpolated") || !strings.Contains(err.Error(), want) {
			t.Errorf("dates %q: Open = %v, want %s", body, err, want)
		}
	}
}

// TestLogsCosigned checks what the logs page is told about a peer's log
// that this node's own witness cosigned: the cosignature, checked, and
// the time the checkpoint arrived. The copy of Russia's log that the
// United States' node holds is made here as its follower would make it.
func TestLogsCosigned(t *testing.T) {
	root := t.TempDir()
	usa, err := node.Init(t.Context(), filepath.Join(root, "usa"), "newstart", "USA")
	if err != nil {
		t.Fatal(err)
	}
	rus, err := node.Init(t.Context(), filepath.Join(root, "rus"), "newstart", "RUS")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(rus.Dir, node.LogDir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(b, note.VerifierList(rus.Verifier))
	if err != nil {
		t.Fatal(err)
	}
	skey, err := os.ReadFile(filepath.Join(usa.Dir, node.WitnessKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	s, err := witness.NewSigner(string(skey))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, s)
	if err != nil {
		t.Fatal(err)
	}
	mirror := filepath.Join(usa.Dir, node.PeersDir, "RUS", node.LogDir)
	if err := os.MkdirAll(mirror, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mirror, "checkpoint"), cosigned, 0o600); err != nil {
		t.Fatal(err)
	}
	usa.Config.Peers = []node.Peer{{Party: "RUS", LogVKey: readKey(t, rus.Dir, node.VKeyFile), WitnessVKey: readKey(t, rus.Dir, node.WitnessVKeyFile)}}
	logs, err := heldLogs(usa)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 {
		t.Fatalf("%d logs held, want USA's and RUS's", len(logs))
	}
	for _, held := range logs {
		l, err := held.health(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if l.Checkpoint == nil || l.CheckpointTime.IsZero() {
			t.Errorf("%s: checkpoint %q at %v", l.Party, l.Checkpoint, l.CheckpointTime)
		}
		if l.Party == "RUS" && (len(l.Cosigners) != 1 || l.Cosigners[0].Name != s.Name()) {
			t.Errorf("RUS's log, cosigned by %s: cosigners %+v", s.Name(), l.Cosigners)
		}
	}
}

package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"accord/internal/registry"
	"accord/internal/web"
)

var (
	clauseLinkRe = regexp.MustCompile(`href="/treaty#([^"]+)"`)
	idRe         = regexp.MustCompile(` id="([^"]+)"`)
)

// TestClauseLinks checks that every link to a clause, on every page,
// names an anchor the treaty page has.
func TestClauseLinks(t *testing.T) {
	srv := newServer(t, world.View())
	ids := map[string]bool{}
	for _, m := range idRe.FindAllStringSubmatch(mustGet(t, srv, "/treaty"), -1) {
		ids[m[1]] = true
	}
	seen := 0
	for _, path := range []string{"/?date=2020-09-01", "/?date=2022-03-01&reading=rus-2022", "/history", "/history?reading=rus-2022",
		"/notifications?year=2015", "/database?date=2020-09-01", "/items/USA/USA-B2A-WHI-001"} {
		for _, m := range clauseLinkRe.FindAllStringSubmatch(mustGet(t, srv, path), -1) {
			seen++
			if !ids[m[1]] {
				t.Errorf("%s links to /treaty#%s, which the treaty page lacks", path, m[1])
			}
		}
	}
	// Each counting rule has its anchor, and the overview links to the
	// rules that counted (the terms of each number).
	body := mustGet(t, srv, "/?date=2022-03-01&reading=rus-2022")
	for _, want := range []string{"rule-launchers-2", "reading-rus-2022-1", "rule-warheads-3"} {
		if !strings.Contains(body, `href="/treaty#`+want+`"`) {
			t.Errorf("the overview does not link to the rule #%s", want)
		}
	}
	if seen < 100 {
		t.Errorf("only %d clause links seen", seen)
	}
}

// TestAuthorization checks that an unauthorized visitor sees the public
// fact sheet and nothing else.
func TestAuthorization(t *testing.T) {
	for _, auth := range []func(*http.Request) bool{nil, func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer ok" }} {
		d, err := web.New(web.Config{View: world.View(), Authorize: auth})
		if err != nil {
			t.Fatal(err)
		}
		srv := newTestServer(t, d)
		for _, path := range []string{"/", "/history", "/notifications", "/database", "/items/USA/USA-B2A-WHI-001", "/entries/USA/0", "/proofs/USA/0", "/logs", "/treaty",
			"/history?format=csv", "/database?party=USA&format=json&table=items", "/history?format=svg", "/history?format=png", "/logs?format=json"} {
			status, body := get(t, srv, path)
			if status != http.StatusUnauthorized || strings.Contains(body, "USA-B2A") || strings.Contains(body, "1,457") {
				t.Errorf("unauthorized GET %s: %d", path, status)
			}
		}
		for _, path := range []string{"/factsheet.csv", "/factsheet.json", "/factsheet.html", "/static/style.css"} {
			if status, _ := get(t, srv, path); status != http.StatusOK {
				t.Errorf("unauthorized GET %s: %d, want 200", path, status)
			}
		}
		if auth != nil {
			req, _ := http.NewRequest("GET", srv.URL+"/", nil)
			req.Header.Set("Authorization", "Bearer ok")
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("authorized GET /: %d", res.StatusCode)
			}
		}
	}
}

// TestFactsheet checks the dashboard's fact sheets against the published
// figures, and their default date: the latest with current data.
func TestFactsheet(t *testing.T) {
	srv := newServer(t, world.View())
	got := mustGet(t, srv, "/factsheet.csv?date=2020-09-01")
	want := "as_of,party,deployed_delivery_vehicles,warheads,launchers\n2020-09-01,USA,675,1457,800\n2020-09-01,RUS,510,1447,764\n"
	if got != want {
		t.Errorf("fact sheet of 2020-09-01:\n%s\nwant\n%s", got, want)
	}
	if got := mustGet(t, srv, "/factsheet.csv"); !strings.Contains(got, "2023-03-01,USA,662,1419,800") || strings.Contains(got, "RUS") {
		t.Errorf("default fact sheet:\n%s", got)
	}
	if got := mustGet(t, srv, "/factsheet.json?date=2023-03-01"); !strings.Contains(got, `"no_data_provided": [`) {
		t.Errorf("JSON fact sheet of 2023-03-01 does not say Russia provided no data:\n%s", got)
	}
	html := mustGet(t, srv, "/factsheet.html?date=2020-09-01")
	for _, s := range []string{`data-limit="warheads">1,457</td>`, `data-limit="launchers">764</td>`} {
		if !strings.Contains(html, s) {
			t.Errorf("HTML fact sheet lacks %s", s)
		}
	}
	if strings.Contains(html, "USA-") {
		t.Error("the public fact sheet names an item")
	}
}

// TestNotifications checks the findings and the timeline against the
// registry.
func TestNotifications(t *testing.T) {
	srv := newServer(t, world.View())
	ctx := context.Background()
	body := mustGet(t, srv, "/notifications?year=2015&party=USA")
	ns, err := world.Reg.Notices(ctx, "USA", world.Clock)
	if err != nil {
		t.Fatal(err)
	}
	in2015 := 0
	for _, n := range ns {
		if n.Effective.Year() == 2015 {
			in2015++
		}
	}
	if got := strings.Count(body, `<tr class="notice `); got != in2015 {
		t.Errorf("timeline of 2015 shows %d US notifications, the registry holds %d", got, in2015)
	}
	for _, p := range []string{"USA", "RUS"} {
		fs, err := world.Reg.Findings(ctx, p, world.Clock)
		if err != nil {
			t.Fatal(err)
		}
		page := mustGet(t, srv, "/notifications?party="+p)
		if got := strings.Count(page, `<tr class="finding"`); got != len(fs) {
			t.Errorf("%s: %d findings shown, the registry has %d", p, got, len(fs))
		}
		if got := strings.Count(page, `data-kind="late"`); got != 6 {
			t.Errorf("%s: %d late notifications shown, want 6", p, got)
		}
	}
	// Only the exceptions: late, refused or not acknowledged in time.
	body = mustGet(t, srv, "/notifications?year=2023&show=exceptions")
	if strings.Contains(body, `data-state="on_time"`) && !strings.Contains(body, "not acknowledged") {
		t.Error("exceptions include a notification on time and acknowledged")
	}
}

// tamperView serves receipts with one proof hash flipped.
type tamperView struct{ web.NodeView }

func (s tamperView) Proof(ctx context.Context, origin string, index uint64) ([]byte, error) {
	b, err := s.NodeView.Proof(ctx, origin, index)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if h, err := base64.StdEncoding.DecodeString(l); err == nil && len(h) == 32 && !strings.HasPrefix(l, "extra") {
			h[0] ^= 1
			lines[i] = base64.StdEncoding.EncodeToString(h)
			break
		}
	}
	return []byte(strings.Join(lines, "\n")), nil
}

// evidenceView reports split-view evidence about the Russian log.
type evidenceView struct{ web.NodeView }

func (s evidenceView) Logs(ctx context.Context) ([]web.LogHealth, error) {
	ls, err := s.NodeView.Logs(ctx)
	for i := range ls {
		if ls[i].Party == "RUS" {
			ls[i].Evidence = []web.Evidence{{File: "accord_newstart_RUS-10-12.json", Kind: "fork", DetectedAt: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC), Explanation: "two trees"}}
			ls[i].Cosigners = nil
		}
	}
	return ls, err
}

// TestProofAndLogs checks that a bad proof is reported as such, and that
// the logs page shows sizes, missing cosignatures and evidence.
func TestProofAndLogs(t *testing.T) {
	srv := newServer(t, tamperView{world.View()})
	if body := mustGet(t, srv, "/entries/RUS/3"); !strings.Contains(body, `id="verified"><strong>Not verified:</strong>`) {
		t.Errorf("a tampered proof is not reported:\n%s", excerpt(body))
	}
	srv = newServer(t, evidenceView{world.View()})
	body := mustGet(t, srv, "/logs")
	for _, p := range []string{"USA", "RUS"} {
		if want := fmt.Sprintf(`data-size="%d"`, len(world.Logs[p].Entries)); !strings.Contains(body, want) {
			t.Errorf("logs page lacks %s", want)
		}
	}
	for _, want := range []string{"accord_newstart_RUS-10-12.json", "split view", "no witness cosignature", "accord/newstart/RUS/witness"} {
		if !strings.Contains(body, want) {
			t.Errorf("logs page lacks %q", want)
		}
	}
}

func newTestServer(t testing.TB, h http.Handler) *httptestServer {
	return startServer(t, h)
}

// renderTimes requests path n times and returns the 50th and 95th
// percentile latencies, after one request that fills the caches.
func renderTimes(t testing.TB, srv *httptestServer, path string, n int) (first, p50, p95 time.Duration) {
	start := time.Now()
	mustGet(t, srv, path)
	first = time.Since(start)
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		mustGet(t, srv, path)
		ds[i] = time.Since(start)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return first, ds[n*50/100], ds[n*95/100]
}

// TestRenderTimes reports the render times of the overview and history
// pages over 100 requests each (no threshold: see docs/dashboard.md).
func TestRenderTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("timing 400 requests")
	}
	for _, path := range []string{"/?date=2020-09-01", "/history"} {
		srv := newServer(t, world.View()) // a new dashboard: empty caches
		first, p50, p95 := renderTimes(t, srv, path, 100)
		t.Logf("GET %-18s first %8v  p50 %8v  p95 %8v  (100 requests)", path, first.Round(time.Microsecond), p50.Round(time.Microsecond), p95.Round(time.Microsecond))
	}
	// Every request on another date: the overview counts afresh.
	srv := newServer(t, world.View())
	var ds []time.Duration
	for i := range 20 {
		day := world.Treaty.Dates.EntryIntoForce.AddDays(45 * i)
		start := time.Now()
		mustGet(t, srv, "/?date="+day.String())
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	t.Logf("GET /?date=<20 dates>  p50 %8v  p95 %8v  (uncached)", ds[10].Round(time.Microsecond), ds[19].Round(time.Microsecond))
}

func BenchmarkOverview(b *testing.B) { benchmarkPage(b, "/?date=2020-09-01") }
func BenchmarkHistory(b *testing.B)  { benchmarkPage(b, "/history") }
func BenchmarkNotifications(b *testing.B) {
	benchmarkPage(b, "/notifications?year=2020")
}
func BenchmarkDatabase(b *testing.B) { benchmarkPage(b, "/database?date=2020-09-01&q=deployed") }
func BenchmarkItem(b *testing.B)     { benchmarkPage(b, "/items/USA/USA-B2A-WHI-001") }
func BenchmarkEntry(b *testing.B)    { benchmarkPage(b, "/entries/USA/100") }
func BenchmarkLogs(b *testing.B)     { benchmarkPage(b, "/logs") }
func BenchmarkTreaty(b *testing.B)   { benchmarkPage(b, "/treaty") }
func BenchmarkFactsheet(b *testing.B) {
	benchmarkPage(b, "/factsheet.csv?date=2020-09-01")
}

// benchmarkPage measures one page over HTTP, its caches warm.
func benchmarkPage(b *testing.B, path string) {
	srv := newServer(b, world.View())
	mustGet(b, srv, path)
	for b.Loop() {
		mustGet(b, srv, path)
	}
}

// TestWarm checks that Warm computes everything the history page needs:
// after it, the history makes no read of the treaty database, where the
// same page on a cold dashboard makes dozens; and that an entry ingested
// makes the next render read again.
func TestWarm(t *testing.T) {
	cold, err := web.New(web.Config{View: world.View(), Authorize: web.AllowAll})
	if err != nil {
		t.Fatal(err)
	}
	mustGet(t, startServer(t, cold), "/history")
	if cold.Reads() < 10 {
		t.Fatalf("a cold history made %d reads of the treaty database; the test needs a page that reads", cold.Reads())
	}
	d, err := web.New(web.Config{View: world.View(), Authorize: web.AllowAll})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	warmed := d.Reads()
	srv := startServer(t, d)
	rendered := regexp.MustCompile(`rendered in [^<]*`)
	if page := mustGet(t, srv, "/history"); rendered.ReplaceAllString(page, "") != rendered.ReplaceAllString(mustGet(t, startServer(t, cold), "/history"), "") {
		t.Error("the warm history differs from the cold one")
	}
	if n := d.Reads() - warmed; n != 0 {
		t.Errorf("the history after Warm made %d reads of the treaty database (cold: %d), want 0", n, cold.Reads())
	}
	t.Logf("cold history: %d reads; after Warm: %d", cold.Reads(), d.Reads()-warmed)
}

// TestSecurityHeaders checks that every response of the dashboard, pages,
// downloads, the stylesheet, errors and refusals alike, carries the
// security headers: a Content-Security-Policy that runs no script and
// forbids framing, X-Frame-Options, Referrer-Policy: no-referrer and
// nosniff; and that no page holds what that policy would block (inline
// script, style elements or attributes, event handlers).
func TestSecurityHeaders(t *testing.T) {
	open := newServer(t, world.View())
	closed, err := web.New(web.Config{View: world.View()})
	if err != nil {
		t.Fatal(err)
	}
	refusing := startServer(t, closed)
	paths := []string{"/?date=2020-09-01", "/history", "/history.csv", "/history.json", "/notifications?year=2020", "/database?party=USA&q=MM-III",
		"/items/USA/USA-B2A-WHI-001", "/entries/USA/0", "/proofs/USA/0", "/logs", "/treaty", "/factsheet.csv", "/factsheet.json", "/factsheet.html",
		"/static/style.css", "/static/", "/static/nosuch.css", "/nosuch", "/?date=yesterday", "/warheads", "/escrow", "/inspections?year=2019",
		"/scenarios?date=2020-09-01&party=USA&example=us-fewer-icbms", "/scenarios?date=2020-09-01&format=csv", "/compare?date=2020-09-01",
		"/history?format=csv", "/history?format=json&table=series", "/history?format=svg", "/history?format=png", "/history?format=xml", "/logs?format=json"}
	if len(web.Routes()) != 21 {
		t.Errorf("the dashboard has %d routes; list a path of each new one here", len(web.Routes()))
	}
	inline := regexp.MustCompile(`(?i)<script|\sstyle=|\son[a-z]+=|javascript:`)
	styleElem := regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	// The warheads page, its chart and the overview's alert, over the
	// freeze fixture; the escrow page with commitments, over the demo's
	// freeze scenario.
	withWarheads := newServer(t, freeze(t).View())
	withEscrows := newServer(t, escrowWorld(t).View())
	for _, srv := range []*httptestServer{open, refusing, withWarheads, withEscrows} {
		switch srv {
		case withWarheads:
			paths = []string{"/", "/warheads", "/warheads?party=RUS&date=2021-05-01", "/notifications"}
		case withEscrows:
			paths = []string{"/escrow", "/escrow?date=2021-03-01"}
		}
		for _, p := range paths {
			res, err := srv.Client().Get(srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			for k, v := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
				if got := res.Header.Get(k); got != v {
					t.Errorf("GET %s (%d): %s %q, want %q", p, res.StatusCode, k, got, v)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "style-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("GET %s (%d): Content-Security-Policy %q lacks %s", p, res.StatusCode, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") {
				t.Errorf("GET %s: Content-Security-Policy %q allows unsafe sources", p, csp)
			}
			if m := inline.Find(body); m != nil && strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("GET %s: the page holds %q, which its policy blocks", p, m)
			}
			for _, m := range styleElem.FindAllSubmatch(body, -1) {
				h := sha256.Sum256(m[1])
				if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(h[:])+"'") {
					t.Errorf("GET %s: the page's inline stylesheet is not allowed by its hash in %q", p, csp)
				}
			}
		}
	}
}

// heldView is a node that keeps completeness evidence against Russia.
type heldView struct{ web.NodeView }

func (heldView) HeldEvidence(party string, at time.Time) ([]registry.Finding, error) {
	if party != "RUS" {
		return nil, nil
	}
	return []registry.Finding{{Kind: registry.FindingIncomplete, Party: "RUS", Sent: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC),
		Reason: "declaration of 2020-10-20 was incomplete: warhead X-1 seen at s in region r"}}, nil
}

// TestHeldEvidenceFindings checks that the notifications page lists the
// findings of the node's evidence files beside the database's.
func TestHeldEvidenceFindings(t *testing.T) {
	body := mustGet(t, newServer(t, heldView{world.View()}), "/notifications?party=RUS")
	for _, want := range []string{"escrowed declaration proven incomplete", "warhead X-1 seen at s in region r"} {
		if !strings.Contains(body, want) {
			t.Errorf("notifications page lacks %q", want)
		}
	}
	if body := mustGet(t, newServer(t, heldView{world.View()}), "/notifications?party=USA"); strings.Contains(body, "X-1") {
		t.Error("Russia's evidence is listed under the United States")
	}
}

package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
	"accord/internal/web"
	"accord/internal/web/webtest"
)

// world is the simulated New START world every test reads; building it
// (about 14,000 signed entries ingested) takes a while, so it is built
// once.
var world *webtest.World

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "accord-web-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	world, err = webtest.Build(context.Background(), "newstart", 1, dir+"/treaty.db")
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the simulated world:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	world.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

type httptestServer = httptest.Server

// newServer serves the dashboard of src to any visitor.
func newServer(t testing.TB, src web.NodeView) *httptest.Server {
	t.Helper()
	d, err := web.New(web.Config{View: src, Authorize: web.AllowAll})
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, d)
}

func startServer(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path and returns the status and body.
func get(t testing.TB, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func mustGet(t testing.TB, srv *httptest.Server, path string) string {
	t.Helper()
	status, body := get(t, srv, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d\n%s", path, status, excerpt(body))
	}
	return body
}

func excerpt(s string) string {
	if i := strings.Index(s, `id="error"`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 600 {
		s = s[:600]
	}
	return s
}

// evaluate is what every number on the overview and history must equal:
// the engine on the registry's declarations.
func evaluate(t testing.TB, d treaty.Date, reading string) engine.Result {
	t.Helper()
	var decls []*declaration.Declaration
	for _, p := range world.Treaty.Parties {
		decl, err := world.Reg.Declaration(context.Background(), p.ID, d, world.Clock)
		if err != nil {
			t.Fatal(err)
		}
		if len(decl.Items) > 0 {
			decls = append(decls, decl)
		}
	}
	res, err := engine.Evaluate(world.Treaty, d, reading, decls)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A cell is one number a page shows, read back from its data attributes.
type cell struct {
	reading, party, limit string
	value                 int
	verdict               string
}

// tokenRe finds, in page order, a reading's section, a party's row and a
// count with its verdict.
var tokenRe = regexp.MustCompile(`(?s)data-reading="([^"]+)"|<tr data-party="([^"]+)"|data-limit="([^"]+)">\s*<a class="value" href="/treaty#([^"]+)" data-value="(-?\d+)">([\d,-]+)</a>.*?data-verdict="([^"]+)"`)

// overviewCells reads the counts of the overview page.
func overviewCells(t testing.TB, body string) []cell {
	var out []cell
	reading, party := "", ""
	for _, m := range tokenRe.FindAllStringSubmatch(body, -1) {
		switch {
		case m[1] != "":
			reading = m[1]
		case m[2] != "":
			party = m[2]
		default:
			v, _ := strconv.Atoi(m[5])
			if shown := strings.ReplaceAll(m[6], ",", ""); shown != m[5] {
				t.Errorf("%s %s %s: shows %s, data-value %s", reading, party, m[3], m[6], m[5])
			}
			if m[4] != "limit-"+m[3] {
				t.Errorf("%s %s: value links to #%s", party, m[3], m[4])
			}
			out = append(out, cell{reading, party, m[3], v, m[7]})
		}
	}
	return out
}

func TestOverviewNumbers(t *testing.T) {
	srv := newServer(t, world.View())
	for _, day := range []string{"2011-02-05", "2017-09-01", "2018-02-05", "2020-09-01", "2022-03-01", "2024-06-15"} {
		t.Run(day, func(t *testing.T) {
			body := mustGet(t, srv, "/?date="+day)
			got := overviewCells(t, body)
			var want []cell
			for _, rd := range world.Treaty.ReadingIDs() {
				res := evaluate(t, treaty.MustDate(day), rd)
				for _, pr := range res.Parties {
					for _, lr := range pr.Limits {
						want = append(want, cell{rd, pr.Party, lr.ID, lr.Value, lr.Verdict})
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("overview on %s shows\n%v\nthe engine counts\n%v", day, got, want)
			}
			if len(want) == 0 {
				t.Fatal("nothing counted")
			}
		})
	}
	// The simulation is calibrated to the published figures: the overview
	// of 1 September 2020 shows the State Department's numbers.
	body := mustGet(t, srv, "/?date=2020-09-01&reading=default")
	if got := fmt.Sprint(overviewCells(t, body)); got != "[{default USA deployed_delivery_vehicles 675 met} {default USA warheads 1457 met} {default USA launchers 800 met} {default RUS deployed_delivery_vehicles 510 met} {default RUS warheads 1447 met} {default RUS launchers 764 met}]" {
		t.Errorf("1 September 2020: %s", got)
	}
	// Russia's reading of 1 March 2022: the US over the launcher limit.
	body = mustGet(t, srv, "/?date=2022-03-01&reading=rus-2022")
	if !strings.Contains(fmt.Sprint(overviewCells(t, body)), "{rus-2022 USA launchers 901 exceeded}") {
		t.Errorf("1 March 2022 under rus-2022 does not show 901 US launchers exceeded")
	}
}

func TestPagesRender(t *testing.T) {
	srv := newServer(t, world.View())
	for _, path := range []string{"/", "/history", "/notifications", "/database", "/logs", "/treaty", "/factsheet.html", "/factsheet.csv", "/factsheet.json",
		"/?date=2020-09-01", "/history?reading=rus-2022", "/notifications?year=2020&party=RUS", "/database?party=RUS&q=RS-24", "/static/style.css"} {
		status, body := get(t, srv, path)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", path, status, excerpt(body))
		}
		if strings.HasSuffix(path, ".css") || strings.Contains(path, "factsheet") {
			continue
		}
		if !strings.Contains(body, `id="simulated"`) || !strings.Contains(body, "calibrated to the published New START aggregates") {
			t.Errorf("GET %s: no banner saying the data is simulated", path)
		}
	}
	for path, want := range map[string]int{"/nope": 404, "/?date=yesterday": 400, "/items/FRA/x": 404, "/items/USA/no-such-uid": 404,
		"/entries/USA/99999999": 404, "/entries/USA/x": 400, "/history?reading=nope": 400, "/factsheet.xml": 404} {
		if status, body := get(t, srv, path); status != want {
			t.Errorf("GET %s: %d, want %d\n%s", path, status, want, excerpt(body))
		}
	}
}

var _ = time.Second

func partyResultOf(res engine.Result, party string) []engine.LimitResult {
	for _, p := range res.Parties {
		if p.Party == party {
			return p.Limits
		}
	}
	return nil
}

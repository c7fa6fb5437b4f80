package server

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"accord/internal/node"
	"accord/internal/web"
	"accord/internal/web/webtest"
)

// TestBrowserServe drives Chromium over the dashboard of a node started
// with accord serve, as an operator does: a page without a session says
// how to open one; the link accord dashboard-link prints opens the
// overview, once; the session cookie is out of the page's reach; the
// notifications the operator sends through POST /v1/notifications, and
// those of the peer it ingests, appear on the notifications page without
// a restart; every page carries the security headers, and its
// stylesheet applies under them.
func TestBrowserServe(t *testing.T) {
	ctx := webtest.NewBrowser(t)
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	dumpOnFailure(t, ps)
	usa.configure(func(c *node.Config) { c.Dashboard.Banner = "Test node: data made up for a test." })
	usa.start()
	rus.start()
	b := &webtest.Browser{T: t, Ctx: ctx, Base: strings.TrimSuffix(usa.url(), "/"), Shots: webtest.ScreenshotDir(t)}

	if status := b.Navigate("/notifications"); status != 401 {
		t.Errorf("the notifications page without a session: %d, want 401", status)
	}
	if got := b.Text("main"); !strings.Contains(got, "needs authorization") {
		t.Errorf("the page without a session reads %q", got)
	}
	b.Shoot("serve-login-needed")

	link := strings.TrimSpace(accord(t, "dashboard-link", "--data", usa.dir, "--url", usa.url()))
	if !strings.HasPrefix(link, usa.url()+"login?code=") {
		t.Fatalf("dashboard-link printed %q", link)
	}
	b.Open(strings.TrimPrefix(link, b.Base), "main")
	if loc := webtest.Eval[string](b, "location.pathname + location.search"); loc != "/" {
		t.Errorf("the login link leads to %s, want / without the code", loc)
	}
	if banner := b.Text("#simulated"); !strings.Contains(banner, "data made up for a test") {
		t.Errorf("banner %q, want accord.yaml's dashboard.banner", banner)
	}
	if c := webtest.Eval[string](b, "document.cookie"); c != "" {
		t.Errorf("the page reads the cookies %q; the session cookie must be HttpOnly", c)
	}
	if bg := webtest.Eval[string](b, `getComputedStyle(document.querySelector("header")).backgroundColor`); bg == "rgba(0, 0, 0, 0)" {
		t.Error("the stylesheet does not apply under the page's Content-Security-Policy")
	}
	b.Open("/notifications", "main")
	if got := b.Text("main"); !strings.Contains(got, "No notifications.") {
		t.Errorf("a new node's notifications page reads %q", got)
	}

	usa.sendNotifications("newstart")
	rus.sendNotifications("newstart")
	timeline := `[...document.querySelectorAll("#timeline tbody tr")].map(tr => tr.children[1].innerText + " " + tr.children[2].querySelector("a").innerText).sort().join(", ")`
	want := "RUS change_in_data, RUS initial_data, RUS movement, USA change_in_data, USA initial_data, USA movement"
	var got string
	waitFor(t, "the notifications on USA's dashboard", func() bool {
		b.Open("/notifications?year=2011", "main")
		got = webtest.Eval[string](b, `document.querySelector("#timeline") ? `+timeline+` : ""`)
		return got == want
	})
	b.Shoot("serve-notifications")
	b.Open("/logs", "section.log")
	if n := webtest.Eval[int](b, `document.querySelectorAll("section.log").length`); n != 2 {
		t.Errorf("the logs page shows %d logs, want USA's and its copy of RUS's", n)
	}
	b.Do("to an entry", chromedp.Navigate(b.Base+"/entries/RUS/0"), chromedp.WaitVisible(chromedp.CSS("#verified")))
	if v := b.Text("#verified"); !strings.HasPrefix(v, "Verified.") {
		t.Errorf("RUS's entry 0 on USA's dashboard: %q", v)
	}

	if status := b.Navigate(strings.TrimPrefix(link, b.Base)); status != 401 {
		t.Errorf("the login link used a second time: %d, want 401", status)
	}
	checkSecurityHeaders(t, usa)
}

// checkSecurityHeaders checks that a dashboard page, the login route and
// a refusal of each carry the dashboard's security headers.
func checkSecurityHeaders(t *testing.T, p *proc) {
	t.Helper()
	for _, path := range []string{"", "history", "factsheet.html", "static/style.css", "login?code=nosuch"} {
		resp, err := p.do("GET", path, "", "")
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range web.SecurityHeaders {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("GET /%s (%s): %s %q, want %q", path, resp.Status, k, got, v)
			}
		}
	}
}

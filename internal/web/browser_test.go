package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"accord/internal/treaty"
)

// browserTimeout bounds the whole browser test: starting Chromium and
// loading every page takes a few seconds; a minute means it hangs.
const browserTimeout = 3 * time.Minute

// chromium returns the path of the browser, skipping the test when it is
// missing outside CI (.ci/run installs Debian's chromium).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it with apt-get install chromium")
	}
	t.Skip("chromium is not installed: apt-get install chromium to run the browser test")
	return ""
}

// screenshotDir returns artifacts/screenshots at the repository's root.
func screenshotDir(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	out := filepath.Join(dir, "artifacts", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func newBrowser(t *testing.T) context.Context {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	ctx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	// The first Run starts the browser, which lives as long as ctx: no
	// timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(cancel)
	return ctx
}

// A browser is one tab driven by a test; each method fails the test on
// error.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads path and waits until the element ready is visible.
func (b *browser) open(path, ready string) {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(b.base+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	if res.Status != 200 {
		b.t.Fatalf("opening %s: status %d", path, res.Status)
	}
	b.do("opening "+path, chromedp.WaitVisible(chromedp.CSS(ready)))
}

func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	return v
}

// shoot saves a screenshot of the whole page as name.png.
func (b *browser) shoot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) media(m string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
		b.t.Fatal(err)
	}
}

// TestBrowser drives Chromium over every page of a running dashboard:
// it reads the numbers the browser shows and compares them with the
// engine's, follows an item to its history and to its proof, and saves a
// screenshot of each page under artifacts/screenshots.
func TestBrowser(t *testing.T) {
	srv := newServer(t, world.View())
	b := &browser{t: t, ctx: newBrowser(t), base: srv.URL, shots: screenshotDir(t)}

	// Overview: the numbers on screen are the engine's.
	b.open("/?date=2020-09-01", "section.reading")
	cells := eval[[]string](b, `[...document.querySelectorAll("section.reading")].flatMap(s => [...s.querySelectorAll("tr[data-party] td[data-limit]")].map(td =>
		s.dataset.reading + " " + td.closest("tr").dataset.party + " " + td.dataset.limit + " " + td.querySelector("a.value").innerText.replaceAll(",", "") + " " + td.querySelector("[data-verdict]").dataset.verdict))`)
	b.shoot("overview")
	var want []string
	for _, rd := range world.Treaty.ReadingIDs() {
		for _, pr := range evaluate(t, treaty.MustDate("2020-09-01"), rd).Parties {
			for _, lr := range pr.Limits {
				want = append(want, fmt.Sprintf("%s %s %s %d %s", rd, pr.Party, lr.ID, lr.Value, lr.Verdict))
			}
		}
	}
	if strings.Join(cells, "\n") != strings.Join(want, "\n") {
		t.Errorf("overview shows\n%s\nthe engine counts\n%s", strings.Join(cells, "\n"), strings.Join(want, "\n"))
	}
	if banner := b.text("#simulated"); !strings.Contains(banner, "simulated") {
		t.Errorf("banner %q does not say the data is simulated", banner)
	}
	// Every clause a number links to is on the treaty page.
	links := eval[[]string](b, `[...new Set([...document.querySelectorAll("a[href^='/treaty#']")].map(a => a.getAttribute("href").slice(8)))]`)

	// History: three charts and a table whose numbers are the engine's.
	b.open("/history", "#history-table")
	charts := eval[int](b, `document.querySelectorAll("figure.chart svg").length`)
	rows := eval[[][]string](b, `[...document.querySelectorAll("#history-table tbody tr")].map(tr => [tr.dataset.date, ...[...tr.querySelectorAll("td")].map(td => td.dataset.party + " " + td.dataset.limit + " " + td.innerText.replaceAll(",", ""))])`)
	b.shoot("history")
	if charts != 3 {
		t.Errorf("history shows %d charts, want 3", charts)
	}
	checked := 0
	for _, row := range rows {
		if row[0] != "2020-09-01" && row[0] != "2018-02-05" && row[0] != "2023-03-01" {
			continue
		}
		res := evaluate(t, treaty.MustDate(row[0]), "default")
		for _, c := range row[1:] {
			f := strings.Fields(c)
			for _, lr := range partyResultOf(res, f[0]) {
				if lr.ID == f[1] && f[2] != "–" && f[2] != strconv.Itoa(lr.Value) {
					t.Errorf("history %s %s %s shows %s, the engine counts %d", row[0], f[0], f[1], f[2], lr.Value)
				}
			}
			checked++
		}
	}
	if checked != 18 {
		t.Errorf("checked %d history cells, want 18", checked)
	}

	// Notifications, logs, treaty, fact sheet: load and photograph.
	for _, p := range []struct{ name, path, ready string }{
		{"notifications", "/notifications?year=2020", "#timeline"},
		{"logs", "/logs", "section.log"},
		{"treaty", "/treaty", "#limits"},
		{"factsheet", "/factsheet.html?date=2020-09-01", "#factsheet"},
		{"overview-stale", "/?date=2023-09-01", "section.reading"},
	} {
		b.open(p.path, p.ready)
		b.shoot(p.name)
	}
	b.open("/treaty", "#limits")
	for _, id := range links {
		if eval[bool](b, fmt.Sprintf("document.getElementById(%q) !== null", id)) == false {
			t.Errorf("the overview links to /treaty#%s, which the treaty page lacks", id)
		}
	}
	b.open("/notifications", "#findings")
	if late := eval[int](b, `document.querySelectorAll("#findings tr[data-kind=late]").length`); late != 12 {
		t.Errorf("notifications show %d late findings, want 12 (six per party)", late)
	}

	// Click through: overview → treaty database → an item → its proof.
	b.open("/?date=2020-09-01", "section.reading")
	b.do("to the database", chromedp.Click(chromedp.CSS(`header nav a[href="/database"]`)), chromedp.WaitVisible(chromedp.CSS("#items")))
	b.do("searching", chromedp.SetValue(chromedp.CSS(`input[name=q]`), "deployed"), chromedp.SetValue(chromedp.CSS(`input[name=date]`), "2020-09-01"),
		chromedp.Submit(chromedp.CSS(`form.controls`)), chromedp.WaitVisible(chromedp.CSS("#items a.uid")))
	b.shoot("database")
	uid := b.text("#items a.uid")
	b.do("to the item", chromedp.Click(chromedp.CSS("#items a.uid")), chromedp.WaitVisible(chromedp.CSS("#item-history")))
	b.shoot("item")
	if got := b.text("#uid"); got != uid {
		t.Errorf("clicked %s, item page of %s", uid, got)
	}
	b.do("to the proof", chromedp.Click(chromedp.CSS("#item-history a.entry")), chromedp.WaitVisible(chromedp.CSS("#verified")))
	b.shoot("entry")
	if v := b.text("#verified"); !strings.HasPrefix(v, "Verified.") {
		t.Errorf("item %s: its first entry's proof: %q", uid, v)
	}
	if loc, err := chromedp.Run(b.ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "/entries/") {
		t.Errorf("the item's entry link led to %s (%v)", loc, err)
	}

	// On paper: the history as printed.
	b.open("/history", "#history-table")
	b.media("print")
	b.shoot("history-print")
	b.media("")
	t.Logf("screenshots in %s", b.shots)
}

// TestBrowserTrilateral drives Chromium over the trilateral draft, whose
// limits bind different parties: on the overview, the history and the
// fact sheet, every column's header names the limit whose numbers the
// column holds, and every cell of a limit that does not bind its party is
// empty. It also photographs the overview before entry into force.
func TestBrowserTrilateral(t *testing.T) {
	ctx := newBrowser(t)
	w := trilateral(t)
	srv := newServer(t, w.View())
	b := &browser{t: t, ctx: ctx, base: srv.URL, shots: screenshotDir(t)}
	names := map[string]string{}
	for _, l := range w.Treaty.Limits {
		names[l.ID] = l.Name
	}
	// Each check returns "column header-limit header-text cell-limit" for
	// every cell of a table whose header is not the cell's limit.
	const check = `[...document.querySelectorAll(TABLE)].flatMap(table => {
		const heads = [...table.querySelectorAll("thead tr:last-child th[data-limit]")];
		return [...table.querySelectorAll("tbody tr")].flatMap(tr => [...tr.querySelectorAll("td[data-limit]")].map((td, i) => {
			const h = heads[i % heads.length];
			return [i, h ? h.dataset.limit : "", h ? (h.querySelector("a") || h).getAttribute("title") || h.innerText : "", td.dataset.limit, td.dataset.binds || "", td.innerText.trim()].join("|");
		}));
	})`
	for _, p := range []struct{ name, path, ready, table string }{
		{"overview-trilateral", "/?date=2022-03-01", "section.reading", "table.counts"},
		{"history-trilateral", "/history", "#history-table", "#history-table"},
		{"factsheet-trilateral", "/factsheet.html?date=2022-03-01", "#factsheet", "#factsheet"},
	} {
		b.open(p.path, p.ready)
		b.shoot(p.name)
		cells := eval[[]string](b, strings.Replace(check, "TABLE", strconv.Quote(p.table), 1))
		if len(cells) < 10 {
			t.Errorf("%s: %d cells", p.name, len(cells))
		}
		for _, c := range cells {
			f := strings.Split(c, "|")
			if f[1] != f[3] {
				t.Errorf("%s: column %s is headed %s and holds the numbers of %s", p.name, f[0], f[1], f[3])
			}
			if !strings.Contains(f[2], names[f[1]]) && f[2] != f[1] && !strings.Contains(f[2], strings.Split(names[f[1]], ",")[0]) {
				t.Errorf("%s: the header of column %s reads %q, not the name of %s", p.name, f[0], f[2], f[1])
			}
			if f[4] == "false" && f[5] != "" && !strings.Contains(f[5], "does not bind") {
				t.Errorf("%s: a cell of %s, which does not bind its party, shows %q", p.name, f[3], f[5])
			}
		}
	}
	b.open("/?date=2005-01-01", "main")
	b.shoot("overview-before-eif")
	if got := b.text("main"); !strings.Contains(got, "No party had declared any holdings by this date") {
		t.Errorf("the overview before entry into force reads %q", got)
	}
}

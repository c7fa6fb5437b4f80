package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"accord/internal/treaty"
	"accord/internal/web/webtest"
)

// TestBrowser drives Chromium over every page of a running dashboard:
// it reads the numbers the browser shows and compares them with the
// engine's, follows an item to its history and to its proof, and saves a
// screenshot of each page under artifacts/screenshots.
func TestBrowser(t *testing.T) {
	srv := newServer(t, world.View())
	b := &webtest.Browser{T: t, Ctx: webtest.NewBrowser(t), Base: srv.URL, Shots: webtest.ScreenshotDir(t)}

	// Overview: the numbers on screen are the engine's.
	b.Open("/?date=2020-09-01", "section.reading")
	cells := webtest.Eval[[]string](b, `[...document.querySelectorAll("section.reading")].flatMap(s => [...s.querySelectorAll("tr[data-party] td[data-limit]")].map(td =>
		s.dataset.reading + " " + td.closest("tr").dataset.party + " " + td.dataset.limit + " " + td.querySelector("a.value").innerText.replaceAll(",", "") + " " + td.querySelector("[data-verdict]").dataset.verdict))`)
	b.Shoot("overview")
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
	if banner := b.Text("#simulated"); !strings.Contains(banner, "simulated") {
		t.Errorf("banner %q does not say the data is simulated", banner)
	}
	// Every clause a number links to is on the treaty page.
	links := webtest.Eval[[]string](b, `[...new Set([...document.querySelectorAll("a[href^='/treaty#']")].map(a => a.getAttribute("href").slice(8)))]`)

	// History: three charts and a table whose numbers are the engine's.
	b.Open("/history", "#history-table")
	charts := webtest.Eval[int](b, `document.querySelectorAll("figure.chart svg").length`)
	rows := webtest.Eval[[][]string](b, `[...document.querySelectorAll("#history-table tbody tr")].map(tr => [tr.dataset.date, ...[...tr.querySelectorAll("td")].map(td => td.dataset.party + " " + td.dataset.limit + " " + td.innerText.replaceAll(",", ""))])`)
	b.Shoot("history")
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
		b.Open(p.path, p.ready)
		b.Shoot(p.name)
	}
	b.Open("/treaty", "#limits")
	for _, id := range links {
		if webtest.Eval[bool](b, fmt.Sprintf("document.getElementById(%q) !== null", id)) == false {
			t.Errorf("the overview links to /treaty#%s, which the treaty page lacks", id)
		}
	}
	b.Open("/notifications", "#findings")
	if late := webtest.Eval[int](b, `document.querySelectorAll("#findings tr[data-kind=late]").length`); late != 12 {
		t.Errorf("notifications show %d late findings, want 12 (six per party)", late)
	}

	// Click through: overview → treaty database → an item → its proof.
	b.Open("/?date=2020-09-01", "section.reading")
	b.Do("to the database", chromedp.Click(chromedp.CSS(`header nav a[href="/database"]`)), chromedp.WaitVisible(chromedp.CSS("#items")))
	b.Do("searching", chromedp.SetValue(chromedp.CSS(`input[name=q]`), "deployed"), chromedp.SetValue(chromedp.CSS(`input[name=date]`), "2020-09-01"),
		chromedp.Submit(chromedp.CSS(`form.controls`)), chromedp.WaitVisible(chromedp.CSS("#items a.uid")))
	b.Shoot("database")
	uid := b.Text("#items a.uid")
	b.Do("to the item", chromedp.Click(chromedp.CSS("#items a.uid")), chromedp.WaitVisible(chromedp.CSS("#item-history")))
	b.Shoot("item")
	if got := b.Text("#uid"); got != uid {
		t.Errorf("clicked %s, item page of %s", uid, got)
	}
	b.Do("to the proof", chromedp.Click(chromedp.CSS("#item-history a.entry")), chromedp.WaitVisible(chromedp.CSS("#verified")))
	b.Shoot("entry")
	if v := b.Text("#verified"); !strings.HasPrefix(v, "Verified.") {
		t.Errorf("item %s: its first entry's proof: %q", uid, v)
	}
	if loc, err := chromedp.Run(b.Ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "/entries/") {
		t.Errorf("the item's entry link led to %s (%v)", loc, err)
	}

	// On paper: the history as printed.
	b.Open("/history", "#history-table")
	b.Media("print")
	b.Shoot("history-print")
	b.Media("")
	t.Logf("screenshots in %s", b.Shots)
}

// TestBrowserTrilateral drives Chromium over the trilateral draft, whose
// limits bind different parties: on the overview, the history and the
// fact sheet, every column's header names the limit whose numbers the
// column holds, and every cell of a limit that does not bind its party is
// empty. It also photographs the overview before entry into force.
func TestBrowserTrilateral(t *testing.T) {
	ctx := webtest.NewBrowser(t)
	w := trilateral(t)
	srv := newServer(t, w.View())
	b := &webtest.Browser{T: t, Ctx: ctx, Base: srv.URL, Shots: webtest.ScreenshotDir(t)}
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
		b.Open(p.path, p.ready)
		b.Shoot(p.name)
		cells := webtest.Eval[[]string](b, strings.Replace(check, "TABLE", strconv.Quote(p.table), 1))
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
	b.Open("/?date=2005-01-01", "main")
	b.Shoot("overview-before-eif")
	if got := b.Text("main"); !strings.Contains(got, "No party had declared any holdings by this date") {
		t.Errorf("the overview before entry into force reads %q", got)
	}
}

// TestBrowserFreeze drives Chromium over the freeze fixture (a breach by
// the United States on 1 May 2021, and Russia without a baseline): the
// chart of the total against the baseline, with a dot per warhead event,
// the baseline dashed, the in-force window shaded and the breach ringed
// and labelled with its entry; the breakdown on screen equal to the
// treaty database's balances; the breach alerted on the overview, whose
// link leads to the warheads page; and the warhead findings in words on
// the notifications page.
func TestBrowserFreeze(t *testing.T) {
	f := freeze(t)
	srv := newServer(t, f.View())
	b := &webtest.Browser{T: t, Ctx: webtest.NewBrowser(t), Base: srv.URL, Shots: webtest.ScreenshotDir(t)}

	b.Open("/", "section.reading")
	b.Shoot("overview-freeze-breach")
	if !webtest.Eval[bool](b, `document.getElementById("freeze-breach") !== null`) {
		t.Fatal("the overview shows no freeze breach")
	}
	alert := b.Text("#freeze-breach")
	for _, want := range []string{"Freeze breached", "United States of America", "1 May 2021", fmt.Sprintf("USA#%d", f.Breach.Index), "505, above its baseline of 500"} {
		if !strings.Contains(alert, want) {
			t.Errorf("the overview's alert reads %q, lacking %q", alert, want)
		}
	}
	if bg := webtest.Eval[string](b, `getComputedStyle(document.getElementById("freeze-breach")).backgroundColor`); bg != "rgb(253, 236, 234)" {
		t.Errorf("the alert's background is %s, not the stylesheet's alarm colour", bg)
	}
	b.Do("to the warheads", chromedp.Click(chromedp.CSS("#freeze-breach a.to-warheads")), chromedp.WaitVisible(chromedp.CSS("#freeze-USA-total_warheads svg")))
	b.Shoot("warheads")
	if loc, err := chromedp.Run(b.Ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "/warheads?party=USA&date=2021-05-01") {
		t.Errorf("the alert's link led to %s (%v)", loc, err)
	}

	// The chart: a dot per event in the party's colour, the baseline
	// dashed, the window shaded, the breach ringed and labelled.
	evs, err := f.Reg.WarheadEvents(context.Background(), "USA", f.Clock)
	if err != nil {
		t.Fatal(err)
	}
	const svg = `document.querySelector("#freeze-USA-total_warheads svg")`
	if n := webtest.Eval[int](b, svg+`.querySelectorAll('circle[r="3"][fill="rgb(31,78,140)"]').length`); n != len(evs) {
		t.Errorf("the chart has %d event dots, the registry %d events", n, len(evs))
	}
	for what, sel := range map[string]string{
		"the baseline, dashed": `path[stroke-dasharray="6, 4"]`,
		"the window in force":  `path[fill^="rgba(176,109,0"]`,
		"the breach's ring":    `circle[r="7"][fill="rgb(180,35,24)"]`,
		"a line of the total":  `path[stroke="rgb(31,78,140)"][stroke-width="2.5"]`,
	} {
		if webtest.Eval[int](b, svg+`.querySelectorAll('`+sel+`').length`) == 0 {
			t.Errorf("the chart lacks %s (%s)", what, sel)
		}
	}
	label := fmt.Sprintf("breach, USA#%d", f.Breach.Index)
	if !webtest.Eval[bool](b, svg+`.textContent.includes(`+strconv.Quote(label)+`)`) {
		t.Errorf("the chart does not label the breach %q", label)
	}
	if got := b.Text("#freeze-USA-total_warheads .freeze-state"); !strings.Contains(got, "exceeded") || !strings.Contains(got, "505") || !strings.Contains(got, "baseline of 500") {
		t.Errorf("the freeze's state on 1 May 2021 reads %q", got)
	}

	// The breakdown on screen is the treaty database's.
	rows := webtest.Eval[[]string](b, `[...document.querySelectorAll("#by-site-USA tbody tr")].map(tr => [...tr.querySelectorAll("td")].map(td => td.innerText.replaceAll(",", "")).slice(0, 4).join(" "))`)
	bs, err := f.Reg.Balances(context.Background(), "USA", treaty.MustDate("2021-05-01"), f.Clock)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, bal := range bs {
		want = append(want, fmt.Sprintf("%s %s %s %d", bal.Site, bal.Category, bal.Status, bal.Count))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("the breakdown by site shows\n%s\nthe treaty database holds\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if total := b.Text("#by-status-USA tfoot td.num"); total != "505" {
		t.Errorf("the breakdown's total reads %q, want 505", total)
	}
	if n := webtest.Eval[int](b, `document.querySelectorAll("#flows-USA tr.breach").length`); n != 1 {
		t.Errorf("%d flows highlighted as a breach, want 1", n)
	}

	// Russia has no baseline: no data, never met.
	b.Open("/warheads?party=RUS&date=2021-05-01", "#party-RUS")
	b.Shoot("warheads-no-baseline")
	if got := b.Text("#freeze-RUS-total_warheads .freeze-state"); !strings.Contains(got, "no data") || !strings.Contains(got, "no baseline") || strings.Contains(got, "met") {
		t.Errorf("Russia's freeze, without a baseline, reads %q", got)
	}

	// The findings, in words.
	b.Open("/notifications", "#findings")
	b.Shoot("notifications-freeze")
	kinds := webtest.Eval[[]string](b, `[...document.querySelectorAll("#findings tr[data-kind=freeze_breach], #findings tr[data-kind=balance], #findings tr[data-kind=deployed_mismatch]")].map(tr => tr.dataset.kind + ": " + tr.querySelector("td:nth-child(2)").innerText)`)
	got := strings.Join(kinds, "\n")
	for _, want := range []string{"freeze_breach: freeze breach", "takes the party's total_warheads to 505, above its freeze baseline of 500",
		"balance: warhead balance differs from the book", "deployed_mismatch: deployed warheads differ from New START data"} {
		if !strings.Contains(got, want) {
			t.Errorf("the findings read\n%s\nlacking %q", got, want)
		}
	}
}

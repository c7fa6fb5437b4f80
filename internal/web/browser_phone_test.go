package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"accord/internal/i18n"
	"accord/internal/treaty"
	"accord/internal/web/webtest"
)

// phoneWidth is the width of a common phone's screen, in CSS pixels.
const phoneWidth = 390

// TestBrowserPhone drives Chromium as a phone 390 px wide over the
// history, notifications and database pages: the page itself never
// scrolls sideways (its wide tables scroll in their own box). Then in
// dark mode, where the page's background follows the system's; then the
// history's tab stops and its charts as a screen reader finds them; and
// the overview in Russian, whose links keep the language.
func TestBrowserPhone(t *testing.T) {
	srv := newServer(t, world.View())
	b := &webtest.Browser{T: t, Ctx: webtest.NewBrowser(t), Base: srv.URL, Shots: webtest.ScreenshotDir(t)}

	phone(b, phoneWidth)
	for _, p := range []struct{ name, path, ready string }{
		{"history-390", "/history", "#history-table"},
		{"notifications-390", "/notifications?year=2020", "#timeline"},
		{"database-390", "/database?party=USA&date=2020-09-01&q=deployed", "#items"},
		{"overview-390", "/?date=2020-09-01&lang=ru", "section.reading"},
	} {
		b.Open(p.path, p.ready)
		b.ShootScreen(p.name)
		if w := webtest.Eval[int](b, `document.documentElement.scrollWidth`); w > phoneWidth {
			t.Errorf("%s at %d px: the page is %d px wide; too wide: %s", p.path, phoneWidth, w, strings.Join(tooWide(b), ", "))
		}
	}
	phone(b, 0)

	light := background(b, "/history")
	colorScheme(b, "dark")
	dark := background(b, "/history")
	b.Shoot("history-dark")
	colorScheme(b, "")
	if light != "rgb(255, 255, 255)" || dark != "rgb(15, 20, 25)" {
		t.Errorf("the page's background is %s in light mode and %s in dark mode, want rgb(255, 255, 255) and rgb(15, 20, 25)", light, dark)
	}

	// Tab stops: the skip link first; no cell of the history's table is
	// one (its row and column headers link to the same places).
	b.Open("/history", "#history-table")
	if first := webtest.Eval[string](b, `[...document.querySelectorAll("a[href], button, input, select, [tabindex]")].find(e => e.tabIndex >= 0).className`); first != "skip" {
		t.Errorf("the first tab stop is %q, not the skip link", first)
	}
	if n := webtest.Eval[int](b, `[...document.querySelectorAll("#history-table td a")].filter(a => a.tabIndex >= 0).length`); n != 0 {
		t.Errorf("%d cells of the history's table are tab stops", n)
	}
	stops := webtest.Eval[int](b, `[...document.querySelectorAll("a[href], button, input, select, [tabindex]")].filter(e => e.tabIndex >= 0).length`)
	t.Logf("the history page has %d tab stops", stops)
	// Each chart is an image named by its title and description, which
	// say each party's latest value.
	names := webtest.Eval[[]string](b, `[...document.querySelectorAll("figure.chart svg")].map(s => s.getAttribute("role") + "|" + s.getAttribute("aria-labelledby").split(" ").map(id => document.getElementById(id).textContent).join("|"))`)
	if len(names) != 3 {
		t.Fatalf("%d charts", len(names))
	}
	for _, n := range names {
		f := strings.Split(n, "|")
		if len(f) != 3 || f[0] != "img" || !strings.HasPrefix(f[1], "Chart of ") {
			t.Errorf("a chart is named %q", n)
			continue
		}
		if !strings.Contains(f[2], "Russian Federation: ") || !strings.Contains(f[2], "Limit ") {
			t.Errorf("a chart is described as %q", f[2])
		}
	}

	// The overview in Russian: the treaty's terms, the engine's numbers,
	// and a link that keeps the language.
	ru, _ := i18n.Get("ru")
	b.Open("/?date=2020-09-01&lang=ru", "section.reading")
	b.Shoot("overview-ru")
	heads := webtest.Eval[[]string](b, `[...document.querySelectorAll("#reading-default table.counts thead th[data-limit]")].map(th => th.innerText)`)
	want := []string{"Развернутые МБР, развернутые БРПЛ и развернутые тяжелые бомбардировщики",
		"Боеголовки на развернутых МБР и развернутых БРПЛ и ядерные боезаряды, засчитываемые за развернутыми тяжелыми бомбардировщиками",
		"Развернутые и неразвернутые пусковые установки МБР, пусковые установки БРПЛ и тяжелые бомбардировщики"}
	if strings.Join(heads, "\n") != strings.Join(want, "\n") {
		t.Errorf("the Russian overview's columns read\n%s\nwant\n%s", strings.Join(heads, "\n"), strings.Join(want, "\n"))
	}
	cells := webtest.Eval[[]string](b, `[...document.querySelectorAll("#reading-default tr[data-party] td[data-limit] a.value")].map(a => a.closest("tr").dataset.party + " " + a.closest("td").dataset.limit + " " + a.innerText)`)
	var wantCells []string
	for _, pr := range evaluate(t, treaty.MustDate("2020-09-01"), "default").Parties {
		for _, lr := range pr.Limits {
			wantCells = append(wantCells, fmt.Sprintf("%s %s %s", pr.Party, lr.ID, ru.Num(int64(lr.Value))))
		}
	}
	if strings.Join(cells, "\n") != strings.Join(wantCells, "\n") {
		t.Errorf("the Russian overview shows\n%s\nthe engine counts\n%s", strings.Join(cells, "\n"), strings.Join(wantCells, "\n"))
	}
	b.Do("to the history", chromedp.Click(chromedp.CSS(`header nav a[href^="/history"]`)), chromedp.WaitVisible(chromedp.CSS("#history-table")))
	loc, err := chromedp.Run(b.Ctx, chromedp.Location())
	if lang := webtest.Eval[string](b, `document.documentElement.lang`); err != nil || !strings.HasSuffix(loc, "/history?lang=ru") || lang != "ru" {
		t.Errorf("the Russian overview's link led to %s (%v), in %q", loc, err, lang)
	}
}

// phone emulates a phone's screen width wide; 0 ends the emulation.
func phone(b *webtest.Browser, width int64) {
	b.T.Helper()
	if width == 0 {
		if _, err := chromedp.Call(b.Ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
			b.T.Fatal(err)
		}
		return
	}
	if _, err := chromedp.Call(b.Ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: width, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		b.T.Fatal(err)
	}
}

// colorScheme emulates prefers-color-scheme; "" ends the emulation.
func colorScheme(b *webtest.Browser, scheme string) {
	b.T.Helper()
	p := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}
	if _, err := chromedp.Call(b.Ctx, emulation.SetEmulatedMedia, p); err != nil {
		b.T.Fatal(err)
	}
}

func background(b *webtest.Browser, path string) string {
	b.Open(path, "main")
	return webtest.Eval[string](b, `getComputedStyle(document.body).backgroundColor`)
}

// tooWide names the elements whose right edge passes the screen's, for
// the message of a failed test.
func tooWide(b *webtest.Browser) []string {
	return webtest.Eval[[]string](b, `[...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 && !e.closest(".scroll"))
		.slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + e.className : "") + " " + Math.round(e.getBoundingClientRect().right))`)
}

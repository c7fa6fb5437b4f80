package web_test

import (
	"slices"
	"strings"
	"testing"

	"accord/internal/factsheet"
	"accord/internal/web/webtest"
)

// TestBrowserScenarios drives Chromium over the scenarios page comparing
// the five options for the United States on 1 September 2020: the
// numbers the browser shows, option by option and limit by limit, are
// the scenario engine's; so are the upload potential's totals; the chart
// over time is drawn. Then the comparison page. Screenshots go to
// artifacts/screenshots.
func TestBrowserScenarios(t *testing.T) {
	srv := newServer(t, world.View())
	b := &webtest.Browser{T: t, Ctx: webtest.NewBrowser(t), Base: srv.URL, Shots: webtest.ScreenshotDir(t)}
	b.Open("/scenarios?date=2020-09-01&party=USA", "#options")
	got := webtest.Eval[[]string](b, `[...document.querySelectorAll("#options td[data-limit]:not([data-limit=''])")].map(td => {
		const v = td.querySelector("strong");
		const add = td.querySelector(".can-add");
		const [value, ceiling] = v ? [v.innerText, td.dataset.ceiling] : ["?", "?"];
		return [td.dataset.option, td.dataset.limit, value.replaceAll(",", ""), ceiling, add ? add.innerText.replaceAll(",", "") : "?", td.dataset.verdict, !!td.querySelector(".tag.warn")].join(" ");
	})`)
	options := webtest.Eval[[]string](b, `[...document.querySelectorAll("#options thead th[data-option]")].map(th => th.dataset.option)`)
	b.Shoot("scenarios")
	r := scenarioReport(t, "USA", "2020-09-01", nil)
	// The page lays the options out as columns; the engine lists them
	// option by option: compare as sets of lines in the same order.
	want := engineCells(r)
	if strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
		t.Errorf("the browser shows\n%s\nthe engine counts\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(options, " ") != "newstart newstart-freeze-2020 us-freeze-2020 trilateral-draft none" {
		t.Errorf("options %v", options)
	}
	total := b.Text("#upload-total")
	if want := span(r.Upload.Low, r.Upload.High); total != want {
		t.Errorf("upload total %q, the engine %q", total, want)
	}
	if n := webtest.Eval[int](b, `document.querySelectorAll("#overtime-chart svg path").length`); n < 3 {
		t.Errorf("the chart over time has %d paths", n)
	}
	b.Open("/compare?treaties=newstart,us-freeze-2020,trilateral-draft&date=2020-09-01", "#clauses")
	if n := webtest.Eval[int](b, `document.querySelectorAll("#clauses tbody[data-topic]").length`); n != 6 {
		t.Errorf("the comparison has %d topics, want 6", n)
	}
	b.Shoot("compare")
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// span is how the page writes a range: "n" or "low–high", thousands
// separated.
func span(low, high int) string {
	if low == high {
		return factsheet.Thousands(low)
	}
	return factsheet.Thousands(low) + "–" + factsheet.Thousands(high)
}

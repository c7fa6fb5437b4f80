package web

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"accord/internal/i18n"
	"accord/internal/treaty"
)

// messageCall is a template's call of t or th with a literal message.
var messageCall = regexp.MustCompile(`(?:\{\{-?\s*|\()(?:t|th)\s+("(?:[^"\\]|\\.)*")`)

// templateMessages returns the literal messages of the templates files
// match.
func templateMessages(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	names, err := filepath.Glob(pattern)
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates match %s (%v)", pattern, err)
	}
	out := map[string][]string{}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range messageCall.FindAllStringSubmatch(string(b), -1) {
			key, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %s: %v", name, m[1], err)
			}
			out[key] = append(out[key], filepath.Base(name))
		}
	}
	return out
}

// TestEveryMessageTranslated fails on a message of the dashboard or the
// fact sheet that Russian lacks, and on one of the pages Chinese covers
// (the frame, the overview, the error page and the fact sheet) that
// Chinese lacks.
func TestEveryMessageTranslated(t *testing.T) {
	all := templateMessages(t, "templates/*.html")
	for k, v := range templateMessages(t, "../factsheet/templates/*.html") {
		all[k] = append(all[k], v...)
	}
	if len(all) < 100 {
		t.Fatalf("found %d messages in the templates: is t still the translating function?", len(all))
	}
	for _, k := range dynamicMessages() {
		all[k] = append(all[k], "(code)")
	}
	zhPages := []string{"base.html", "overview.html", "error.html", "factsheet.html"}
	for key, files := range all {
		if !i18n.Has("ru", key) {
			t.Errorf("ru has no translation of %q (%s)", key, strings.Join(files, ", "))
		}
		if slices.ContainsFunc(files, func(f string) bool { return slices.Contains(zhPages, f) }) && !i18n.Has("zh", key) {
			t.Errorf("zh has no translation of %q (%s)", key, strings.Join(files, ", "))
		}
	}
}

func TestLocalize(t *testing.T) {
	ru, _ := i18n.Get("ru")
	page := `<a href="/history">x</a> <a href="/?date=2020-09-01">d</a> <a href="/treaty#limit-warheads">c</a>` +
		`<a href="/database?party=USA&amp;date=2020-09-01#items">q</a> <link rel="stylesheet" href="/static/style.css">` +
		`<a href="/?lang=en">English</a> <a href="https://example.org/x">out</a>` +
		`<form class="controls" method="get" action="/history"><select name="reading"></select></form>`
	want := `<a href="/history?lang=ru">x</a> <a href="/?date=2020-09-01&amp;lang=ru">d</a> <a href="/treaty?lang=ru#limit-warheads">c</a>` +
		`<a href="/database?party=USA&amp;date=2020-09-01&amp;lang=ru#items">q</a> <link rel="stylesheet" href="/static/style.css">` +
		`<a href="/?lang=en">English</a> <a href="https://example.org/x">out</a>` +
		`<form class="controls" method="get" action="/history"><input type="hidden" name="lang" value="ru"><select name="reading"></select></form>`
	if got := string(localize([]byte(page), ru)); got != want {
		t.Errorf("localized:\n%s\nwant\n%s", got, want)
	}
}

// TestChartAccessible checks that a chart names itself to a screen
// reader (role, title and description, each party's values in words) and
// that the parties' lines differ by their dashes as well as their
// colours.
func TestChartAccessible(t *testing.T) {
	ceiling := 1550
	ru, _ := i18n.Get("ru")
	d1, d2 := treaty.MustDate("2018-02-05"), treaty.MustDate("2020-09-01")
	spec := chartSpec{
		Limit:  treaty.Limit{ID: "warheads", Name: "Warheads on deployed ICBMs and SLBMs, and warheads counted for deployed heavy bombers", Ceiling: &ceiling, Effective: d1},
		YLabel: "Warheads", Ticks: []treaty.Date{d1, d2}, PartyIndex: map[string]int{"USA": 0, "RUS": 1}, Lang: ru,
		Names: map[string]string{"USA": "United States of America", "RUS": "Russian Federation"},
		Series: []series{{Party: "USA", Dates: []treaty.Date{d1, d2}, Values: []int{1350, 1457}, Interpolated: []bool{false, false}},
			{Party: "RUS", Dates: []treaty.Date{d1, d2}, Values: []int{1444, 1447}, Interpolated: []bool{false, false}}},
	}
	svg, err := chartSVG(spec)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg.SVG)
	for _, want := range []string{
		`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 960 320" role="img" aria-labelledby="svg-warheads-title svg-warheads-desc">`,
		`<title id="svg-warheads-title">График «Боеголовки на развернутых МБР`,
		`<desc id="svg-warheads-desc">Соединенные Штаты Америки: 1` + "\u00a0" + `457 на 1 сентября 2020 г., с 1` + "\u00a0" + `350 на 5 февраля 2018 г.; значений: 2.`,
		`Российская Федерация: 1` + "\u00a0" + `447 на 1 сентября 2020 г.`,
		`Предельный уровень 1` + "\u00a0" + `550 с 5 февраля 2018 г.`,
		`сен 2020`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	usa := regexp.MustCompile(`<path( stroke-dasharray="[^"]*")? d="[^"]*" stroke-width="2.5" stroke="rgb\(31,78,140\)"`).FindStringSubmatch(s)
	rus := regexp.MustCompile(`<path( stroke-dasharray="[^"]*")? d="[^"]*" stroke-width="2.5" stroke="rgb\(178,34,34\)"`).FindStringSubmatch(s)
	if usa == nil || rus == nil {
		t.Fatalf("the chart lacks a party's line:\n%s", s)
	}
	if usa[1] == rus[1] {
		t.Errorf("the parties' lines have the same dashes (%q)", usa[1])
	}
}

package web_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/registry"
	"accord/internal/treaty"
	"accord/internal/web/webtest"
)

// year2019 is the treaty year from 5 February 2019.
var year2019 = treaty.MustDate("2019-02-05")

var (
	allOnce sync.Once
	allIns  []registry.Inspection
	allErr  error
)

// inspectionsIn returns the registry's inspections, read once for the
// package's tests, and those whose first step is in the treaty year from
// year.
func inspectionsIn(t *testing.T, year treaty.Date) (all, in []registry.Inspection) {
	t.Helper()
	allOnce.Do(func() {
		start := time.Now()
		allIns, allErr = world.Reg.Inspections(context.Background(), "", world.Clock)
		t.Logf("read %d inspections in %s", len(allIns), time.Since(start).Round(time.Millisecond))
	})
	if allErr != nil {
		t.Fatal(allErr)
	}
	all = allIns
	for _, x := range all {
		if world.Treaty.YearOf(x.Steps[0].Effective) == year {
			in = append(in, x)
		}
	}
	return all, in
}

// TestInspectionsPage checks the inspections page of the treaty year
// 2019 against the treaty database: each party's use of each type equals
// the reports the registry holds for the year (and the full quota the
// simulation uses), each inspection is shown with its steps and
// countersignature, and each party's confidence equals
// 1 − ∏(1 − k/N) over the reentry-vehicle inspections of it reported
// before the year's end, computed here from the registry's reports.
func TestInspectionsPage(t *testing.T) {
	srv := newServer(t, world.View())
	all, in := inspectionsIn(t, year2019)
	page := mustGet(t, srv, "/inspections?year=2019")
	used := map[string]int{}
	for _, x := range in {
		used[x.Inspecting+"/"+x.Type]++
	}
	for _, p := range world.Treaty.Parties {
		for _, it := range world.Treaty.Inspections {
			want := fmt.Sprintf(`data-party="%s" data-type="%s" data-used="%d" data-per-year="%d"`, p.ID, it.ID, used[p.ID+"/"+it.ID], it.PerYear)
			if !strings.Contains(page, want) || used[p.ID+"/"+it.ID] != it.PerYear {
				t.Errorf("no quota row %s (used %d of %d)", want, used[p.ID+"/"+it.ID], it.PerYear)
			}
		}
	}
	if got := strings.Count(page, `<section class="inspection"`); got != len(in) || got != 36 {
		t.Errorf("%d inspections shown, the registry holds %d for 2019 (want 36)", got, len(in))
	}
	for _, p := range world.Treaty.Parties {
		want := fmt.Sprintf(`data-party="%s" data-count="%d" data-final="%.4f"`, p.ID, rvCount(all, p.ID), detected(all, p.ID, 5))
		if !strings.Contains(page, want) {
			t.Errorf("no campaign %s on the page", want)
		}
	}
	for _, want := range []string{`id="confidence-chart"`, "<svg", "Probability of detection (%)", `data-step="intent"`, `data-step="report"`, `data-step="countersignature"`, `data-choice="rv"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page has no %s", want)
		}
	}
}

// TestInspectionsExhibitions checks that the treaty year 2011 lists the
// exhibitions the registry holds for it.
func TestInspectionsExhibitions(t *testing.T) {
	srv := newServer(t, world.View())
	xs, err := world.Reg.Exhibitions(context.Background(), "", world.Clock)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range xs {
		if world.Treaty.YearOf(x.Effective) == treaty.MustDate("2011-02-05") {
			n++
		}
	}
	page := mustGet(t, srv, "/inspections?year=2011")
	if got := strings.Count(page, `<tr class="exhibition">`); got != n || n != 3 || !strings.Contains(page, "B-1B") {
		t.Errorf("%d exhibitions shown for 2011, the registry holds %d (want 3)", got, n)
	}
}

// TestInspectionsMisdeclared checks that the size of the misdeclaration
// is a parameter: a larger one is found with a higher probability, as
// computed from the registry's reports, and a bad one is refused.
func TestInspectionsMisdeclared(t *testing.T) {
	srv := newServer(t, world.View())
	all, _ := inspectionsIn(t, year2019)
	page := mustGet(t, srv, "/inspections?year=2019&misdeclared=20")
	for _, p := range world.Treaty.Parties {
		lo, hi := detected(all, p.ID, 5), detected(all, p.ID, 20)
		if want := fmt.Sprintf(`data-final="%.4f"`, hi); hi <= lo || !strings.Contains(page, want) {
			t.Errorf("%s: 20%% misdeclared found with %.4f (5%%: %.4f); page has %s: %v", p.ID, hi, lo, want, strings.Contains(page, want))
		}
	}
	for _, q := range []string{"misdeclared=0", "misdeclared=101", "misdeclared=x", "year=1999", "year=twenty"} {
		status, body := get(t, srv, "/inspections?"+q)
		if status != http.StatusBadRequest || !regexp.MustCompile(`(misdeclared|year) (&#34;|")[^&"]*(&#34;|") is not`).MatchString(body) {
			t.Errorf("?%s: status %d, want 400 naming the parameter", q, status)
		}
	}
}

// rvCount returns the reentry-vehicle inspections of party reported
// before the end of the treaty year 2019.
func rvCount(all []registry.Inspection, party string) int {
	n := 0
	forRV(all, party, func(int) { n++ })
	return n
}

// detected returns 1 − ∏(1 − k/N), k = ⌈pct·N/100⌉, over the
// reentry-vehicle inspections of party reported before the end of 2019's
// treaty year: with one missile sampled, C(N−k, 1)/C(N, 1) = 1 − k/N.
func detected(all []registry.Inspection, party string, pct float64) float64 {
	miss := 1.0
	forRV(all, party, func(n int) {
		k := math.Ceil(pct * float64(n) / 100)
		miss *= 1 - k/float64(n)
	})
	return 1 - miss
}

func forRV(all []registry.Inspection, party string, fn func(briefed int)) {
	end := year2019.Add(treaty.Period{Years: 1})
	for _, x := range all {
		rep := x.Steps[len(x.Steps)-1].Effective
		if x.Inspected == party && x.Designated != "" && len(x.Briefed) > 0 && rep.Before(end) {
			fn(len(x.Briefed))
		}
	}
}

// TestBrowserInspections drives Chromium over the inspections page of the
// treaty year 2019: each party used 10 Type One and 8 Type Two
// inspections of its quotas, an inspection's timeline runs from the
// notice of intent to the report and its countersignature, and the
// confidence chart is drawn with its title, axis label and legend.
func TestBrowserInspections(t *testing.T) {
	srv := newServer(t, world.View())
	b := &webtest.Browser{T: t, Ctx: webtest.NewBrowser(t), Base: srv.URL, Shots: webtest.ScreenshotDir(t)}
	b.Open("/inspections?year=2019", "#confidence-chart")
	quotas := webtest.Eval[[]string](b, `[...document.querySelectorAll("#quotas tbody tr")].map(tr => [...tr.querySelectorAll("td")].map(td => td.innerText.trim()).join(" "))`)
	want := []string{"USA type_one 10 10", "USA type_two 8 8", "RUS type_one 10 10", "RUS type_two 8 8"}
	if strings.Join(quotas, "\n") != strings.Join(want, "\n") {
		t.Errorf("quotas shown\n%s\nwant\n%s", strings.Join(quotas, "\n"), strings.Join(want, "\n"))
	}
	steps := webtest.Eval[[]string](b, `[...document.querySelectorAll("section.inspection[data-type='type_one'] ol.timeline")].find(ol => ol.querySelector("[data-step='rv_designation']")).querySelectorAll("li").values().map(li => li.dataset.step).toArray()`)
	if got := strings.Join(steps, " "); got != "intent arrival designation briefing rv_designation report countersignature" {
		t.Errorf("a Type One inspection's timeline: %s", got)
	}
	title := b.Text("#confidence-chart .chart-title")
	axis := webtest.Eval[bool](b, `[...document.querySelectorAll("#confidence-chart svg text")].some(t => t.textContent.includes("Probability of detection (%)"))`)
	legend := b.Text("#confidence-chart .legend")
	if !strings.Contains(title, "5% of the deployed missiles") || !axis || !strings.Contains(legend, "inspections of USA") || !strings.Contains(legend, "inspections of RUS") {
		t.Errorf("confidence chart: title %q, axis label %v, legend %q", title, axis, legend)
	}
	b.Shoot("inspections")
}

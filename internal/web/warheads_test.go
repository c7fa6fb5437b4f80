package web_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/entry/body"
	"accord/internal/registry"
	"accord/internal/treaty"
	"accord/internal/web/webtest"
)

// freezeFixture is a world under us-freeze-2020 (baseline 20 October
// 2020, in force from 5 February 2021 to the extended treaty's expiry on
// 5 February 2022), written notification by notification, each signed
// into its party's log and ingested:
//
//   - the United States states 500 warheads on the baseline date, at
//     three sites; flows follow; a production on 1 May 2021 takes it to
//     505, above its baseline (a breach), and a dismantlement on 1 June
//     brings it back to 495; its statement of 1 September 2021 disagrees
//     with the book by one deployed warhead at Base A (a balance finding),
//     and that one is not on its deployed missiles in its New START data
//     of the same date (a deployed mismatch);
//   - Russia states its warheads first on 1 March 2021, after the baseline
//     date: it has no baseline, so its freeze has no data.
type freezeFixture struct {
	*webtest.World
	Breach  body.Ref // the US production that breached the freeze
	Stated  body.Ref // the US statement of 1 September 2021
	Dismant body.Ref // the dismantlement that brought it back
}

var (
	freezeOnce sync.Once
	freezeW    *freezeFixture
	freezeErr  error
)

func freeze(t testing.TB) *freezeFixture {
	t.Helper()
	freezeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-web-freeze-")
		if err != nil {
			freezeErr = err
			return
		}
		freezeW, freezeErr = buildFreeze(context.Background(), dir+"/treaty.db")
	})
	if freezeErr != nil {
		t.Fatal(freezeErr)
	}
	return freezeW
}

func lot(site, category, status string, n int) body.Lot {
	return body.Lot{Site: site, Category: category, Status: status, Count: n}
}

// icbms are the United States' New START data in the fixture: four
// deployed ICBMs at Base A, one warhead each.
func icbms() []body.Item {
	var out []body.Item
	for i := 1; i <= 4; i++ {
		one := 1
		out = append(out, body.Item{UID: fmt.Sprintf("USA-ICBM-%d", i), Type: "MM-III", Category: "icbm", Status: "deployed", Facility: "Base A", Warheads: &one})
	}
	return out
}

type step struct {
	party, eff, sent string
	n                *body.Notification
	ref              *body.Ref
}

func buildFreeze(ctx context.Context, path string) (*freezeFixture, error) {
	tr, err := treaty.Builtin("us-freeze-2020")
	if err != nil {
		return nil, err
	}
	w, err := webtest.Empty(ctx, tr, "Test data: a freeze with one breach, written for the dashboard's tests.", path)
	if err != nil {
		return nil, err
	}
	f := &freezeFixture{World: w}
	stock := func(typ string, lots ...body.Lot) *body.Notification {
		return &body.Notification{Type: typ, Stock: lots}
	}
	for _, s := range []step{
		{"USA", "2020-09-01", "2020-09-20T00:00:00Z", &body.Notification{Type: "six_month_update", Items: icbms()}, nil},
		{"USA", "2020-10-20", "2020-10-25T00:00:00Z", stock("warhead_data", lot("Base A", "warhead", "deployed", 4), lot("Depot B", "warhead", "non_deployed", 300),
			lot("Depot B", "nonstrategic_warhead", "non_deployed", 100), lot("Plant C", "warhead", "retired", 96)), nil},
		{"USA", "2020-12-01", "2020-12-03T00:00:00Z", stock("warhead_dismantled", lot("Plant C", "warhead", "retired", 10)), nil},
		{"USA", "2021-03-01", "2021-03-03T00:00:00Z", stock("warhead_transferred", body.Lot{Site: "Depot B", ToSite: "Base A", Category: "warhead", Status: "non_deployed", Count: 20}), nil},
		{"USA", "2021-03-01", "2021-03-20T00:00:00Z", &body.Notification{Type: "six_month_update", Items: icbms()}, nil},
		{"USA", "2021-05-01", "2021-05-03T00:00:00Z", stock("warhead_produced", lot("Depot B", "nonstrategic_warhead", "non_deployed", 15)), &f.Breach},
		{"USA", "2021-06-01", "2021-06-03T00:00:00Z", stock("warhead_dismantled", lot("Plant C", "warhead", "retired", 10)), &f.Dismant},
		{"USA", "2021-09-01", "2021-09-20T00:00:00Z", &body.Notification{Type: "six_month_update", Items: icbms()}, nil},
		{"USA", "2021-09-01", "2021-09-25T00:00:00Z", stock("warhead_data", lot("Base A", "warhead", "deployed", 5), lot("Base A", "warhead", "non_deployed", 20),
			lot("Depot B", "warhead", "non_deployed", 280), lot("Depot B", "nonstrategic_warhead", "non_deployed", 115), lot("Plant C", "warhead", "retired", 76)), &f.Stated},
		{"RUS", "2021-03-01", "2021-03-10T00:00:00Z", stock("warhead_data", lot("Site R", "warhead", "non_deployed", 1000)), nil},
		{"RUS", "2021-04-01", "2021-04-03T00:00:00Z", stock("warhead_produced", lot("Site R", "warhead", "non_deployed", 50)), nil},
	} {
		sent, err := time.Parse(time.RFC3339, s.sent)
		if err != nil {
			return nil, err
		}
		ref, err := w.Notify(ctx, s.party, treaty.MustDate(s.eff), sent, s.n)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("%s %s of %s: %w", s.party, s.n.Type, s.eff, err)
		}
		if s.ref != nil {
			*s.ref = ref
		}
	}
	return f, nil
}

// TestWarheadsPage checks the warheads page of the freeze fixture
// against the treaty database: one chart point per event, the baseline,
// the breach labelled with its entry, the breakdown on the page's date,
// the flows and the findings; and that a party without a baseline reads
// "no data", never "met".
func TestWarheadsPage(t *testing.T) {
	f := freeze(t)
	srv := newServer(t, f.View())
	page := mustGet(t, srv, "/warheads?date=2021-05-01")
	usa := section(t, page, "USA")
	evs, err := f.Reg.WarheadEvents(context.Background(), "USA", f.Clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-baseline="500"`, `data-verdict="exceeded"`, fmt.Sprintf(`data-points="%d"`, len(evs)), `<strong class="value" data-value="505">505</strong>`,
		fmt.Sprintf(`<li class="breach" data-entry="%s" data-date="2021-05-01">`, f.Breach), fmt.Sprintf(">breach, USA#%d<", f.Breach.Index), "<svg",
		"In force from 2021-02-05 to 2022-02-04."} {
		if !strings.Contains(usa, want) {
			t.Errorf("the US section lacks %s", want)
		}
	}
	// The flows are the registry's events, each linking to its entry.
	rows := regexp.MustCompile(`<tr class="flow( breach)?" data-effect="(\w+)" data-date="([0-9-]+)" data-total="(\d+)"`).FindAllStringSubmatch(usa, -1)
	if len(rows) != len(evs) {
		t.Fatalf("%d flows shown, the registry has %d events", len(rows), len(evs))
	}
	for i, ev := range evs {
		got := fmt.Sprint(rows[i][2:], rows[i][1] != "")
		want := fmt.Sprint([]string{ev.Effect, ev.Effective.String(), fmt.Sprint(ev.Total)}, ev.Entry == f.Breach)
		if got != want {
			t.Errorf("flow %d: %s, want %s", i, got, want)
		}
		if !strings.Contains(usa, fmt.Sprintf(`href="/entries/USA/%d">USA#%d</a>`, ev.Entry.Index, ev.Entry.Index)) {
			t.Errorf("no link to the entry of flow %d", i)
		}
	}
	// The breakdown on 1 May 2021 is the registry's balances.
	bs, err := f.Reg.Balances(context.Background(), "USA", treaty.MustDate("2021-05-01"), f.Clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		row := fmt.Sprintf(`<tr data-site="%s" data-category="%s" data-status="%s"><td>%s</td><td>%s</td><td>%s</td><td class="num" data-count="%d">`, b.Site, b.Category, b.Status, b.Site, b.Category, b.Status, b.Count)
		if !strings.Contains(usa, row) {
			t.Errorf("no row for %+v", b)
		}
	}
	for _, want := range []string{`<tr data-category="nonstrategic_warhead" data-status="non_deployed">`, `data-count="115"`, `<td class="num" data-total="505">`} {
		if !strings.Contains(usa, want) {
			t.Errorf("the breakdown by category lacks %s", want)
		}
	}
	for _, kind := range []string{registry.FindingFreezeBreach, registry.FindingBalance, registry.FindingDeployedMismatch} {
		if !strings.Contains(usa, `<tr class="finding" data-kind="`+kind+`">`) {
			t.Errorf("the US findings lack %s", kind)
		}
	}
	rus := section(t, page, "RUS")
	for _, want := range []string{`data-baseline=""`, `data-verdict="no_data"`, "no baseline (no data)", `<span class="tag na">no data</span>`} {
		if !strings.Contains(rus, want) {
			t.Errorf("Russia, without a baseline, lacks %s", want)
		}
	}
	if strings.Contains(rus, `data-verdict="met"`) || strings.Contains(rus, ">met<") {
		t.Error("Russia, without a baseline, reads met")
	}
}

// section returns a party's section of the warheads page.
func section(t testing.TB, page, party string) string {
	t.Helper()
	i := strings.Index(page, `<section class="warheads" id="party-`+party+`"`)
	if i < 0 {
		t.Fatalf("no section for %s", party)
	}
	s := page[i:]
	if j := strings.Index(s, "</section>"); j >= 0 {
		s = s[:j]
	}
	return s
}

// TestWarheadsVerdicts: the freeze's state on each date of the page.
func TestWarheadsVerdicts(t *testing.T) {
	srv := newServer(t, freeze(t).View())
	for _, tc := range []struct{ date, party, verdict, value string }{
		{"2020-10-20", "USA", "not_in_force", "500"},
		{"2021-04-30", "USA", "met", "490"},
		{"2021-05-01", "USA", "exceeded", "505"},
		{"2021-06-01", "USA", "met", "495"},
		{"2022-02-05", "USA", "treaty_not_in_force", "496"}, // the extended treaty's expiry
		{"2022-03-01", "USA", "treaty_not_in_force", "496"},
		{"2021-05-01", "RUS", "no_data", "1050"},
		{"", "USA", "met", "496"}, // by default the treaty's last day in force, 4 February 2022, once it has expired
	} {
		s := section(t, mustGet(t, srv, "/warheads?date="+tc.date), tc.party)
		if !strings.Contains(s, `data-verdict="`+tc.verdict+`"`) || !strings.Contains(s, `data-value="`+tc.value+`"`) {
			t.Errorf("%s on %s: want %s at %s\n%s", tc.party, tc.date, tc.verdict, tc.value, excerpt(s[strings.Index(s, "freeze-state"):]))
		}
	}
}

// TestOverviewBreach: the overview names the breach (party, date,
// entry) and links to the warheads page; the notifications page lists
// the warhead findings in words; the navigation links to the warheads
// page only under a treaty with warheads.
func TestOverviewBreach(t *testing.T) {
	f := freeze(t)
	srv := newServer(t, f.View())
	page := mustGet(t, srv, "/")
	alert := regexp.MustCompile(`(?s)<div class="alert" id="freeze-breach" role="alert">.*?</div>`).FindString(page)
	for _, want := range []string{fmt.Sprintf(`data-party="USA" data-date="2021-05-01" data-entry="%s"`, f.Breach), "United States of America: on <strong>1 May 2021</strong>",
		fmt.Sprintf(`href="/entries/USA/%d">USA#%d</a>`, f.Breach.Index, f.Breach.Index), "to 505, above its baseline of 500",
		`href="/warheads?party=USA&amp;date=2021-05-01#freeze-USA-total_warheads"`} {
		if !strings.Contains(alert, want) {
			t.Errorf("the overview's alert lacks %s:\n%s", want, alert)
		}
	}
	if n := strings.Count(alert, `<li class="breach"`); n != 1 {
		t.Errorf("%d breaches on the overview, want 1", n)
	}
	// Russia, without a baseline: its freeze has no data, never met.
	if got := fmt.Sprint(overviewCells(t, page)); !strings.Contains(got, "{default RUS total_warheads 1050 no_data}") || !strings.Contains(got, "{default USA total_warheads 496 met}") {
		t.Errorf("the overview's freeze cells: %s", got)
	}
	if !strings.Contains(page, `<span class="no-baseline"`) {
		t.Error("Russia's freeze cell does not say it has no baseline")
	}
	// Russia stated no holdings under New START: its row says so, and
	// dates no number by an empty date.
	if strings.Contains(page, "on data of </span>") || strings.Contains(page, "no statement of its holdings: older than") {
		t.Error("Russia's row dates its numbers by a statement it never made")
	}
	if !strings.Contains(page, `<a href="/warheads" >Warheads</a>`) {
		t.Error("the navigation does not link to the warheads page")
	}
	notes := mustGet(t, srv, "/notifications")
	for _, want := range []string{`<span class="tag freeze_breach">freeze breach</span>`, `<span class="tag balance">warhead balance differs from the book</span>`,
		`<span class="tag deployed_mismatch">deployed warheads differ from New START data</span>`, "takes the party&#39;s total_warheads to 505, above its freeze baseline of 500",
		"declares 5 deployed strategic warheads outside heavy-bomber bases, and 4 warheads emplaced on its deployed missiles"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the notifications page lacks %s", want)
		}
	}
	plain := mustGet(t, newServer(t, world.View()), "/")
	if strings.Contains(plain, `href="/warheads"`) || strings.Contains(plain, `id="freeze-breach"`) {
		t.Error("under New START, which has no warheads, the overview links to the warheads page or shows a breach")
	}
	if status, _ := get(t, newServer(t, world.View()), "/warheads"); status != 404 {
		t.Errorf("/warheads under New START: %d, want 404", status)
	}
}

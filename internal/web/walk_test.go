package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// walkDates are the dates the page walk asks every page for: the first
// of every year from 1990 to 2100, the days around entry into force and
// expiry, and dates that do not exist or are not dates at all.
func walkDates() []string {
	var ds []string
	for y := 1990; y <= 2100; y++ {
		ds = append(ds, fmt.Sprintf("%d-01-01", y))
	}
	t := world.Treaty
	for _, d := range []string{t.Dates.EntryIntoForce.AddDays(-1).String(), t.Dates.EntryIntoForce.String(), t.Expiry().String(), t.Expiry().AddDays(1).String()} {
		ds = append(ds, d)
	}
	return append(ds, badValues...)
}

// badValues are query values no page accepts as a date, year, party or
// reading.
var badValues = []string{"", " ", "yesterday", "2020-02-30", "2020-13-01", "2021-02-29", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01",
	"-2020-01-01", "2020-1-1", "20200901", "2020-09-01T00:00:00Z", "<script>", "%00", strings.Repeat("9", 400), "USA", "null"}

// walkPaths are every page with every query parameter it reads, date
// standing for the value under test.
var walkPaths = []string{
	"/?date=%s", "/?date=%s&reading=rus-2022", "/?reading=%s", "/history?reading=%s",
	"/notifications?year=%s", "/notifications?party=%s", "/notifications?type=%s", "/notifications?show=%s&year=2020",
	"/database?date=%s", "/database?party=%s", "/database?q=%s", "/database?facility=%s&date=%s",
	"/items/USA/%s", "/items/%s/USA-B2A-WHI-001", "/entries/USA/%s", "/entries/%s/0", "/proofs/USA/%s", "/proofs/%s/0",
	"/logs?date=%s", "/treaty?date=%s", "/warheads?date=%s", "/warheads?party=%s", "/escrow?date=%s",
	"/factsheet.csv?date=%s", "/factsheet.json?date=%s", "/factsheet.html?date=%s",
	"/scenarios?date=%s", "/scenarios?party=%s", "/scenarios?date=2020-09-01&change=%s", "/scenarios?date=2020-09-01&example=%s",
	"/scenarios?date=2020-09-01&rate=%s", "/compare?date=%s", "/compare?treaties=%s", "/compare?treaties=newstart,%s",
	"/logs?format=%s", "/history?format=csv&table=%s", "/history?format=svg&chart=%s", "/?date=%s&format=json",
}

// freezeWalkPaths are the pages that read warheads, walked again over the
// freeze fixture (under New START the warheads page is a 404).
var freezeWalkPaths = []string{"/?date=%s", "/history?reading=%s", "/factsheet.html?date=%s", "/warheads?date=%s", "/warheads?party=%s", "/warheads?party=USA&date=%s", "/notifications?party=%s"}

// TestPageWalk asks every page for every date from 1990 to 2100 and for
// bad values of every parameter: each answers a page or a clear 4xx,
// never a 500, and an error page never shows template internals. The
// pages that read warheads are walked again over the freeze fixture, and
// the escrow page over the demo's freeze scenario with its escrows.
func TestPageWalk(t *testing.T) {
	walk(t, newServer(t, world.View()), walkPaths)
	walk(t, newServer(t, freeze(t).View()), freezeWalkPaths)
	walk(t, newServer(t, escrowWorld(t).View()), []string{"/escrow?date=%s"})
}

func walk(t *testing.T, srv *httptestServer, paths []string) {
	asked := 0
	for _, p := range paths {
		start := time.Now()
		for _, v := range walkDates() {
			path := strings.ReplaceAll(p, "%s", url.QueryEscape(v))
			if strings.HasPrefix(p, "/items/") || strings.HasPrefix(p, "/entries/") || strings.HasPrefix(p, "/proofs/") {
				path = strings.ReplaceAll(p, "%s", url.PathEscape(v))
			}
			status, body := get(t, srv, path)
			asked++
			switch {
			case status >= 500:
				t.Errorf("GET %s: %d\n%s", path, status, excerpt(body))
			case status != http.StatusOK && status != http.StatusBadRequest && status != http.StatusNotFound:
				t.Errorf("GET %s: %d, want 200, 400 or 404", path, status)
			case strings.Contains(body, "template:") || strings.Contains(body, "executing"):
				t.Errorf("GET %s shows template internals:\n%s", path, excerpt(body))
			}
		}
		t.Logf("%s: %v", p, time.Since(start))
	}
	t.Logf("%d requests", asked)
}

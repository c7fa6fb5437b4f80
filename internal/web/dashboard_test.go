package web_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"accord/entry"
	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
	"accord/internal/web"
	"accord/internal/web/webtest"
)

// trilateral is the trilateral world, built on first use.
var (
	trilateralOnce  sync.Once
	trilateralWorld *webtest.World
	trilateralErr   error
)

func trilateral(t *testing.T) *webtest.World {
	t.Helper()
	trilateralOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-web-trilateral-")
		if err != nil {
			trilateralErr = err
			return
		}
		trilateralWorld, trilateralErr = webtest.Build(context.Background(), "trilateral", 1, dir+"/treaty.db")
	})
	if trilateralErr != nil {
		t.Fatal(trilateralErr)
	}
	return trilateralWorld
}

var (
	dataOfRe = regexp.MustCompile(`<tr data-party="([A-Z]+)">\s*<th scope="row">[^<]*<span class="sub dataof[^"]*" data-of="([^"]*)"( data-stale="true")?`)
	quickRe  = regexp.MustCompile(`<span class="quick">[^<]*((?:<a href="/\?date=[^"]+">[^<]+</a> )*)`)
	asOfRe   = regexp.MustCompile(`<strong id="as-of">([^<]+)</strong>`)
)

// TestOverviewStaleness checks that the overview dates each party's data
// by its latest statement of holdings, flags data older than the last
// scheduled exchange, opens on the last exchange with data, and links only
// to exchanges with data.
func TestOverviewStaleness(t *testing.T) {
	srv := newServer(t, world.View())
	body := mustGet(t, srv, "/?date=2023-09-01&reading=default")
	got := map[string]string{}
	for _, m := range dataOfRe.FindAllStringSubmatch(body, -1) {
		got[m[1]] = m[2] + m[3]
	}
	// Russia's last data is of 1 September 2022, the United States' of
	// 1 March 2023: both older than the exchange of 1 September 2023.
	want := map[string]string{"USA": `2023-03-01 data-stale="true"`, "RUS": `2022-09-01 data-stale="true"`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("overview of 2023-09-01 dates the data %v, want %v", got, want)
	}
	body = mustGet(t, srv, "/?date=2020-09-01&reading=default")
	if n := strings.Count(body, `data-stale="true"`); n != 0 || !strings.Contains(body, `data-of="2020-09-01"`) {
		t.Errorf("overview of 2020-09-01: %d parties flagged stale, want none", n)
	}
	body = mustGet(t, srv, "/")
	if m := asOfRe.FindStringSubmatch(body); m == nil || m[1] != "1 March 2023" {
		t.Errorf("the overview opens on %v, want 1 March 2023, the last exchange with data", m)
	}
	m := quickRe.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		t.Fatal("no quick links")
	}
	for _, a := range regexp.MustCompile(`date=([0-9-]+)`).FindAllStringSubmatch(m[1], -1) {
		d := treaty.MustDate(a[1])
		if d.After(treaty.MustDate("2023-03-01")) {
			t.Errorf("quick link to %s, after the last exchange with data", d)
		}
	}
}

// columnCheck reads a table's header and rows in a page and checks that
// every cell's data-limit is its column header's.
func columnCheck(t *testing.T, what, body, table string) int {
	t.Helper()
	i := strings.Index(body, table)
	if i < 0 {
		t.Fatalf("%s: no %s", what, table)
	}
	body = body[i:]
	body = body[:strings.Index(body, "</tbody>")]
	head := body[:strings.Index(body, "</thead>")]
	cols := regexp.MustCompile(`<th scope="col" class="num"[^>]* data-limit="([^"]+)"`).FindAllStringSubmatch(head, -1)
	checked := 0
	cellRe := regexp.MustCompile(`<td class="num[^"]*"[^>]* data-limit="([^"]+)"`)
	for _, row := range strings.Split(body[len(head):], "<tr data-")[1:] {
		cells := cellRe.FindAllStringSubmatch(row, -1)
		if len(cells) == 0 {
			continue
		}
		if len(cells) != len(cols) {
			t.Errorf("%s: a row of %d cells under %d columns", what, len(cells), len(cols))
			continue
		}
		for j, c := range cells {
			if c[1] != cols[j][1] {
				t.Errorf("%s: column %d is headed %s and holds %s", what, j+1, cols[j][1], c[1])
			}
			checked++
		}
	}
	return checked
}

// TestTrilateral checks that every table and chart of the trilateral draft
// is built limit by limit: China's total warheads under the freeze's
// header, empty cells where a central limit does not bind it, China in the
// freeze's chart and on the fact sheet.
func TestTrilateral(t *testing.T) {
	w := trilateral(t)
	srv := newServer(t, w.View())
	day := "2022-03-01"
	body := mustGet(t, srv, "/?date="+day)
	if n := columnCheck(t, "overview", body, `<table class="counts">`); n < 10 {
		t.Errorf("overview: %d cells checked", n)
	}
	res, err := engineOn(w, treaty.MustDate(day))
	if err != nil {
		t.Fatal(err)
	}
	chn := partyResultOf(res, "CHN")
	if len(chn) != 1 || chn[0].ID != "total_warheads" {
		t.Fatalf("the engine counts China under %v", chn)
	}
	row, _, _ := strings.Cut(body[max(0, strings.Index(body, `<tr data-party="CHN">`)):], "</tr>")
	if !regexp.MustCompile(fmt.Sprintf(`data-limit="total_warheads">\s*<a class="value" href="/treaty#limit-total_warheads" data-value="%d"`, chn[0].Value)).MatchString(row) {
		t.Errorf("China's %d total warheads are not under the freeze's column:\n%s", chn[0].Value, row)
	}
	if n := strings.Count(row, `data-binds="false"`); n != 3 {
		t.Errorf("China's row has %d cells of limits that do not bind it, want 3", n)
	}
	hist := mustGet(t, srv, "/history")
	columnCheck(t, "history", hist, `<table class="history"`)
	freeze, _, _ := strings.Cut(hist[max(0, strings.Index(hist, `id="chart-total_warheads"`)):], "</figure>")
	if !strings.Contains(freeze, `id="chart-total_warheads"`) || !strings.Contains(freeze, "People&#39;s Republic of China") {
		t.Error("China is missing from the freeze's chart")
	}
	if !strings.Contains(hist, fmt.Sprintf(`data-party="CHN" data-limit="total_warheads"><a href="/treaty#limit-total_warheads" data-value="%d"`, chn[0].Value)) {
		t.Error("the history table lacks China's total warheads of " + day)
	}
	csv := mustGet(t, srv, "/factsheet.csv?date="+day)
	if want := fmt.Sprintf("%s,CHN,,,,%d\n", day, chn[0].Value); !strings.Contains(csv, want) {
		t.Errorf("fact sheet of %s:\n%s\nwant the row %q", day, csv, want)
	}
	html := mustGet(t, srv, "/factsheet.html?date="+day)
	columnCheck(t, "fact sheet", strings.ReplaceAll(html, `<th scope="col" class="num" data-limit`, `<th scope="col" class="num" data-limit`), `<table id="factsheet">`)
	if strings.Count(html, `data-binds="false"`) != 3 {
		t.Errorf("the HTML fact sheet does not leave China's three central-limit cells empty")
	}
}

func engineOn(w *webtest.World, d treaty.Date) (engine.Result, error) {
	var decls []*declaration.Declaration
	for _, p := range w.Treaty.Parties {
		decl, err := w.Reg.Declaration(context.Background(), p.ID, d, w.Clock)
		if err != nil {
			return engine.Result{}, err
		}
		if len(decl.Items) > 0 {
			decls = append(decls, decl)
		}
	}
	return engine.Evaluate(w.Treaty, d, "default", decls)
}

// TestFactsheetPublic checks the public fact sheet: the banner of
// simulated data, links to its other formats, and errors in each
// format's own kind.
func TestFactsheetPublic(t *testing.T) {
	srv := newServer(t, world.View())
	html := mustGet(t, srv, "/factsheet.html?date=2020-09-01")
	for _, want := range []string{`id="simulated"`, "calibrated to the published New START aggregates", `href="/factsheet.csv?date=2020-09-01"`, `href="/factsheet.json?date=2020-09-01"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML fact sheet lacks %s", want)
		}
	}
	if js := mustGet(t, srv, "/factsheet.json?date=2020-09-01"); !strings.Contains(js, `"simulated": "Item-level data simulated`) {
		t.Errorf("the JSON fact sheet does not say it is simulated:\n%s", js)
	}
	for format, ctype := range map[string]string{"csv": "text/plain; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8"} {
		res, err := srv.Client().Get(srv.URL + "/factsheet." + format + "?date=2020-02-30")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.Write(raw)
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != ctype {
			t.Errorf("bad date on .%s: %d %s, want 400 %s", format, res.StatusCode, res.Header.Get("Content-Type"), ctype)
		}
		switch format {
		case "csv":
			if s := b.String(); strings.Contains(s, "<") || strings.Count(s, "\n") != 1 || !strings.Contains(s, "2020-02-30: no such day") {
				t.Errorf("bad date on .csv answers %q, want one line of text", s)
			}
		case "json":
			var e struct{ Error string }
			if json.Unmarshal([]byte(b.String()), &e) != nil || !strings.Contains(e.Error, "2020-02-30") {
				t.Errorf("bad date on .json answers %q", b.String())
			}
		}
	}
}

// interpolatedView says that the United States' numbers of 1 March 2016
// are interpolated.
type interpolatedView struct{ web.NodeView }

func (s interpolatedView) Interpolated(party string, d treaty.Date) bool {
	return party == "USA" && d.Equal(treaty.MustDate("2016-03-01"))
}

// TestHistoryAnnotations checks the history's charts: every event of the
// treaty (from its definition) and its extension marked and listed,
// interpolated values hollow, a title above each chart and a label on its
// value axis, and the series as CSV and JSON.
func TestHistoryAnnotations(t *testing.T) {
	srv := newServer(t, interpolatedView{world.View()})
	body := mustGet(t, srv, "/history")
	tr := world.Treaty
	var want []string
	for _, e := range tr.Events {
		want = append(want, e.Date.String())
	}
	for _, x := range tr.Dates.Extensions {
		want = append(want, x.Agreed.String())
	}
	if len(want) < 5 {
		t.Fatalf("the treaty records %d events and extensions, want at least the 2020 pause, the 2021 extension, the 2022 exemption and the 2023 suspension", len(want))
	}
	charts := regexp.MustCompile(`(?s)<figure class="chart".*?</figure>`).FindAllString(body, -1)
	if len(charts) != 3 {
		t.Fatalf("%d charts, want 3", len(charts))
	}
	for _, c := range charts {
		for _, d := range want {
			if !strings.Contains(c, `<li value="`) || !strings.Contains(c, `data-date="`+d+`"`) {
				t.Errorf("a chart does not list the event of %s", d)
			}
		}
		if n := strings.Count(c, `stroke="rgb(0,109,119)" fill="none"`); n != len(want) {
			t.Errorf("a chart draws %d event marks, want %d", n, len(want))
		}
		if n := strings.Count(c, `fill="rgb(254,254,254)"`); n != 1 {
			t.Errorf("a chart draws %d hollow markers, want 1 (USA, 1 March 2016)", n)
		}
		if !regexp.MustCompile(`(?s)<h3 class="chart-title">.*<svg`).MatchString(c) {
			t.Error("a chart has no title above it")
		}
		if !strings.Contains(c, ">Warheads</text>") && !strings.Contains(c, ">Missiles, launchers and bombers</text>") {
			t.Error("a chart's value axis has no label")
		}
	}
	csv := mustGet(t, srv, "/history.csv")
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if lines[0] != "as_of,party,limit,value,verdict,interpolated,reading" || !strings.Contains(csv, "2020-09-01,USA,warheads,1457,met,false,default") ||
		!strings.Contains(csv, "2016-03-01,USA,warheads,") || !strings.Contains(csv, ",true,default") {
		t.Errorf("history CSV:\n%s", strings.Join(lines[:min(5, len(lines))], "\n"))
	}
	var js struct {
		Points []struct {
			AsOf         string `json:"as_of"`
			Party, Limit string
			Value        int
			Interpolated bool
		}
	}
	if err := json.Unmarshal([]byte(mustGet(t, srv, "/history.json")), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Points) != len(lines)-1 {
		t.Errorf("history JSON has %d points, the CSV %d", len(js.Points), len(lines)-1)
	}
}

// TestEntryHex checks that the entry page shows the leaf hash in hex, as
// the CLI prints it.
func TestEntryHex(t *testing.T) {
	srv := newServer(t, world.View())
	body := mustGet(t, srv, "/entries/USA/0")
	lh := entry.LeafHash(world.Logs["USA"].Entries[0])
	if want := `<code id="leaf-hash">` + hex.EncodeToString(lh[:]) + `</code>`; !strings.Contains(body, want) {
		t.Errorf("the entry page lacks %s", want)
	}
	for _, m := range regexp.MustCompile(`<ol class="proof">(.*?)</ol>`).FindAllStringSubmatch(body, -1) {
		for _, h := range regexp.MustCompile(`<code>([^<]+)</code>`).FindAllStringSubmatch(m[1], -1) {
			if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h[1]) {
				t.Errorf("proof hash %s is not hex", h[1])
			}
		}
	}
}

// TestLogsCosignatures checks that the logs page never says a log has no
// cosignature while its checkpoint carries one it could not check.
func TestLogsCosignatures(t *testing.T) {
	srv := newServer(t, unknownCosigner{world.View()})
	body := mustGet(t, srv, "/logs")
	if strings.Contains(body, "no witness cosignature") {
		t.Error("the logs page says no witness cosignature under a cosigned checkpoint")
	}
	if !strings.Contains(body, "1 signature on the checkpoint from a key this node does not hold") {
		t.Error("the logs page does not say a cosignature went unchecked")
	}
	if strings.Contains(body, "time not known") {
		t.Error("a checkpoint is shown without its time")
	}
}

// unknownCosigner adds to each checkpoint a cosignature by a key the node
// does not know, and reports no cosigner.
type unknownCosigner struct{ web.NodeView }

func (s unknownCosigner) Logs(ctx context.Context) ([]web.LogHealth, error) {
	ls, err := s.NodeView.Logs(ctx)
	for i := range ls {
		ls[i].Checkpoint = append(append([]byte{}, ls[i].Checkpoint...), []byte("— elsewhere/witness AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")...)
		ls[i].Cosigners = nil
	}
	return ls, err
}

package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"html"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"accord/internal/web"
	"accord/internal/web/webtest"
)

// A tableCase is one table of a page and how its download is compared
// with the page: the numbers of the HTML table's numeric cells (td.num)
// with the CSV's numeric columns, row by row or (long) in one sequence;
// and text columns with the text of a cell.
type tableCase struct {
	path  string // the page, with its query
	table string // the table= parameter; also the HTML tables' id or id prefix ("counts" for counts-default)
	nums  string // a regexp of the numeric columns' names
	long  bool   // the download has a row per cell, not per row: compare the numbers in one sequence
	first bool   // the page shows the first rows of the download
	text  map[string]int
}

var pageTables = []tableCase{
	{path: "/?date=2020-09-01", table: "counts", nums: `^(value|ceiling|margin)$`, long: true},
	{path: "/?date=2023-09-01&reading=default", table: "counts", nums: `^(value|ceiling|margin)$`, long: true},
	{path: "/history?reading=default", table: "history-table", nums: ` `, text: map[string]int{"as_of": -1}},
	{path: "/database?party=USA&date=2020-09-01&q=deployed", table: "items", first: true, nums: `^warheads$`, text: map[string]int{"uid": 0, "type": 1, "status": 3, "facility": 4}},
	{path: "/database?party=RUS&date=2020-09-01", table: "facilities", nums: `^items$`, text: map[string]int{"facility": 0}},
	{path: "/items/USA/USA-B2A-WHI-001", table: "item-history", text: map[string]int{"effective": 0, "status": 3}},
	{path: "/notifications?year=2020", table: "timeline", text: map[string]int{"effective": 0, "from": 1}},
	{path: "/notifications?year=2020", table: "findings", text: map[string]int{"party": 0, "effective": 3}},
	{path: "/inspections?year=2011", table: "quotas", nums: `^(used|quota)$`, text: map[string]int{"party": 0, "inspection_type": 1}},
	{path: "/inspections?year=2012&misdeclared=10", table: "campaign", nums: `^(N|k|n|detect|so_far)$`, text: map[string]int{"report": 0}},
	{path: "/inspections?year=2011", table: "exhibitions", text: map[string]int{"effective": 0, "exhibition": 1, "party": 2}},
}

// TestDownloadsMatchPages downloads each table of the pages as CSV and
// checks that its numbers are the page's, cell by cell.
func TestDownloadsMatchPages(t *testing.T) {
	srv := newServer(t, world.View())
	for _, c := range pageTables {
		start := time.Now()
		checkTable(t, srv.URL, c)
		t.Logf("%s %s: %s", c.path, c.table, time.Since(start))
	}
}

// TestDownloadsMatchFreezePages does the same on the pages of warheads
// and escrowed declarations, in the demo's freeze world.
func TestDownloadsMatchFreezePages(t *testing.T) {
	srv := newServer(t, escrowWorld(t).View())
	for _, c := range []tableCase{
		{path: "/warheads?date=2021-06-01", table: "by-status", nums: `^(warheads|per_item)$`, text: map[string]int{"category": 0, "status": 1}},
		{path: "/warheads?date=2021-06-01&party=RUS", table: "by-site", nums: `^(warheads|per_item)$`, text: map[string]int{"site": 0}},
		{path: "/warheads?date=2021-06-01", table: "flows", nums: `^total$| (value|baseline)$`, text: map[string]int{"effective": 0}},
		{path: "/escrow", table: "regions", nums: `^warheads$`, text: map[string]int{"region": 0, "state": 1}},
		{path: "/escrow", table: "checks", text: map[string]int{"scope": 0}},
		{path: "/escrow", table: "confidence", nums: `^(regions_misdeclared|percent)$`},
	} {
		checkTable(t, srv.URL, c)
	}
}

func checkTable(t *testing.T, base string, c tableCase) {
	t.Helper()
	page := fetch(t, base+c.path, http.StatusOK)
	html := htmlTables(t, page, c.table)
	sep := "?"
	if strings.Contains(c.path, "?") {
		sep = "&"
	}
	cols, rows := readCSV(t, fetch(t, base+c.path+sep+"format=csv&table="+c.table, http.StatusOK))
	if len(html) == 0 || len(rows) == 0 {
		t.Errorf("%s %s: the page has %d rows, the download %d: nothing to compare", c.path, c.table, len(html), len(rows))
		return
	}
	numRe := regexp.MustCompile(c.nums)
	var numCols []int
	for i, name := range cols {
		if c.nums != "" && numRe.MatchString(name) {
			numCols = append(numCols, i)
		}
	}
	if c.nums != "" && len(numCols) == 0 {
		t.Errorf("%s %s: no column of %v matches %s", c.path, c.table, cols, c.nums)
	}
	if c.first && len(rows) > len(html) {
		rows = rows[:len(html)]
	}
	if !c.long && len(html) != len(rows) {
		t.Errorf("%s %s: the page shows %d rows, the download has %d", c.path, c.table, len(html), len(rows))
		return
	}
	var pageNums, fileNums []string
	for i, row := range rows {
		var fromFile []string
		for _, j := range numCols {
			if row[j] != "" {
				fromFile = append(fromFile, row[j])
			}
		}
		if c.long {
			fileNums = append(fileNums, fromFile...)
			continue
		}
		if !sameNumbers(html[i].nums, fromFile) {
			t.Errorf("%s %s row %d: the page shows %v, the download %v", c.path, c.table, i+1, html[i].nums, fromFile)
		}
		checkText(t, c, cols, row, html[i])
	}
	if c.long {
		for _, r := range html {
			pageNums = append(pageNums, r.nums...)
		}
		if !sameNumbers(pageNums, fileNums) {
			t.Errorf("%s %s: the page shows %v, the download %v", c.path, c.table, pageNums, fileNums)
		}
	}
}

// checkText compares a download's text columns with the page's cells (a
// cell index of -1 is the row's header).
func checkText(t *testing.T, c tableCase, cols, row []string, h htmlRow) {
	t.Helper()
	for name, cell := range c.text {
		j := indexOf(cols, name)
		got := h.head
		if cell >= 0 && cell < len(h.cells) {
			got = h.cells[cell]
		}
		if j < 0 || !strings.HasPrefix(got, row[j]) {
			t.Errorf("%s %s: column %s is %q in the download, the page shows %q", c.path, c.table, name, at(row, j), got)
		}
	}
}

func at(row []string, j int) string {
	if j < 0 {
		return "(no such column)"
	}
	return row[j]
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	return -1
}

// sameNumbers compares numbers as the page shows them (to its decimals)
// with the download's.
func sameNumbers(page, file []string) bool {
	if len(page) != len(file) {
		return false
	}
	for i := range page {
		p, err1 := strconv.ParseFloat(page[i], 64)
		f, err2 := strconv.ParseFloat(file[i], 64)
		decimals := 0
		if _, frac, ok := strings.Cut(page[i], "."); ok {
			decimals = len(frac)
		}
		if err1 != nil || err2 != nil || math.Abs(p-f) > 0.5*math.Pow(10, -float64(decimals))+1e-9 {
			return false
		}
	}
	return true
}

func fetch(t *testing.T, url string, status int) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d %s, want %d", url, resp.StatusCode, excerpt(string(b)), status)
	}
	return b
}

func readCSV(t *testing.T, b []byte) (cols []string, rows [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("reading the CSV download: %v (%d lines)", err, len(recs))
	}
	return recs[0], recs[1:]
}

// An htmlRow is one row of a table's body as a visitor reads it: its
// header cell, the text of each data cell, and the numbers of its
// numeric cells, "1,550" read as 1550, leaving out the notes (.sub) and
// any table nested in a cell.
type htmlRow struct {
	head  string
	cells []string
	nums  []string
}

var tableTag = regexp.MustCompile(`<table(?: class="([^"]+)")?(?: id="([^"]+)")?`)

// htmlTables returns the body rows of every table whose id is id or
// begins with id and a dash, or, without an id, whose class is id, in
// page order.
func htmlTables(t *testing.T, page []byte, id string) []htmlRow {
	t.Helper()
	var out []htmlRow
	for _, m := range tableTag.FindAllSubmatchIndex(page, -1) {
		var class, got string
		if m[2] >= 0 {
			class = string(page[m[2]:m[3]])
		}
		if m[4] >= 0 {
			got = string(page[m[4]:m[5]])
		}
		if got != id && !strings.HasPrefix(got, id+"-") && (got != "" || class != id) {
			continue
		}
		out = append(out, tableRows(t, page[m[0]:])...)
	}
	return out
}

var numberRe = regexp.MustCompile(`-?[0-9]+(?:\.[0-9]+)?`)

// tableRows reads the rows of the table at the start of b.
func tableRows(t *testing.T, b []byte) []htmlRow {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict, dec.AutoClose, dec.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var rows []htmlRow
	var r *htmlRow
	depth, skip, inBody, inCell, numCell := 0, 0, false, false, false
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("reading a table: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case skip > 0 || (inCell && (x.Name.Local == "table" || x.Name.Local == "details" || hasClass(x, "sub"))):
				skip++
			case x.Name.Local == "tbody":
				inBody = true
			case inBody && x.Name.Local == "tr":
				rows = append(rows, htmlRow{})
				r = &rows[len(rows)-1]
			case inBody && (x.Name.Local == "td" || x.Name.Local == "th"):
				inCell, numCell = true, x.Name.Local == "td" && hasClass(x, "num")
				text.Reset()
			}
		case xml.EndElement:
			depth--
			switch {
			case skip > 0:
				skip--
			case inCell && (x.Name.Local == "td" || x.Name.Local == "th"):
				inCell = false
				s := strings.Join(strings.Fields(text.String()), " ")
				if x.Name.Local == "th" {
					r.head = s
					continue
				}
				r.cells = append(r.cells, s)
				if numCell {
					r.nums = append(r.nums, numberRe.FindAllString(thousands.ReplaceAllString(s, "$1$2"), -1)...)
				}
			case x.Name.Local == "tbody":
				return rows
			}
			if depth == 0 {
				return rows
			}
		case xml.CharData:
			if inCell && skip == 0 {
				text.Write(x)
			}
		}
	}
}

var thousands = regexp.MustCompile(`([0-9]),([0-9]{3})`)

func hasClass(e xml.StartElement, class string) bool {
	for _, a := range e.Attr {
		if a.Name.Local == "class" && strings.Contains(" "+a.Value+" ", " "+class+" ") {
			return true
		}
	}
	return false
}

// download is the JSON of a table.
type download struct {
	Page   string            `json:"page"`
	Query  map[string]string `json:"query"`
	Table  string            `json:"table"`
	Treaty struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	} `json:"treaty"`
	Checkpoints []struct {
		Party  string `json:"party"`
		Origin string `json:"origin"`
		Size   uint64 `json:"size"`
		Hash   string `json:"hash"`
	} `json:"checkpoints"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// TestDownloadJSON checks that a JSON download names its page, its
// view's parameters (defaults resolved) and the treaty definition, and
// carries the registry's head of every log, equal to the log's signed
// checkpoint where the sizes agree; and that its rows are the CSV's.
func TestDownloadJSON(t *testing.T) {
	srv := newServer(t, world.View())
	var dl download
	b := fetch(t, srv.URL+"/database?party=USA&q=deployed&format=json&table=items", http.StatusOK)
	if err := json.Unmarshal(b, &dl); err != nil {
		t.Fatal(err)
	}
	today := world.Clock.UTC().Format("2006-01-02")
	if dl.Page != "database" || dl.Table != "items" || dl.Query["party"] != "USA" || dl.Query["q"] != "deployed" || dl.Query["date"] != today {
		t.Errorf("download names page %q table %q query %v, want database, items, party USA, q deployed, date %s", dl.Page, dl.Table, dl.Query, today)
	}
	if dl.Treaty.ID != world.Treaty.ID || dl.Treaty.Version != world.Treaty.Version || dl.Treaty.Version < 1 {
		t.Errorf("download's treaty is %+v, want %s version %d", dl.Treaty, world.Treaty.ID, world.Treaty.Version)
	}
	heads, err := world.Reg.Heads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(dl.Checkpoints) != len(heads) || len(heads) != len(world.Treaty.Parties) {
		t.Fatalf("download carries %d checkpoints, the registry has %d heads for %d parties", len(dl.Checkpoints), len(heads), len(world.Treaty.Parties))
	}
	logs, err := world.View().Logs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	signed := 0
	for i, h := range heads {
		cp := dl.Checkpoints[i]
		if cp.Origin != h.Origin || cp.Party != h.Party || cp.Size != h.Size || cp.Hash != h.Root.String() {
			t.Errorf("checkpoint %d is %+v, the registry's head is %s %s %d %s", i, cp, h.Origin, h.Party, h.Size, h.Root)
		}
		for _, l := range logs {
			if l.Origin == cp.Origin && l.Size == cp.Size {
				signed++
				if want := signedRoot(t, l.Checkpoint); cp.Hash != want {
					t.Errorf("%s at size %d: the download's root is %s, the signed checkpoint's %s", cp.Origin, cp.Size, cp.Hash, want)
				}
			}
		}
	}
	if signed != len(heads) {
		t.Errorf("%d of %d checkpoints compared with a signed checkpoint of the same size", signed, len(heads))
	}
	cols, rows := readCSV(t, fetch(t, srv.URL+"/database?party=USA&q=deployed&format=csv&table=items", http.StatusOK))
	if strings.Join(cols, ",") != strings.Join(dl.Columns, ",") || len(rows) != len(dl.Rows) || len(rows) <= 200 {
		t.Fatalf("the CSV has columns %v and %d rows, the JSON %v and %d (want every match, more than the page's 200)", cols, len(rows), dl.Columns, len(dl.Rows))
	}
	for i := range rows {
		for j, v := range dl.Rows[i] {
			if s := jsonCell(v); s != rows[i][j] {
				t.Fatalf("row %d column %s: JSON %q, CSV %q", i+1, cols[j], s, rows[i][j])
			}
		}
	}
}

func jsonCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// signedRoot opens a signed checkpoint's note, unverified (the test
// compares hashes only), and returns its root hash line.
func signedRoot(t *testing.T, cp []byte) string {
	t.Helper()
	text, _, ok := bytes.Cut(cp, []byte("\n\n"))
	if !ok {
		t.Fatalf("checkpoint %q is not a signed note", cp)
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) < 3 {
		t.Fatalf("checkpoint %q has no root hash", cp)
	}
	return lines[2]
}

// TestDownloadParams checks that every bad parameter of a download is a
// 400 with one clear line, in the download's format.
func TestDownloadParams(t *testing.T) {
	srv := newServer(t, world.View())
	for _, c := range []struct{ path, want string }{
		{"/history?format=xml", `format "xml" is not one of csv, json, svg, png`},
		{"/history?format=csv&table=nope", `the history page has no table "nope" (tables: history-table, series)`},
		{"/history?format=svg&chart=nope", `the history page has no chart "nope"`},
		{"/history?format=csv&chart=a", "chart= goes with format=svg or png, not csv"},
		{"/history?format=png&table=a", "table= goes with format=csv or json, not png"},
		{"/history?table=series", "table= and chart= go with format=csv, json, svg or png"},
		{"/history?format=csv&format=json", "format= is given 2 times; give it once"},
		{"/history?format=csv&reading=nope", `has no reading "nope"`},
		{"/database?format=csv&date=2020-02-30", "date 2020-02-30: no such day"},
		{"/inspections?format=json&year=abc", `year "abc" is not a treaty year`},
		{"/notifications?format=csv&type=nope", `has no notification type "nope"`},
	} {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		msg := strings.TrimSpace(string(b))
		switch ct := resp.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "application/json"):
			var e struct{ Error string }
			json.Unmarshal(b, &e)
			msg = e.Error
		case strings.HasPrefix(ct, "text/html"):
			msg = htmlMessage(msg)
		}
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("GET %s: %d %q, want 400 saying %q", c.path, resp.StatusCode, excerpt(msg), c.want)
		}
	}
}

// FuzzDownloadQuery sends any query to a page: the answer is a page, a
// download or a 4xx, never a 5xx.
func FuzzDownloadQuery(f *testing.F) {
	for _, s := range []string{"format=csv", "format=json&table=series", "format=svg&chart=x", "format=png", "table=x", "format=csv&format=csv", "format=%00", "reading=nope&format=csv"} {
		f.Add(s)
	}
	d, err := web.New(web.Config{View: world.View(), Authorize: web.AllowAll})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		req, err := http.NewRequest("GET", "/history?"+q, nil)
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		d.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Errorf("GET /history?%s: %d %s", q, w.Code, excerpt(w.Body.String()))
		}
	})
}

var messageRe = regexp.MustCompile(`(?s)<p class="error" id="error"><strong>[^<]*</strong> (.*?)</p>`)

// htmlMessage returns the message of an error page, HTML-unescaped.
func htmlMessage(page string) string {
	m := messageRe.FindStringSubmatch(page)
	if m == nil {
		return page
	}
	return html.UnescapeString(m[1])
}

// TestBrowserDownloads clicks, in Chromium, the history table's CSV link
// and a chart's SVG link, and reads the files the browser saved: the
// CSV's numbers are those the browser shows in the table, and the SVG is
// the chart on the page.
func TestBrowserDownloads(t *testing.T) {
	srv := newServer(t, world.View())
	b := &webtest.Browser{T: t, Ctx: webtest.NewBrowser(t), Base: srv.URL, Shots: webtest.ScreenshotDir(t)}
	save := webtest.SaveDownloads(b)
	b.Open("/history?reading=default", "#history-table")
	shown := webtest.Eval[[][]string](b, `[...document.querySelectorAll("#history-table tbody tr")].map(tr =>
		[tr.dataset.date, ...[...tr.querySelectorAll("td")].map(td => { const a = td.querySelector("a[data-value]"); return a ? a.innerText.replaceAll(",", "") : "" })])`)
	b.Shoot("history-downloads")
	b.Do("downloading the table", chromedp.Click(chromedp.CSS(`.downloads[data-table="history-table"] a.download-csv`)))
	_, rows := readCSV(t, save())
	if len(rows) != len(shown) || len(rows) < 10 {
		t.Fatalf("the browser shows %d rows, saved a CSV of %d", len(shown), len(rows))
	}
	for i := range rows {
		if strings.Join(rows[i], ",") != strings.Join(shown[i], ",") {
			t.Errorf("row %d: the browser shows %v, the CSV holds %v", i+1, shown[i], rows[i])
		}
	}
	chart := webtest.Eval[string](b, `document.querySelector("figure.chart svg").outerHTML`)
	b.Do("downloading a chart", chromedp.Click(chromedp.CSS(`figure.chart .downloads a.download-svg`)))
	svg := string(save())
	if !strings.HasPrefix(svg, "<svg") || dots(svg) < 5 || dots(svg) != dots(chart) {
		t.Errorf("the SVG saved (%d bytes, %d dots) is not the chart shown (%d dots)", len(svg), dots(svg), dots(chart))
	}
}

var permalinkRe = regexp.MustCompile(`<a id="permalink" rel="bookmark" href="([^"]*)">`)

// TestPermalinks checks that each page's permalink sets every parameter
// of its view, the defaults resolved, and shows the same page.
func TestPermalinks(t *testing.T) {
	srv := newServer(t, world.View())
	// The time to render, and the language switch, which links to the
	// page as requested.
	rendered := regexp.MustCompile(`rendered in [^<]*|<ul class="langs"(?s:.*?)</ul>`)
	for _, c := range []struct{ path, want string }{
		{"/", "/?date=2023-03-01"},
		{"/?reading=default", "/?date=2023-03-01&reading=default"},
		{"/history", "/history?reading=default"},
		{"/database", "/database?date=" + world.Clock.UTC().Format("2006-01-02") + "&party=USA"},
		{"/database?party=RUS&q=+SS-18+&date=2020-09-01", "/database?date=2020-09-01&party=RUS&q=SS-18"},
		{"/notifications?party=USA", "/notifications?party=USA&year=2026"},
		{"/inspections", "/inspections?misdeclared=5&year=2020"},
		{"/items/USA/USA-B2A-WHI-001", "/items/USA/USA-B2A-WHI-001"},
		{"/logs", "/logs"},
		{"/treaty", "/treaty"},
	} {
		page := mustGet(t, srv, c.path)
		m := permalinkRe.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("%s has no permalink", c.path)
			continue
		}
		link := html.UnescapeString(m[1])
		if link != c.want {
			t.Errorf("%s: permalink %s, want %s", c.path, link, c.want)
			continue
		}
		if again := mustGet(t, srv, link); rendered.ReplaceAllString(again, "") != rendered.ReplaceAllString(page, "") {
			t.Errorf("%s: its permalink %s shows another page", c.path, link)
		}
	}
}

// TestChartDownloads checks that every chart of the history, the
// warheads and the inspections pages downloads as SVG, the page's own,
// and as PNG of the chart's size.
func TestChartDownloads(t *testing.T) {
	srv := newServer(t, world.View())
	freezeSrv := newServer(t, escrowWorld(t).View())
	for _, c := range []struct {
		base, path string
		charts     []string
	}{
		{srv.URL, "/history?reading=default", []string{"", "deployed_delivery_vehicles", "warheads", "launchers"}},
		{srv.URL, "/inspections?year=2012&misdeclared=5", []string{"confidence"}},
		{freezeSrv.URL, "/warheads?date=2021-06-01", []string{"USA-total_warheads", "RUS-total_warheads"}},
	} {
		page := string(fetch(t, c.base+c.path, http.StatusOK))
		for _, id := range c.charts {
			svg := string(fetch(t, c.base+c.path+"&format=svg&chart="+id, http.StatusOK))
			if !strings.HasPrefix(svg, "<svg") || !sameDots(page, svg) {
				t.Errorf("%s chart %q: the SVG (%d bytes, %d dots) is not one the page shows", c.path, id, len(svg), dots(svg))
			}
			if title := strings.TrimSpace(titleRe.FindString(svg)); id != "" && !strings.Contains(title, "</text>") {
				t.Errorf("%s chart %q: the SVG has no title: %q", c.path, id, excerpt(svg))
			}
			raw := fetch(t, c.base+c.path+"&format=png&chart="+id, http.StatusOK)
			img, err := png.Decode(bytes.NewReader(raw))
			if id != "" {
				os.WriteFile(filepath.Join(webtest.ScreenshotDir(t), "chart-"+id+".png"), raw, 0o644)
			}
			if err != nil || img.Bounds().Dx() != 960 || img.Bounds().Dy() != 342 {
				t.Errorf("%s chart %q: PNG %v, %v; want 960×342, the chart and its title", c.path, id, err, img)
			}
		}
	}
}

var (
	svgRe   = regexp.MustCompile(`(?s)<svg.*?</svg>`)
	titleRe = regexp.MustCompile(`<text[^>]*>[^<]{20,}</text>`)
)

// keyRing is a ring of a downloaded chart's key (radius 4, which no
// dot has).
var keyRing = regexp.MustCompile(`<circle[^>]* r="4"`)

// dots counts the dots a chart draws, its key's rings aside.
func dots(svg string) int {
	return strings.Count(svg, "<circle") - len(keyRing.FindAllString(svg, -1))
}

// sameDots reports whether one of the page's charts draws as many dots
// as svg: the same chart, its title and key aside.
func sameDots(page, svg string) bool {
	for _, s := range svgRe.FindAllString(page, -1) {
		if dots(s) == dots(svg) && dots(svg) > 0 {
			return true
		}
	}
	return false
}

// TestDownloadBound checks that a table longer than the bound is refused
// with a 400 that says how to narrow it, and a shorter one is served.
func TestDownloadBound(t *testing.T) {
	srv := newServer(t, world.View())
	defer web.SetMaxDownloadRows(10)()
	status, msg := get(t, srv, "/database?party=USA&date=2020-09-01&format=csv&table=items")
	if status != http.StatusBadRequest || !strings.Contains(msg, "more than the 10 a download carries: narrow the query") {
		t.Errorf("a download of every item with a bound of 10 rows: %d %q", status, msg)
	}
	if status, _ := get(t, srv, "/logs?format=csv"); status != http.StatusOK {
		t.Errorf("a download of the two logs with a bound of 10 rows: %d", status)
	}
}

// TestReproduceFromDownloads follows docs/analysis.md, "Reproducing a
// figure from the downloads": the United States' warheads of 1 September
// 2020 in the history's series are the sum, over its items that day, of
// the warheads on deployed ICBMs and SLBMs and one per deployed heavy
// bomber (Article III.2), as the treaty database download lists them.
func TestReproduceFromDownloads(t *testing.T) {
	srv := newServer(t, world.View())
	cols, rows := readCSV(t, fetch(t, srv.URL+"/history?reading=default&format=csv&table=series", http.StatusOK))
	figure := ""
	for _, r := range rows {
		if r[indexOf(cols, "as_of")] == "2020-09-01" && r[indexOf(cols, "party")] == "USA" && r[indexOf(cols, "limit")] == "warheads" {
			figure = r[indexOf(cols, "value")]
		}
	}
	cols, rows = readCSV(t, fetch(t, srv.URL+"/database?party=USA&date=2020-09-01&format=csv&table=items", http.StatusOK))
	cat, status, wh := indexOf(cols, "category"), indexOf(cols, "status"), indexOf(cols, "warheads")
	sum := 0
	for _, r := range rows {
		switch {
		case r[status] != "deployed":
		case r[cat] == "icbm" || r[cat] == "slbm":
			n, err := strconv.Atoi(r[wh])
			if err != nil {
				t.Fatalf("item %v: warheads %q", r, r[wh])
			}
			sum += n
		case r[cat] == "heavy_bomber":
			sum++
		}
	}
	if figure == "" || strconv.Itoa(sum) != figure {
		t.Errorf("the series says the US had %q warheads on 2020-09-01; its %d items sum to %d", figure, len(rows), sum)
	}
}

package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"accord/internal/declaration"
	"accord/internal/scenario"
	"accord/internal/treaty"
)

// scenarioReport is what every number of the scenarios page must equal:
// the scenario engine over the registry's declarations of the party, as
// known at the world's clock.
func scenarioReport(t testing.TB, party, date string, change *scenario.Change) *scenario.Report {
	t.Helper()
	d := treaty.MustDate(date)
	decls, err := scenario.Gather(d, nil, func(x treaty.Date) (*declaration.Declaration, error) {
		return world.Reg.Declaration(context.Background(), party, x, world.Clock)
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenario.Compare(decls, party, d, change, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// engineCells lists a report's limits as the page's cells say them:
// "option limit value ceiling can-add verdict tightest", "?" for what is
// unknown.
func engineCells(r *scenario.Report) []string {
	var out []string
	for _, o := range r.Outcomes {
		for _, l := range o.Limits {
			add, ok := scenario.Headroom(l)
			if !ok {
				out = append(out, fmt.Sprintf("%s %s ? ? ? %s false", o.Option, l.ID, l.Verdict))
				continue
			}
			out = append(out, fmt.Sprintf("%s %s %d %d %d %s %t", o.Option, l.ID, l.Value, l.Limit, add, l.Verdict, l.ID == o.Tightest))
		}
	}
	return out
}

var cellRe = regexp.MustCompile(`<td data-option="([^"]+)" data-limit="([^"]+)"(?: data-value="(-?\d+)" data-ceiling="(-?\d+)" data-margin="-?\d+" data-can-add="(\d+)")? data-verdict="([^"]+)"( data-tightest="true")?`)

// pageCells reads the options table's cells, option by option.
func pageCells(body string) []string {
	by := map[string][]string{}
	var order []string
	for _, m := range cellRe.FindAllStringSubmatch(body, -1) {
		if _, ok := by[m[1]]; !ok {
			order = append(order, m[1])
		}
		v, c, a := m[3], m[4], m[5]
		if v == "" {
			v, c, a = "?", "?", "?"
		}
		by[m[1]] = append(by[m[1]], fmt.Sprintf("%s %s %s %s %s %s %t", m[1], m[2], v, c, a, m[6], m[7] != ""))
	}
	var out []string
	for _, o := range order {
		out = append(out, by[o]...)
	}
	return out
}

// TestScenarios checks the page's options table, cell by cell, against
// the scenario engine for the United States on 1 September 2020, as
// declared and changed by an example; and that its downloads carry the
// same numbers.
func TestScenarios(t *testing.T) {
	srv := newServer(t, world.View())
	for _, c := range []struct{ query, example string }{
		{"date=2020-09-01&party=USA", ""},
		{"date=2020-09-01&party=USA&example=us-fewer-icbms", "us-fewer-icbms"},
		{"date=2021-06-01&party=RUS", ""},
	} {
		var change *scenario.Change
		if c.example != "" {
			e, _ := scenario.LookupExample(c.example)
			var err error
			if change, err = scenario.ParseChange(e.Name+".yaml", e.YAML); err != nil {
				t.Fatal(err)
			}
		}
		q, _ := url.ParseQuery(c.query)
		want := engineCells(scenarioReport(t, q.Get("party"), q.Get("date"), change))
		body := mustGet(t, srv, "/scenarios?"+c.query)
		if got := pageCells(body); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: the page shows\n%s\nthe engine counts\n%s", c.query, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got := csvCells(t, srv, "/scenarios?"+c.query+"&format=csv"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: the CSV holds\n%s\nthe engine counts\n%s", c.query, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// csvCells reads the options table's CSV as engineCells says it.
func csvCells(t *testing.T, srv *httptestServer, path string) []string {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="scenarios-options-`) {
		t.Errorf("GET %s: Content-Disposition %q", path, cd)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs[1:] {
		if r[7] == "no_limits" || r[7] == "not_a_party" {
			continue
		}
		v, c, a := r[3], r[4], r[6]
		if v == "" {
			v, c, a = "?", "?", "?"
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s %s %s", r[0], r[2], v, c, a, r[7], r[8]))
	}
	return out
}

// TestScenariosData checks the JSON download's envelope and the upload
// potential and over-time tables against the engine.
func TestScenariosData(t *testing.T) {
	srv := newServer(t, world.View())
	var doc struct {
		Page   string            `json:"page"`
		Query  map[string]string `json:"query"`
		Treaty struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"treaty"`
		Checkpoints []struct {
			Party, Origin, Hash string
			Size                uint64
		} `json:"checkpoints"`
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
	}
	body := mustGet(t, srv, "/scenarios?date=2020-09-01&party=USA&table=upload&format=json")
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Page != "scenarios" || doc.Query["date"] != "2020-09-01" || doc.Query["party"] != "USA" || doc.Query["table"] != "upload" || doc.Treaty.ID != "newstart" || doc.Treaty.Version != world.Treaty.Version {
		t.Errorf("envelope %+v", doc)
	}
	if len(doc.Checkpoints) != len(world.Logs) || doc.Checkpoints[0].Hash == "" || doc.Checkpoints[0].Size == 0 {
		t.Errorf("checkpoints %+v", doc.Checkpoints)
	}
	u := scenarioReport(t, "USA", "2020-09-01", nil).Upload
	if len(doc.Rows) != len(u.Rows) {
		t.Fatalf("%d upload rows, the engine %d", len(doc.Rows), len(u.Rows))
	}
	for i, r := range u.Rows {
		got := fmt.Sprint(doc.Rows[i][0], doc.Rows[i][7], doc.Rows[i][8])
		if want := fmt.Sprint(r.Type, r.PotentialLow, r.PotentialHigh); got != want {
			t.Errorf("upload row %d: %s, the engine %s", i, got, want)
		}
	}
	// Over time: the page's table and the CSV equal OverTime on the
	// history's dates.
	page := mustGet(t, srv, "/scenarios?date=2020-09-01&party=USA")
	rows := regexp.MustCompile(`<tr data-date="([^"]+)" data-counted="(\d+)" data-low="(\d+)" data-high="(\d+)">`).FindAllStringSubmatch(page, -1)
	if len(rows) < 10 || !strings.Contains(page, `id="overtime-chart"`) {
		t.Fatalf("%d rows over time, chart %t", len(rows), strings.Contains(page, `id="overtime-chart"`))
	}
	var dates []treaty.Date
	for _, m := range rows {
		dates = append(dates, treaty.MustDate(m[1]))
	}
	decls, err := scenario.Gather(dates[len(dates)-1], dates, func(x treaty.Date) (*declaration.Declaration, error) {
		return world.Reg.Declaration(context.Background(), "USA", x, world.Clock)
	})
	if err != nil {
		t.Fatal(err)
	}
	pts := scenario.OverTime(decls, "USA", dates)
	if len(pts) != len(rows) {
		t.Fatalf("%d points over time, the engine %d", len(rows), len(pts))
	}
	for i, m := range rows {
		p := pts[i]
		if got, want := strings.Join(m[1:], " "), fmt.Sprintf("%s %d %d %d", p.AsOf, p.Counted, p.Low, p.High); got != want {
			t.Errorf("over time: page %s, engine %s", got, want)
		}
	}
	if n := strings.Count(mustGet(t, srv, "/scenarios?date=2020-09-01&party=USA&table=overtime&format=csv"), "\n"); n != len(rows)+1 {
		t.Errorf("the over-time CSV has %d lines, want %d", n, len(rows)+1)
	}
}

// TestScenariosBadInput: a change file that does not parse or apply is
// shown with the form, one line naming the line and field, status 400,
// whether given in the query or uploaded; a bad date, party, rate,
// example, table or format is a 400 page; a change file over 64 KiB is
// refused.
func TestScenariosBadInput(t *testing.T) {
	srv := newServer(t, world.View())
	for _, c := range []struct{ query, want string }{
		{"party=USA&change=" + url.QueryEscape("steps:\n  - retire: 50\n    type: MM-III\n\n  - upload: 0\n    type: Trident II\n"), "change:5: steps[1].upload: 0 is not between 1 and 100"},
		{"party=USA&date=2020-09-01&change=" + url.QueryEscape("steps:\n  - retire: 5000\n    type: MM-III\n"), "change:2: steps[0] (retire 5000 MM-III): only 397 are deployed"},
		{"party=USA&date=2020-09-01&change=" + url.QueryEscape("steps:\n  - retire: 5\n    type: DF-41\n"), `change:2: steps[0] (retire 5 DF-41): no missile or heavy bomber of type &#34;DF-41&#34; is declared`},
		{"date=2020-02-30", "date 2020-02-30: no such day"},
		{"rate=0", "rate &#34;0&#34; is not a number"},
		{"example=nosuch", "example &#34;nosuch&#34;: no such example change file"},
		{"table=nosuch&format=csv", `table "nosuch" is not options, upload or overtime`},
		{"format=xml", "format &#34;xml&#34; is not csv or json"},
		{"change=" + url.QueryEscape("# "+strings.Repeat("x", scenario.MaxChangeSize)), "change: larger than 65536 bytes"},
	} {
		status, body := get(t, srv, "/scenarios?"+c.query)
		if status != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("GET /scenarios?%.60s: %d, want 400 and %q\n%s", c.query, status, c.want, excerpt(body))
		}
	}
	if status, body := get(t, srv, "/scenarios?party=CHN"); status != http.StatusNotFound || !strings.Contains(body, "CHN is not a party to newstart") {
		t.Errorf("GET /scenarios?party=CHN: %d\n%s", status, excerpt(body))
	}
	status, body := postScenario(t, srv, "posture.yaml", []byte("steps:\n  - upload: 0\n    type: Trident II\n"))
	if status != http.StatusBadRequest || !strings.Contains(body, "posture.yaml:2: steps[0].upload: 0 is not between 1 and 100") {
		t.Errorf("POST a bad upload: %d\n%s", status, excerpt(body))
	}
	status, body = postScenario(t, srv, "posture.yaml", append([]byte("# "), bytes.Repeat([]byte("x"), scenario.MaxChangeSize)...))
	if status != http.StatusBadRequest || !strings.Contains(body, "posture.yaml: larger than 65536 bytes") {
		t.Errorf("POST a large upload: %d\n%s", status, excerpt(body))
	}
}

// TestScenariosUpload: a change file uploaded is applied as one given in
// the query, and the page's permalink carries it.
func TestScenariosUpload(t *testing.T) {
	srv := newServer(t, world.View())
	yaml := "steps:\n  - upload: 2\n    type: Trident II\n"
	status, body := postScenario(t, srv, "posture.yaml", []byte(yaml))
	if status != http.StatusOK || !strings.Contains(body, "changed by <strong>posture.yaml</strong>") {
		t.Fatalf("POST: %d\n%s", status, excerpt(body))
	}
	c, err := scenario.ParseChange("posture.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	want := engineCells(scenarioReport(t, "USA", "2020-09-01", c))
	if got := pageCells(body); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the page shows\n%s\nthe engine counts\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	link := regexp.MustCompile(`href="(/scenarios\?[^"]+)" id="permalink"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatal("no permalink")
	}
	again := mustGet(t, srv, html.UnescapeString(link[1]))
	if got := pageCells(again); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the permalink shows\n%s", strings.Join(got, "\n"))
	}
}

func postScenario(t *testing.T, srv *httptestServer, name string, file []byte) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("date", "2020-09-01")
	mw.WriteField("party", "USA")
	fw, err := mw.CreateFormFile("upload", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	res, err := srv.Client().Post(srv.URL+"/scenarios", mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

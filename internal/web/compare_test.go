package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// evaluateAs counts the world's declarations on d under the built-in
// treaty id, with each party's declaration on the treaty's freeze
// baselines too, as the comparison page must.
func evaluateAs(t testing.TB, id string, d treaty.Date) engine.Result {
	t.Helper()
	tr, err := treaty.Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	dates := []treaty.Date{d}
	for _, l := range tr.Limits {
		if !l.Baseline.IsZero() {
			dates = append(dates, l.Baseline)
		}
	}
	var decls []*declaration.Declaration
	for _, x := range dates {
		for _, p := range world.Treaty.Parties {
			decl, err := world.Reg.Declaration(context.Background(), p.ID, x, world.Clock)
			if err != nil {
				t.Fatal(err)
			}
			if len(decl.Items) > 0 || len(decl.Warheads) > 0 {
				decls = append(decls, decl)
			}
		}
	}
	res, err := engine.Evaluate(tr, d, treaty.DefaultReading, decls)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCompare lays New START and the trilateral draft side by side: every
// topic is there, each treaty's parties and ceilings are read from its
// definition, and the values on 1 September 2020 are the engine's under
// each definition, on the page and in the CSV.
func TestCompare(t *testing.T) {
	srv := newServer(t, world.View())
	body := mustGet(t, srv, "/compare?treaties=newstart,trilateral-draft&date=2020-09-01")
	for _, topic := range []string{"limits", "counting", "verification", "duration", "scope", "parties"} {
		if !strings.Contains(body, `data-topic="`+topic+`"`) {
			t.Errorf("no topic %s", topic)
		}
	}
	for _, want := range []string{"People&#39;s Republic of China (CHN)", "freeze at each party&#39;s level of 2021-02-05", "binds USA, RUS", "Type One inspection (ICBM bases, submarine bases, air bases): 10 a treaty year", "10y from entry into force", "5y from entry into force"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	cellRe := regexp.MustCompile(`<tr data-party="([^"]+)" data-limit="([^"]+)">(.*?)</tr>`)
	valRe := regexp.MustCompile(`<td data-treaty="([^"]+)" data-value="(\d+)" data-ceiling="(\d+)" data-verdict="([^"]+)">`)
	var got []string
	for _, m := range cellRe.FindAllStringSubmatch(strings.ReplaceAll(body, "\n", " "), -1) {
		for _, v := range valRe.FindAllStringSubmatch(m[3], -1) {
			got = append(got, fmt.Sprintf("%s %s %s %s/%s %s", v[1], m[1], m[2], v[2], v[3], v[4]))
		}
	}
	var want []string
	results := map[string]engine.Result{}
	for _, id := range []string{"newstart", "trilateral-draft"} {
		results[id] = evaluateAs(t, id, treaty.MustDate("2020-09-01"))
	}
	for _, p := range world.Treaty.Parties {
		for _, limit := range []string{"deployed_delivery_vehicles", "warheads", "launchers", "total_warheads"} {
			for _, id := range []string{"newstart", "trilateral-draft"} {
				for _, lr := range partyResultOf(results[id], p.ID) {
					if lr.ID == limit && lr.Verdict != engine.NoData && lr.Note == "" {
						want = append(want, fmt.Sprintf("%s %s %s %d/%d %s", id, p.ID, limit, lr.Value, lr.Limit, lr.Verdict))
					}
				}
			}
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) != 12 {
		t.Errorf("the page shows\n%s\nthe engine counts\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	res, err := srv.Client().Get(srv.URL + "/compare?treaties=newstart,trilateral-draft&date=2020-09-01&table=date&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var fromCSV []string
	for _, r := range recs[1:] {
		if r[4] != "" {
			fromCSV = append(fromCSV, fmt.Sprintf("%s %s %s %s/%s %s", r[0], r[2], r[3], r[4], r[5], r[7]))
		}
	}
	if strings.Join(fromCSV, "\n") != strings.Join(want, "\n") {
		t.Errorf("the CSV holds\n%s", strings.Join(fromCSV, "\n"))
	}
}

// TestCompareBadInput: one treaty, an unknown one, one named twice or a
// bad date is a 400 page saying which.
func TestCompareBadInput(t *testing.T) {
	srv := newServer(t, world.View())
	for _, c := range []struct{ query, want string }{
		{"treaties=newstart", "treaties: give 2 to 6 treaty ids separated by commas, not 1"},
		{"treaties=newstart,nosuch", "treaties: &#34;nosuch&#34; is not a treaty this node knows"},
		{"treaties=newstart,newstart", "treaties: &#34;newstart&#34; is named twice"},
		{"date=2020-13-01", "date 2020-13-01: no such day"},
		{"format=xml", "format &#34;xml&#34; is not csv or json"},
	} {
		status, body := get(t, srv, "/compare?"+c.query)
		if status != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("GET /compare?%s: %d, want 400 and %q\n%s", c.query, status, c.want, excerpt(body))
		}
	}
}

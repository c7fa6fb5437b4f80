package server

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"accord/entry"
	"accord/internal/office"
)

// entryIntoForce is each test treaty's entry into force, the effective
// date of initial data.
var entryIntoForce = map[string]string{"newstart": "2011-02-05", "trilateral-draft": "2021-02-05"}

// farFuture is the as_of of engine queries compared between nodes: a
// fixed date after every notification's sent time, so that the answer
// depends on the logs only.
const farFuture = "2099-12-31"

// notify submits a notification through POST /v1/notifications with the
// operator's token.
func (p *proc) notify(body string) *response {
	p.t.Helper()
	resp, err := p.do("POST", "v1/notifications", p.operator, body)
	if err != nil {
		p.t.Fatalf("POST /v1/notifications: %v", err)
	}
	return resp
}

// mustNotify submits a notification that must be accepted.
func (p *proc) mustNotify(body string) office.Sent {
	p.t.Helper()
	resp := p.notify(body)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%s: notifying %s: %s %s", p.party, body, resp.Status, resp.Body)
	}
	var s office.Sent
	if err := json.Unmarshal(resp.Body, &s); err != nil || s.Notice == nil {
		p.t.Fatalf("%s: answer %s: %v", p.party, resp.Body, err)
	}
	return s
}

// get answers an operator GET, which must succeed.
func (p *proc) get(path string) []byte {
	p.t.Helper()
	resp, err := p.do("GET", path, p.operator, "")
	if err != nil || resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%s: GET /%s: %v %v %s", p.party, path, err, resp.Status, resp.Body)
	}
	return resp.Body
}

// sendNotifications has p send its initial data (three items), a movement
// and a change in data, each depending on the one before, and checks how
// the database reads each.
func (p *proc) sendNotifications(treatyID string) {
	p.t.Helper()
	eif := entryIntoForce[treatyID]
	x := p.party
	initial := fmt.Sprintf(`{"type":"initial_data","effective":%q,"items":[
		{"uid":"%s-M1","type":"Minuteman III","category":"icbm","status":"deployed","facility":"%s-North","warheads":1},
		{"uid":"%s-M2","type":"Minuteman III","category":"icbm","status":"non_deployed","facility":"%s-South"},
		{"uid":"%s-L1","type":"Minuteman III","category":"icbm_launcher","status":"deployed","facility":"%s-North"}]}`,
		eif, x, x, x, x, x, x)
	s := p.mustNotify(initial)
	if s.Notice.Type != "initial_data" || s.Notice.Due.IsZero() || s.Notice.State == "" {
		p.t.Errorf("%s: initial data read as %+v", x, s.Notice)
	}
	p.mustNotify(fmt.Sprintf(`{"party":%q,"type":"movement","effective":%q,"items":[{"uid":"%s-M2"}],"from":"%s-South","to":"%s-North"}`,
		x, addDays(eif, 10), x, x, x))
	resp, err := p.do("POST", "v1/notifications?type=change_in_data", p.operator,
		fmt.Sprintf(`{"effective":%q,"items":[{"uid":"%s-M2","status":"deployed","warheads":1}]}`, addDays(eif, 20), x))
	if err != nil || resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%s: change in data with ?type=: %v %v %s", x, err, resp.Status, resp.Body)
	}
}

// addDays adds n days to a date.
func addDays(date string, n int) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// sameEngine checks that every node answers GET /v1/status and GET
// /v1/inventory for every party identically, and that each party's
// inventory is what its notifications say.
func sameEngine(t *testing.T, treatyID string, ps []*proc) {
	t.Helper()
	status := ps[0].get("v1/status?as_of=" + farFuture)
	var sts []map[string]any
	if err := json.Unmarshal(status, &sts); err != nil || len(sts) == 0 {
		t.Fatalf("status: %v %s", err, status)
	}
	for _, p := range ps[1:] {
		if got := p.get("v1/status?as_of=" + farFuture); !bytes.Equal(got, status) {
			t.Errorf("%s answers GET /v1/status:\n%s\n%s answers:\n%s", p.party, got, ps[0].party, status)
		}
	}
	for _, q := range ps {
		path := fmt.Sprintf("v1/inventory?party=%s&as_of=%s&known_at=%s", q.party, addDays(entryIntoForce[treatyID], 25), farFuture)
		want := q.get(path)
		var inv struct {
			Items []struct{ UID, Status, Facility string }
		}
		json.Unmarshal(want, &inv)
		items := inv.Items
		if len(items) != 3 || items[2].UID != q.party+"-M2" || items[2].Status != "deployed" || items[2].Facility != q.party+"-North" {
			t.Errorf("%s's inventory: %s", q.party, want)
		}
		for _, p := range ps {
			if got := p.get(path); !bytes.Equal(got, want) {
				t.Errorf("%s answers GET /%s:\n%s\n%s answers:\n%s", p.party, path, got, q.party, want)
			}
		}
	}
	for _, p := range ps {
		var f Findings
		json.Unmarshal(p.get("v1/findings?as_of="+farFuture), &f)
		for _, x := range f.Findings {
			if x.Kind == "refused" || x.Kind == "ack_mismatch" || x.Kind == "unacknowledged" {
				t.Errorf("%s finds %+v", p.party, x)
			}
		}
	}
}

// TestNotifyAPI checks POST /v1/notifications on one node: an accepted
// notification lands in the log and the database; a refused one answers
// 422 with the rule and appends nothing; USA's operator cannot notify as
// RUS; malformed requests answer 400; and GET /v1/log/entries pages
// through the log.
func TestNotifyAPI(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	usa.sendNotifications("newstart")
	size := usa.size()

	resp := usa.notify(`{"type":"change_in_data","effective":"2011-03-10","items":[{"uid":"USA-M9","status":"deployed"}]}`)
	var ref refusalJSON
	json.Unmarshal(resp.Body, &ref)
	if resp.StatusCode != http.StatusUnprocessableEntity || ref.Rule != "item does not exist" || ref.UID != "USA-M9" || ref.Reason == "" {
		t.Errorf("refused notification: %s %s", resp.Status, resp.Body)
	}
	resp = usa.notify(`{"type":"nosuch","effective":"2011-03-10","items":[{"uid":"USA-M1"}]}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(resp.Body), "unknown notification type") {
		t.Errorf("unknown type: %s %s", resp.Status, resp.Body)
	}
	resp = usa.notify(`{"party":"RUS","type":"movement","effective":"2011-03-10","items":[{"uid":"USA-M1"}],"from":"USA-North","to":"USA-South"}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("USA's operator notifying as RUS: %s %s", resp.Status, resp.Body)
	}
	for _, body := range []string{
		`{"type":"movement","items":[{"uid":"USA-M1"}],"from":"USA-North","to":"USA-South"}`,        // no date
		`{"effective":"2011-03-10","items":[{"uid":"USA-M1"}],"from":"USA-North","to":"USA-South"}`, // no type
		`{"type":"movement","effective":"2011-03-10","items":[{"uid":"USA-M1"}],"extra":1}`,         // unknown member
		`{"type":"movement","effective":"2011-3-10"}`,                                               // bad date
		`not json`,
	} {
		if resp := usa.notify(body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s %s, want 400", body, resp.Status, resp.Body)
		}
	}
	if got := usa.size(); got != size {
		t.Fatalf("refused notifications appended: log size %d, was %d", got, size)
	}

	var page Entries
	json.Unmarshal(usa.get("v1/log/entries?from=1&limit=1"), &page)
	if page.Size != size || page.Next != 2 || len(page.Entries) != 1 || page.Entries[0].Index != 1 || page.Entries[0].Kind != string(entry.Notification) ||
		!strings.Contains(string(page.Entries[0].Body), `"movement"`) {
		t.Errorf("GET /v1/log/entries?from=1&limit=1: %+v", page)
	}
	json.Unmarshal(usa.get(fmt.Sprintf("v1/log/entries?from=%d", size)), &page)
	if len(page.Entries) != 0 || page.Next != size {
		t.Errorf("GET /v1/log/entries past the end: %+v", page)
	}
	var inv struct{ Items []map[string]any }
	json.Unmarshal(usa.get("v1/inventory?party=USA&as_of=2011-03-01&known_at=2099-01-01"), &inv)
	if len(inv.Items) != 3 {
		t.Errorf("inventory: %v", inv)
	}
	for _, path := range []string{"v1/inventory?as_of=2011-03-01", "v1/inventory?party=FRA&as_of=2011-03-01", "v1/inventory?party=USA",
		"v1/status?party=FRA", "v1/status?as_of=never", "v1/findings?party=FRA", "v1/log/entries?from=x"} {
		if resp, _ := usa.do("GET", path, usa.operator, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /%s: %s, want 400", path, resp.Status)
		}
	}

	// The public fact sheet needs no credential. USA's initial data, as of
	// entry into force: one deployed ICBM with one warhead, one deployed
	// launcher. RUS never provided data, so it is not on the sheet.
	resp, err := usa.do("GET", "factsheet?as_of=2011-02-05", "", "")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /factsheet without a credential: %v %v %s", err, resp.Status, resp.Body)
	}
	var sheet struct {
		AsOf    string `json:"as_of"`
		Parties []struct {
			Party  string         `json:"party"`
			Values map[string]int `json:"values"`
		} `json:"parties"`
		Missing []string `json:"no_data_provided"`
	}
	if err := json.Unmarshal(resp.Body, &sheet); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"deployed_delivery_vehicles": 1, "warheads": 1, "launchers": 1}
	if sheet.AsOf != "2011-02-05" || len(sheet.Parties) != 1 || sheet.Parties[0].Party != "USA" ||
		!maps.Equal(sheet.Parties[0].Values, want) || len(sheet.Missing) != 0 {
		t.Errorf("fact sheet of 2011-02-05: %s", resp.Body)
	}
	if resp, _ := usa.do("GET", "factsheet?format=csv", "", ""); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("GET /factsheet?format=csv: %s %s", resp.Status, resp.Body)
	}
	for _, path := range []string{"factsheet?format=xml", "factsheet?as_of=2011-2-5"} {
		if resp, _ := usa.do("GET", path, "", ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /%s: %s, want 400", path, resp.Status)
		}
	}
}

// dbCounts returns the number of rows of the treaty database's tables
// that record entries and facts, to compare a node's database with one
// rebuilt from its logs.
func dbCounts(t *testing.T, dir string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "treaty.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for _, table := range []string{"entries", "items", "item_history", "acks", "logs"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(out, " ")
}

// checkReindexed stops p and checks that its treaty database holds what a
// database rebuilt from its logs holds: no entry was applied twice or
// missed, whatever crashes happened while it ingested.
func (p *proc) checkReindexed() {
	p.t.Helper()
	p.stop()
	live := dbCounts(p.t, p.dir)
	cp := filepath.Join(p.t.TempDir(), "copy")
	copyDir(p.t, p.dir, cp)
	if out, err := exec.Command(accordBin, "reindex", "--data", cp).CombinedOutput(); err != nil {
		p.t.Fatalf("accord reindex: %v %s", err, out)
	}
	if rebuilt := dbCounts(p.t, cp); rebuilt != live {
		p.t.Errorf("%s's treaty database: %s; rebuilt from its logs: %s", p.party, live, rebuilt)
	}
	st := func(dir string) string {
		out, err := exec.Command(accordBin, "status", "--data", dir, "--as-of", farFuture, "--json").Output()
		if err != nil && !strings.Contains(err.Error(), "exit status 1") {
			p.t.Fatalf("accord status: %v", err)
		}
		return string(out)
	}
	if a, b := st(p.dir), st(cp); a != b {
		p.t.Errorf("%s's status:\n%s\nrebuilt from its logs:\n%s", p.party, a, b)
	}
}

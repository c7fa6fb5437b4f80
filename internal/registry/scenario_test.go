package registry

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// usaInitial is the United States' (much reduced) initial data, as of
// entry into force.
func usaInitial() *body.Notification {
	return &body.Notification{Type: "initial_data", Items: []body.Item{
		item("M1", "MM-III", "icbm", "deployed", "malmstrom", 1),
		item("M2", "MM-III", "icbm", "deployed", "malmstrom", 1),
		item("M3", "MM-III", "icbm", "non_deployed", "hill", 0),
		item("M4", "MM-III", "icbm", "non_deployed", "hill", 0),
		item("L1", "MM-III-silo", "icbm_launcher", "deployed", "malmstrom", 0),
		item("L2", "MM-III-silo", "icbm_launcher", "deployed", "malmstrom", 0),
		item("L3", "MM-III-silo", "icbm_launcher", "non_deployed", "malmstrom", 0),
		item("T1", "Trident-II", "slbm", "deployed", "kings-bay", 4),
		item("S1", "Ohio-tube", "slbm_launcher", "deployed", "kings-bay", 0),
		item("B1", "B-52H", "heavy_bomber", "deployed", "barksdale", 0),
		item("B2", "B-52H", "heavy_bomber", "deployed", "barksdale", 0),
	}}
}

// scenario runs a realistic year of notifications from the United States,
// with Russia acknowledging (mostly in time), and returns the records.
func scenario(t *testing.T, n *testNode) map[string]Record {
	recs := map[string]Record{}
	recs["initial"] = n.mustSend("USA", "2011-02-05", "2011-03-10T09:00:00Z", usaInitial())
	n.ack("RUS", recs["initial"], "2011-03-10T15:00:00Z")
	recs["move"] = n.mustSend("USA", "2011-04-10", "2011-04-12T10:00:00Z",
		&body.Notification{Type: "movement", From: "hill", To: "malmstrom", Items: uids("M3", "M4")})
	// Russia does not acknowledge the movement.
	recs["deploy"] = n.mustSend("USA", "2011-05-01", "2011-05-03T10:00:00Z", &body.Notification{Type: "change_in_data",
		Items: []body.Item{{UID: "M3", Status: "deployed", Warheads: wh(1)}, {UID: "L3", Status: "deployed"}}})
	n.ack("RUS", recs["deploy"], "2011-05-05T10:00:00Z") // a day late
	recs["conv-start"] = n.mustSend("USA", "2011-06-01", "2011-06-02T10:00:00Z", &body.Notification{Type: "conversion_start", Items: uids("B2")})
	recs["conv-done"] = n.mustSend("USA", "2011-07-01", "2011-07-04T10:00:00Z", &body.Notification{Type: "conversion_complete",
		Items: []body.Item{{UID: "B2", Status: "converted"}}})
	upd := usaInitial()
	upd.Type = "six_month_update"
	for i := range upd.Items {
		switch upd.Items[i].UID {
		case "M3":
			upd.Items[i] = item("M3", "MM-III", "icbm", "deployed", "malmstrom", 1)
		case "M4":
			upd.Items[i].Facility = "malmstrom"
		case "L3":
			upd.Items[i].Status = "deployed"
		case "B2":
			upd.Items[i].Status = "converted"
		}
	}
	recs["update-1"] = n.mustSend("USA", "2011-09-01", "2011-09-20T10:00:00Z", upd)
	// Sent on 10 October, about 10 September: due by 15 September.
	recs["late"] = n.mustSend("USA", "2011-09-10", "2011-10-10T10:00:00Z", &body.Notification{Type: "change_in_data",
		Items: []body.Item{{UID: "M1", Status: "non_deployed", Warheads: wh(0)}}})
	// It was M2, not M1, that was taken off alert.
	recs["correction"] = n.mustSend("USA", "2011-09-10", "2011-11-01T10:00:00Z", &body.Notification{Type: "change_in_data",
		Items:    []body.Item{{UID: "M2", Status: "non_deployed", Warheads: wh(0)}},
		Corrects: &body.Ref{Origin: recs["late"].Origin, Index: recs["late"].Index, LeafHash: recs["late"].LeafHash}})
	for _, d := range []string{"2011-12-01", "2012-02-20", "2012-03-01"} {
		b := []byte(`{"inspected":"RUS","inspection_type":"type_one"}`)
		if _, err := n.sendRaw("USA", entry.Inspection, d, d+"T08:00:00Z", b); err != nil {
			t.Fatal(err)
		}
	}
	// Russia states its holdings of 1 September 2011 per type, in time,
	// instead of a six-month update.
	b, err := entry.CanonicalJSON([]byte(`{"types":[
		{"as_of":"2011-09-01","party":"RUS","type":"RS-24","category":"icbm","status":"deployed","count":3,"warheads":12},
		{"as_of":"2011-09-01","party":"RUS","type":"RS-24","category":"icbm_launcher","status":"deployed","count":3,"warheads":0}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if recs["rus-declared"], err = n.sendRaw("RUS", entry.Declaration, "2011-09-01", "2011-09-25T08:00:00Z", b); err != nil {
		t.Fatal(err)
	}
	// No six-month update as of 1 March 2012 is ever sent.
	return recs
}

func TestScenario(t *testing.T) {
	n := newTestNode(t)
	recs := scenario(t, n)
	checkLatest(t, n.reg)

	// Inventory and counts at several dates, as known at several times.
	for _, c := range []struct {
		asOf, knownAt string
		want          string // items, sorted by uid, that differ from the initial data
		counts        [3]int // deployed delivery vehicles, warheads, launchers
	}{
		{"2011-02-05", "2011-03-01T00:00:00Z", "none", [3]int{}},
		{"2011-02-05", "2011-03-11T00:00:00Z", "", [3]int{5, 8, 6}},
		{"2011-04-15", "2011-04-11T00:00:00Z", "M3@hill M4@hill", [3]int{5, 8, 6}},
		{"2011-04-15", "2011-04-13T00:00:00Z", "M3@malmstrom M4@malmstrom", [3]int{5, 8, 6}},
		{"2011-05-01", "2011-05-02T00:00:00Z", "M3@malmstrom M4@malmstrom", [3]int{5, 8, 6}},
		{"2011-05-01", "2011-05-04T00:00:00Z", "M3=deployed/1 L3=deployed/0", [3]int{6, 9, 6}},
		{"2011-07-01", "2011-07-05T00:00:00Z", "B2=converted/0", [3]int{5, 8, 5}},
		{"2011-09-30", "2011-10-01T00:00:00Z", "M1=deployed/1", [3]int{5, 8, 5}},
		{"2011-09-30", "2011-10-11T00:00:00Z", "M1=non_deployed/0", [3]int{4, 7, 5}},
		{"2011-09-30", "2011-11-02T00:00:00Z", "M1=deployed/1 M2=non_deployed/0", [3]int{4, 7, 5}},
		{"2011-09-05", "2011-11-02T00:00:00Z", "M2=deployed/1", [3]int{5, 8, 5}},
	} {
		t.Run(c.asOf+"@"+c.knownAt, func(t *testing.T) {
			d := treaty.MustDate(c.asOf)
			items, err := n.reg.Inventory(n.ctx, "USA", d, mustTime(c.knownAt))
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "none" {
				if len(items) != 0 {
					t.Fatalf("inventory before the initial data was known: %v", items)
				}
				return
			}
			checkItems(t, items, c.want)
			res, err := engine.Evaluate(n.tr, d, "", []*declaration.Declaration{{Party: "USA", AsOf: d, Items: items}})
			if err != nil {
				t.Fatal(err)
			}
			var got [3]int
			for i, l := range res.Parties[0].Limits {
				got[i] = l.Value
			}
			if got != c.counts {
				t.Errorf("deployed delivery vehicles, warheads, launchers = %v, want %v", got, c.counts)
			}
		})
	}
	checkScenarioNotices(t, n, recs)
	checkScenarioHistory(t, n, recs)
	checkScenarioStatus(t, n)
}

// checkItems checks items against a list of expectations "UID@facility" or
// "UID=status/warheads" (every named item must match).
func checkItems(t *testing.T, items []declaration.Item, want string) {
	t.Helper()
	if !slices.IsSortedFunc(items, func(a, b declaration.Item) int { return strings.Compare(a.UID, b.UID) }) {
		t.Errorf("inventory not sorted by uid")
	}
	by := map[string]declaration.Item{}
	for _, it := range items {
		by[it.UID] = it
	}
	for _, w := range strings.Fields(want) {
		uid, fac, isFac := strings.Cut(w, "@")
		if isFac {
			if by[uid].Facility != fac {
				t.Errorf("%s at %q, want %q", uid, by[uid].Facility, fac)
			}
			continue
		}
		uid, st, _ := strings.Cut(w, "=")
		if got := fmt.Sprintf("%s/%d", by[uid].Status, by[uid].Warheads); got != st {
			t.Errorf("%s is %s, want %s", uid, got, st)
		}
	}
}

func checkScenarioNotices(t *testing.T, n *testNode, recs map[string]Record) {
	ns, err := n.reg.Notices(n.ctx, "USA", mustTime("2012-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range ns {
		got = append(got, x.Type+":"+x.State)
	}
	want := []string{"initial_data:on_time", "movement:on_time", "change_in_data:on_time", "conversion_start:on_time",
		"conversion_complete:on_time", "six_month_update:on_time", "change_in_data:late", "change_in_data:no_deadline"}
	if !slices.Equal(got, want) {
		t.Errorf("notices:\n got %v\nwant %v", got, want)
	}
	if late := ns[6]; late.CorrectedBy == nil || *late.CorrectedBy != recs["correction"].Index {
		t.Errorf("the late change is not marked corrected: %+v", late)
	}
}

func checkScenarioHistory(t *testing.T, n *testNode, recs map[string]Record) {
	h, err := n.reg.History(n.ctx, "USA", "M1")
	if err != nil {
		t.Fatal(err)
	}
	// initial, six-month update, late change (corrected, never removed).
	if len(h) != 3 {
		t.Fatalf("M1 history has %d facts, want 3: %s", len(h), mustJSON(t, h))
	}
	if last := h[2]; last.Entry.Index != recs["late"].Index || last.CorrectedBy == nil || last.Status != "non_deployed" {
		t.Errorf("the corrected fact is not kept as it was: %s", mustJSON(t, last))
	}
	fs, err := n.reg.Facilities(n.ctx, "USA")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(t, fs); !strings.Contains(got, `"hill"`) || len(fs) != 4 {
		t.Errorf("facilities: %s", got)
	}
}

func checkScenarioStatus(t *testing.T, n *testNode) {
	st, err := n.reg.Status(n.ctx, "USA", mustTime("2012-04-15T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range append(append(st.Late, st.Missing...), st.Unacknowledged...) {
		kinds = append(kinds, f.Kind+":"+f.Type+":"+f.Effective.String())
	}
	want := []string{"late:change_in_data:2011-09-10", "missing:six_month_update:2012-03-01"}
	if !slices.Equal(kinds, want) {
		t.Errorf("USA findings %v, want %v", kinds, want)
	}
	if q := st.Inspections[0]; q.Type != "type_one" || q.Used != 2 || q.PerYear != 10 || q.Year.String() != "2012-02-05" {
		t.Errorf("inspection quota %+v, want 2 of 10 type_one in the year from 2012-02-05", q)
	}
	if v := st.Verdicts.Parties[0].Limits; v[0].Value != 4 || v[0].Verdict != engine.NotInForce {
		t.Errorf("verdicts %s", mustJSON(t, v))
	}
	rus, err := n.reg.Status(n.ctx, "RUS", mustTime("2012-04-15T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	if rus.Counted != "types" || values(rus.Verdicts) != "deployed_delivery_vehicles=3 warheads=12 launchers=3 " {
		t.Errorf("RUS counted %q: %s", rus.Counted, values(rus.Verdicts))
	}
	b, err := json.MarshalIndent(struct {
		Verdicts string `json:"verdicts"` // shadows Status.Verdicts
		*Status
	}{values(rus.Verdicts), rus}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "scenario-rus-status.golden", append(b, '\n'))
	kinds = kinds[:0]
	for _, f := range rus.Unacknowledged {
		kinds = append(kinds, f.Kind+":"+f.Type)
	}
	want = []string{"unacknowledged:movement", "late_acknowledgement:change_in_data", "unacknowledged:conversion_start",
		"unacknowledged:conversion_complete", "unacknowledged:six_month_update", "unacknowledged:change_in_data", "unacknowledged:change_in_data"}
	if !slices.Equal(kinds, want) {
		t.Errorf("RUS acknowledgement findings\n got %v\nwant %v", kinds, want)
	}
	// A month before the 1 March 2012 update falls due, it is upcoming.
	st, err = n.reg.Status(n.ctx, "USA", mustTime("2012-03-05T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Upcoming) != 1 || st.Upcoming[0].Type != "six_month_update" || st.Upcoming[0].Effective.String() != "2012-03-01" {
		t.Errorf("upcoming %s", mustJSON(t, st.Upcoming))
	}
	// The golden pins the registry's own output; the engine's (with the
	// treaty's citations) is reduced to its values.
	b, err = json.MarshalIndent(struct {
		Verdicts string `json:"verdicts"` // shadows Status.Verdicts
		*Status
	}{values(st.Verdicts), st}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "scenario-status.golden", append(b, '\n'))
}

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot  %s\nwant %s", name, got, want)
	}
}

package registry

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/engine"
	trt "accord/internal/treaty"
)

// declare sends a declaration entry with a canonical JSON body.
func (n *testNode) declare(party, eff, recorded, body string) (Record, error) {
	n.t.Helper()
	b, err := entry.CanonicalJSON([]byte(body))
	if err != nil {
		n.t.Fatal(err)
	}
	return n.sendRaw(party, entry.Declaration, eff, recorded, b)
}

func (n *testNode) mustDeclare(party, eff, recorded, body string) Record {
	n.t.Helper()
	rec, err := n.declare(party, eff, recorded, body)
	if err != nil {
		n.t.Fatalf("declaration %s: %v", body, err)
	}
	return rec
}

func findingKinds(fs ...[]Finding) []string {
	var out []string
	for _, f := range slices.Concat(fs...) {
		out = append(out, f.Kind+":"+f.Type+":"+f.Effective.String())
	}
	return out
}

// TestDeclarationCounts: a per-type or aggregate declaration is counted
// by Status when it is the latest statement of holdings, and an
// item-level statement of a later date takes over.
func TestDeclarationCounts(t *testing.T) {
	n := newTestNode(t)
	n.mustDeclare("USA", "2018-03-01", "2018-03-20T00:00:00Z", `{"types":[
		{"as_of":"2018-03-01","party":"USA","type":"Minuteman III","category":"icbm","status":"deployed","count":400,"warheads":400},
		{"as_of":"2018-03-01","party":"USA","type":"Minuteman III","category":"icbm_launcher","status":"deployed","count":400,"warheads":0}]}`)
	// A later entry of the same date restates one row; the other stands.
	n.mustDeclare("USA", "2018-03-01", "2018-03-21T00:00:00Z", `{"types":[
		{"party":"USA","type":"Minuteman III","category":"icbm","status":"deployed","count":399,"warheads":399}]}`)
	st, err := n.reg.Status(n.ctx, "USA", mustTime("2018-04-01T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Counted != "types" || values(st.Verdicts) != "deployed_delivery_vehicles=399 warheads=399 launchers=400 " {
		t.Errorf("counted %q: %s", st.Counted, values(st.Verdicts))
	}
	if d := st.Verdicts.Parties[0].Declared.String(); d != "2018-03-01" {
		t.Errorf("declared %s, want 2018-03-01", d)
	}
	// Known before the declaration was recorded: nothing.
	if st, _ := n.reg.Status(n.ctx, "USA", mustTime("2018-03-19T00:00:00Z"), ""); st.Counted != "" || len(st.Verdicts.Parties) != 0 {
		t.Errorf("before it was recorded: counted %q %s", st.Counted, values(st.Verdicts))
	}
	n.mustDeclare("RUS", "2018-03-01", "2018-03-20T00:00:00Z", `{"aggregates":[{"as_of":"2018-03-01","party":"RUS","values":{"deployed_delivery_vehicles":527,"warheads":1444,"launchers":779},"source":"fact sheet"}]}`)
	rus, err := n.reg.Status(n.ctx, "RUS", mustTime("2018-04-01T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	if rus.Counted != "aggregates" || values(rus.Verdicts) != "deployed_delivery_vehicles=527 warheads=1444 launchers=779 " {
		t.Errorf("RUS counted %q: %s", rus.Counted, values(rus.Verdicts))
	}
	if v := rus.Verdicts.Parties[0].Limits[1]; v.Verdict != engine.Met {
		t.Errorf("RUS warheads verdict %s", v.Verdict)
	}
	// A later item-level statement (a six-month update) is counted instead.
	n.mustSend("USA", "2018-09-01", "2018-09-02T00:00:00Z", &body.Notification{Type: "six_month_update", Items: []body.Item{
		item("MM3-1", "Minuteman III", "icbm", "deployed", "Malmstrom", 1)}})
	st, err = n.reg.Status(n.ctx, "USA", mustTime("2018-10-01T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Counted != "items" || values(st.Verdicts) != "deployed_delivery_vehicles=1 warheads=1 launchers=0 " {
		t.Errorf("after the update: counted %q %s", st.Counted, values(st.Verdicts))
	}
	c, err := n.reg.Counts(n.ctx, "USA", treatyDate("2018-10-01"), mustTime("2018-10-01T00:00:00Z"))
	if err != nil || c == nil || len(c.Types) != 2 || c.Types[0].Count != 399 {
		t.Errorf("Counts: %v %s", err, mustJSON(t, c))
	}
}

// TestDeclarationItems: a per-item declaration states items as a full
// statement of holdings does, in parts, and stands for the data update of
// its date.
func TestDeclarationItems(t *testing.T) {
	n := newTestNode(t)
	// Two parts of one first statement: both may declare deployed items.
	n.mustDeclare("USA", "2011-02-05", "2011-02-06T00:00:00Z", `{"items":[
		{"as_of":"2011-02-05","party":"USA","uid":"A","type":"Minuteman III","category":"icbm","status":"deployed","facility":"Malmstrom","warheads":1}]}`)
	n.mustDeclare("USA", "2011-02-05", "2011-02-06T00:00:00Z", `{"items":[
		{"as_of":"2011-02-05","party":"USA","uid":"B","type":"Minuteman III","category":"icbm","status":"deployed","facility":"Minot","warheads":1},
		{"as_of":"2011-02-05","party":"USA","uid":"C","type":"Minuteman III","category":"icbm","status":"non_deployed","facility":"Hill","warheads":0}]}`)
	items, err := n.reg.Inventory(n.ctx, "USA", treatyDate("2011-03-01"), mustTime("2011-03-01T00:00:00Z"))
	if err != nil || len(items) != 3 || items[1].UID != "B" || items[1].Facility != "Minot" {
		t.Fatalf("inventory %v %s", err, mustJSON(t, items))
	}
	// After the first statement, a new item enters non-deployed.
	_, err = n.declare("USA", "2011-09-01", "2011-09-02T00:00:00Z", `{"items":[
		{"party":"USA","uid":"D","type":"Minuteman III","category":"icbm","status":"deployed","warheads":1}]}`)
	if !errors.Is(err, ErrNoSuchItem) {
		t.Errorf("new deployed item in a later statement: %v", err)
	}
	// The 1 September statement leaves out C.
	n.mustDeclare("USA", "2011-09-01", "2011-10-05T00:00:00Z", `{"items":[
		{"party":"USA","uid":"A","type":"Minuteman III","category":"icbm","status":"deployed","warheads":1},
		{"party":"USA","uid":"B","type":"Minuteman III","category":"icbm","status":"non_deployed","warheads":0}]}`)
	st, err := n.reg.Status(n.ctx, "USA", mustTime("2012-01-01T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	// The declaration of 2011-02-05 stands for the initial data; the one
	// of 2011-09-01, recorded after the deadline, is a late update.
	got := findingKinds(st.Late, st.Missing, st.Other)
	want := []string{"late:six_month_update:2011-09-01", "omitted:declaration:2011-09-01"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	if f := st.Other[0]; !strings.HasSuffix(f.Reason, "leaves out items the database held on that date: C") || f.Entry.Index != 2 {
		t.Errorf("omission: %s", mustJSON(t, f))
	}
	if st.Counted != "items" || values(st.Verdicts) != "deployed_delivery_vehicles=1 warheads=1 launchers=0 " {
		t.Errorf("counted %q %s", st.Counted, values(st.Verdicts))
	}
}

// TestDeclarationOmittedTypes: a per-type statement that declares fewer
// items of a kind than the database holds leaves them out.
func TestDeclarationOmittedTypes(t *testing.T) {
	n := newTestNode(t)
	n.mustSend("USA", "2011-02-05", "2011-02-06T00:00:00Z", &body.Notification{Type: "initial_data", Items: []body.Item{
		item("A", "Minuteman III", "icbm", "deployed", "Malmstrom", 1), item("B", "Minuteman III", "icbm", "deployed", "Malmstrom", 1),
		item("S", "B-52H", "heavy_bomber", "deployed", "Minot", 0)}})
	n.mustDeclare("USA", "2011-09-01", "2011-09-02T00:00:00Z", `{"types":[
		{"party":"USA","type":"Minuteman III","category":"icbm","status":"deployed","count":1,"warheads":1}]}`)
	fs, err := n.reg.Findings(n.ctx, "USA", mustTime("2011-09-03T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(fs, func(f Finding) bool { return f.Kind == FindingOmitted })
	if i < 0 || !strings.HasSuffix(fs[i].Reason, "leaves out types the database held on that date: 1 Minuteman III icbm deployed, 1 B-52H heavy_bomber deployed") {
		t.Errorf("findings %s", mustJSON(t, fs))
	}
}

// TestDeclarationRefused: a declaration that breaks a rule is refused
// with the rule named, and Check leaves the database as it was.
func TestDeclarationRefused(t *testing.T) {
	n := newTestNode(t)
	n.mustDeclare("USA", "2020-09-01", "2020-09-02T00:00:00Z", `{"aggregates":[{"as_of":"2020-09-01","party":"USA","values":{"warheads":1457}}]}`)
	before := dump(t, n.reg)
	for _, c := range []struct{ name, party, eff, body, want string }{
		{"another party", "USA", "2020-09-01", `{"aggregates":[{"as_of":"2020-09-01","party":"RUS","values":{"warheads":1}}]}`, "declares party RUS"},
		{"another date", "USA", "2020-09-02", `{"aggregates":[{"as_of":"2020-09-01","party":"USA","values":{"warheads":1}}]}`, "declares holdings as of 2020-09-01"},
		{"two levels", "USA", "2021-03-01", `{"items":[{"party":"USA","uid":"A","type":"x","category":"icbm","status":"deployed","warheads":1}],
			"types":[{"party":"USA","type":"x","category":"icbm","status":"deployed","count":1,"warheads":1}]}`, "at one level, not items and types"},
		{"added to aggregates", "USA", "2020-09-01", `{"types":[{"party":"USA","type":"x","category":"icbm","status":"deployed","count":1,"warheads":1}]}`,
			"already declared its holdings of 2020-09-01 as aggregates"},
		{"unknown status", "USA", "2021-03-01", `{"types":[{"party":"USA","type":"x","category":"icbm","status":"gone","count":1,"warheads":1}]}`, `unknown status "gone" in treaty newstart (statuses: deployed, non_deployed, test, training, converted, eliminated)`},
		{"no rows", "USA", "2021-03-01", `{}`, "no rows"},
	} {
		_, err := n.declare(c.party, c.eff, "2021-04-01T00:00:00Z", c.body)
		var ref *Refusal
		if !errors.As(err, &ref) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal saying %q", c.name, err, c.want)
		}
	}
	// A notification naming an unknown status lists the valid ones too.
	_, err := n.send("USA", "2021-03-01", "2021-03-02T00:00:00Z", &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "A", Status: "gone"}}})
	if err == nil || !strings.HasSuffix(err.Error(), `newstart has no status "gone" (statuses: deployed, non_deployed, test, training, converted, eliminated)`) {
		t.Errorf("unknown status in a notification: %v", err)
	}
	if dump(t, n.reg) != before {
		t.Error("a refused declaration changed the database")
	}
}

// TestFollowed: missing notifications are judged only for parties whose
// logs the node follows.
func TestFollowed(t *testing.T) {
	n := newTestNode(t)
	reg, err := Open(n.ctx, testConfig(t, Config{Treaty: n.tr, Path: t.TempDir() + "/f.db", Followed: []string{"USA"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	at := mustTime("2012-01-01T00:00:00Z")
	for party, want := range map[string]int{"USA": 2, "RUS": 0} {
		fs, err := reg.Findings(n.ctx, party, at)
		if err != nil || len(fs) != want {
			t.Errorf("%s: %d findings (%v), want %d", party, len(fs), err, want)
		}
	}
	if fs, _ := n.reg.Findings(n.ctx, "RUS", at); len(fs) != 2 {
		t.Errorf("following every party, RUS has %d findings, want 2", len(fs))
	}
	// Nor is it told what it owes soon.
	soon := mustTime("2012-03-05T00:00:00Z")
	for party, want := range map[string]int{"USA": 1, "RUS": 0} {
		st, err := reg.Status(n.ctx, party, soon, "")
		if err != nil || len(st.Upcoming) != want {
			t.Errorf("%s: %d upcoming (%v), want %d", party, len(st.Upcoming), err, want)
		}
	}
}

func treatyDate(s string) trt.Date { return trt.MustDate(s) }

// TestOmittedParts: a six-month update sent as several notifications of
// one date is one statement: together they must name every item held.
func TestOmittedParts(t *testing.T) {
	n := newTestNode(t)
	n.mustSend("USA", "2011-02-05", "2011-02-06T00:00:00Z", &body.Notification{Type: "initial_data", Items: []body.Item{
		item("A", "Minuteman III", "icbm", "deployed", "Malmstrom", 1), item("B", "Minuteman III", "icbm", "deployed", "Malmstrom", 1),
		item("C", "Minuteman III", "icbm", "deployed", "Malmstrom", 1)}})
	for _, uid := range []string{"A", "B"} {
		n.mustSend("USA", "2011-09-01", "2011-09-02T00:00:00Z", &body.Notification{Type: "six_month_update", Items: []body.Item{
			item(uid, "Minuteman III", "icbm", "deployed", "Malmstrom", 1)}})
	}
	omitted := func() []string {
		fs, err := n.reg.Findings(n.ctx, "USA", mustTime("2011-10-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			if f.Kind == FindingOmitted {
				out = append(out, f.Effective.String()+": "+f.Reason)
			}
		}
		return out
	}
	want := "2011-09-01: the statement of holdings as of 2011-09-01 leaves out items the database held on that date: C"
	if got := omitted(); len(got) != 1 || got[0] != want {
		t.Errorf("omitted %q, want %q", got, want)
	}
	n.mustSend("USA", "2011-09-01", "2011-09-03T00:00:00Z", &body.Notification{Type: "six_month_update", Items: []body.Item{
		item("C", "Minuteman III", "icbm", "deployed", "Malmstrom", 1)}})
	if got := omitted(); len(got) != 0 {
		t.Errorf("the three parts name every item, yet %q", got)
	}
}

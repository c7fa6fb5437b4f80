package registry

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"accord/entry/body"
	"accord/internal/treaty"
)

func lot(site, category, status string, count int) body.Lot {
	return body.Lot{Site: site, Category: category, Status: status, Count: count}
}

func stockOf(typ string, lots ...body.Lot) *body.Notification {
	return &body.Notification{Type: typ, Stock: lots}
}

// warheadNode is a us-freeze-2020 node where the United States stated its
// warheads on the baseline date, 20 October 2020: 400 deployed at Base A,
// 300 in storage at Depot B, 100 retired at Plant C.
func warheadNode(t *testing.T) *testNode {
	n := newTestNodeFor(t, "us-freeze-2020")
	n.mustSend("USA", "2020-10-20", "2020-10-21T00:00:00Z", stockOf("warhead_data",
		lot("Base A", "warhead", "deployed", 400), lot("Depot B", "warhead", "non_deployed", 300), lot("Plant C", "warhead", "retired", 100)))
	return n
}

func balancesOf(t *testing.T, n *testNode, party, d string) map[string]int64 {
	t.Helper()
	bs, err := n.reg.Balances(n.ctx, party, treaty.MustDate(d), mustTime("2030-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range bs {
		out[b.Site+"/"+b.Category+"/"+b.Status] = b.Count
	}
	return out
}

// TestWarheadFlows: each flow and category change, table-driven: its
// effect on the balances, or the rule it breaks, with nothing changed.
func TestWarheadFlows(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    *body.Notification
		want map[string]int64 // changed balances; absent keys keep 400/300/100
		rule error
		text string
	}{
		{name: "produce", n: stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 20)),
			want: map[string]int64{"Depot B/warhead/non_deployed": 320}},
		{name: "produce at a new site", n: stockOf("warhead_produced", lot("Depot D", "nonstrategic_warhead", "non_deployed", 5)),
			want: map[string]int64{"Depot D/nonstrategic_warhead/non_deployed": 5}},
		{name: "dismantle", n: stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 30)),
			want: map[string]int64{"Plant C/warhead/retired": 70}},
		{name: "dismantle all", n: stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 100)),
			want: map[string]int64{"Plant C/warhead/retired": 0}},
		{name: "transfer", n: stockOf("warhead_transferred", body.Lot{Site: "Depot B", ToSite: "Base A", Category: "warhead", Status: "non_deployed", Count: 50}),
			want: map[string]int64{"Depot B/warhead/non_deployed": 250, "Base A/warhead/non_deployed": 50}},
		{name: "recategorise status", n: stockOf("warhead_recategorised", body.Lot{Site: "Depot B", Category: "warhead", Status: "non_deployed", ToStatus: "retired", Count: 10}),
			want: map[string]int64{"Depot B/warhead/non_deployed": 290, "Depot B/warhead/retired": 10}},
		{name: "recategorise category", n: stockOf("warhead_recategorised", body.Lot{Site: "Depot B", Category: "warhead", Status: "non_deployed", ToCategory: "nonstrategic_warhead", Count: 10}),
			want: map[string]int64{"Depot B/warhead/non_deployed": 290, "Depot B/nonstrategic_warhead/non_deployed": 10}},
		{name: "dismantle more than held", n: stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 101)),
			rule: ErrBalance, text: "Plant C holds 100 retired warhead warheads on 2020-11-01, and warhead_dismantled"},
		{name: "two lots drain one balance", n: stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 60), lot("Plant C", "warhead", "retired", 60)),
			rule: ErrBalance, text: "Plant C holds 40 retired"},
		{name: "transfer from an empty site", n: stockOf("warhead_transferred", body.Lot{Site: "Depot Z", ToSite: "Base A", Category: "warhead", Status: "non_deployed", Count: 1}),
			rule: ErrBalance, text: "Depot Z holds 0"},
		{name: "recategorise more than held", n: stockOf("warhead_recategorised", body.Lot{Site: "Base A", Category: "warhead", Status: "deployed", ToStatus: "non_deployed", Count: 401}),
			rule: ErrBalance, text: "Base A holds 400 deployed"},
		{name: "transition not allowed", n: stockOf("warhead_recategorised", body.Lot{Site: "Plant C", Category: "warhead", Status: "retired", ToStatus: "deployed", Count: 1}),
			rule: ErrFields, text: "cannot go from retired to deployed"},
		{name: "dismantled is not a status to hold", n: stockOf("warhead_recategorised", body.Lot{Site: "Plant C", Category: "warhead", Status: "retired", ToStatus: "dismantled", Count: 1}),
			rule: ErrFields, text: "out of every count"},
		{name: "not a warhead category", n: stockOf("warhead_produced", lot("Depot B", "icbm", "non_deployed", 1)),
			rule: ErrFields, text: `"icbm" is not a warhead category`},
		{name: "zero count", n: stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 0)),
			rule: ErrFields, text: "at least one warhead"},
		{name: "transfer to the same site", n: stockOf("warhead_transferred", body.Lot{Site: "Depot B", ToSite: "Depot B", Category: "warhead", Status: "non_deployed", Count: 1}),
			rule: ErrFields, text: "another site"},
		{name: "flow with no lots", n: stockOf("warhead_produced"), rule: ErrFields, text: "needs stock lots"},
		{name: "lots on an item notification", n: &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "x"}}, Stock: []body.Lot{lot("Depot B", "warhead", "non_deployed", 1)}},
			rule: ErrFields, text: "carries no stock lots"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := warheadNode(t)
			before := dump(t, n.reg)
			_, err := n.send("USA", "2020-11-01", "2020-11-02T00:00:00Z", tc.n)
			if tc.rule != nil {
				if !errors.Is(err, tc.rule) || !strings.Contains(err.Error(), tc.text) {
					t.Fatalf("got %v, want %v containing %q", err, tc.rule, tc.text)
				}
				if dump(t, n.reg) != before {
					t.Fatal("a refused flow changed the database")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := balancesOf(t, n, "USA", "2020-11-01")
			want := map[string]int64{"Base A/warhead/deployed": 400, "Depot B/warhead/non_deployed": 300, "Plant C/warhead/retired": 100}
			for k, v := range tc.want {
				want[k] = v
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %d, want %d (all: %v)", k, got[k], v, got)
				}
			}
			if old := balancesOf(t, n, "USA", "2020-10-31"); old["Depot B/warhead/non_deployed"] != 300 || old["Plant C/warhead/retired"] != 100 {
				t.Errorf("balances the day before the flow changed: %v", old)
			}
		})
	}
}

// TestWarheadBackdatedFlow: a flow dated before the party's latest
// warhead event is checked against the whole history after it.
func TestWarheadBackdatedFlow(t *testing.T) {
	n := warheadNode(t)
	n.mustSend("USA", "2020-12-01", "2020-12-02T00:00:00Z", stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 80)))
	_, err := n.send("USA", "2020-11-01", "2020-12-03T00:00:00Z", stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 30)))
	if !errors.Is(err, ErrBalance) || !strings.Contains(err.Error(), "later history") {
		t.Fatalf("got %v, want a refusal naming the later history", err)
	}
	n.mustSend("USA", "2020-11-01", "2020-12-03T00:00:00Z", stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 20)))
	if got := balancesOf(t, n, "USA", "2020-12-31")["Plant C/warhead/retired"]; got != 0 {
		t.Fatalf("Plant C retired: %d, want 0", got)
	}
}

// TestWarheadBalanceFinding: a statement that disagrees with the opening
// balance plus the flows since is a finding naming the site and the
// difference, and opens the book again.
func TestWarheadBalanceFinding(t *testing.T) {
	n := warheadNode(t)
	n.mustSend("USA", "2020-12-01", "2020-12-02T00:00:00Z", stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 30)))
	// The book: Base A 400, Depot B 300, Plant C 70. The statement says
	// Depot B holds 310 and leaves Plant C out.
	st := n.mustSend("USA", "2021-03-01", "2021-03-02T00:00:00Z", stockOf("warhead_data",
		lot("Base A", "warhead", "deployed", 400), lot("Depot B", "warhead", "non_deployed", 310)))
	fs := findingsOf(t, n, "USA", FindingBalance)
	if len(fs) != 2 {
		t.Fatalf("got %d balance findings, want 2: %v", len(fs), fs)
	}
	for i, want := range []string{"10 non_deployed warhead warheads at Depot B; the book (opened by accord/us-freeze-2020/USA#0, plus the flows since) holds 300: difference +10",
		"0 retired warhead warheads at Plant C; the book (opened by accord/us-freeze-2020/USA#0, plus the flows since) holds 70: difference -70"} {
		if !strings.Contains(fs[i].Reason, want) || fs[i].Entry.Index != st.Index {
			t.Errorf("finding %d: %s (entry %v), want %q", i, fs[i].Reason, fs[i].Entry, want)
		}
	}
	n.mustSend("USA", "2021-04-01", "2021-04-02T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 5)))
	n.mustSend("USA", "2021-09-01", "2021-09-02T00:00:00Z", stockOf("warhead_data",
		lot("Base A", "warhead", "deployed", 400), lot("Depot B", "warhead", "non_deployed", 315)))
	if fs := findingsOf(t, n, "USA", FindingBalance); len(fs) != 2 {
		t.Fatalf("a statement agreeing with the reopened book made findings: %v", fs)
	}
}

func findingsOf(t *testing.T, n *testNode, party, kind string) []Finding {
	t.Helper()
	all, err := n.reg.Findings(n.ctx, party, mustTime("2030-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	var out []Finding
	for _, f := range all {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// TestFreezeAtEveryEvent: the freeze (in force from 5 February 2021,
// baseline 20 October 2020) is checked at every event: a breach between
// two data exchanges is caught on the day of its event, names it, and
// ends when a later event brings the total down.
func TestFreezeAtEveryEvent(t *testing.T) {
	n := warheadNode(t) // baseline 800
	// Above the baseline before the freeze is in force: no finding.
	n.mustSend("USA", "2020-12-01", "2020-12-02T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 10)))
	n.mustSend("USA", "2021-01-15", "2021-01-16T00:00:00Z", stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 10)))
	n.mustSend("USA", "2021-04-10", "2021-04-11T00:00:00Z", stockOf("warhead_transferred", body.Lot{Site: "Depot B", ToSite: "Base A", Category: "warhead", Status: "non_deployed", Count: 5}))
	breach := n.mustSend("USA", "2021-05-03", "2021-05-04T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 3)))
	n.mustSend("USA", "2021-05-20", "2021-05-21T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 1)))
	fs := findingsOf(t, n, "USA", FindingFreezeBreach)
	if len(fs) != 1 || fs[0].Entry.Index != breach.Index || fs[0].Effective.String() != "2021-05-03" ||
		!strings.Contains(fs[0].Reason, "total_warheads to 803, above its freeze baseline of 800") {
		t.Fatalf("breach findings: %+v, want one naming entry %d of 2021-05-03", fs, breach.Index)
	}
	// Back within the freeze, then a second breach: a second finding.
	n.mustSend("USA", "2021-06-01", "2021-06-02T00:00:00Z", stockOf("warhead_dismantled", lot("Plant C", "warhead", "retired", 4)))
	second := n.mustSend("USA", "2021-07-01", "2021-07-02T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 2)))
	if fs := findingsOf(t, n, "USA", FindingFreezeBreach); len(fs) != 2 || fs[1].Entry.Index != second.Index {
		t.Fatalf("after a return within the freeze and a new breach: %+v", fs)
	}
	evs, err := n.reg.WarheadEvents(n.ctx, "USA", mustTime("2030-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(evs, func(e WarheadEvent) bool { return e.Entry.Index == breach.Index })
	if i < 0 || evs[i].Total != 803 || len(evs[i].Freezes) != 1 || !evs[i].Freezes[0].Breach || *evs[i].Freezes[0].Baseline != 800 || !evs[i].Freezes[0].InForce {
		t.Fatalf("event of the breach: %+v", evs[i])
	}
	if evs[0].Freezes[0].Baseline != nil {
		t.Fatalf("the baseline statement itself has a baseline before its date has passed: %+v", evs[0].Freezes[0])
	}
}

// TestFreezeBackdatedBreach: a late notification that puts an earlier
// date above the baseline is found on its own date.
func TestFreezeBackdatedBreach(t *testing.T) {
	n := warheadNode(t)
	n.mustSend("USA", "2021-06-01", "2021-06-02T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 1)))
	if fs := findingsOf(t, n, "USA", FindingFreezeBreach); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	late := n.mustSend("USA", "2021-03-01", "2021-06-03T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 2)))
	fs := findingsOf(t, n, "USA", FindingFreezeBreach)
	if len(fs) != 1 || fs[0].Entry.Index != late.Index {
		t.Fatalf("after a late flow: %+v, want the breach on entry %d", fs, late.Index)
	}
}

// TestFreezeNoBaseline: a party that stated no warheads by the baseline
// date has no baseline, so no breach, and its freeze verdict is no_data.
func TestFreezeNoBaseline(t *testing.T) {
	n := newTestNodeFor(t, "us-freeze-2020")
	n.mustSend("RUS", "2021-03-01", "2021-03-02T00:00:00Z", stockOf("warhead_data", lot("Site R", "warhead", "non_deployed", 5000)))
	n.mustSend("RUS", "2021-04-01", "2021-04-02T00:00:00Z", stockOf("warhead_produced", lot("Site R", "warhead", "non_deployed", 100)))
	if fs := findingsOf(t, n, "RUS", FindingFreezeBreach); len(fs) != 0 {
		t.Fatalf("breach without a baseline: %+v", fs)
	}
	st, err := n.reg.Status(n.ctx, "RUS", mustTime("2021-06-01T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	if v := verdictOf(st, "total_warheads"); v != "no_data" {
		t.Fatalf("total_warheads verdict %q, want no_data", v)
	}
}

// TestFreezeVerdict: the engine's verdict on the freeze counts per-site
// warheads against the baseline statement.
func TestFreezeVerdict(t *testing.T) {
	n := warheadNode(t)
	for _, tc := range []struct{ at, want string }{{"2021-03-01T00:00:00Z", "met"}, {"2021-06-01T00:00:00Z", "exceeded"}} {
		if tc.want == "exceeded" {
			n.mustSend("USA", "2021-05-01", "2021-05-02T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 1)))
		}
		st, err := n.reg.Status(n.ctx, "USA", mustTime(tc.at), "")
		if err != nil {
			t.Fatal(err)
		}
		if v := verdictOf(st, "total_warheads"); v != tc.want {
			t.Fatalf("at %s: total_warheads %q, want %q (%+v)", tc.at, v, tc.want, st.Verdicts)
		}
	}
}

func verdictOf(st *Status, limit string) string {
	for _, p := range st.Verdicts.Parties {
		for _, l := range p.Limits {
			if l.ID == limit {
				return l.Verdict
			}
		}
	}
	return ""
}

// TestWarheadsPerItem: warheads declared by UID count in the balances and
// the freeze like lots, from their item history.
func TestWarheadsPerItem(t *testing.T) {
	n := warheadNode(t)
	n.mustSend("USA", "2020-10-20", "2020-10-21T00:00:01Z", &body.Notification{Type: "change_in_data", Items: []body.Item{
		item("W-1", "W88", "warhead", "non_deployed", "Depot B", 0), item("W-2", "W88", "warhead", "non_deployed", "Depot B", 0)}})
	if got := balancesOf(t, n, "USA", "2020-10-20")["Depot B/warhead/non_deployed"]; got != 302 {
		t.Fatalf("Depot B: %d, want 300 lots + 2 items", got)
	}
	n.mustSend("USA", "2021-03-01", "2021-03-02T00:00:00Z", &body.Notification{Type: "movement", From: "Depot B", To: "Base A", Items: uids("W-1")})
	n.mustSend("USA", "2021-04-01", "2021-04-02T00:00:00Z", &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "W-2", Status: "retired"}}})
	got := balancesOf(t, n, "USA", "2021-04-01")
	if got["Base A/warhead/non_deployed"] != 1 || got["Depot B/warhead/non_deployed"] != 300 || got["Depot B/warhead/retired"] != 1 {
		t.Fatalf("after a move and a retirement: %v", got)
	}
	n.mustSend("USA", "2021-05-01", "2021-05-02T00:00:00Z", &body.Notification{Type: "change_in_data", Items: []body.Item{item("W-3", "W88", "warhead", "non_deployed", "Depot B", 0)}})
	if fs := findingsOf(t, n, "USA", FindingFreezeBreach); len(fs) != 1 || !strings.Contains(fs[0].Reason, "to 803") {
		t.Fatalf("a new per-item warhead above the baseline: %+v", fs)
	}
	n.mustSend("USA", "2021-06-01", "2021-06-02T00:00:00Z", &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "W-2", Status: "dismantled"}}})
	if got := balancesOf(t, n, "USA", "2021-06-01")["Depot B/warhead/retired"]; got != 0 {
		t.Fatalf("a dismantled item still counts: %d", got)
	}
}

// TestWarheadCorrection: a correction of a flow changes the balances
// from its created time on; asked as known before it, the database
// answers as it stood.
func TestWarheadCorrection(t *testing.T) {
	n := warheadNode(t)
	flow := n.mustSend("USA", "2021-03-01", "2021-03-02T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 10)))
	c := stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 4))
	c.Corrects = refOf(flow)
	n.mustSend("USA", "2021-03-01", "2021-04-01T00:00:00Z", c)
	at := func(known string) int64 {
		bs, err := n.reg.Balances(n.ctx, "USA", treaty.MustDate("2021-03-31"), mustTime(known))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.Site == "Depot B" {
				return b.Count
			}
		}
		return 0
	}
	if before, after := at("2021-03-15T00:00:00Z"), at("2021-04-02T00:00:00Z"); before != 310 || after != 304 {
		t.Fatalf("Depot B as known before the correction %d, after %d; want 310, 304", before, after)
	}
	// A correction that would leave a later flow without the warheads it
	// removes is refused.
	n.mustSend("USA", "2021-03-05", "2021-04-02T00:00:00Z", stockOf("warhead_dismantled", lot("Depot B", "warhead", "non_deployed", 303)))
	c2 := stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 1))
	c2.Corrects = refOf(n.logs["USA"][2])
	if _, err := n.send("USA", "2021-03-01", "2021-04-03T00:00:00Z", c2); !errors.Is(err, ErrBalance) {
		t.Fatalf("correction leaving a later flow short: %v, want ErrBalance", err)
	}
}

// TestWarheadRebuild: the warhead tables are a pure function of the logs:
// a database rebuilt from them, one entry at a time or in one batch,
// holds the same rows, late and corrected entries included.
func TestWarheadRebuild(t *testing.T) {
	n := warheadNode(t)
	flow := n.mustSend("USA", "2021-03-01", "2021-03-02T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 10)))
	n.mustSend("USA", "2021-02-10", "2021-03-03T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 1)))
	c := stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 4))
	c.Corrects = refOf(flow)
	n.mustSend("USA", "2021-03-01", "2021-04-01T00:00:00Z", c)
	n.mustSend("USA", "2021-09-01", "2021-09-02T00:00:00Z", stockOf("warhead_data", lot("Base A", "warhead", "deployed", 400)))
	want := dump(t, n.reg)
	for _, batch := range []int{1, 100} {
		reg := n.open(filepath.Join(t.TempDir(), "rebuilt.db"))
		log := n.logs["USA"]
		for i := 0; i < len(log); i += batch {
			if err := reg.Apply(n.ctx, log[i:min(i+batch, len(log))]...); err != nil {
				t.Fatal(err)
			}
		}
		if got := dump(t, reg); got != want {
			t.Fatalf("rebuilt in batches of %d:\n%s\nwant:\n%s", batch, got, want)
		}
	}
}

// TestWarheadTotalBound: flows cannot take a party's total past the
// engine's bound on sums, however many a hostile log sends.
func TestWarheadTotalBound(t *testing.T) {
	tr, err := treaty.Builtin("us-freeze-2020")
	if err != nil {
		t.Fatal(err)
	}
	b := newBook(tr, "USA")
	b.total = maxWarheads - 5
	ev := &wevent{origin: "accord/us-freeze-2020/USA", idx: 9, effective: "2021-03-01", typ: "warhead_produced", effect: "produce",
		lots: []body.Lot{lot("Depot B", "warhead", "non_deployed", 5)}}
	if _, ref := b.apply(tr, ev); ref != nil {
		t.Fatalf("up to the bound: %v", ref)
	}
	ev.lots[0].Count = 1
	if _, ref := b.apply(tr, ev); !errors.Is(ref, ErrBalance) || !strings.Contains(ref.Error(), "the most accord counts") {
		t.Fatalf("past the bound: %v, want ErrBalance", ref)
	}
	if b.total != maxWarheads {
		t.Fatalf("a refused flow changed the total: %d", b.total)
	}
}

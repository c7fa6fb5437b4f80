package registry

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"accord/entry/body"
)

// An inspection is the records of one inspection's steps, as sent.
type inspection struct {
	intent, arrival, des, br, rv, rep, comments Record
}

func fields(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func notice(typ string, answers *Record, items []body.Item, kv ...string) *body.Notification {
	n := &body.Notification{Type: typ, Fields: fields(kv...), Items: items}
	if answers != nil {
		n.Answers = refOf(*answers)
	}
	return n
}

func briefed(kv ...any) []body.Item {
	var out []body.Item
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, body.Item{UID: kv[i].(string), Warheads: wh(kv[i+1].(int))})
	}
	return out
}

// designate sends Russia's notice of intent, arrival and designation of
// the United States' Malmstrom as a Type One site, and the briefing.
func designate(n *testNode) *inspection {
	in := designateOnly(n)
	in.br = n.mustSend("USA", "2011-06-01", "2011-06-01T12:00:00Z",
		notice("pre_inspection_briefing", &in.des, briefed("M1", 1, "M2", 1), "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "icbm_base"))
	return in
}

// designateOnly is designate without the briefing.
func designateOnly(n *testNode) *inspection {
	in := &inspection{}
	in.intent = n.mustSend("RUS", "2011-06-01", "2011-05-30T00:00:00Z",
		notice("intent_to_inspect", nil, nil, "inspection_type", "type_one", "point_of_entry", "San Francisco", "inspected", "USA"))
	in.arrival = n.mustSend("RUS", "2011-06-01", "2011-06-01T08:00:00Z",
		notice("arrival_point_of_entry", nil, nil, "inspection_type", "type_one", "point_of_entry", "San Francisco"))
	in.des = n.mustSend("RUS", "2011-06-01", "2011-06-01T09:00:00Z",
		notice("site_designation", nil, nil, "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "icbm_base", "inspected", "USA"))
	return in
}

// inspect runs designate, the designation of M2 for the reentry-vehicle
// inspection, and a report of what was found with one ambiguity.
func inspect(n *testNode, found []body.Item) *inspection {
	in := designate(n)
	in.rv = n.mustSend("RUS", "2011-06-01", "2011-06-01T13:00:00Z", notice("rv_designation", &in.br, nil, "inspection_type", "type_one", "uid", "M2"))
	in.rep = n.mustSend("RUS", "2011-06-02", "2011-06-02T10:00:00Z", notice("inspection_report", &in.br, found,
		"inspection_type", "type_one", "facility", "malmstrom", "confirmed", "2 deployed MM-III and their silos", "ambiguity_1", "a covered object near silo L3"))
	return in
}

// TestInspectionRefusals breaks each rule of the sequence in turn: the
// step is refused naming its rule, and nothing is appended.
func TestInspectionRefusals(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(n *testNode) *inspection
		party string
		body  func(in *inspection) *body.Notification
		rule  error
		why   string
	}{
		{name: "type one may not visit storage", party: "RUS",
			body: func(*inspection) *body.Notification {
				return notice("site_designation", nil, nil, "inspection_type", "type_one", "facility", "hill", "facility_type", "storage")
			},
			rule: ErrSite, why: "a type_one may not visit hill, a facility of type storage: it visits icbm_base, submarine_base, air_base (Article XI.2; Protocol Part Five, Section VI"},
		{name: "type two may not visit an ICBM base", party: "RUS",
			body: func(*inspection) *body.Notification {
				return notice("site_designation", nil, nil, "inspection_type", "type_two", "facility", "malmstrom", "facility_type", "icbm_base")
			},
			rule: ErrSite, why: "a type_two may not visit malmstrom, a facility of type icbm_base: it visits icbm_loading, slbm_loading, storage, repair, test_range, training, heavy_bomber_storage, conversion_elimination, formerly_declared"},
		{name: "unknown facility type", party: "RUS",
			body: func(*inspection) *body.Notification {
				return notice("site_designation", nil, nil, "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "silo")
			},
			rule: ErrFields, why: `newstart has no facility type "silo" (facility types: icbm_base,`},
		{name: "unknown inspection type", party: "RUS",
			body: func(*inspection) *body.Notification {
				return notice("site_designation", nil, nil, "inspection_type", "type_three", "facility", "malmstrom")
			},
			rule: ErrUnknownType, why: `newstart has no inspection type "type_three" (inspection types: type_one, type_two)`},
		{name: "inspecting oneself", party: "RUS",
			body: func(*inspection) *body.Notification {
				return notice("intent_to_inspect", nil, nil, "inspection_type", "type_one", "point_of_entry", "Moscow", "inspected", "RUS")
			},
			rule: ErrFields, why: `inspected party "RUS" is not another party to newstart`},
		{name: "a briefing answers a designation", setup: designate, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.intent, nil, "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "icbm_base")
			},
			rule: ErrSequence, why: "a pre_inspection_briefing answers a site_designation; accord/newstart/RUS#0 is not one"},
		{name: "a briefing names the designated site", setup: designateOnly, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.des, nil, "inspection_type", "type_one", "facility", "kings-bay", "facility_type", "submarine_base")
			},
			rule: ErrSequence, why: "accord/newstart/RUS#2 designates malmstrom, not kings-bay"},
		{name: "a briefing keeps the designation's facility type", setup: designateOnly, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.des, nil, "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "training")
			},
			rule: ErrSequence, why: "accord/newstart/RUS#2 designates malmstrom as a facility of type icbm_base, not training"},
		{name: "a briefing states only missiles at the site", setup: designateOnly, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.des, briefed("M1", 1, "T1", 4), "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "icbm_base")
			},
			rule: ErrFacility, why: "item T1: it is declared at kings-bay on 2011-06-03, not at malmstrom"},
		{name: "a briefing states each missile's warheads", setup: designateOnly, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.des, uids("M1"), "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "icbm_base")
			},
			rule: ErrFields, why: "item M1: a briefing names each missile by uid with its warheads, and nothing else"},
		{name: "a briefed site the type may not visit", setup: func(n *testNode) *inspection {
			in := &inspection{}
			in.des = n.mustSend("USA", "2011-06-01", "2011-06-01T09:00:00Z",
				notice("site_designation", nil, nil, "inspection_type", "type_one", "facility", "kozelsk", "inspected", "RUS"))
			return in
		}, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.des, nil, "inspection_type", "type_one", "facility", "kozelsk", "facility_type", "test_range")
			},
			rule: ErrSite, why: "a type_one may not visit kozelsk, a facility of type test_range: it visits icbm_base, submarine_base, air_base"},
		{name: "one briefing per designation", setup: designate, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.des, nil, "inspection_type", "type_one", "facility", "malmstrom", "facility_type", "icbm_base")
			},
			rule: ErrSequence, why: "accord/newstart/USA#2 already answers accord/newstart/RUS#2 with a pre_inspection_briefing"},
		{name: "an RV designation names a missile briefed", setup: designate, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("rv_designation", &in.br, nil, "inspection_type", "type_one", "uid", "M3")
			},
			rule: ErrSequence, why: "item M3: it is not one of the missiles accord/newstart/USA#2 states (M1, M2)"},
		{name: "no reentry-vehicle inspection in a type two", setup: func(n *testNode) *inspection {
			in := &inspection{}
			in.des = n.mustSend("RUS", "2011-06-01", "2011-06-01T09:00:00Z", notice("site_designation", nil, nil, "inspection_type", "type_two", "facility", "hill"))
			in.br = n.mustSend("USA", "2011-06-01", "2011-06-01T12:00:00Z",
				notice("pre_inspection_briefing", &in.des, nil, "inspection_type", "type_two", "facility", "hill", "facility_type", "storage"))
			return in
		}, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("rv_designation", &in.br, nil, "inspection_type", "type_two", "uid", "M3")
			},
			rule: ErrSequence, why: "a type_two has no reentry-vehicle inspection (only type_one: Article XI.2; Protocol Part Five, Section VI.1(a))"},
		{name: "no warheads per missile in a type two briefing", setup: func(n *testNode) *inspection {
			in := &inspection{}
			in.des = n.mustSend("RUS", "2011-06-01", "2011-06-01T09:00:00Z", notice("site_designation", nil, nil, "inspection_type", "type_two", "facility", "hill"))
			return in
		}, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("pre_inspection_briefing", &in.des, briefed("M3", 0), "inspection_type", "type_two", "facility", "hill", "facility_type", "storage")
			},
			rule: ErrFields, why: "a pre_inspection_briefing of a type_two states no warheads per missile: a type_two has no reentry-vehicle inspection (only type_one: Article XI.2; Protocol Part Five, Section VI.1(a))"},
		{name: "a report counts the designated missile", setup: func(n *testNode) *inspection {
			in := designate(n)
			in.rv = n.mustSend("RUS", "2011-06-01", "2011-06-01T13:00:00Z", notice("rv_designation", &in.br, nil, "inspection_type", "type_one", "uid", "M2"))
			return in
		}, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("inspection_report", &in.br, uids("M1", "M2"), "inspection_type", "type_one", "facility", "malmstrom", "confirmed", "yes")
			},
			rule: ErrFields, why: "item M2: the report gives no warhead count for the missile accord/newstart/RUS#3 designates"},
		{name: "a report is of the briefed site", setup: designate, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("inspection_report", &in.br, nil, "inspection_type", "type_one", "facility", "kings-bay", "confirmed", "yes")
			},
			rule: ErrSequence, why: "accord/newstart/USA#2 briefs malmstrom, not kings-bay"},
		{name: "a report's inspection type is the briefing's", setup: designate, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("inspection_report", &in.br, nil, "inspection_type", "type_two", "facility", "malmstrom", "confirmed", "yes")
			},
			rule: ErrSequence, why: "accord/newstart/USA#2 is of a type_one, not a type_two"},
		{name: "comments only on ambiguities recorded", setup: func(n *testNode) *inspection { return inspect(n, briefed("M2", 1)) }, party: "USA",
			body: func(in *inspection) *body.Notification {
				return notice("inspection_comments", &in.rep, nil, "inspection_type", "type_one", "comment_2", "no")
			},
			rule: ErrFields, why: "comment_2 comments on ambiguity_2, which accord/newstart/RUS#4 does not record"},
		{name: "a resolution names a recorded ambiguity", setup: func(n *testNode) *inspection { return inspect(n, briefed("M2", 1)) }, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("ambiguity_resolved", nil, nil, "report", strconv.Itoa(int(in.rep.Index)), "ambiguity", "ambiguity_2", "resolution", "x")
			},
			rule: ErrFields, why: "accord/newstart/RUS#4 records no ambiguity_2 (ambiguities: ambiguity_1)"},
		{name: "a resolution names a report", setup: func(n *testNode) *inspection { return inspect(n, briefed("M2", 1)) }, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("ambiguity_resolved", nil, nil, "report", "2", "ambiguity", "ambiguity_1", "resolution", "x")
			},
			rule: ErrSequence, why: "entry 2 of accord/newstart/RUS is not an inspection report"},
		{name: "an ambiguity is resolved once", setup: func(n *testNode) *inspection {
			in := inspect(n, briefed("M2", 1))
			n.mustSend("RUS", "2011-07-01", "2011-07-01T00:00:00Z", notice("ambiguity_resolved", nil, nil, "report", "4", "ambiguity", "ambiguity_1", "resolution", "a crane"))
			return in
		}, party: "RUS",
			body: func(in *inspection) *body.Notification {
				return notice("ambiguity_resolved", nil, nil, "report", "4", "ambiguity", "ambiguity_1", "resolution", "again")
			},
			rule: ErrSequence, why: "ambiguity_1 of accord/newstart/RUS#4 was resolved by accord/newstart/RUS#5"},
		{name: "a step is not corrected", setup: designate, party: "RUS",
			body: func(in *inspection) *body.Notification {
				b := notice("site_designation", nil, nil, "inspection_type", "type_one", "facility", "minot", "facility_type", "icbm_base")
				b.Corrects = refOf(in.des)
				return b
			},
			rule: ErrCorrection, why: "a site_designation is not corrected"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newTestNode(t)
			base(t, n)
			in := &inspection{}
			if c.setup != nil {
				in = c.setup(n)
			}
			before := len(n.logs[c.party])
			_, err := n.send(c.party, "2011-06-03", "2011-06-03T00:00:00Z", c.body(in))
			ref, ok := errRefusal(err)
			if !ok || !errors.Is(err, c.rule) || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("got %v (refusal %v); want %v naming %q", err, ok, c.rule, c.why)
			}
			if len(n.logs[c.party]) != before {
				t.Errorf("a refused step was appended")
			}
			if strings.Contains(ref.Error(), "\n") {
				t.Errorf("refusal is not one line: %q", ref.Error())
			}
		})
	}
}

// TestInspectionFindings checks what a report proves against the
// inspected party: each discrepancy with the database or the briefing,
// naming the items and entries, and each ambiguity until it is
// resolved.
func TestInspectionFindings(t *testing.T) {
	for _, c := range []struct {
		name  string
		found []body.Item
		want  []string // reasons of the discrepancies, in order
	}{
		{name: "all as declared", found: briefed("M1", 1, "M2", 1)},
		{name: "an item not declared", found: append(briefed("M2", 1), body.Item{UID: "X9", Type: "MM-III"}),
			want: []string{"report accord/newstart/RUS#4 found X9 (MM-III) at malmstrom, which USA had not declared there on 2011-06-02"}},
		{name: "an item declared elsewhere", found: append(briefed("M2", 1), body.Item{UID: "M3"}),
			want: []string{"report accord/newstart/RUS#4 found M3 at malmstrom; USA declares it at hill on 2011-06-02 (declared in accord/newstart/USA#0)"}},
		{name: "a different warhead count", found: briefed("M1", 1, "M2", 2),
			want: []string{"report accord/newstart/RUS#4 counted 2 warheads on M2; the briefing accord/newstart/USA#2 stated 1 and the database holds 1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newTestNode(t)
			base(t, n)
			in := inspect(n, c.found)
			got := kinds(t, n, FindingDiscrepancy, "2011-06-10T00:00:00Z")
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("discrepancies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			ins, err := n.reg.Inspections(n.ctx, "USA", mustTime("2011-06-10T00:00:00Z"))
			if err != nil || len(ins) != 1 || ins[0].Report != in.rep.Ref() || ins[0].Designated != "M2" || len(ins[0].Steps) != 6 {
				t.Fatalf("inspections: %+v, %v", ins, err)
			}
		})
	}
}

// TestAmbiguityOpenUntilResolved follows one ambiguity: open, commented
// on by the inspected party (which countersigns the report), and closed
// only from the time its resolution is recorded.
func TestAmbiguityOpenUntilResolved(t *testing.T) {
	n := newTestNode(t)
	base(t, n)
	in := inspect(n, briefed("M1", 1, "M2", 1))
	want := "ambiguity_1 of report accord/newstart/RUS#4 is open: a covered object near silo L3"
	if got := kinds(t, n, FindingAmbiguity, "2011-06-03T00:00:00Z"); len(got) != 1 || got[0] != want {
		t.Fatalf("before comments: %q; want %q", got, want)
	}
	in.comments = n.mustSend("USA", "2011-06-02", "2011-06-02T12:00:00Z",
		notice("inspection_comments", &in.rep, nil, "inspection_type", "type_one", "comment_1", "a maintenance van, shown to the inspectors"))
	want += "; USA comments (accord/newstart/USA#3): a maintenance van, shown to the inspectors"
	if got := kinds(t, n, FindingAmbiguity, "2011-06-03T00:00:00Z"); len(got) != 1 || got[0] != want {
		t.Fatalf("after comments: %q; want %q", got, want)
	}
	ins, err := n.reg.Inspections(n.ctx, "RUS", mustTime("2011-06-03T00:00:00Z"))
	if err != nil || len(ins) != 1 || len(ins[0].Countersigned) != 1 || ins[0].Countersigned[0].Index != in.comments.Index {
		t.Fatalf("countersigned: %+v, %v", ins, err)
	}
	n.mustSend("RUS", "2011-09-01", "2011-09-01T10:00:00Z", notice("ambiguity_resolved", nil, nil,
		"report", strconv.Itoa(int(in.rep.Index)), "ambiguity", "ambiguity_1", "resolution", "agreed in the BCC: a van"))
	if got := kinds(t, n, FindingAmbiguity, "2011-09-01T09:00:00Z"); len(got) != 1 {
		t.Errorf("as known before the resolution: %q; want it open", got)
	}
	if got := kinds(t, n, FindingAmbiguity, "2011-09-02T00:00:00Z"); len(got) != 0 {
		t.Errorf("after the resolution: %q; want none", got)
	}
}

// kinds returns the reasons of USA's findings of kind as known at now.
func kinds(t *testing.T, n *testNode, kind, now string) []string {
	t.Helper()
	fs, err := n.reg.Findings(n.ctx, "USA", mustTime(now))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if f.Kind == kind {
			if f.Party != "USA" || f.Entry == nil || f.By == nil {
				t.Errorf("finding %+v: want it against USA, naming the report and the briefing", f)
			}
			out = append(out, f.Reason)
		}
	}
	return out
}

// TestExhibitions checks that an exhibition is its own record: one of the
// treaty's exhibitions, of items the exhibiting party holds, listed with
// the other party's acknowledgement, and counted against no quota.
func TestExhibitions(t *testing.T) {
	n := newTestNode(t)
	base(t, n)
	for _, c := range []struct {
		body *body.Notification
		rule error
		why  string
	}{
		{notice("exhibition_held", nil, nil, "exhibition", "exhibition_bomber", "item_type", "B-1B", "place", "Ellsworth"),
			ErrUnknownType, `newstart has no exhibition "exhibition_bomber" (exhibitions: exhibition, exhibition_nonnuclear_bomber)`},
		{notice("exhibition_held", nil, uids("B9"), "exhibition", "exhibition_nonnuclear_bomber", "item_type", "B-1B", "place", "Ellsworth"),
			ErrNoSuchItem, "item B9: it does not exist on 2011-07-01"},
		{notice("exhibition_held", nil, nil, "exhibition", "exhibition", "item_type", "RS-24", "place", "Teykovo", "inspection_type", "type_one"),
			ErrFields, `a exhibition_held has no field "inspection_type"`},
	} {
		before := len(n.logs["USA"])
		_, err := n.send("USA", "2011-07-01", "2011-07-01T00:00:00Z", c.body)
		if !errors.Is(err, c.rule) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("got %v; want %v naming %q", err, c.rule, c.why)
		}
		if len(n.logs["USA"]) != before {
			t.Errorf("a refused exhibition was appended")
		}
	}
	x := n.mustSend("USA", "2011-07-01", "2011-07-01T00:00:00Z",
		notice("exhibition_held", nil, uids("B2"), "exhibition", "exhibition_nonnuclear_bomber", "item_type", "B-52H", "place", "Barksdale"))
	ack := n.ack("RUS", x, "2011-07-01T06:00:00Z")
	got, err := n.reg.Exhibitions(n.ctx, "USA", mustTime("2011-07-02T00:00:00Z"))
	if err != nil || len(got) != 1 || got[0].Entry != x.Ref() || got[0].Exhibition != "exhibition_nonnuclear_bomber" ||
		len(got[0].Acknowledged) != 1 || got[0].Acknowledged[0].Index != ack.Index || got[0].Items[0] != "B2" {
		t.Fatalf("exhibitions: %+v, %v", got, err)
	}
	st, err := n.reg.Status(n.ctx, "USA", mustTime("2011-07-02T00:00:00Z"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range st.Inspections {
		if q.Used != 0 {
			t.Errorf("quota %+v: an exhibition counted against it", q)
		}
	}
}

package registry

import (
	"errors"
	"strings"
	"testing"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"
)

// base sends the United States' initial data, eliminates B1 and converts
// B2, and returns the initial data's record.
func base(t *testing.T, n *testNode) Record {
	init := n.mustSend("USA", "2011-02-05", "2011-03-10T09:00:00Z", usaInitial())
	n.mustSend("USA", "2011-06-01", "2011-06-02T00:00:00Z", &body.Notification{Type: "change_in_data",
		Items: []body.Item{{UID: "B1", Status: "eliminated"}, {UID: "B2", Status: "converted"}}})
	return init
}

func refOf(r Record) *body.Ref { x := r.Ref(); return &x }

// TestRules breaks each rule in turn and checks that the notification is
// refused, with a reason that names the problem, and that nothing is
// appended to the log or written to the database.
func TestRules(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, n *testNode, init Record) // optional, after base
		eff   string
		body  func(init Record) *body.Notification
		rule  error
		why   string
	}{
		{name: "uid names one item for life", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{item("M1", "Trident-II", "slbm", "non_deployed", "kings-bay", 0)}}
			},
			rule: ErrIdentity, why: "it is a icbm MM-III"},
		{name: "uid never reused after its declaration is corrected away", eff: "2011-07-01",
			setup: func(t *testing.T, n *testNode, _ Record) {
				x := n.mustSend("USA", "2011-06-10", "2011-06-11T00:00:00Z", &body.Notification{Type: "change_in_data", Items: []body.Item{item("M9", "MM-III", "icbm", "non_deployed", "hill", 0)}})
				n.mustSend("USA", "2011-06-10", "2011-06-12T00:00:00Z", &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "M1", Warheads: wh(1)}}, Corrects: refOf(x)})
			},
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{item("M9", "MM-III", "icbm", "non_deployed", "hill", 0)}}
			},
			rule: ErrUIDReused, why: "a UID is never reused"},
		{name: "warheads change only in the data exchange (Part Four II.3)", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "M1", Warheads: wh(3)}}}
			},
			rule: ErrWarheadsOnly, why: "changes only its warheads (1 to 3): changes in warheads are notified only in the six_month_update"},
		{name: "warheads change only in the data exchange, even restating the item", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{item("M1", "MM-III", "icbm", "deployed", "malmstrom", 2)}}
			},
			rule: ErrWarheadsOnly, why: "Part Four, Section II.3"},
		{name: "uid listed twice", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "M1", Warheads: wh(0)}, {UID: "M1", Warheads: wh(1)}}}
			},
			rule: ErrFields, why: "listed twice"},
		{name: "must exist before it moves", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "movement", From: "hill", To: "malmstrom", Items: uids("M9")}
			},
			rule: ErrNoSuchItem, why: "declare it first"},
		{name: "must exist before it deploys", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{item("M9", "MM-III", "icbm", "deployed", "malmstrom", 1)}}
			},
			rule: ErrNoSuchItem, why: "cannot be deployed: a new item is declared non_deployed first"},
		{name: "must exist before it is converted", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "conversion_complete", Items: []body.Item{item("B9", "B-52H", "heavy_bomber", "converted", "davis-monthan", 0)}}
			},
			rule: ErrNoSuchItem, why: "cannot be converted"},
		{name: "must exist when its conversion starts", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "conversion_start", Items: uids("B9")}
			},
			rule: ErrNoSuchItem, why: "does not exist on 2011-07-01"},
		{name: "must exist before the date it is first declared", eff: "2011-01-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "M1", Warheads: wh(2)}}}
			},
			rule: ErrNoSuchItem, why: "first declared effective 2011-02-05"},
		{name: "eliminated item cannot come back", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "B1", Status: "deployed"}}}
			},
			rule: ErrEliminated, why: "became eliminated"},
		{name: "eliminated item cannot move", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "movement", From: "barksdale", To: "minot", Items: uids("B1")}
			},
			rule: ErrEliminated, why: "cannot come back"},
		{name: "eliminated item has no events", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "bomber_departure", Fields: map[string]string{"uid": "B1", "destination": "Guam"}}
			},
			rule: ErrEliminated, why: "it is eliminated on 2011-07-01"},
		{name: "status changes follow the lifecycle", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "B2", Status: "deployed"}}}
			},
			rule: ErrLifecycle, why: "status converted cannot change to deployed effective 2011-07-01 (entry accord/newstart/USA#2); newstart allows converted → eliminated"},
		{name: "a late change cannot break later history", eff: "2011-05-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "B2", Status: "test"}}}
			},
			rule: ErrLifecycle, why: "status deployed cannot change to test"},
		{name: "a late elimination cannot precede a later conversion", eff: "2011-05-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "B2", Status: "eliminated"}}}
			},
			rule: ErrEliminated, why: "it would break the later history"},
		{name: "an item moves from where it is", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "movement", From: "hill", To: "minot", Items: uids("M1")}
			},
			rule: ErrFacility, why: `it is at "malmstrom", not at "hill"`},
		{name: "identity cannot change", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "T1", Category: "icbm"}}}
			},
			rule: ErrIdentity, why: "it is a slbm Trident-II"},
		{name: "correction names an entry of its own log", eff: "2011-07-01",
			body: func(init Record) *body.Notification {
				r := init.Ref()
				r.Origin = "accord/newstart/RUS"
				return &body.Notification{Type: "initial_data", Items: usaInitial().Items, Corrects: &r}
			},
			rule: ErrCorrection, why: "corrects only its own entries"},
		{name: "correction pins the corrected entry's hash", eff: "2011-02-05",
			body: func(init Record) *body.Notification {
				r := init.Ref()
				r.LeafHash[0] ^= 1
				return &body.Notification{Type: "initial_data", Items: usaInitial().Items, Corrects: &r}
			},
			rule: ErrCorrection, why: "has leaf hash"},
		{name: "correction restates the same type", eff: "2011-02-05",
			body: func(init Record) *body.Notification {
				return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "M1", Warheads: wh(2)}}, Corrects: refOf(init)}
			},
			rule: ErrCorrection, why: "is a initial_data"},
		{name: "an entry is corrected once", eff: "2011-02-05",
			setup: func(t *testing.T, n *testNode, init Record) {
				n.mustSend("USA", "2011-02-05", "2011-03-11T00:00:00Z", &body.Notification{Type: "initial_data", Items: usaInitial().Items, Corrects: refOf(init)})
			},
			body: func(init Record) *body.Notification {
				return &body.Notification{Type: "initial_data", Items: usaInitial().Items, Corrects: refOf(init)}
			},
			rule: ErrCorrection, why: "already corrected by entry #2"},
		{name: "a correction cannot orphan later history", eff: "2011-02-05",
			body: func(init Record) *body.Notification {
				return &body.Notification{Type: "initial_data", Items: usaInitial().Items[:9], Corrects: refOf(init)}
			},
			rule: ErrNoSuchItem, why: "without entry #0"},
		{name: "unknown type", eff: "2011-07-01",
			body: func(Record) *body.Notification { return &body.Notification{Type: "rumour"} },
			rule: ErrUnknownType, why: `no notification type "rumour"`},
		{name: "required field", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "launch", Fields: map[string]string{"type": "MM-III", "launch_area": "Vandenberg"}}
			},
			rule: ErrFields, why: `needs field "impact_area"`},
		{name: "unknown field", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "launch", Fields: map[string]string{"type": "MM-III", "launch_area": "V", "impact_area": "K", "yield": "1"}}
			},
			rule: ErrFields, why: `has no field "yield"`},
		{name: "six-month update is as of a data-exchange date", eff: "2011-09-02",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "six_month_update", Items: usaInitial().Items}
			},
			rule: ErrFields, why: "as of 03-01 or 09-01"},
		{name: "reply names what it answers", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "telemetry_reply", Fields: map[string]string{"launch": "L-1"}}
			},
			rule: ErrFields, why: "set answers"},
		{name: "an id names one notification", eff: "2011-07-02",
			setup: func(t *testing.T, n *testNode, _ Record) {
				n.mustSend("USA", "2011-07-01", "2011-07-01T00:00:00Z", &body.Notification{ID: "req-7", Type: "conversion_start", Items: uids("B2")})
			},
			body: func(Record) *body.Notification {
				return &body.Notification{ID: "req-7", Type: "movement", From: "hill", To: "malmstrom", Items: uids("M3")}
			},
			rule: ErrDuplicateID, why: `id "req-7" already names entry`},
		{name: "move has two facilities", eff: "2011-07-01",
			body: func(Record) *body.Notification {
				return &body.Notification{Type: "movement", From: "hill", Items: uids("M3")}
			},
			rule: ErrFields, why: "from and to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newTestNode(t)
			init := base(t, n)
			if c.setup != nil {
				c.setup(t, n, init)
			}
			before, logLen := dump(t, n.reg), len(n.logs["USA"])
			_, err := n.send("USA", c.eff, "2011-12-01T00:00:00Z", c.body(init))
			var ref *Refusal
			if !errors.As(err, &ref) || !errors.Is(err, c.rule) {
				t.Fatalf("got %v, want a refusal for %v", err, c.rule)
			}
			if !strings.Contains(err.Error(), c.why) {
				t.Errorf("refusal %q does not say %q", err, c.why)
			}
			if len(n.logs["USA"]) != logLen || dump(t, n.reg) != before {
				t.Errorf("a refused notification changed the log or the database")
			}
		})
	}
}

// TestRulesValid checks the near misses of TestRules are accepted, so that
// each refusal above is caused by the rule it names.
func TestRulesValid(t *testing.T) {
	n := newTestNode(t)
	init := base(t, n)
	for _, b := range []struct {
		eff  string
		body *body.Notification
	}{
		{"2011-07-01", &body.Notification{Type: "change_in_data", Items: []body.Item{item("M9", "MM-III", "icbm", "non_deployed", "hill", 0)}}},
		{"2011-07-02", &body.Notification{Type: "movement", From: "hill", To: "malmstrom", Items: uids("M9")}},
		{"2011-07-03", &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "M9", Status: "deployed", Warheads: wh(1)}}}},
		{"2011-07-03", &body.Notification{Type: "conversion_start", Items: uids("B2")}},
		{"2011-07-04", &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "B2", Status: "eliminated"}}}},
		{"2011-07-05", &body.Notification{Type: "bomber_departure", Fields: map[string]string{"uid": "M1", "destination": "Guam"}}},
		{"2011-05-01", &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "T1", Status: "non_deployed", Warheads: wh(0)}}}},
		{"2011-09-01", &body.Notification{Type: "six_month_update", Items: []body.Item{item("M1", "MM-III", "icbm", "deployed", "malmstrom", 1)}}},
		{"2011-02-05", &body.Notification{Type: "initial_data", Items: usaInitial().Items, Corrects: refOf(init)}},
	} {
		n.mustSend("USA", b.eff, "2011-12-01T00:00:00Z", b.body)
		checkLatest(t, n.reg)
	}
}

// TestApplyRefused shows that a peer's entry that breaks a rule is kept,
// marked refused, reported as a finding, and has no other effect.
func TestApplyRefused(t *testing.T) {
	n := newTestNode(t)
	base(t, n)
	items := func() string {
		inv, err := n.reg.Inventory(n.ctx, "USA", treaty.MustDate("2012-01-01"), mustTime("2013-01-01"))
		if err != nil {
			t.Fatal(err)
		}
		return mustJSON(t, inv)
	}
	before := items()
	b, _ := (&body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "B1", Status: "deployed"}}}).Encode()
	rec := n.record("USA", entry.Notification, "2011-07-01", "2011-07-02T00:00:00Z", b)
	n.logs["USA"] = append(n.logs["USA"], rec)
	if err := n.reg.Apply(n.ctx, rec); err != nil {
		t.Fatal(err)
	}
	if items() != before {
		t.Errorf("a refused entry changed the inventory")
	}
	fs, err := n.reg.Findings(n.ctx, "USA", mustTime("2011-07-03"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Kind != FindingRefused || !strings.Contains(fs[0].Reason, "cannot come back") || fs[0].Entry.Index != rec.Index {
		t.Errorf("findings %s", mustJSON(t, fs))
	}
	ns, _ := n.reg.Notices(n.ctx, "USA", mustTime("2011-07-03"))
	if last := ns[len(ns)-1]; last.State != Refused {
		t.Errorf("refused entry listed as %s", last.State)
	}
}

// TestApplyResume shows Apply is idempotent and refuses gaps, conflicts
// and records of other logs, changing nothing when it fails.
func TestApplyResume(t *testing.T) {
	n := newTestNode(t)
	n.checks = false
	recs := scenario(t, n)
	usa := n.logs["USA"]
	before := dump(t, n.reg)
	if err := n.reg.Apply(n.ctx, usa...); err != nil {
		t.Fatalf("replaying the whole log: %v", err)
	}
	if dump(t, n.reg) != before {
		t.Errorf("replaying changed the database")
	}
	extra := n.record("USA", entry.Commitment, "2012-01-01", "2012-01-01T00:00:00Z", []byte(`{"text":"x"}`))
	gap := extra
	gap.Index += 2
	conflict := recs["move"]
	conflict.LeafHash[0] ^= 1
	wrong := extra
	wrong.Origin = "accord/newstart/RUS"
	for _, c := range []struct {
		name string
		recs []Record
		want error
	}{
		{"gap", []Record{extra, gap}, ErrGap},
		{"conflict", []Record{extra, conflict}, ErrConflict},
		{"wrong log", []Record{wrong}, ErrWrongLog},
	} {
		if err := n.reg.Apply(n.ctx, c.recs...); !errors.Is(err, c.want) {
			t.Errorf("%s: Apply = %v, want %v", c.name, err, c.want)
		}
		if dump(t, n.reg) != before {
			t.Errorf("%s: a failed Apply changed the database", c.name)
		}
	}
	if err := n.reg.Apply(n.ctx, extra); err != nil {
		t.Fatal(err)
	}
	if next, _ := n.reg.NextIndex(n.ctx, extra.Origin); next != extra.Index+1 {
		t.Errorf("NextIndex = %d, want %d", next, extra.Index+1)
	}
}

// TestAckMismatch shows an acknowledgement naming another leaf hash than
// the one held is reported as evidence of a split view.
func TestAckMismatch(t *testing.T) {
	n := newTestNode(t)
	init := base(t, n)
	forged := init
	forged.LeafHash[5] ^= 0xff
	n.ack("RUS", forged, "2011-03-10T12:00:00Z")
	fs, err := n.reg.Findings(n.ctx, "USA", mustTime("2011-03-11"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Kind != FindingAckMismatch || fs[0].Entry.LeafHash != init.LeafHash {
		t.Errorf("findings %s", mustJSON(t, fs))
	}
}

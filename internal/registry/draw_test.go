package registry

import (
	"crypto/sha256"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"accord/draw"
	"accord/entry"
)

const drawID = "rv-2020-11"

var drawRevealBy = mustTime("2020-11-02T12:00:00Z")

func drawValue(party string) [draw.ValueSize]byte { return sha256.Sum256([]byte("value " + party)) }

// drawCommit returns the commitment body party makes to drawID with
// other, of value.
func drawCommit(n *testNode, party, other string, value [draw.ValueSize]byte) []byte {
	c := &draw.Commit{ID: drawID, Of: 42, Pick: 1, Purpose: "the deployed ICBMs of the base in UID order", RevealBy: drawRevealBy,
		ValueHash: draw.HashValue(entry.Origin(n.tr.ID, party), drawID, &value), With: other}
	return (&draw.Body{Commit: c}).Marshal()
}

// drawReveal returns the reveal body of value naming peer's commitment.
func drawReveal(peer Record, value [draw.ValueSize]byte) []byte {
	return (&draw.Body{Reveal: &draw.Reveal{ID: drawID, Peer: draw.Ref{Origin: peer.Origin, Index: peer.Index, LeafHash: peer.LeafHash}, Value: value}}).Marshal()
}

// committed has USA and RUS commit to drawID, USA first.
func committed(t *testing.T) (n *testNode, usa, rus Record) {
	n = newTestNode(t)
	var err error
	if usa, err = n.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T09:00:00Z", drawCommit(n, "USA", "RUS", drawValue("USA"))); err != nil {
		t.Fatal(err)
	}
	if rus, err = n.sendRaw("RUS", entry.Commitment, "2020-11-02", "2020-11-02T09:30:00Z", drawCommit(n, "RUS", "USA", drawValue("RUS"))); err != nil {
		t.Fatal(err)
	}
	return n, usa, rus
}

// TestDrawRefusals checks the protocol within a party's log: each
// refusal names what is wrong and changes nothing.
func TestDrawRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, party, recorded string
		body                  func(n *testNode, usa, rus Record) []byte
		want                  string
	}{
		{"a second commitment to the same draw", "USA", "2020-11-02T10:00:00Z", func(n *testNode, _, _ Record) []byte {
			return drawCommit(n, "USA", "RUS", drawValue("other"))
		}, "draw rv-2020-11 is already committed as entry 0 of accord/newstart/USA"},
		{"a draw with oneself", "USA", "2020-11-02T10:00:00Z", func(n *testNode, _, _ Record) []byte {
			return []byte(strings.Replace(string(drawCommit(n, "USA", "USA", drawValue("USA"))), drawID, "self", 1))
		}, `is with "USA", not another party to newstart`},
		{"a reveal-by time already past", "RUS", "2020-11-03T10:00:00Z", func(n *testNode, _, _ Record) []byte {
			return []byte(strings.Replace(string(drawCommit(n, "RUS", "USA", drawValue("RUS"))), drawID, "late", 1))
		}, "reveal_by 2020-11-02T12:00:00Z is not after the commitment, made 2020-11-03T10:00:00Z"},
		{"a reveal without a commitment", "USA", "2020-11-02T10:00:00Z", func(_ *testNode, _, rus Record) []byte {
			return []byte(strings.Replace(string(drawReveal(rus, drawValue("USA"))), drawID, "other", 1))
		}, "draw other: no commitment to it earlier in accord/newstart/USA: commit before revealing"},
		{"a value changed after seeing the other's", "USA", "2020-11-02T10:00:00Z", func(_ *testNode, _, rus Record) []byte {
			return drawReveal(rus, drawValue("RUS"))
		}, "the value revealed is not the one committed in entry 0 of accord/newstart/USA"},
		{"a reveal naming one's own log", "USA", "2020-11-02T10:00:00Z", func(_ *testNode, usa, _ Record) []byte {
			return drawReveal(usa, drawValue("USA"))
		}, "the reveal names a commitment of accord/newstart/USA, not of RUS, whom the draw is with"},
		{"a body that is not canonical", "USA", "2020-11-02T10:00:00Z", func(_ *testNode, _, rus Record) []byte {
			return []byte(strings.TrimSuffix(string(drawReveal(rus, drawValue("USA"))), "}") + `,"zz":1}`)
		}, "unknown field"},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			n, usa, rus := committed(t)
			before := dump(t, n.reg)
			_, err := n.sendRaw(tc.party, entry.Commitment, tc.recorded[:10], tc.recorded, tc.body(n, usa, rus))
			var ref *Refusal
			if !errors.As(err, &ref) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want a refusal naming %q", err, tc.want)
			}
			if dump(t, n.reg) != before {
				t.Fatal("a refused entry changed the database")
			}
		})
	}
}

// TestDrawRevealTwice refuses a second reveal, and accepts the first.
func TestDrawRevealTwice(t *testing.T) {
	n, _, rus := committed(t)
	if _, err := n.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T10:00:00Z", drawReveal(rus, drawValue("USA"))); err != nil {
		t.Fatal(err)
	}
	_, err := n.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T10:01:00Z", drawReveal(rus, drawValue("USA")))
	if !errors.Is(err, ErrDraw) || !strings.Contains(err.Error(), "draw rv-2020-11 was revealed as entry 1 of accord/newstart/USA") {
		t.Fatalf("second reveal: %v", err)
	}
}

// TestDrawWithheld makes a finding of a reveal withheld past the
// reveal-by time, or logged after it, once the other party committed.
func TestDrawWithheld(t *testing.T) {
	n, usa, rus := committed(t)
	n.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T10:00:00Z", drawReveal(rus, drawValue("USA")))
	for _, at := range []string{"2020-11-02T11:00:00Z", "2020-11-02T12:00:00Z"} {
		if fs := drawFindingsOf(t, n, "RUS", at); len(fs) != 0 {
			t.Fatalf("at %s, before the reveal-by time: %+v", at, fs)
		}
	}
	fs := drawFindingsOf(t, n, "RUS", "2020-11-02T12:00:01Z")
	if len(fs) != 1 || fs[0].Party != "RUS" || *fs[0].Entry != rus.Ref() || !fs[0].Due.Equal(drawRevealBy) ||
		fs[0].Reason != "draw rv-2020-11 (the deployed ICBMs of the base in UID order): RUS committed as accord/newstart/RUS#0 and USA as accord/newstart/USA#0; RUS has not revealed, due by 2020-11-02T12:00:00Z" {
		t.Fatalf("findings %+v", fs)
	}
	if fs := drawFindingsOf(t, n, "USA", "2020-11-03T00:00:00Z"); len(fs) != 0 {
		t.Fatalf("USA revealed on time: %+v", fs)
	}
	n.sendRaw("RUS", entry.Commitment, "2020-11-02", "2020-11-02T13:00:00Z", drawReveal(usa, drawValue("RUS")))
	fs = drawFindingsOf(t, n, "RUS", "2020-11-03T00:00:00Z")
	if len(fs) != 1 || !fs[0].Sent.Equal(mustTime("2020-11-02T13:00:00Z")) || !strings.Contains(fs[0].Reason, "RUS revealed as accord/newstart/RUS#1 at 2020-11-02T13:00:00Z, after the reveal-by time") {
		t.Fatalf("late reveal: %+v", fs)
	}
}

// TestDrawUnanswered makes no finding against a party whose partner
// never committed: it had nothing to reveal against.
func TestDrawUnanswered(t *testing.T) {
	n := newTestNode(t)
	n.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T09:00:00Z", drawCommit(n, "USA", "RUS", drawValue("USA")))
	if fs := drawFindingsOf(t, n, "USA", "2020-11-05T00:00:00Z"); len(fs) != 0 {
		t.Fatalf("findings %+v", fs)
	}
}

func drawFindingsOf(t *testing.T, n *testNode, party, at string) []Finding {
	t.Helper()
	all, err := n.reg.Findings(n.ctx, party, mustTime(at))
	if err != nil {
		t.Fatal(err)
	}
	var out []Finding
	for _, f := range all {
		if f.Kind == FindingDrawWithheld {
			out = append(out, f)
		}
	}
	return out
}

// TestDrawSameEverywhere feeds a second registry the two logs in the
// other order, one log at a time, and gets the same sides, so the same
// seed, as the first.
func TestDrawSameEverywhere(t *testing.T) {
	n, usa, rus := committed(t)
	n.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T10:00:00Z", drawReveal(rus, drawValue("USA")))
	n.sendRaw("RUS", entry.Commitment, "2020-11-02", "2020-11-02T10:30:00Z", drawReveal(usa, drawValue("RUS")))
	other := n.open(filepath.Join(t.TempDir(), "other.db"))
	for _, party := range []string{"RUS", "USA"} {
		if err := other.Apply(n.ctx, n.logs[party]...); err != nil {
			t.Fatal(err)
		}
	}
	now := mustTime("2020-11-03T00:00:00Z")
	a, err := n.reg.Draw(n.ctx, drawID, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := other.Draw(n.ctx, drawID, now)
	if err != nil {
		t.Fatal(err)
	}
	seedA, seedB := sideSeed(t, a), sideSeed(t, b)
	if len(a) != 2 || a[0].Reveal == nil || a[1].Reveal == nil || seedA != seedB {
		t.Fatalf("sides %+v and %+v", a, b)
	}
	if a[0].Peer.Origin != a[1].Commit.Origin || a[0].Peer.LeafHash != a[1].Commit.LeafHash {
		t.Fatalf("USA's reveal names %+v, not RUS's commitment %+v", a[0].Peer, a[1].Commit)
	}
	da, err := n.reg.Draws(n.ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	db, err := other.Draws(n.ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(da) != 1 || da[0].Result == nil || da[0].Problem != nil || len(db) != 1 || db[0].Result == nil ||
		da[0].Result.Seed != seedA || da[0].Result.Picks[0] != db[0].Result.Picks[0] {
		t.Fatalf("draws %+v and %+v", da, db)
	}
}

// TestDraws lists a draw before either reveal (no result), and one whose
// sides differ in their terms (the check that fails).
func TestDraws(t *testing.T) {
	n, _, _ := committed(t)
	ds, err := n.reg.Draws(n.ctx, mustTime("2020-11-02T10:00:00Z"))
	if err != nil || len(ds) != 1 || len(ds[0].Sides) != 2 || ds[0].Result != nil || ds[0].Problem != nil {
		t.Fatalf("before the reveals: %+v, %v", ds, err)
	}
	if ds, _ := n.reg.Draws(n.ctx, mustTime("2020-11-02T09:10:00Z")); len(ds) != 1 || len(ds[0].Sides) != 1 {
		t.Fatalf("as known before RUS committed: %+v", ds)
	}
	m := newTestNode(t)
	other := strings.Replace(string(drawCommit(m, "RUS", "USA", drawValue("RUS"))), `"of":42`, `"of":41`, 1)
	usa, _ := m.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T09:00:00Z", drawCommit(m, "USA", "RUS", drawValue("USA")))
	rus, _ := m.sendRaw("RUS", entry.Commitment, "2020-11-02", "2020-11-02T09:00:00Z", []byte(other))
	m.sendRaw("USA", entry.Commitment, "2020-11-02", "2020-11-02T10:00:00Z", drawReveal(rus, drawValue("USA")))
	m.sendRaw("RUS", entry.Commitment, "2020-11-02", "2020-11-02T10:00:00Z", drawReveal(usa, drawValue("RUS")))
	ds, err = m.reg.Draws(m.ctx, mustTime("2020-11-03T00:00:00Z"))
	if err != nil || len(ds) != 1 || ds[0].Result != nil || !errors.Is(ds[0].Problem, draw.ErrTerms) {
		t.Fatalf("terms differ: %+v, %v", ds, err)
	}
}

func sideSeed(t *testing.T, s []DrawSide) [32]byte {
	seed, err := draw.Seed(drawID, draw.Share{Origin: s[0].Commit.Origin, Index: s[0].Commit.Index, Value: s[0].Value},
		draw.Share{Origin: s[1].Commit.Origin, Index: s[1].Commit.Index, Value: s[1].Value})
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

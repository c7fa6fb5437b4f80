package draw

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"accord/entry"
)

var (
	revealBy = time.Date(2020, 11, 2, 12, 0, 0, 0, time.UTC)
	day      = time.Date(2020, 11, 2, 9, 0, 0, 0, time.UTC)
)

// testValue is a party's value in the tests.
func testValue(s string) [ValueSize]byte { return sha256.Sum256([]byte("value " + s)) }

// party is one side of a test draw.
type party struct {
	log    *testLog
	value  [ValueSize]byte
	commit uint64
	reveal *uint64
}

func (p *party) bundle() *Bundle {
	b := &Bundle{Commit: p.log.receipt(p.commit)}
	if p.reveal != nil {
		b.Reveal = p.log.receipt(*p.reveal)
	}
	return b
}

func testCommit(l *testLog, with string, v [ValueSize]byte) *Commit {
	return &Commit{ID: "rv-2020-11", Of: 42, Pick: 3, Purpose: "the deployed ICBMs of Malmstrom in UID order", RevealBy: revealBy,
		ValueHash: HashValue(l.origin(), "rv-2020-11", &v), With: with}
}

// twoParties logs a draw between USA and RUS: USA commits, RUS
// commits, then each reveals, naming the other's commitment. Each log
// holds an unrelated entry first.
func twoParties(t testing.TB) (usa, rus *party) {
	usa = &party{log: newTestLog(t, "USA", 1), value: testValue("USA")}
	rus = &party{log: newTestLog(t, "RUS", 2), value: testValue("RUS")}
	usa.log.add(entry.Commitment, []byte(`{"text":"another undertaking"}`), day)
	usa.commit = usa.log.add(entry.Commitment, (&Body{Commit: testCommit(usa.log, "RUS", usa.value)}).Marshal(), day)
	rus.commit = rus.log.add(entry.Commitment, (&Body{Commit: testCommit(rus.log, "USA", rus.value)}).Marshal(), day.Add(time.Hour))
	for _, p := range []struct{ self, other *party }{{usa, rus}, {rus, usa}} {
		i := p.self.log.add(entry.Commitment, (&Body{Reveal: &Reveal{ID: "rv-2020-11", Peer: p.other.log.ref(p.other.commit), Value: p.self.value}}).Marshal(), day.Add(2*time.Hour))
		p.self.reveal = &i
	}
	return usa, rus
}

// TestCheck recomputes a draw from the two bundles, in either order and
// with the keys in either order, and gets the same seed and picks as
// Seed and Sample give directly.
func TestCheck(t *testing.T) {
	usa, rus := twoParties(t)
	got, err := Check(usa.bundle(), rus.bundle(), usa.log.v, rus.log.v)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Check(rus.bundle(), usa.bundle(), rus.log.v, usa.log.v)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := Seed("rv-2020-11", Share{usa.log.origin(), usa.commit, usa.value}, Share{rus.log.origin(), rus.commit, rus.value})
	picks, _ := NewStream(seed).Sample(3, 42)
	if got.Seed != seed || again.Seed != seed || !equal(got.Picks, picks) || !equal(again.Picks, picks) {
		t.Fatalf("picks %v and %v, want %v", got.Picks, again.Picks, picks)
	}
	if got.Sides[0].Party != "RUS" || got.Sides[1].Party != "USA" || got.Sides[1].CommitIndex != 1 || got.Sides[1].RevealIndex != 2 {
		t.Fatalf("sides %+v", got.Sides)
	}
	if got.Sides[0].Late || got.Sides[1].Late {
		t.Fatalf("a reveal before the deadline counted late: %+v", got.Sides)
	}
}

func equal(a, b []uint64) bool { return bytes.Equal(u64bytes(a), u64bytes(b)) }

func u64bytes(a []uint64) []byte {
	var b []byte
	for _, x := range a {
		b = append(b, byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
	}
	return b
}

// TestCheckFails breaks a draw in one way each and checks the check that
// fails.
func TestCheckFails(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check *CheckError
		edit  func(usa, rus *party) (*Bundle, *Bundle)
	}{
		{"usa changes its value after seeing russia's", ErrValue, func(usa, rus *party) (*Bundle, *Bundle) {
			v := rus.value // USA would like the seed that RUS's value and this one give
			i := usa.log.add(entry.Commitment, (&Body{Reveal: &Reveal{ID: "rv-2020-11", Peer: rus.log.ref(rus.commit), Value: v}}).Marshal(), day.Add(3*time.Hour))
			usa.reveal = &i
			return usa.bundle(), rus.bundle()
		}},
		{"russia withholds its reveal", ErrWithheld, func(usa, rus *party) (*Bundle, *Bundle) {
			rus.reveal = nil
			return usa.bundle(), rus.bundle()
		}},
		{"a reveal names another entry than the peer's commitment", ErrPeer, func(usa, rus *party) (*Bundle, *Bundle) {
			i := usa.log.add(entry.Commitment, (&Body{Reveal: &Reveal{ID: "rv-2020-11", Peer: rus.log.ref(*rus.reveal), Value: usa.value}}).Marshal(), day.Add(3*time.Hour))
			usa.reveal = &i
			return usa.bundle(), rus.bundle()
		}},
		{"the commitments differ in their purpose", ErrTerms, func(usa, rus *party) (*Bundle, *Bundle) {
			c := testCommit(rus.log, "USA", rus.value)
			c.Purpose = "the deployed ICBMs of Minot in UID order"
			rus.commit = rus.log.add(entry.Commitment, (&Body{Commit: c}).Marshal(), day)
			i := rus.log.add(entry.Commitment, (&Body{Reveal: &Reveal{ID: "rv-2020-11", Peer: usa.log.ref(usa.commit), Value: rus.value}}).Marshal(), day)
			rus.reveal = &i
			return usa.bundle(), rus.bundle()
		}},
		{"one party's bundle twice", ErrTerms, func(usa, _ *party) (*Bundle, *Bundle) {
			return usa.bundle(), usa.bundle()
		}},
		{"a reveal logged as the commitment", ErrLog, func(usa, rus *party) (*Bundle, *Bundle) {
			usa.commit = *usa.reveal
			return usa.bundle(), rus.bundle()
		}},
		{"the reveal before the commitment", ErrLog, func(usa, rus *party) (*Bundle, *Bundle) {
			b := usa.bundle()
			b.Commit, b.Reveal = b.Reveal, b.Commit
			return b, rus.bundle()
		}},
		{"a receipt of another log", ErrLog, func(usa, rus *party) (*Bundle, *Bundle) {
			b := usa.bundle()
			b.Reveal = rus.log.receipt(*rus.reveal)
			return b, rus.bundle()
		}},
		{"a tampered receipt", ErrLog, func(usa, rus *party) (*Bundle, *Bundle) {
			b := usa.bundle()
			b.Commit.Proof[0][0] ^= 1
			return b, rus.bundle()
		}},
		{"not a draw entry", ErrLog, func(usa, rus *party) (*Bundle, *Bundle) {
			usa.commit = 0
			return usa.bundle(), rus.bundle()
		}},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			usa, rus := twoParties(t)
			a, b := tc.edit(usa, rus)
			_, err := Check(a, b, usa.log.v, rus.log.v)
			var ce *CheckError
			if !errors.Is(err, tc.check) || !errors.As(err, &ce) || strings.Contains(ce.Detail, "\n") {
				t.Fatalf("got %v, want the check %s to fail in one line", err, tc.check.Check)
			}
		})
	}
	usa, rus := twoParties(t)
	if _, err := Check(usa.bundle(), rus.bundle(), usa.log.v); !errors.Is(err, ErrLog) {
		t.Fatalf("without RUS's key: %v", err)
	}
}

// TestLate marks a reveal logged after the reveal-by time.
func TestLate(t *testing.T) {
	usa, rus := twoParties(t)
	i := rus.log.add(entry.Commitment, (&Body{Reveal: &Reveal{ID: "rv-2020-11", Peer: usa.log.ref(usa.commit), Value: rus.value}}).Marshal(), revealBy.Add(time.Second))
	rus.reveal = &i
	r, err := Check(usa.bundle(), rus.bundle(), usa.log.v, rus.log.v)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Sides[0].Late || r.Sides[1].Late {
		t.Fatalf("sides %+v, want RUS late", r.Sides)
	}
}

// TestBody pins the two bodies byte for byte, checks they are canonical
// JSON that starts with "draw", and that every other spelling fails the
// check encoding.
func TestBody(t *testing.T) {
	v := testValue("USA")
	c := &Body{Commit: &Commit{ID: "d1", Of: 10, Pick: 2, Purpose: `sites "A" & <B>`, RevealBy: revealBy, ValueHash: sha256.Sum256(nil), With: "RUS"}}
	r := &Body{Reveal: &Reveal{ID: "d1", Peer: Ref{Origin: "accord/newstart/RUS", Index: 7, LeafHash: sha256.Sum256([]byte("x"))}, Value: v}}
	want := map[string]*Body{
		`{"draw":"d1","of":10,"pick":2,"purpose":"sites \"A\" & <B>","reveal_by":"2020-11-02T12:00:00Z","step":"commit","value_hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","with":"RUS"}`: c,
		`{"draw":"d1","peer":{"index":7,"leaf_hash":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","origin":"accord/newstart/RUS"},"step":"reveal","value":"` + hex.EncodeToString(v[:]) + `"}`:    r,
	}
	for s, b := range want {
		got := b.Marshal()
		if string(got) != s {
			t.Fatalf("body\n%s\nwant\n%s", got, s)
		}
		if canon, err := entry.CanonicalJSON(got); err != nil || !bytes.Equal(canon, got) || !Match(got) {
			t.Fatalf("not canonical JSON starting with draw: %v", err)
		}
		back, err := ParseBody(got)
		if err != nil || !bytes.Equal(back.Marshal(), got) {
			t.Fatalf("parse→marshal: %v", err)
		}
		for _, bad := range respell(s) {
			if _, err := ParseBody([]byte(bad)); !errors.Is(err, ErrEncoding) {
				t.Errorf("%s: got %v, want the check encoding to fail", bad, err)
			}
		}
	}
}

// respell returns spellings of the canonical body s that differ from it
// in one way each.
func respell(s string) []string {
	out := []string{
		" " + s, s + "\n", "[" + s + "]",
		strings.Replace(s, `","`, `", "`, 1),
		strings.Replace(s, `{`, `{"aa":1,`, 1),
		strings.TrimSuffix(s, "}") + `,"zz":0}`,
		strings.Replace(s, `"draw":"d1"`, `"draw":"-d1"`, 1),
		strings.Replace(s, `"step":"`, `"step":"x`, 1),
		strings.ToUpper(s[:10]) + s[10:],
	}
	for _, r := range [][2]string{
		{`"of":10`, `"of":0`}, {`"of":10`, `"of":16777217`}, {`"of":10`, `"of":010`}, {`"pick":2`, `"pick":11`}, {`"pick":2`, `"pick":0`},
		{`"with":"RUS"`, `"with":"R US"`}, {`12:00:00Z`, `12:00:00+00:00`}, {`12:00:00Z`, `12:00:00.5Z`}, {`"purpose":"`, `"purpose":" `},
		{`"purpose":"`, `"purpose":"\u00e9`}, {`e3b0c4`, `E3B0C4`}, {`b855"`, `b85"`}, {`"index":7`, `"index":-7`},
		{`"origin":"accord/newstart/RUS"`, `"origin":"RUS"`}, {`"value":"`, `"value":"0`}, {`4881"`, `488"`}, {` & `, ` \u0026 `},
	} {
		if strings.Contains(s, r[0]) {
			out = append(out, strings.Replace(s, r[0], r[1], 1))
		}
	}
	return out
}

// TestParseBundle checks the bundle file's form: what is not exactly a
// bundle is unreadable, before any check.
func TestParseBundle(t *testing.T) {
	usa, _ := twoParties(t)
	good := usa.bundle().Marshal()
	b, err := ParseBundle(good)
	if err != nil || !bytes.Equal(b.Marshal(), good) {
		t.Fatalf("round trip: %v", err)
	}
	usa.reveal = nil
	if b, err := ParseBundle(usa.bundle().Marshal()); err != nil || b.Reveal != nil {
		t.Fatalf("a bundle before the reveal: %v", err)
	}
	s := string(good)
	for _, bad := range []string{
		strings.Replace(s, "v1\"", "v2\"", 1),
		strings.Replace(s, `"format"`, `"x":1,"format"`, 1),
		s + "{}",
		strings.Replace(s, "index 1", "index -1", 1),
		strings.Replace(s, "c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1),
		"",
	} {
		if _, err := ParseBundle([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestSeed pins that the seed takes both values and both positions: any
// change of one changes it, and two shares of one log are refused.
func TestSeed(t *testing.T) {
	a := Share{"accord/newstart/RUS", 4, testValue("RUS")}
	b := Share{"accord/newstart/USA", 9, testValue("USA")}
	s, err := Seed("d", a, b)
	if err != nil {
		t.Fatal(err)
	}
	if s2, _ := Seed("d", b, a); s2 != s {
		t.Fatal("the seed depends on the order of the shares")
	}
	for _, edit := range []func(x, y *Share, id *string){
		func(x, _ *Share, _ *string) { x.Index++ },
		func(_, y *Share, _ *string) { y.Value[31] ^= 1 },
		func(x, _ *Share, _ *string) { x.Origin = "accord/newstart/CHN" },
		func(_, _ *Share, id *string) { *id = "e" },
	} {
		x, y, id := a, b, "d"
		edit(&x, &y, &id)
		if s2, _ := Seed(id, x, y); s2 == s {
			t.Error("an edited share gives the same seed")
		}
	}
	if _, err := Seed("d", a, a); !errors.Is(err, ErrShares) {
		t.Fatalf("one log's shares: %v", err)
	}
}

// TestBundleAnyChange flips each byte of a bundle file in turn: the file
// no longer parses, or the draw no longer verifies.
func TestBundleAnyChange(t *testing.T) {
	usa, rus := twoParties(t)
	good, other := usa.bundle().Marshal(), rus.bundle()
	for i := range good {
		b := bytes.Clone(good)
		b[i] ^= 1
		parsed, err := ParseBundle(b)
		if err != nil {
			continue
		}
		if _, err := Check(parsed, other, usa.log.v, rus.log.v); err == nil {
			t.Fatalf("byte %d (%q) flipped: the draw still verifies", i, good[i])
		}
	}
}

package evidence

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"accord/internal/notetest"
)

// forkLog is one log key that signed checkpoints of two histories: the
// honest one and a fork that shares its first forkAt entries.
type forkLog struct {
	signer  note.Signer
	v       note.Verifier
	vkey    string
	trees   map[string]*memTree // "honest" and "fork"
	signed  map[string][]byte   // "honest@5" → the signed checkpoint
	history map[string]string   // root hash → "honest", "fork" or "both"
}

const forkAt = 3

// memTree is an in-memory RFC 6962 tree built with x/mod's tlog.
type memTree struct {
	hashes []tlog.Hash
	n      int64
}

func (m *memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memTree) add(tb testing.TB, leaf string) {
	hs, err := tlog.StoredHashes(m.n, []byte(leaf), m)
	if err != nil {
		tb.Fatal(err)
	}
	m.hashes = append(m.hashes, hs...)
	m.n++
}

func (m *memTree) root(tb testing.TB, n int64) []byte {
	h, err := tlog.TreeHash(n, m)
	if err != nil {
		tb.Fatal(err)
	}
	return h[:]
}

func (m *memTree) proof(tb testing.TB, older, newer int64) [][]byte {
	p, err := tlog.ProveTree(newer, older, m)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, h := range p {
		out = append(out, bytes.Clone(h[:]))
	}
	return out
}

// newForkLog signs checkpoints of sizes 3, 5 and 8 of both histories.
func newForkLog(tb testing.TB) *forkLog {
	s, vkey := newKey(tb, "accord/newstart/USA", "fork log")
	v, err := note.NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	fl := &forkLog{signer: s, v: v, vkey: vkey, trees: map[string]*memTree{"honest": {}, "fork": {}},
		signed: map[string][]byte{}, history: map[string]string{}}
	for i := range 8 {
		fl.trees["honest"].add(tb, fmt.Sprint("entry ", i))
		if i < forkAt {
			fl.trees["fork"].add(tb, fmt.Sprint("entry ", i))
		} else {
			fl.trees["fork"].add(tb, fmt.Sprint("other entry ", i))
		}
	}
	for name, tr := range fl.trees {
		for _, n := range []int64{3, 5, 8} {
			root := tr.root(tb, n)
			cp := log.Checkpoint{Origin: v.Name(), Size: uint64(n), Hash: root}
			b, err := note.Sign(&note.Note{Text: string(cp.Marshal())}, s)
			if err != nil {
				tb.Fatal(err)
			}
			fl.signed[fmt.Sprint(name, "@", n)] = b
			if n <= forkAt {
				fl.history[string(root)] = "both"
			} else {
				fl.history[string(root)] = name
			}
		}
	}
	return fl
}

// evidence makes the evidence that the checkpoint older (e.g. "honest@5")
// and newer are inconsistent, with the prefix root and proof taken from
// newer's history.
func (fl *forkLog) evidence(tb testing.TB, older, newer string) (*Evidence, error) {
	var name string
	var a, b int64
	fmt.Sscanf(strings.Replace(older, "@", " ", 1), "%s %d", &name, &a)
	fmt.Sscanf(strings.Replace(newer, "@", " ", 1), "%s %d", &name, &b)
	tr := fl.trees[name]
	var prf [][]byte
	if a < b {
		prf = tr.proof(tb, a, b)
	}
	e, err := New(fl.vkey, fl.signed[older], fl.signed[newer], tr.root(tb, a), prf, []string{"https://usa.example/", "https://rus.example/"})
	if e != nil {
		e.DetectedBy = "accord/newstart/RUS"
		e.DetectedAt = time.Date(2021, 2, 3, 4, 5, 6, 7, time.UTC)
	}
	return e, err
}

func TestParseAndVerify(t *testing.T) {
	fl := newForkLog(t)
	for _, c := range [][2]string{{"honest@5", "fork@8"}, {"honest@5", "fork@5"}, {"fork@8", "honest@8"}} {
		e, err := fl.evidence(t, c[0], c[1])
		if err != nil {
			t.Fatalf("%s, %s: %v", c[0], c[1], err)
		}
		p, err := Parse(e.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, e, p)
		for _, v := range []note.Verifier{fl.v, nil} {
			got, err := Verify(p, v)
			if err != nil {
				t.Fatalf("%s, %s: %v", c[0], c[1], err)
			}
			if got.Origin != fl.v.Name() || got.Older.Size > got.Newer.Size {
				t.Fatalf("%s, %s: verified %+v", c[0], c[1], got)
			}
		}
	}
	for _, c := range [][2]string{{"honest@3", "fork@8"}, {"honest@3", "honest@8"}, {"honest@5", "honest@5"}, {"fork@8", "fork@5"}} {
		if _, err := fl.evidence(t, c[0], c[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s, %s: New = %v, want ErrInvalid", c[0], c[1], err)
		}
	}

	good, _ := fl.evidence(t, "honest@5", "fork@8")
	for name, b := range map[string]string{
		"empty":     "",
		"truncated": string(good.Marshal()[:100]),
		"array":     "[]",
		"bad hash":  `{"prefix_root":"!!"}`,
		"bad time":  `{"detected_at":"yesterday"}`,
		"too large": `{"explanation":"` + strings.Repeat("x", maxFile) + `"}`,
	} {
		if _, err := Parse([]byte(b)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
	_, otherV := newKey(t, "accord/newstart/USA", "another key")
	for name, edit := range map[string]func(e *Evidence){
		"format":        func(e *Evidence) { e.Format = "accord evidence v2" },
		"bad vkey":      func(e *Evidence) { e.LogVKey = "nonsense" },
		"other origin":  func(e *Evidence) { e.Origin = "accord/newstart/RUS" },
		"other key":     func(e *Evidence) { e.LogVKey = otherV },
		"swapped":       func(e *Evidence) { e.Older, e.Newer = e.Newer, e.Older },
		"older altered": func(e *Evidence) { e.Older = strings.Replace(e.Older, "\n5\n", "\n4\n", 1) },
		"proof altered": func(e *Evidence) { e.Proof[0][0] ^= 1 },
		"proof cut":     func(e *Evidence) { e.Proof = e.Proof[1:] },
		"prefix root":   func(e *Evidence) { e.PrefixRoot = fl.trees["honest"].root(t, 5) },
	} {
		e, err := Parse(good.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		edit(e)
		if _, err := Verify(e, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Verify = %v, want ErrInvalid", name, err)
		}
	}
}

// newKey returns a key for name derived from seed: keys must not change
// between runs, or the fuzzer's cached inputs would prove other things.
func newKey(t testing.TB, name, seed string) (note.Signer, string) {
	skey, vkey, err := note.GenerateKey(fixedStream(seed), name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

// checkSame fails unless a and b hold the same evidence.
func checkSame(t *testing.T, a, b *Evidence) {
	t.Helper()
	same := a.Format == b.Format && a.Origin == b.Origin && a.LogVKey == b.LogVKey &&
		a.Older == b.Older && a.Newer == b.Newer && bytes.Equal(a.PrefixRoot, b.PrefixRoot) &&
		len(a.Proof) == len(b.Proof) && a.Explanation == b.Explanation && a.DetectedBy == b.DetectedBy &&
		a.DetectedAt.Equal(b.DetectedAt) && strings.Join(a.Sources, "\n") == strings.Join(b.Sources, "\n") &&
		len(a.Sources) == len(b.Sources)
	for i := 0; same && i < len(a.Proof); i++ {
		same = bytes.Equal(a.Proof[i], b.Proof[i])
	}
	if !same {
		t.Fatalf("evidence changed in a round trip:\n%s\n%s", a.Marshal(), b.Marshal())
	}
}

// FuzzParse checks that Parse never panics and that what it accepts
// survives Marshal and Parse unchanged, and that Verify never panics on
// it. Verify must agree with itself whether given the key or told to use
// the file's, and what it accepts must really be two checkpoints of
// different histories: the fuzzer cannot sign, so every checkpoint that
// verifies is one of the test log's.
func FuzzParse(f *testing.F) {
	fl := newForkLog(f)
	for _, c := range [][2]string{{"honest@5", "fork@8"}, {"honest@5", "fork@5"}, {"fork@5", "honest@8"}} {
		e, err := fl.evidence(f, c[0], c[1])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.Marshal())
		// The same without the members Verify does not read, to keep the
		// inputs the fuzzer mutates short.
		e.Explanation, e.DetectedBy, e.DetectedAt, e.Sources = "", "", time.Time{}, nil
		f.Add(e.Marshal())
	}
	// Consistent pairs, which New refuses, written by hand.
	for _, c := range []struct {
		older, newer string
		a            int64
	}{{"honest@3", "fork@8", 3}, {"honest@5", "honest@8", 5}} {
		tr := fl.trees[strings.Split(c.newer, "@")[0]]
		e := &Evidence{Format: Format, Origin: fl.v.Name(), LogVKey: fl.vkey,
			Older: string(fl.signed[c.older]), Newer: string(fl.signed[c.newer]),
			PrefixRoot: tr.root(f, c.a), Proof: tr.proof(f, c.a, 8)}
		f.Add(e.Marshal())
	}
	f.Add([]byte(`{"format":"accord evidence v1","detected_at":"2021-02-03T04:05:06.5+01:00","prefix_root":"","consistency_proof":[null,""],"sources":[]}`))
	f.Add([]byte("{\"format\":\"accord evidence v1\",\"older_checkpoint\":\"a\\n\xff\\n\",\"newer_checkpoint\":\"\\u0000\",\"unknown\":{\"x\":[1,2]}}"))
	cached := notetest.Caching(fl.v)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		m := e.Marshal()
		e2, err := Parse(m)
		if err != nil {
			t.Fatalf("Marshal wrote what Parse refuses: %v\n%s", err, m)
		}
		checkSame(t, e, e2)
		if m2 := e2.Marshal(); !bytes.Equal(m, m2) {
			t.Fatalf("Marshal is not stable:\n%s\n%s", m, m2)
		}
		got, err := Verify(e, cached)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Verify error does not wrap ErrInvalid: %v", err)
		}
		// With the file's key Verify checks signatures afresh, which is
		// slow: do it when the key is another one, or to confirm a success.
		if e.LogVKey != fl.vkey || err == nil {
			_, errFile := Verify(e, nil)
			if errFile != nil && !errors.Is(errFile, ErrInvalid) {
				t.Fatalf("Verify error does not wrap ErrInvalid: %v", errFile)
			}
			fv, _ := note.NewVerifier(e.LogVKey)
			same := fv != nil && fv.Name() == fl.v.Name() && fv.KeyHash() == fl.v.KeyHash()
			if same && (err == nil) != (errFile == nil) {
				t.Fatalf("Verify with the key: %v; with the file's copy of it: %v", err, errFile)
			}
			if !same && errFile == nil {
				t.Fatalf("Verify accepted the test log's checkpoints under another key %q", e.LogVKey)
			}
		}
		if err != nil {
			return
		}
		a, bb := fl.history[string(got.Older.Hash)], fl.history[string(got.Newer.Hash)]
		if a == "" || bb == "" || a == bb || a == "both" || bb == "both" {
			t.Fatalf("Verify accepted checkpoints of one history (%s, %s):\n%s", a, bb, m)
		}
	})
}

// fixedStream is an endless byte stream determined by seed.
type fixedStream string

func (f fixedStream) Read(p []byte) (int, error) {
	for i := range p {
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", f, i))
		p[i] = h[0]
	}
	return len(p), nil
}

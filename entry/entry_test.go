package entry

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// seededReader yields a fixed byte stream, so that test keys are stable.
type seededReader struct{ seed string }

func (r *seededReader) Read(p []byte) (int, error) {
	for i := range p {
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", r.seed, i))
		p[i] = h[0]
	}
	return len(p), nil
}

// testKey returns a deterministic key for the log of party in treaty.
func testKey(t testing.TB, treaty, party string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(&seededReader{treaty + party}, Origin(treaty, party))
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func testEntry() *Entry {
	return &Entry{
		Treaty:    "newstart",
		Party:     "USA",
		Kind:      Declaration,
		Effective: time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC),
		Created:   time.Date(2020, 9, 1, 12, 30, 0, 500_000_000, time.UTC),
		Body:      []byte(`{"deployed":{"icbm":400,"slbm":220},"note":"éà \u2028<>&","ratio":0.5}`),
	}
}

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
		t.Errorf("%s changed:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGoldenEntry(t *testing.T) {
	s, v := testKey(t, "newstart", "USA")
	b, err := Sign(testEntry(), s)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "entry-v1.golden", b)
	golden(t, "newstart-USA.vkey", []byte(vkeyOf(t, "newstart", "USA")+"\n"))
	e, err := Open(b, v)
	if err != nil {
		t.Fatal(err)
	}
	if want := testEntry(); !equal(e, want) {
		t.Errorf("Open = %+v, want %+v", e, want)
	}
}

func vkeyOf(t *testing.T, treaty, party string) string {
	_, vkey, err := note.GenerateKey(&seededReader{treaty + party}, Origin(treaty, party))
	if err != nil {
		t.Fatal(err)
	}
	return vkey
}

func equal(a, b *Entry) bool {
	return a.Treaty == b.Treaty && a.Party == b.Party && a.Kind == b.Kind &&
		a.Effective.Equal(b.Effective) && a.Created.Equal(b.Created) && bytes.Equal(a.Body, b.Body)
}

// TestGoldenVerifies checks the golden entry with the golden key alone, as
// an outside verifier would.
func TestGoldenVerifies(t *testing.T) {
	b, _ := os.ReadFile("testdata/entry-v1.golden")
	vkey, _ := os.ReadFile("testdata/newstart-USA.vkey")
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestSignRefuses(t *testing.T) {
	s, _ := testKey(t, "newstart", "USA")
	tests := []struct {
		name   string
		edit   func(e *Entry)
		target error
	}{
		{"unknown kind", func(e *Entry) { e.Kind = "rumour" }, ErrUnknownKind},
		{"bad treaty", func(e *Entry) { e.Treaty = "new start" }, ErrMalformed},
		{"empty party", func(e *Entry) { e.Party = "" }, ErrMalformed},
		{"other party", func(e *Entry) { e.Party = "RUS" }, ErrSignature},
		{"other treaty", func(e *Entry) { e.Treaty = "freeze" }, ErrSignature},
		{"effective not a date", func(e *Entry) { e.Effective = e.Effective.Add(time.Hour) }, ErrMalformed},
		{"created not UTC", func(e *Entry) { e.Created = e.Created.In(time.FixedZone("X", 3600)) }, ErrMalformed},
		{"body not canonical", func(e *Entry) { e.Body = []byte(`{"b":1, "a":2}`) }, ErrNotCanonical},
		{"body not an object", func(e *Entry) { e.Body = []byte(`[1]`) }, ErrMalformed},
		{"body duplicate key", func(e *Entry) { e.Body = []byte(`{"a":1,"a":1}`) }, ErrMalformed},
		{"too large", func(e *Entry) { e.Body = []byte(`{"a":"` + strings.Repeat("x", MaxSize) + `"}`) }, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEntry()
			tt.edit(e)
			_, err := Sign(e, s)
			if !errors.Is(err, tt.target) {
				t.Fatalf("Sign = %v, want %v", err, tt.target)
			}
		})
	}
}

// TestOpenRefuses alters a valid encoding in ways a verifier must catch.
func TestOpenRefuses(t *testing.T) {
	s, v := testKey(t, "newstart", "USA")
	_, other := testKey(t, "newstart", "RUS")
	good, err := Sign(testEntry(), s)
	if err != nil {
		t.Fatal(err)
	}
	sub := func(old, new string) []byte { return []byte(strings.Replace(string(good), old, new, 1)) }
	tests := []struct {
		name   string
		b      []byte
		v      note.Verifier
		target error
	}{
		{"good", good, v, nil},
		{"wrong log", good, other, ErrSignature},
		{"changed body", sub(`400`, `401`), v, ErrSignature},
		{"changed kind", sub("kind declaration", "kind notification"), v, ErrSignature},
		{"unknown kind", sub("kind declaration", "kind rumour"), v, ErrUnknownKind},
		{"non-canonical body", sub(`{"deployed"`, `{ "deployed"`), v, ErrNotCanonical},
		{"non-canonical time", sub("12:30:00.5Z", "12:30:00.50Z"), v, ErrNotCanonical},
		{"offset time", sub("12:30:00.5Z", "12:30:00.5+00:00"), v, ErrNotCanonical},
		{"extra line", sub("body ", "extra 1\nbody "), v, ErrMalformed},
		{"two signatures", append(bytes.Clone(good), good[bytes.LastIndex(good, []byte("\n—"))+1:]...), v, ErrNotCanonical},
		{"truncated", good[:len(good)-10], v, ErrMalformed},
		{"no signature", good[:bytes.LastIndex(good, []byte("\n—"))+1], v, ErrMalformed},
		{"too large", bytes.Repeat([]byte("x"), MaxSize+1), v, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.b, tt.v)
			if !errors.Is(err, tt.target) || (tt.target == nil) != (err == nil) {
				t.Fatalf("Open = %v, want %v", err, tt.target)
			}
		})
	}
}

// FuzzParse checks that any input Parse accepts is the exact re-encoding of
// what it decoded: decode then encode is the identity.
func FuzzParse(f *testing.F) {
	s, _ := testKey(f, "newstart", "USA")
	good, err := Sign(testEntry(), s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte("400"), []byte("4.0e2"), 1))
	f.Add([]byte(header + "\ntreaty t\nparty p\nkind declaration\neffective 2020-01-01\ncreated 2020-01-01T00:00:00Z\nbody {}\n\n— accord/t/p AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, sig, err := Parse(b)
		if err != nil {
			return
		}
		text, err := e.Text()
		if err != nil {
			t.Fatalf("parsed entry does not encode: %v", err)
		}
		again := fmt.Appendf(text, "\n— %s %s\n", sig.Name, sig.Base64)
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the bytes:\n%q\n%q", b, again)
		}
	})
}

package entry

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// FuzzParse checks Parse against an independent reading of
// docs/formats.md: whatever Parse accepts, encodeV1 (which shares no code
// with Entry.Text) re-encodes to the same bytes; its fields obey the
// format's rules; decoding the re-encoding gives the same fields; and a
// different key of the same name never opens it.
func FuzzParse(f *testing.F) {
	s, _ := testKey(f, "newstart", "USA")
	good, err := Sign(testEntry(), s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte("400"), []byte("4.0e2"), 1))
	f.Add(bytes.Replace(good, []byte("00.5Z"), []byte("00.50Z"), 1))
	f.Add([]byte(header + "\ntreaty t\nparty p\nkind declaration\neffective 2020-01-01\ncreated 2020-01-01T00:00:00Z\nbody {}\n\n— accord/t/p AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, sig, err := Parse(b)
		if err != nil {
			return
		}
		if got := encodeV1(t, e, sig); !bytes.Equal(got, b) {
			t.Fatalf("Parse accepted bytes the format does not produce:\n%q\nformat: %q", b, got)
		}
		checkFields(t, e)
		e2, sig2, err := Parse(encodeV1(t, e, sig))
		if err != nil || !equal(e, e2) || sig2 != sig {
			t.Fatalf("re-encoding does not decode to the same entry: %v", err)
		}
		if _, err := Open(b, wrongKey(t, e.Origin())); err == nil {
			t.Fatal("another key of the same name opened the entry")
		}
	})
}

// encodeV1 encodes an entry and its signature as docs/formats.md specifies,
// independently of Entry.Text.
func encodeV1(t *testing.T, e *Entry, sig note.Signature) []byte {
	c := e.Created
	frac := ""
	if ns := c.Nanosecond(); ns != 0 {
		frac = strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Base64)
	if err != nil || len(raw) != 68 || binary.BigEndian.Uint32(raw) != sig.Hash {
		t.Fatalf("Parse accepted a signature that is not a 4-byte key hash and an Ed25519 signature: %q", sig.Base64)
	}
	lines := []string{
		"accord entry v1",
		"treaty " + e.Treaty,
		"party " + e.Party,
		"kind " + string(e.Kind),
		fmt.Sprintf("effective %04d-%02d-%02d", e.Effective.Year(), int(e.Effective.Month()), e.Effective.Day()),
		fmt.Sprintf("created %04d-%02d-%02dT%02d:%02d:%02d%sZ", c.Year(), int(c.Month()), c.Day(), c.Hour(), c.Minute(), c.Second(), frac),
		"body " + string(e.Body),
		"",
		"— " + sig.Name + " " + base64.StdEncoding.EncodeToString(raw),
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// checkFields checks the decoded fields against the format's rules.
func checkFields(t *testing.T, e *Entry) {
	ident := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	kinds := []Kind{"declaration", "notification", "acknowledgement", "inspection", "commitment"}
	switch {
	case !ident.MatchString(e.Treaty) || !ident.MatchString(e.Party):
		t.Fatalf("bad treaty or party id %q %q", e.Treaty, e.Party)
	case !slices.Contains(kinds, e.Kind):
		t.Fatalf("unknown kind %q", e.Kind)
	case e.Effective.Location() != time.UTC || e.Effective.Hour()+e.Effective.Minute()+e.Effective.Second()+e.Effective.Nanosecond() != 0:
		t.Fatalf("effective %v is not midnight UTC", e.Effective)
	case e.Created.Location() != time.UTC:
		t.Fatalf("created %v is not UTC", e.Created)
	case !json.Valid(e.Body) || e.Body[0] != '{' || bytes.ContainsAny(e.Body, "\n\r"):
		t.Fatalf("body %q is not one line of JSON holding an object", e.Body)
	}
}

// wrongKey returns a key named origin that no test entry is signed with.
func wrongKey(t *testing.T, origin string) note.Verifier {
	_, vkey, err := note.GenerateKey(&seededReader{"wrong " + origin}, origin)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

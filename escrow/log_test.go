package escrow

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// TestLogBody pins the two escrow entry bodies byte for byte, checks that
// they are canonical JSON and round-trip, and that every other spelling
// of them fails the check encoding.
func TestLogBody(t *testing.T) {
	c, _, rs := commitSample(t)
	h, rh := c.Hash(), sha256.Sum256(rs[0].Marshal())
	bodies := map[string]*LogBody{
		`{"commitment":"` + base64.StdEncoding.EncodeToString(c.Marshal()) + `","escrow":"commitment"}`:                      {Commitment: c},
		fmt.Sprintf(`{"commitment":"%x","count":%d,"escrow":"reveal","region":"central","reveal":"%x"}`, h, rs[0].Count, rh): {Reveal: LogReveal(rs[0])},
	}
	for want, b := range bodies {
		got := b.Marshal()
		if string(got) != want {
			t.Fatalf("body\n%s\nwant\n%s", got, want)
		}
		if canon, err := entry.CanonicalJSON(got); err != nil || !bytes.Equal(canon, got) {
			t.Fatalf("body is not canonical JSON: %v", err)
		}
		back, err := ParseLogBody(got)
		if err != nil || !bytes.Equal(back.Marshal(), got) {
			t.Fatalf("parse→marshal: %v", err)
		}
		for _, bad := range respellings(want) {
			if bad == want {
				continue // a respelling that does not apply to this body
			}
			if _, err := ParseLogBody([]byte(bad)); !errors.Is(err, ErrEncoding) {
				t.Errorf("%s: got %v, want the check encoding to fail", bad, err)
			}
		}
	}
}

// respellings returns bodies that differ from the canonical body b in
// one way each.
func respellings(b string) []string {
	out := []string{
		" " + b,
		strings.Replace(b, `","`, `", "`, 1),
		strings.Replace(b, `{`, `{"extra":1,`, 1),
		strings.Replace(b, `"escrow":"`, `"escrow":"x`, 1),
		strings.TrimSuffix(b, "}") + `,"zz":0}`,
		b + "\n",
		"[" + b + "]",
	}
	if i := strings.Index(b, `"count":`); i >= 0 {
		out = append(out,
			strings.Replace(b, `"region":"central"`, `"region":"-central"`, 1),
			strings.Replace(b, `"commitment":"`, `"commitment":"A`, 1),
			strings.Replace(b, `"count":`, `"count":0`, 1),
			b[:i]+b[strings.Index(b, `"escrow"`):], // no count
			strings.ToUpper(b[:20])+b[20:],
		)
	} else {
		raw, _ := base64.StdEncoding.DecodeString(b[len(`{"commitment":"`):strings.Index(b, `","escrow"`)])
		out = append(out,
			strings.Replace(b, `","escrow"`, `=","escrow"`, 1),
			`{"commitment":"`+base64.StdEncoding.EncodeToString(append(raw, 0))+`","escrow":"commitment"}`,
			`{"commitment":"`+base64.URLEncoding.EncodeToString(raw)+`","escrow":"commitment"}`,
		)
	}
	return out
}

// TestParseBundle checks the bundle file's form: what is not exactly a
// bundle is unreadable, before any check.
func TestParseBundle(t *testing.T) {
	good := `{"format":"accord escrow bundle v1","commitment":"c2sp.org/tlog-proof@v1\nindex 0\n\nlog\n1\nAAAA\n\n— log AAAA\n","reveals":[]}`
	if _, err := ParseBundle([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		strings.Replace(good, "v1\"", "v2\"", 1),
		strings.Replace(good, `"reveals":[]`, `"reveals":[],"x":1`, 1),
		good + "x",
		good + "{}",
		strings.Replace(good, "— log AAAA", "— log AAB=", 1),
		strings.Replace(good, "— log AAAA", "— log", 1),
		strings.Replace(good, `"reveals":[]`, `"reveals":[{"receipt":"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n1\nAAAA\n\n— log AAAA\n","reveal":"AB=="}]`, 1),
		strings.Replace(good, "index 0", "index -1", 1),
		"",
	} {
		if _, err := ParseBundle([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseLogBody(f *testing.F) {
	c, _, rs := commitSample(f)
	f.Add((&LogBody{Commitment: c}).Marshal())
	f.Add((&LogBody{Reveal: LogReveal(rs[0])}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := ParseLogBody(b)
		if err != nil {
			return
		}
		if !bytes.Equal(body.Marshal(), b) {
			t.Fatalf("parse→marshal changed %q", b)
		}
	})
}

// oneEntryBundle returns a bundle of a log of one entry, the sample's
// commitment, with its log key.
func oneEntryBundle(t testing.TB) (*Bundle, note.Verifier, note.Signer) {
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), "accord/newstart/USA")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := note.NewVerifier(vkey)
	s, _ := note.NewSigner(skey)
	c, _, _ := commitSample(t)
	e := &entry.Entry{Treaty: "newstart", Party: "USA", Kind: entry.Commitment, Body: (&LogBody{Commitment: c}).Marshal()}
	e.Effective, _ = parseDate(c.Date)
	e.Created = e.Effective
	enc, err := entry.Sign(e, s)
	if err != nil {
		t.Fatal(err)
	}
	leaf := entry.LeafHash(enc)
	cp, _ := note.Sign(&note.Note{Text: fmt.Sprintf("accord/newstart/USA\n1\n%s\n", base64.StdEncoding.EncodeToString(leaf[:]))}, s)
	b := &Bundle{Commitment: &entry.Receipt{Entry: enc, Checkpoint: cp}}
	if _, err := CheckBundle(b, v); err != nil {
		t.Fatalf("one-entry bundle: %v", err)
	}
	return b, v, s
}

func FuzzParseBundle(f *testing.F) {
	b, v, _ := oneEntryBundle(f)
	f.Add(b.Marshal())
	_, _, rs := commitSample(f)
	b.Reveals = []BundleReveal{{b.Commitment, rs[0].Marshal()}}
	if _, err := CheckBundle(b, v); !errors.Is(err, ErrLog) {
		f.Fatalf("seed: %v", err) // its reveal's receipt holds the commitment
	}
	f.Add(b.Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		CheckBundle(b, v) // must not panic
	})
}

func FuzzParseEvidence(f *testing.F) {
	b, v, s := oneEntryBundle(f)
	c, _, _ := commitSample(f)
	o := Observation{Commitment: c.Hash(), Region: "central", Site: "minot", Category: DeployedStrategic, UID: "W87-0099", Date: "2021-05-04"}
	signed, err := SignObservation(&o, s)
	if err != nil {
		f.Fatal(err)
	}
	e := &Evidence{PartyKey: v.Name() + "+00000000+AAAA", InspectorKey: "x", Bundle: b, Observation: signed}
	f.Add(e.Marshal())
	if _, _, err := ProveIncomplete(e, v, v); !errors.Is(err, ErrObservation) {
		f.Fatalf("seed: %v, want the region not revealed", err)
	}
	e.Flows = []Flow{{Kind: Produced, Date: "2021-01-01", UID: "W87-0099", Site: "minot"}}
	f.Add(e.Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEvidence(data)
		if err != nil {
			return
		}
		ProveIncomplete(e, v, v) // must not panic
		ProveIncomplete(e, nil, nil)
	})
}

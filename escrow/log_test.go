package escrow

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

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

func FuzzParseBundle(f *testing.F) {
	l := newTestLog(f)
	c, _, rs := commitSample(f)
	l.commit(f, c)
	l.reveal(f, rs[0], "2020-11-01")
	l.notify(f, "2021-01-05", "warhead_dismantled", lotOf("kirtland", "warhead", "retired", 5))
	f.Add(l.bundle(f, 0, rs[0]).Marshal())
	f.Add(l.bundle(f, 0).Marshal())
	p := l.policy()
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		CheckBundle(b, l.v, p) // must not panic
	})
}

func FuzzParseEvidence(f *testing.F) {
	l := newTestLog(f)
	c, _, rs := commitSample(f)
	l.commit(f, c)
	l.reveal(f, rs[0], "2020-11-01")
	s, v := testKey(f, "inspector-RUS")
	o := Observation{Commitment: c.Hash(), Region: "central", Site: "minot", Category: DeployedStrategic, UID: "W87-0099", Date: "2021-05-04"}
	signed, err := SignObservation(&o, s)
	if err != nil {
		f.Fatal(err)
	}
	e := &Evidence{PartyKey: testVKey(f, "accord/us-freeze-2020/USA"), InspectorKey: testVKey(f, "inspector-RUS"), Bundle: l.bundle(f, 0, rs[0]), Observation: signed}
	if _, _, err := ProveIncomplete(e, nil, nil, l.policy()); err != nil {
		f.Fatalf("seed: %v", err)
	}
	f.Add(e.Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEvidence(data)
		if err != nil {
			return
		}
		ProveIncomplete(e, l.v, v, l.policy()) // must not panic
		ProveIncomplete(e, nil, nil, nil)
	})
}

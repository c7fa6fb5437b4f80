package body

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"accord/entry"
)

var update = flag.Bool("update", false, "rewrite golden files")

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
		t.Errorf("%s differs:\ngot  %s\nwant %s", name, got, want)
	}
}

func sampleNotification() *Notification {
	return &Notification{
		Type: "change_in_data",
		Items: []Item{
			item("MM3-0001", "MM-III", "icbm", "deployed", "malmstrom", 1),
			{UID: "B52-0007", Status: "converted"},
		},
		Fields:   map[string]string{"note": "café ☢ <&>"},
		ID:       "req-1",
		Corrects: &Ref{Origin: "accord/newstart/USA", Index: 41, LeafHash: Hash{1, 2, 3}},
	}
}

// TestNotificationGolden pins the canonical encoding byte for byte.
func TestNotificationGolden(t *testing.T) {
	b, err := sampleNotification().Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "notification-v1.golden", append(b, '\n'))
	a, err := (&Acknowledgement{Entry: Ref{Origin: "accord/newstart/RUS", Index: 7, LeafHash: Hash{0xff}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "acknowledgement-v1.golden", append(a, '\n'))
}

func TestParseRoundTrip(t *testing.T) {
	b, _ := sampleNotification().Encode()
	n, err := ParseNotification(b)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := n.Encode()
	if !bytes.Equal(b, c) {
		t.Fatalf("round trip changed the body:\n%s\n%s", b, c)
	}
}

// TestParseRefuses shows that only the canonical encoding is accepted.
func TestParseRefuses(t *testing.T) {
	for _, body := range []string{
		``,
		`[]`,
		`{}`,
		`{"type":"movement"} `,
		` {"type":"movement"}`,
		`{"type":"movement","type":"launch"}`,
		`{"Type":"movement"}`,
		`{"type":"movement","extra":1}`,
		`{"items":[],"type":"movement"}`,
		`{"type":"movement","items":[{"uid":"A"}]}`,
		`{"items":[{"uid":"A","warheads":1.0}],"type":"movement"}`,
		`{"items":[{"uid":"A","warheads":1e0}],"type":"movement"}`,
		`{"items":[{"uid":""}],"type":"movement"}`,
		`{"items":[{"uid":"has space"}],"type":"movement"}`,
		`{"fields":{"x":""},"type":"launch"}`,
		`{"corrects":{"index":1,"leaf_hash":"AAAA","origin":"accord/newstart/USA"},"type":"movement"}`,
		`{"corrects":{"index":1,"leaf_hash":"0000000000000000000000000000000000000000000000000000000000000000","origin":"elsewhere"},"type":"movement"}`,
		// A leaf hash is 64 lowercase hex digits: not base64, not upper case.
		`{"corrects":{"index":1,"leaf_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","origin":"accord/newstart/USA"},"type":"movement"}`,
		`{"corrects":{"index":1,"leaf_hash":"FF00000000000000000000000000000000000000000000000000000000000000","origin":"accord/newstart/USA"},"type":"movement"}`,
		`{"type":"move\u00e9ment"}`,
		"{\"type\":\"movement\"}\x00",
		`{"type":"movement"}{"type":"movement"}`,
	} {
		if _, err := ParseNotification([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseNotification(%s) = %v, want ErrMalformed", body, err)
		}
	}
}

// TestEncodeIsCanonical checks that encoding/json writes the bodies in the
// canonical form, members in key order.
func TestEncodeIsCanonical(t *testing.T) {
	n := sampleNotification()
	n.Answers, n.From, n.To = &Ref{Origin: "accord/newstart/RUS"}, "a", "b"
	n.Fields["a\u2028"] = "x\u2029\x01\"\\"
	for _, v := range []any{n, &Acknowledgement{}} {
		c, err := encodeCanonical(v)
		if err != nil {
			t.Fatal(err)
		}
		canon, err := entry.CanonicalJSON(c)
		if err != nil || !bytes.Equal(canon, c) {
			t.Errorf("encoding is not canonical:\n%s\n%s %v", c, canon, err)
		}
	}
}

func FuzzParseNotification(f *testing.F) {
	b, _ := sampleNotification().Encode()
	f.Add(b)
	f.Add([]byte(`{"from":"a","items":[{"uid":"X"}],"to":"b","type":"movement"}`))
	f.Add([]byte(`{"answers":{"index":0,"leaf_hash":"0000000000000000000000000000000000000000000000000000000000000000","origin":"accord/newstart/RUS"},"fields":{"launch":"L1"},"type":"telemetry_reply"}`))
	f.Add([]byte(`{"type":"x","items":[{"uid":"A","warheads":-1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNotification(b)
		if err != nil {
			return
		}
		c, err := n.Encode()
		if err != nil {
			t.Fatalf("parsed body does not encode: %v", err)
		}
		if !bytes.Equal(b, c) {
			t.Fatalf("parse→encode is not the identity:\n%q\n%q", b, c)
		}
		if canon, err := entry.CanonicalJSON(c); err != nil || !bytes.Equal(canon, c) {
			t.Fatalf("encoding is not canonical: %q (%v)", c, err)
		}
	})
}

func FuzzParseAcknowledgement(f *testing.F) {
	a, _ := (&Acknowledgement{Entry: Ref{Origin: "accord/newstart/RUS", Index: 7}}).Encode()
	f.Add(a)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseAcknowledgement(b)
		if err != nil {
			return
		}
		c, err := v.Encode()
		if canon, _ := entry.CanonicalJSON(c); err != nil || !bytes.Equal(b, c) || !bytes.Equal(canon, c) {
			t.Fatalf("parse→encode is not the identity: %q %q %v", b, c, err)
		}
	})
}

// item returns a fully stated item.
func item(uid, typ, category, status, facility string, warheads int) Item {
	return Item{UID: uid, Type: typ, Category: category, Status: status, Facility: facility, Warheads: &warheads}
}

// TestCountBounds checks that every count a body carries is within 0 to
// MaxCount, whether a party encodes it or a peer's entry is parsed.
func TestCountBounds(t *testing.T) {
	for _, w := range []string{"-1", "1000000001", "9223372036854775807", "4611686018427387904"} {
		b := []byte(`{"items":[{"uid":"A","warheads":` + w + `}],"type":"change_in_data"}`)
		if _, err := ParseNotification(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("warheads %s: parsed (%v)", w, err)
		}
	}
	for _, w := range []int{-1, MaxCount + 1} {
		n := &Notification{Type: "change_in_data", Items: []Item{{UID: "A", Warheads: &w}}}
		if _, err := n.Encode(); !errors.Is(err, ErrMalformed) {
			t.Errorf("warheads %d: encoded (%v)", w, err)
		}
	}
	if _, err := ParseNotification([]byte(`{"items":[{"uid":"A","warheads":1000000000}],"type":"change_in_data"}`)); err != nil {
		t.Errorf("warheads MaxCount: %v", err)
	}
}

package escrow

import (
	"bytes"
	"testing"
)

// The fuzz targets check that every parser accepts only canonical
// encodings: whatever parses marshals back to the same bytes.

func FuzzParseCommitment(f *testing.F) {
	c, _, _ := commitSample(f)
	f.Add(c.Marshal())
	f.Add([]byte(commitmentMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommitment(b)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Marshal(), b) {
			t.Fatalf("parse→marshal changed %x", b)
		}
		CheckCommitment(c) // must not panic
	})
}

func FuzzParseReveal(f *testing.F) {
	c, _, rs := commitSample(f)
	for _, r := range rs {
		f.Add(r.Marshal())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReveal(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Marshal(), b) {
			t.Fatalf("parse→marshal changed %x", b)
		}
		Verify(c, r) // must not panic
	})
}

func FuzzParseEntry(f *testing.F) {
	for _, e := range []Entry{{}, {Site: "s", UID: "u", Category: Retired}, {Site: "s", Counts: map[Category]uint32{Retired: 1}}} {
		f.Add(MarshalEntry(&e))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEntry(b)
		if err != nil {
			return
		}
		if !bytes.Equal(MarshalEntry(&e), b) {
			t.Fatalf("parse→marshal changed %x", b)
		}
	})
}

func FuzzParseObservation(f *testing.F) {
	o := Observation{Region: "central", Site: "minot", Category: DeployedStrategic, Count: 41, Date: "2021-05-04"}
	f.Add(o.Text())
	o.UID, o.Count = "W87-0099", 0
	f.Add(o.Text())
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseObservation(s)
		if err != nil {
			return
		}
		if o.Text() != s {
			t.Fatalf("parse→text changed %q", s)
		}
	})
}

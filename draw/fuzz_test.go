package draw

import (
	"bytes"
	"testing"

	"accord/entry"
)

// The fuzz targets check that the parsers accept only canonical
// encodings, and that nothing a bundle holds makes Check panic.

func FuzzParseBody(f *testing.F) {
	usa, rus := twoParties(f)
	for _, p := range []*party{usa, rus} {
		for _, i := range []uint64{p.commit, *p.reveal} {
			f.Add(bodyOf(f, p.log, i))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := ParseBody(b)
		if err != nil {
			return
		}
		if !bytes.Equal(body.Marshal(), b) || !Match(b) {
			t.Fatalf("parse→marshal changed %q", b)
		}
	})
}

func FuzzParseBundle(f *testing.F) {
	usa, rus := twoParties(f)
	f.Add(usa.bundle().Marshal())
	rus.reveal = nil
	f.Add(rus.bundle().Marshal())
	other := rus.bundle()
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		Check(b, other, usa.log.v, rus.log.v) // must not panic
		Check(b, b, usa.log.v)
	})
}

// bodyOf returns the body of entry i of l.
func bodyOf(t testing.TB, l *testLog, i uint64) []byte {
	e, err := entry.Open(l.entries[i], l.v)
	if err != nil {
		t.Fatal(err)
	}
	return e.Body
}

func FuzzParseSelection(f *testing.F) {
	f.Add([]byte(`{"inspection_type":"type_one","selection":{"by":"draw","draw":"rv-1","picks":[3,0],"chosen":["MM3-0042"]}}`))
	f.Add([]byte(`{"selection":{"by":"inspectors","chosen":["minot"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSelection(b)
		if err != nil || s == nil {
			return
		}
		if s.By == Jointly && (len(s.Picks) == 0 || !validID(s.Draw)) || s.By != Jointly && s.By != ByInspectors {
			t.Fatalf("accepted %+v", s)
		}
		s.Applies(&Result{ID: s.Draw}) // must not panic
	})
}

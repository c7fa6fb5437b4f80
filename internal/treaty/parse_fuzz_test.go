package treaty

import (
	"errors"
	"testing"
	"time"
)

// refusal fails unless err is the valueError the scalar parsers return,
// carrying the text that did not parse (Load uses it to find the line).
func refusal(t *testing.T, s string, err error) {
	t.Helper()
	var ve *valueError
	if !errors.As(err, &ve) || ve.value != s {
		t.Fatalf("%q refused with %#v, not a valueError carrying the input", s, err)
	}
}

// FuzzParseDate checks that ParseDate never panics, and that a date it
// accepts is a set date at midnight UTC whose String parses back to it.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2011-02-05", " 2026-02-05\n", "2000-02-29", "1999-02-29", "2011-2-5", "2011-02-05T00:00:00Z",
		"0000-01-01", "0001-01-01", "0001-01-02", "9999-12-31", "+2011-02-05", "2011-13-01", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			refusal(t, s, err)
			return
		}
		if d.IsZero() {
			t.Fatalf("%q parses to the zero Date, which means not set", s)
		}
		if tm := d.Time(); tm.Location() != time.UTC || tm != tm.Truncate(24*time.Hour) || DateOf(tm) != d {
			t.Fatalf("%q parses to %v, not midnight UTC", s, tm)
		}
		d2, err := ParseDate(d.String())
		if err != nil || !d2.Equal(d) {
			t.Fatalf("%q parses to %v, whose String %q parses to %v, %v", s, d, d.String(), d2, err)
		}
		if b, _ := d.MarshalText(); string(b) != d.String() {
			t.Fatalf("MarshalText %q, String %q", b, d.String())
		}
	})
}

// FuzzParsePeriod checks that ParsePeriod never panics, and that a period
// it accepts has no negative part and String writes a period that parses
// back to it.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{
		"10y", "3mo", "45d", "24h", "2w", "1y6mo", "1y2mo3w4d5h", " 30d ", "0d", "1000y", "1001d",
		"1d1d", "500d500d", "143w", "01d", "d", "5", "5m", "-5d", "+5d", "5 d", "5D", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			refusal(t, s, err)
			return
		}
		if p.Years < 0 || p.Months < 0 || p.Days < 0 || p.Hours < 0 {
			t.Fatalf("%q parses to a negative period %+v", s, p)
		}
		p2, err := ParsePeriod(p.String())
		if err != nil || p2 != p {
			t.Fatalf("%q parses to %+v, whose String %q parses to %+v, %v", s, p, p.String(), p2, err)
		}
	})
}

// FuzzParseDueRule checks that ParseDueRule never panics, and that a rule
// it accepts has a known anchor and String writes a rule that parses back
// to it.
func FuzzParseDueRule(f *testing.F) {
	for _, s := range []string{
		"effective + 5d", "entry_into_force - 30d", "received + 1y6mo", "  effective\t+\n0d ", "received - 143w",
		"effective + 500d500d", "effective +5d", "effective + 5d extra", "deployed + 5d", "effective * 5d", "effective + ", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseDueRule(s)
		if err != nil {
			refusal(t, s, err)
			return
		}
		if r.IsZero() {
			t.Fatalf("%q parses to the zero rule, which means none", s)
		}
		r2, err := ParseDueRule(r.String())
		if err != nil || r2 != r {
			t.Fatalf("%q parses to %+v, whose String %q parses to %+v, %v", s, r, r.String(), r2, err)
		}
	})
}

package treaty

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DateLayout is the one date format accord reads and writes: ISO 8601
// calendar dates.
const DateLayout = "2006-01-02"

// A Date is a calendar day, held as midnight UTC. The zero Date means "not
// set".
type Date struct{ t time.Time }

// A valueError is a scalar that does not parse. It carries the text, so
// that Load can find where in the file it stands.
type valueError struct {
	value string
	msg   string
}

func (e *valueError) Error() string { return e.msg }

func badValue(value, format string, args ...any) error {
	return &valueError{value: value, msg: fmt.Sprintf(format, args...)}
}

// ParseDate parses an ISO 8601 calendar date such as 2011-02-05. It
// refuses 0001-01-01, which is the zero Date ("not set").
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil {
		return Date{}, badValue(s, "invalid date %q: %s", s, whyNotDate(strings.TrimSpace(s)))
	}
	if t.IsZero() {
		return Date{}, badValue(s, "invalid date %q: 0001-01-01 stands for no date", s)
	}
	return Date{t}, nil
}

// whyNotDate says why s, which does not parse, is not a date: a day or
// month that does not exist, or not the YYYY-MM-DD format.
func whyNotDate(s string) string {
	var y, m, d int
	if len(s) != len(DateLayout) || s[4] != '-' || s[7] != '-' {
		return "want YYYY-MM-DD"
	}
	for _, p := range []struct {
		text string
		n    *int
	}{{s[:4], &y}, {s[5:7], &m}, {s[8:], &d}} {
		n, err := strconv.Atoi(p.text)
		if err != nil || strings.ContainsAny(p.text, "+-") {
			return "want YYYY-MM-DD"
		}
		*p.n = n
	}
	switch last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(); {
	case m < 1 || m > 12:
		return fmt.Sprintf("there is no month %02d", m)
	case d < 1 || d > last:
		return fmt.Sprintf("the day does not exist: %s %d has %d days", time.Month(m), y, last)
	}
	return "want YYYY-MM-DD"
}

// MustDate is ParseDate for constants in code and tests.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the calendar day of t in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func (d Date) IsZero() bool       { return d.t.IsZero() }
func (d Date) Time() time.Time    { return d.t }
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }
func (d Date) After(e Date) bool  { return d.t.After(e.t) }
func (d Date) Equal(e Date) bool  { return d.t.Equal(e.t) }
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }
func (d Date) Add(p Period) Date  { return DateOf(p.AddTo(d.t)) }
func (d Date) Year() int          { return d.t.Year() }
func (d Date) Compare(e Date) int { return d.t.Compare(e.t) }
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(DateLayout)
}

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// A Period is a length of calendar time such as 10y, 3mo, 45d or 24h.
// Years and months follow the calendar (time.AddDate).
type Period struct {
	Years, Months, Days, Hours int
}

// ParsePeriod parses a period written as one or more number–unit pairs:
// y (years), mo (months), w (weeks), d (days), h (hours); e.g. "10y",
// "45d", "1y6mo". Each unit totals at most 1000, weeks counted as days.
func ParsePeriod(s string) (Period, error) {
	var p Period
	rest := strings.TrimSpace(s)
	if rest == "" {
		return p, badValue(s, "empty period: want e.g. 30d, 24h, 3mo or 10y")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		j := i
		for j < len(rest) && rest[j] >= 'a' && rest[j] <= 'z' {
			j++
		}
		n, err := strconv.Atoi(rest[:i])
		if i == 0 || err != nil || n > 1000 {
			return Period{}, badValue(s, "invalid period %q: want e.g. 30d, 24h, 3mo or 10y", s)
		}
		switch rest[i:j] {
		case "y":
			p.Years += n
		case "mo":
			p.Months += n
		case "w":
			p.Days += 7 * n
		case "d":
			p.Days += n
		case "h":
			p.Hours += n
		default:
			return Period{}, badValue(s, "invalid period %q: unit must be y, mo, w, d or h", s)
		}
		rest = rest[j:]
	}
	// The bound is on each unit's total, so that String, which writes
	// weeks as days and sums repeated units, writes what parses.
	if max(p.Years, p.Months, p.Days, p.Hours) > 1000 {
		return Period{}, badValue(s, "invalid period %q: at most 1000 of each unit (a week is 7 days)", s)
	}
	return p, nil
}

// AddTo returns t moved forward by p.
func (p Period) AddTo(t time.Time) time.Time {
	return t.AddDate(p.Years, p.Months, p.Days).Add(time.Duration(p.Hours) * time.Hour)
}

// SubFrom returns t moved back by p.
func (p Period) SubFrom(t time.Time) time.Time {
	return t.AddDate(-p.Years, -p.Months, -p.Days).Add(-time.Duration(p.Hours) * time.Hour)
}

func (p Period) IsZero() bool { return p == Period{} }

func (p Period) String() string {
	var b strings.Builder
	for _, u := range []struct {
		n    int
		unit string
	}{{p.Years, "y"}, {p.Months, "mo"}, {p.Days, "d"}, {p.Hours, "h"}} {
		if u.n != 0 {
			fmt.Fprintf(&b, "%d%s", u.n, u.unit)
		}
	}
	if b.Len() == 0 {
		return "0d"
	}
	return b.String()
}

func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

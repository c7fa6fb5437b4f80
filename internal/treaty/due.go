package treaty

import (
	"slices"
	"strings"
	"time"
)

// Anchors a deadline can be measured from.
var Anchors = []string{
	"effective",        // the date the notified fact takes effect (or data is as of)
	"entry_into_force", // the treaty's entry into force
	"received",         // when the notification this one answers was received
}

// A DueRule is a deadline written "ANCHOR + PERIOD" (at most PERIOD after
// the anchor) or "ANCHOR - PERIOD" (at least PERIOD before it).
type DueRule struct {
	Anchor string
	Before bool // the notification is due PERIOD before the anchor
	Period Period
}

// ParseDueRule parses a deadline such as "effective + 5d".
func ParseDueRule(s string) (DueRule, error) {
	f := strings.Fields(s)
	if len(f) != 3 || (f[1] != "+" && f[1] != "-") {
		return DueRule{}, badValue(s, "invalid deadline %q: want ANCHOR + PERIOD or ANCHOR - PERIOD, e.g. \"effective + 5d\"", s)
	}
	if !slices.Contains(Anchors, f[0]) {
		return DueRule{}, badValue(s, "invalid deadline %q: anchor must be one of %s", s, strings.Join(Anchors, ", "))
	}
	p, err := ParsePeriod(f[2])
	if err != nil {
		return DueRule{}, badValue(s, "invalid deadline %q: %v", s, err)
	}
	return DueRule{Anchor: f[0], Before: f[1] == "-", Period: p}, nil
}

// Due returns the deadline measured from anchor.
func (r DueRule) Due(anchor time.Time) time.Time {
	if r.Before {
		return r.Period.SubFrom(anchor)
	}
	return r.Period.AddTo(anchor)
}

func (r DueRule) IsZero() bool { return r.Anchor == "" }

func (r DueRule) String() string {
	if r.IsZero() {
		return ""
	}
	op := "+"
	if r.Before {
		op = "-"
	}
	return r.Anchor + " " + op + " " + r.Period.String()
}

func (r DueRule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func (r *DueRule) UnmarshalText(b []byte) error {
	v, err := ParseDueRule(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

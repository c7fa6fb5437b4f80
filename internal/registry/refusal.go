package registry

import (
	"errors"
	"fmt"
)

// The rules a notification can break. A *Refusal wraps exactly one of
// them (or ErrMalformed), so callers branch with errors.Is.
var (
	ErrUnknownType  = errors.New("unknown notification type")
	ErrFields       = errors.New("fields do not match the notification type")
	ErrUIDReused    = errors.New("uid already used")
	ErrNoSuchItem   = errors.New("item does not exist")
	ErrEliminated   = errors.New("item eliminated")
	ErrLifecycle    = errors.New("status change not allowed")
	ErrIdentity     = errors.New("item type or category changed")
	ErrFacility     = errors.New("item not at the facility")
	ErrCorrection   = errors.New("invalid correction")
	ErrAcknowledged = errors.New("invalid acknowledgement")
	// ErrWarheadsOnly: a change notification whose item changes only its
	// warheads (New START reports those only in the data exchange).
	ErrWarheadsOnly = errors.New("change in warheads only")
	ErrDuplicateID  = errors.New("notification id already used")
	// ErrBalance: a warhead flow that removes more warheads than a site
	// holds in a category and status (docs/warheads.md, "Balances").
	ErrBalance = errors.New("warhead balance would go negative")
)

// A Refusal is why a record cannot be applied: the rule it breaks, the
// item concerned (if any), and a sentence naming the facts and entries
// involved. A refused notification changes nothing.
type Refusal struct {
	Rule   error  // ErrMalformed or one of the rules above
	UID    string // the item concerned, or empty
	Reason string // e.g. "item M-1 was eliminated effective 2011-05-01 (entry accord/newstart/USA#4)"
}

func (e *Refusal) Error() string {
	if e.UID != "" {
		return fmt.Sprintf("refused: %v: item %s: %s", e.Rule, e.UID, e.Reason)
	}
	return fmt.Sprintf("refused: %v: %s", e.Rule, e.Reason)
}

func (e *Refusal) Unwrap() error { return e.Rule }

func refuse(rule error, format string, args ...any) *Refusal {
	return &Refusal{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

func refuseItem(rule error, uid, format string, args ...any) *Refusal {
	return &Refusal{Rule: rule, UID: uid, Reason: fmt.Sprintf(format, args...)}
}

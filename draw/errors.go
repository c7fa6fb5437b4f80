package draw

import "fmt"

// CheckError is the error of every failed check: Check names it (one of
// the names in docs/draws.md, "Checks"), Draw is the draw's id if known.
// errors.Is(err, ErrValue) and the like match on Check alone.
type CheckError struct {
	Check  string // e.g. "value"
	Draw   string // the draw's id, or ""
	Detail string // what was wrong, one lowercase line
}

func (e *CheckError) Error() string {
	s := "draw check " + e.Check + " failed"
	if e.Draw != "" {
		s += " for draw " + e.Draw
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is reports whether target is the sentinel of the same check.
func (e *CheckError) Is(target error) bool {
	t, ok := target.(*CheckError)
	return ok && t.Check == e.Check && t.Draw == "" && t.Detail == ""
}

// The checks, in the order [Check] applies them (docs/draws.md, "Checks").
var (
	ErrLog      = &CheckError{Check: "log"}      // an entry not proven in its party's log, or not a draw entry
	ErrEncoding = &CheckError{Check: "encoding"} // a body that is not a canonical draw body
	ErrWithheld = &CheckError{Check: "withheld"} // a commitment without its reveal
	ErrValue    = &CheckError{Check: "value"}    // a revealed value that does not hash to the commitment
	ErrTerms    = &CheckError{Check: "terms"}    // the two commitments are not to the same draw between the two parties
	ErrPeer     = &CheckError{Check: "peer"}     // a reveal that does not name the other party's commitment
)

// fail returns a *CheckError of check sentinel for draw id.
func fail(sentinel *CheckError, id, format string, args ...any) error {
	return &CheckError{Check: sentinel.Check, Draw: id, Detail: fmt.Sprintf(format, args...)}
}

package escrow

import "fmt"

// CheckError is the error of every failed check: Check names it (one of
// the names in docs/escrow.md, "Checks"), Region is the region it failed
// for, if any. errors.Is(err, ErrTree) and the like match on Check alone.
type CheckError struct {
	Check  string // e.g. "tree"
	Region string // the region checked, or ""
	Detail string // what was wrong, one lowercase line
}

func (e *CheckError) Error() string {
	s := "escrow check " + e.Check + " failed"
	if e.Region != "" {
		s += " for region " + e.Region
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is reports whether target is the sentinel of the same check.
func (e *CheckError) Is(target error) bool {
	t, ok := target.(*CheckError)
	return ok && t.Check == e.Check && t.Region == "" && t.Detail == ""
}

// The checks, in the order [Verify] applies them (docs/escrow.md, "Checks").
// Each is matched by errors.Is on any failure of that check.
var (
	ErrLog             = &CheckError{Check: "log"}              // a bundle's entries are not the party's logged commitment and reveals
	ErrWitness         = &CheckError{Check: "witness"}          // too few of the verifier's witnesses cosigned the bundle's checkpoint
	ErrEncoding        = &CheckError{Check: "encoding"}         // bytes that are not a canonical encoding
	ErrTotal           = &CheckError{Check: "total"}            // region commitments do not sum to the opened total
	ErrFreeze          = &CheckError{Check: "freeze"}           // the total exceeds the freeze baseline
	ErrCommitment      = &CheckError{Check: "commitment"}       // a reveal of another commitment
	ErrRegion          = &CheckError{Check: "region"}           // an unknown region, or one revealed twice
	ErrTree            = &CheckError{Check: "tree"}             // revealed leaves do not hash to the committed root
	ErrOrder           = &CheckError{Check: "order"}            // entries not in canonical order
	ErrCount           = &CheckError{Check: "count"}            // the stated count is not the revealed entries' count
	ErrCountCommitment = &CheckError{Check: "count_commitment"} // the count does not open the region's commitment
	ErrUID             = &CheckError{Check: "uid"}              // a UID revealed twice
	ErrHidden          = &CheckError{Check: "hidden"}           // revealed counts exceed the total: a hidden count is negative
	ErrFlow            = &CheckError{Check: "flow"}             // a flow notification contradicts the reveals
	ErrSignature       = &CheckError{Check: "signature"}        // an observation not signed by the inspector's key
	ErrObservation     = &CheckError{Check: "observation"}      // an observation the evidence cannot use
	ErrAccounted       = &CheckError{Check: "accounted"}        // the observed item is in the declaration: no proof
)

// fail returns a *CheckError of check sentinel for region.
func fail(sentinel *CheckError, region, format string, args ...any) error {
	return &CheckError{Check: sentinel.Check, Region: region, Detail: fmt.Sprintf(format, args...)}
}

// Package escrow implements escrowed declarations: a party commits to a
// complete warhead declaration at the outset, reveals it region by region,
// and anyone holding the commitment and the reveals checks every step
// offline. It follows the scheme of Philippe, Glaser and Felten, "A
// Cryptographic Escrow for Treaty Declarations and Step-by-Step
// Verification", Science & Global Security 27(1), 2019.
//
// A [Declaration] lists a party's warheads by region and site, either one
// [Entry] per warhead (its UID and category) or one per site with counts
// per category. [Commit] turns it into a public [Commitment] (a Merkle root
// over salted, domain-separated leaves, each region's subtree padded to a
// public capacity, a Pedersen commitment on ristretto255 to each region's
// count, and the opened total) and a private [Opening], from which
// [Opening.Reveal] makes the [Reveal] bundle of one region. [CheckReveal],
// [Verify], [CheckFlows], [CheckFreeze] and [CheckEvidence] are the offline
// checks; every failure is a [*CheckError] naming the check.
//
// Every salt and blinding factor is derived from one 32-byte secret held by
// the party, so the secret is all a party must keep (and back up).
//
// In an accord log, the commitment and each reveal are entries of kind
// commitment whose [LogBody] carries the commitment or a reveal's hash; a
// party hands over a [Bundle]: a signed checkpoint, every entry of its log
// from the commitment to it, and the reveals' bytes. [CheckBundle] checks
// it with the party's log key and a [Policy] (the treaty's notification
// effects, to read the warhead flows logged since, and the witnesses that
// must have cosigned the checkpoint). An [Evidence] file adds an
// inspector's observation, and [ProveIncomplete] checks that it proves
// the declaration incomplete.
//
// Trust: the commitment is not trusted, it is checked (its total opening
// by [CheckCommitment]); a reveal is not trusted, at most a wrong one fails
// a check. The secret is trusted: whoever holds it can reveal any region,
// and can confirm a guess about an unopened region's entries. Nothing here
// proves a count is non-negative before its region is opened: see
// docs/escrow.md, "Honest limits". docs/escrow.md is the full
// specification, byte by byte.
package escrow

import (
	"fmt"
	"strings"
	"time"
)

// SecretSize is the size of a party's escrow secret.
const SecretSize = 32

// Limits of version 1, checked by every parser before allocating.
const (
	MaxCapacity = 1 << 24 // leaves per region
	MaxRegions  = 1 << 12 // regions per commitment
	maxPath     = 12      // hashes in a region's path: log2(MaxRegions)
)

// validID reports whether s is a party, region, site or UID identifier:
// 1 to 64 bytes of A-Z a-z 0-9 . _ -, the first a letter or digit (the
// syntax of entry's ids, matched without a regular expression: a commit
// checks two per entry).
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// Category is a warhead's accountability category (docs/escrow.md). Its
// byte value is its position in [Categories], from 1.
type Category string

// The categories of version 1, in encoding order.
const (
	DeployedStrategic    Category = "deployed_strategic"    // on deployed ICBMs and SLBMs, at heavy-bomber bases
	NondeployedStrategic Category = "nondeployed_strategic" // strategic reserve and storage
	NonstrategicDeployed Category = "nonstrategic_deployed" // non-strategic, deployed
	NonstrategicStored   Category = "nonstrategic_stored"   // non-strategic, in storage
	Retired              Category = "retired"               // retired, awaiting dismantlement
)

// Categories lists every category in encoding order.
var Categories = []Category{DeployedStrategic, NondeployedStrategic, NonstrategicDeployed, NonstrategicStored, Retired}

// code returns c's byte value, or 0 if c is unknown.
func (c Category) code() byte {
	for i, k := range Categories {
		if k == c {
			return byte(i + 1)
		}
	}
	return 0
}

// Declaration is a party's complete warhead declaration at a date, the
// input of [Commit].
type Declaration struct {
	Party    string   `json:"party"`              // party id, e.g. "USA"
	Date     string   `json:"date"`               // the declaration's date, YYYY-MM-DD
	Capacity uint32   `json:"capacity,omitempty"` // leaves per region; 0: see [Commit]
	Regions  []Region `json:"regions"`            // in any order; ids unique
}

// Region is one region of a declaration: the unit of revealing.
type Region struct {
	ID      string  `json:"id"`
	Entries []Entry `json:"entries"`
}

// Entry is one escrowed entry: a warhead (UID set, Category its category)
// or a site with per-category counts (UID empty, Counts set). The zero
// Entry with Site empty is a padding leaf, never declared.
type Entry struct {
	Site     string              `json:"site"`
	UID      string              `json:"uid,omitempty"`
	Category Category            `json:"category,omitempty"`
	Counts   map[Category]uint32 `json:"counts,omitempty"`
}

// Padding reports whether e is a padding leaf.
func (e *Entry) Padding() bool { return e.Site == "" }

// Warheads returns the number of warheads e accounts for.
func (e *Entry) Warheads() uint64 {
	if e.UID != "" {
		return 1
	}
	var n uint64
	for _, c := range e.Counts {
		n += uint64(c)
	}
	return n
}

// check validates a declared entry.
func (e *Entry) check() error {
	switch {
	case !validSite(e.Site):
		return fmt.Errorf("invalid site %q", e.Site)
	case e.UID != "" && !validID(e.UID):
		return fmt.Errorf("site %s: invalid uid %q", e.Site, e.UID)
	case e.UID != "" && e.Category.code() == 0:
		return fmt.Errorf("uid %s: unknown category %q", e.UID, e.Category)
	case e.UID != "" && e.Counts != nil:
		return fmt.Errorf("uid %s: a warhead has no counts", e.UID)
	case e.UID == "" && (e.Category != "" || e.Counts == nil):
		return fmt.Errorf("site %s: an entry is a warhead (uid, category) or a site (counts)", e.Site)
	}
	for c := range e.Counts {
		if c.code() == 0 {
			return fmt.Errorf("site %s: unknown category %q", e.Site, c)
		}
	}
	return nil
}

// validSite reports whether s is a site: an identifier, or a facility
// name as a signed notification writes one (docs/formats.md): 1 to 64
// bytes of A-Z a-z 0-9 . _ - : / + ( ) and single spaces, the first a
// letter or digit, a space followed by a letter, digit or "(".
func validSite(s string) bool {
	if validID(s) {
		return true
	}
	if len(s) == 0 || len(s) > 64 || !alnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if i+1 == len(s) || !alnum(s[i+1]) && s[i+1] != '(' {
				return false
			}
		case !alnum(c) && !strings.ContainsRune("._-:/+()", rune(c)):
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

// parseDate parses a YYYY-MM-DD date as version 1 encodes it.
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return time.Time{}, fmt.Errorf("invalid date %q, want YYYY-MM-DD", s)
	}
	return t, nil
}

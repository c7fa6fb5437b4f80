// Package notetest holds test helpers for signed notes.
package notetest

import "golang.org/x/mod/sumdb/note"

// A CachingVerifier remembers the signatures it checked. Fuzz inputs
// repeat the same few signed notes, and Ed25519 verification would
// dominate their cost.
type CachingVerifier struct {
	note.Verifier
	seen map[string]bool
}

// Caching returns v remembering what it checked.
func Caching(v note.Verifier) *CachingVerifier {
	return &CachingVerifier{Verifier: v, seen: map[string]bool{}}
}

func (c *CachingVerifier) Verify(msg, sig []byte) bool {
	k := string(sig) + string(msg)
	ok, hit := c.seen[k]
	if !hit {
		if len(c.seen) > 1<<12 {
			clear(c.seen)
		}
		ok = c.Verifier.Verify(msg, sig)
		c.seen[k] = ok
	}
	return ok
}

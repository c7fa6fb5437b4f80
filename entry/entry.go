// Package entry defines the records of an accord log and the offline
// receipts that prove a record is in a log.
//
// It is the part of accord an outside verifier needs: with a log's public
// key (its signed-note verifier key) and this package, anyone can check an
// entry's signature and canonical encoding ([Open]) and an inclusion
// receipt ([CheckReceipt]) without trusting the node that produced them.
//
// An entry is a signed note (c2sp.org/signed-note) whose text is
//
//	accord entry v1
//	treaty newstart
//	party USA
//	kind declaration
//	effective 2020-09-01
//	created 2020-09-01T12:00:00Z
//	body {"canonical":"json"}
//
// signed by the party's log key, whose name is the log origin
// "accord/<treaty>/<party>". docs/formats.md is the full specification.
package entry

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// MaxSize is the largest encoded entry, signature included: a tlog-tiles
// entry bundle prefixes each entry with a 16-bit length.
const MaxSize = 1<<16 - 1

// header is the first line of every version 1 entry. It also separates
// entries from checkpoints signed by the same key: a checkpoint's first
// line is its origin, which never contains a space.
const header = "accord entry v1"

// Errors that callers branch on. Every decoding error wraps one of them.
var (
	ErrTooLarge     = errors.New("entry too large")
	ErrMalformed    = errors.New("malformed entry")
	ErrNotCanonical = errors.New("entry not canonically encoded")
	ErrUnknownKind  = errors.New("unknown entry kind")
	ErrSignature    = errors.New("bad entry signature")
)

// Kind is what an entry records.
type Kind string

// The kinds of entry version 1 knows. A verifier rejects any other kind,
// so adding one is a change every verifier must pick up first.
const (
	Declaration     Kind = "declaration"     // a party's holdings at a date
	Notification    Kind = "notification"    // a typed message to the other parties
	Acknowledgement Kind = "acknowledgement" // receipt of another log's entry
	Inspection      Kind = "inspection"      // an on-site inspection record
	Commitment      Kind = "commitment"      // a legally or politically binding undertaking
)

// Kinds lists every known kind, in the order documented.
var Kinds = []Kind{Declaration, Notification, Acknowledgement, Inspection, Commitment}

// Known reports whether k is a kind this version of accord accepts.
func (k Kind) Known() bool { return slices.Contains(Kinds, k) }

// id is the syntax of treaty and party identifiers.
var id = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Entry is one record of a party's log, before signing or after [Open].
//
// Compatibility: the encoding is fixed by its header line "accord entry
// v1"; a v1 entry's bytes never change meaning. Adding a kind is allowed
// within v1 (old verifiers reject the new kind, never misread it). Any
// other change (a new line, a new field, a different body rule) needs a
// new header line, and verifiers keep accepting v1 forever.
type Entry struct {
	Treaty    string    // treaty id, e.g. "newstart"
	Party     string    // party id within the treaty, e.g. "USA"
	Kind      Kind      // what the entry records
	Effective time.Time // the date the recorded facts take effect (midnight UTC)
	Created   time.Time // when the entry was made (UTC)
	Body      []byte    // the record itself, as canonical JSON (see [CanonicalJSON])
}

// Origin returns the origin of the log of party in treaty: the checkpoint
// origin line and the name of the log key, "accord/<treaty>/<party>".
func Origin(treaty, party string) string { return "accord/" + treaty + "/" + party }

// ParseOrigin splits a log origin "accord/<treaty>/<party>" into its
// treaty and party ids, which must be ids as an entry spells them. It is
// the one definition of the origin's syntax.
func ParseOrigin(origin string) (treaty, party string, err error) {
	parts := strings.Split(origin, "/")
	if len(parts) != 3 || parts[0] != "accord" || !id.MatchString(parts[1]) || !id.MatchString(parts[2]) {
		return "", "", fmt.Errorf("origin %q is not accord/<treaty>/<party>", origin)
	}
	return parts[1], parts[2], nil
}

// Origin returns the origin of the log the entry belongs in.
func (e *Entry) Origin() string { return Origin(e.Treaty, e.Party) }

// LeafHash returns the RFC 6962 leaf hash of an encoded entry, as the log's
// Merkle tree commits to it.
func LeafHash(b []byte) [32]byte {
	return sha256.Sum256(append([]byte{0}, b...))
}

// Text returns the entry's note text, the bytes its signature covers. It
// fails if any field is invalid.
func (e *Entry) Text() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	return e.text(), nil
}

// text is Text for an entry already checked.
func (e *Entry) text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\ntreaty %s\nparty %s\nkind %s\n", header, e.Treaty, e.Party, e.Kind)
	fmt.Fprintf(&b, "effective %s\n", e.Effective.Format(time.DateOnly))
	fmt.Fprintf(&b, "created %s\n", e.Created.Format(time.RFC3339Nano))
	fmt.Fprintf(&b, "body %s\n", e.Body)
	return b.Bytes()
}

// check validates every field, including that Body is canonical.
func (e *Entry) check() error {
	switch {
	case !id.MatchString(e.Treaty):
		return fmt.Errorf("%w: invalid treaty id %q", ErrMalformed, e.Treaty)
	case !id.MatchString(e.Party):
		return fmt.Errorf("%w: invalid party id %q", ErrMalformed, e.Party)
	case !e.Kind.Known():
		return fmt.Errorf("%w %q", ErrUnknownKind, e.Kind)
	case !isDate(e.Effective):
		return fmt.Errorf("%w: effective %v is not a date at midnight UTC", ErrMalformed, e.Effective)
	case e.Created.Location() != time.UTC || e.Created.Year() < 1 || e.Created.Year() > 9999:
		return fmt.Errorf("%w: created %v is not a UTC time in years 1-9999", ErrMalformed, e.Created)
	}
	if IsCanonical(e.Body) {
		return nil
	}
	c, err := CanonicalJSON(e.Body) // to say what is wrong
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !bytes.Equal(c, e.Body) {
		return fmt.Errorf("%w: body is not canonical JSON", ErrNotCanonical)
	}
	return nil
}

func isDate(t time.Time) bool {
	return t.Location() == time.UTC && t.Equal(t.Truncate(24*time.Hour)) &&
		t.Year() >= 1 && t.Year() <= 9999
}

// Sign encodes e and signs it with s, the key of e's log: s.Name() must be
// e.Origin(). The result is at most [MaxSize] bytes.
func Sign(e *Entry, s note.Signer) ([]byte, error) {
	text, err := e.Text()
	if err != nil {
		return nil, err
	}
	if s.Name() != e.Origin() {
		return nil, fmt.Errorf("%w: key %q cannot sign for log %q", ErrSignature, s.Name(), e.Origin())
	}
	b, err := note.Sign(&note.Note{Text: string(text)}, s)
	if err != nil {
		return nil, fmt.Errorf("signing entry: %w", err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrTooLarge, len(b), MaxSize)
	}
	return b, nil
}

// Open decodes an encoded entry and checks its signature with v, the key of
// the log it was read from. It fails unless b is exactly the canonical
// encoding of a valid entry of v's log, with one signature, by v.
func Open(b []byte, v note.Verifier) (*Entry, error) {
	e, sig, err := Parse(b)
	if err != nil {
		return nil, err
	}
	if v.Name() != e.Origin() {
		return nil, fmt.Errorf("%w: entry of log %q read from log %q", ErrSignature, e.Origin(), v.Name())
	}
	if sig.Hash != v.KeyHash() {
		return nil, fmt.Errorf("%w: signed by another key than %s's", ErrSignature, v.Name())
	}
	if _, err := note.Open(b, note.VerifierList(v)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return e, nil
}

// Parse decodes an encoded entry without checking its signature, which it
// returns for the caller to check. It fails unless b is exactly the
// canonical encoding of a valid entry with one signature by a key named
// for the entry's log.
func Parse(b []byte) (*Entry, note.Signature, error) {
	var sig note.Signature
	if len(b) > MaxSize {
		return nil, sig, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrTooLarge, len(b), MaxSize)
	}
	n, err := note.Open(b, nil)
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return nil, sig, fmt.Errorf("%w: not a signed note", ErrMalformed)
	}
	n = unverified.Note
	if len(n.UnverifiedSigs) != 1 {
		return nil, sig, fmt.Errorf("%w: %d signatures, want 1", ErrMalformed, len(n.UnverifiedSigs))
	}
	sig = n.UnverifiedSigs[0]
	e, err := parseText(n.Text)
	if err != nil {
		return nil, sig, err
	}
	if err := checkEncoding(b, e, sig); err != nil {
		return nil, sig, err
	}
	return e, sig, nil
}

// checkEncoding checks that b is byte for byte the encoding of e, already
// checked, and sig.
func checkEncoding(b []byte, e *Entry, sig note.Signature) error {
	if sig.Name != e.Origin() {
		return fmt.Errorf("%w: signed by %q, not the key of log %q", ErrSignature, sig.Name, e.Origin())
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Base64)
	if err != nil || len(raw) != 4+64 || binary.BigEndian.Uint32(raw) != sig.Hash ||
		base64.StdEncoding.EncodeToString(raw) != sig.Base64 {
		return fmt.Errorf("%w: signature is not one Ed25519 signature", ErrMalformed)
	}
	want := fmt.Appendf(e.text(), "\n— %s %s\n", sig.Name, sig.Base64)
	if !bytes.Equal(want, b) {
		return ErrNotCanonical
	}
	return nil
}

// parseText decodes the note text of an entry. It checks the syntax of
// each line; [Entry.Text] then checks the values.
func parseText(text string) (*Entry, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	keys := []string{"treaty", "party", "kind", "effective", "created", "body"}
	if len(lines) != 1+len(keys) || lines[0] != header {
		return nil, fmt.Errorf("%w: not an %q entry of %d lines", ErrMalformed, header, 1+len(keys))
	}
	vals := make([]string, len(keys))
	for i, k := range keys {
		v, ok := strings.CutPrefix(lines[i+1], k+" ")
		if !ok {
			return nil, fmt.Errorf("%w: line %d is not %q", ErrMalformed, i+2, k)
		}
		vals[i] = v
	}
	return entryFrom(vals)
}

func entryFrom(vals []string) (*Entry, error) {
	eff, err := time.Parse(time.DateOnly, vals[3])
	if err != nil {
		return nil, fmt.Errorf("%w: effective: %w", ErrMalformed, err)
	}
	created, err := time.Parse(time.RFC3339Nano, vals[4])
	if err != nil {
		return nil, fmt.Errorf("%w: created: %w", ErrMalformed, err)
	}
	e := &Entry{
		Treaty: vals[0], Party: vals[1], Kind: Kind(vals[2]),
		Effective: eff, Created: created.UTC(), Body: []byte(vals[5]),
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

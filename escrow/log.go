package escrow

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// The escrow entries of a party's accord log (docs/escrow.md, "In the
// log"): both are entries of kind [entry.Commitment], whose body says
// which they are.
const (
	LoggedCommitmentKind = "commitment" // the body carries a commitment
	LoggedRevealKind     = "reveal"     // the body records a reveal
)

// A LogBody is the body of an escrow entry in a party's log: the
// commitment itself (Commitment set), or the record of one reveal (Reveal
// set). The reveal's bytes are not in the log, which bounds an entry to
// 64 KiB; their SHA-256 is, so a bundle's reveal is the logged one.
//
// Compatibility: the body is canonical JSON (docs/formats.md) with the
// members documented in docs/escrow.md; [ParseLogBody] accepts only the
// canonical encoding of a well-formed body. A change of member needs a new
// value of "escrow".
type LogBody struct {
	Commitment *Commitment
	Reveal     *LoggedReveal
}

// A LoggedReveal is the log's record of a reveal.
type LoggedReveal struct {
	Commitment [32]byte // the revealed commitment's hash
	Region     string   // the region opened
	Count      uint64   // its warheads
	Hash       [32]byte // SHA-256 of the reveal's encoding
}

// LogReveal returns the log's record of r.
func LogReveal(r *Reveal) *LoggedReveal {
	return &LoggedReveal{Commitment: r.Commitment, Region: r.Region, Count: r.Count, Hash: sha256.Sum256(r.Marshal())}
}

// commitmentJSON and revealJSON are the bodies' members, in key order.
type commitmentJSON struct {
	Commitment string `json:"commitment"` // base64 of the commitment's encoding
	Escrow     string `json:"escrow"`
}

type revealJSON struct {
	Commitment string `json:"commitment"` // hex of the commitment's hash
	Count      uint64 `json:"count"`
	Escrow     string `json:"escrow"`
	Region     string `json:"region"`
	Reveal     string `json:"reveal"` // hex of SHA-256 of the reveal's encoding
}

// Marshal returns the body's canonical JSON.
func (b *LogBody) Marshal() []byte {
	var v any
	if b.Commitment != nil {
		v = commitmentJSON{base64.StdEncoding.EncodeToString(b.Commitment.Marshal()), LoggedCommitmentKind}
	} else {
		r := b.Reveal
		v = revealJSON{hex.EncodeToString(r.Commitment[:]), r.Count, LoggedRevealKind, r.Region, hex.EncodeToString(r.Hash[:])}
	}
	out, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and integers always encode
	}
	return out
}

// ParseLogBody decodes the body of an escrow entry. It fails with
// [ErrEncoding] unless b is the canonical body of a commitment, whose
// encoding [ParseCommitment] accepts, or of a reveal record.
func ParseLogBody(b []byte) (*LogBody, error) {
	var kind struct {
		Escrow string `json:"escrow"`
	}
	if err := json.Unmarshal(b, &kind); err != nil {
		return nil, fail(ErrEncoding, "", "entry body: %v", err)
	}
	var out *LogBody
	var err error
	switch kind.Escrow {
	case LoggedCommitmentKind:
		out, err = parseLoggedCommitment(b)
	case LoggedRevealKind:
		out, err = parseLoggedReveal(b)
	default:
		return nil, fail(ErrEncoding, "", "entry body: escrow %q is neither %q nor %q", kind.Escrow, LoggedCommitmentKind, LoggedRevealKind)
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(out.Marshal(), b) {
		return nil, fail(ErrEncoding, "", "entry body is not canonical")
	}
	return out, nil
}

func parseLoggedCommitment(b []byte) (*LogBody, error) {
	var j commitmentJSON
	if err := strictJSON(b, &j); err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(j.Commitment)
	if err != nil {
		return nil, fail(ErrEncoding, "", "entry body: commitment is not base64")
	}
	c, err := ParseCommitment(raw)
	if err != nil {
		return nil, err
	}
	return &LogBody{Commitment: c}, nil
}

func parseLoggedReveal(b []byte) (*LogBody, error) {
	var j revealJSON
	if err := strictJSON(b, &j); err != nil {
		return nil, err
	}
	r := &LoggedReveal{Region: j.Region, Count: j.Count}
	if !validID(j.Region) || !hexHash(j.Commitment, &r.Commitment) || !hexHash(j.Reveal, &r.Hash) {
		return nil, fail(ErrEncoding, "", "entry body: a reveal record needs a region id and two 64-digit hex hashes")
	}
	return &LogBody{Reveal: r}, nil
}

// strictJSON decodes b into v, refusing unknown members.
func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fail(ErrEncoding, "", "entry body: %v", err)
	}
	return nil
}

// hexHash decodes 64 lowercase hex digits into h.
func hexHash(s string, h *[32]byte) bool {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 || strings.ToLower(s) != s {
		return false
	}
	copy(h[:], b)
	return true
}

// A Bundle is what a party hands over when it reveals: its commitment
// entry and every reveal so far, each as an offline receipt that the
// entry is in its log (c2sp.org/tlog-proof), with the reveals' bytes.
// [CheckBundle] checks it with the party's log key alone.
//
// Compatibility: the JSON file format of docs/escrow.md ("Bundle"), named
// by its "format" member "accord escrow bundle v1".
type Bundle struct {
	Commitment *entry.Receipt
	Reveals    []BundleReveal
}

// A BundleReveal is one reveal in a bundle: the receipt of its log entry,
// and its encoding.
type BundleReveal struct {
	Receipt *entry.Receipt
	Reveal  []byte
}

// BundleFormat is the "format" member of a version 1 bundle file.
const BundleFormat = "accord escrow bundle v1"

type bundleJSON struct {
	Format     string             `json:"format"`
	Commitment string             `json:"commitment"`
	Reveals    []bundleRevealJSON `json:"reveals"`
}

type bundleRevealJSON struct {
	Receipt string `json:"receipt"` // the c2sp.org/tlog-proof@v1 text
	Reveal  string `json:"reveal"`  // base64 of the reveal's encoding
}

// Marshal returns the bundle file, indented JSON.
func (b *Bundle) Marshal() []byte {
	j := bundleJSON{Format: BundleFormat, Commitment: string(b.Commitment.Marshal()), Reveals: []bundleRevealJSON{}}
	for _, r := range b.Reveals {
		j.Reveals = append(j.Reveals, bundleRevealJSON{string(r.Receipt.Marshal()), base64.StdEncoding.EncodeToString(r.Reveal)})
	}
	out, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		panic(err) // strings always encode
	}
	return append(out, '\n')
}

// ParseBundle decodes a bundle file. It checks only the form (JSON, the
// format, receipts' syntax, base64); what the bundle proves is
// [CheckBundle]'s. Its errors are not check failures: the file is
// unreadable.
func ParseBundle(data []byte) (*Bundle, error) {
	var j bundleJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return nil, fmt.Errorf("not an escrow bundle: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("not an escrow bundle: data after its JSON object")
	}
	if j.Format != BundleFormat {
		return nil, fmt.Errorf("format %q, want %q", j.Format, BundleFormat)
	}
	if len(j.Reveals) > MaxRegions {
		return nil, fmt.Errorf("%d reveals, at most %d", len(j.Reveals), MaxRegions)
	}
	c, err := parseReceipt(j.Commitment)
	if err != nil {
		return nil, fmt.Errorf("commitment: %w", err)
	}
	b := &Bundle{Commitment: c}
	for i, r := range j.Reveals {
		rc, err := parseReceipt(r.Receipt)
		if err != nil {
			return nil, fmt.Errorf("reveal %d: %w", i+1, err)
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(r.Reveal)
		if err != nil {
			return nil, fmt.Errorf("reveal %d: reveal is not base64: %w", i+1, err)
		}
		b.Reveals = append(b.Reveals, BundleReveal{Receipt: rc, Reveal: raw})
	}
	return b, nil
}

// parseReceipt parses a receipt whose checkpoint's signatures are in
// canonical base64: signed notes decode base64 leniently, and a bundle
// has one encoding.
func parseReceipt(s string) (*entry.Receipt, error) {
	rc, err := entry.ParseReceipt([]byte(s))
	if err != nil {
		return nil, err
	}
	_, sigs, _ := bytes.Cut(rc.Checkpoint, []byte("\n\n"))
	for _, line := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || !canonical64(f[2]) {
			return nil, fmt.Errorf("checkpoint signature line %q is not canonical", line)
		}
	}
	return rc, nil
}

func canonical64(s string) bool {
	_, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil
}

// A CheckedBundle is what [CheckBundle] established: the checks of
// [Verify] on the bundle's commitment and reveals, and where each is
// logged.
type CheckedBundle struct {
	*Verified
	Entry        *entry.Entry // the commitment's log entry
	Index        uint64       // its index in the party's log
	RevealIndex  []uint64     // each reveal's index, in bundle order
	RevealEffect []string     // each reveal entry's effective date
}

// CheckBundle checks b with v, the party's log verifier key: the check
// log first (every receipt proves its entry is in v's log; the first is a
// commitment entry whose commitment is the party's of its effective date;
// each reveal is logged after it, records this commitment, and its bytes
// are the ones whose hash it records), then [Verify] on the commitment and
// the reveals in bundle order. Every failure is a [*CheckError].
func CheckBundle(b *Bundle, v note.Verifier) (*CheckedBundle, error) {
	e, c, err := loggedCommitment(b.Commitment, v)
	if err != nil {
		return nil, err
	}
	cb := &CheckedBundle{Entry: e, Index: b.Commitment.Index}
	var reveals []*Reveal
	for i := range b.Reveals {
		r, re, err := loggedReveal(&b.Reveals[i], v, c, cb.Index)
		if err != nil {
			return nil, err
		}
		reveals = append(reveals, r)
		cb.RevealIndex = append(cb.RevealIndex, b.Reveals[i].Receipt.Index)
		cb.RevealEffect = append(cb.RevealEffect, re.Effective.Format(time.DateOnly))
	}
	cb.Verified, err = Verify(c, reveals...)
	return cb, err
}

// loggedCommitment checks the commitment's receipt and returns its entry
// and commitment.
func loggedCommitment(rc *entry.Receipt, v note.Verifier) (*entry.Entry, *Commitment, error) {
	e, body, err := loggedBody(rc, v)
	if err != nil {
		return nil, nil, err
	}
	c := body.Commitment
	switch {
	case c == nil:
		return nil, nil, fail(ErrLog, "", "entry %d is a reveal record, not a commitment", rc.Index)
	case c.Party != e.Party:
		return nil, nil, fail(ErrLog, "", "entry %d of %s's log commits for party %s", rc.Index, e.Party, c.Party)
	case c.Date != e.Effective.Format(time.DateOnly):
		return nil, nil, fail(ErrLog, "", "entry %d is effective %s, its commitment is dated %s", rc.Index, e.Effective.Format(time.DateOnly), c.Date)
	}
	return e, c, nil
}

// loggedReveal checks one reveal of a bundle against its log entry and
// returns it, not yet checked against the commitment.
func loggedReveal(br *BundleReveal, v note.Verifier, c *Commitment, after uint64) (*Reveal, *entry.Entry, error) {
	e, body, err := loggedBody(br.Receipt, v)
	if err != nil {
		return nil, nil, err
	}
	lr, i := body.Reveal, br.Receipt.Index
	switch {
	case lr == nil:
		return nil, nil, fail(ErrLog, "", "entry %d is a commitment, not a reveal record", i)
	case lr.Commitment != c.Hash():
		return nil, nil, fail(ErrLog, lr.Region, "entry %d records a reveal of another commitment", i)
	case i <= after:
		return nil, nil, fail(ErrLog, lr.Region, "entry %d records a reveal before the commitment (entry %d)", i, after)
	case e.Effective.Format(time.DateOnly) < c.Date:
		return nil, nil, fail(ErrLog, lr.Region, "entry %d is effective %s, before the commitment's date %s", i, e.Effective.Format(time.DateOnly), c.Date)
	case sha256.Sum256(br.Reveal) != lr.Hash:
		return nil, nil, fail(ErrLog, lr.Region, "the bundle's reveal is not the one entry %d records", i)
	}
	r, err := ParseReveal(br.Reveal)
	if err != nil {
		return nil, nil, err
	}
	if r.Region != lr.Region || r.Count != lr.Count {
		return nil, nil, fail(ErrLog, lr.Region, "the reveal opens %s with %d warheads, entry %d records %s with %d", r.Region, r.Count, i, lr.Region, lr.Count)
	}
	return r, e, nil
}

// loggedBody checks a receipt with v and parses its entry's escrow body.
func loggedBody(rc *entry.Receipt, v note.Verifier) (*entry.Entry, *LogBody, error) {
	e, _, err := entry.CheckReceipt(rc, v, nil)
	if err != nil {
		return nil, nil, fail(ErrLog, "", "entry %d is not proven in %s's log: %v", rc.Index, v.Name(), err)
	}
	if e.Kind != entry.Commitment {
		return nil, nil, fail(ErrLog, "", "entry %d is a %s entry, not an escrow entry", rc.Index, e.Kind)
	}
	body, err := ParseLogBody(e.Body)
	if err != nil {
		return nil, nil, fail(ErrLog, "", "entry %d: %v", rc.Index, err)
	}
	return e, body, nil
}

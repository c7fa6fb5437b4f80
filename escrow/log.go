package escrow

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
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

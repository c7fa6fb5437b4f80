package draw

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"accord/entry"
)

// The steps of a draw in a party's log: both are entries of kind
// [entry.Commitment] whose body's first member is "draw".
const (
	StepCommit = "commit"
	StepReveal = "reveal"
)

// A Commit is a party's commitment to its value for a draw: the body of
// its first draw entry.
type Commit struct {
	ID        string    // the draw's id, unique in the party's log
	Of        uint64    // the population drawn from, 1 to MaxPopulation
	Pick      uint64    // how many distinct members to pick, 1 to min(Of, MaxPick)
	Purpose   string    // what is drawn and from which list, printable ASCII
	RevealBy  time.Time // both reveals are due by this time (UTC, whole seconds)
	ValueHash [32]byte  // HashValue of the party's value
	With      string    // the other party
}

// A Ref names an entry of a log, as an acknowledgement does: its origin,
// index and leaf hash.
type Ref struct {
	Origin   string
	Index    uint64
	LeafHash [32]byte
}

// A Reveal is a party's reveal of its value: the body of its second draw
// entry. Peer is the other party's commitment entry, which the party saw
// before revealing.
type Reveal struct {
	ID    string
	Peer  Ref
	Value [ValueSize]byte
}

// A Body is the body of a draw entry: a commitment or a reveal.
//
// Compatibility: the body is canonical JSON (docs/formats.md) with the
// members of docs/draws.md ("In the log"), and [ParseBody] accepts only
// the canonical encoding of a well-formed body. Version 1 is fixed by the
// member "step" being "commit" or "reveal"; a change of member needs new
// step names, and verifiers keep accepting these.
type Body struct {
	Commit *Commit
	Reveal *Reveal
}

// commitJSON, refJSON and revealJSON are the bodies' members, in key
// order, so that encoding/json writes them canonically.
type commitJSON struct {
	Draw      string `json:"draw"`
	Of        uint64 `json:"of"`
	Pick      uint64 `json:"pick"`
	Purpose   string `json:"purpose"`
	RevealBy  string `json:"reveal_by"`
	Step      string `json:"step"`
	ValueHash string `json:"value_hash"`
	With      string `json:"with"`
}

type refJSON struct {
	Index    uint64 `json:"index"`
	LeafHash string `json:"leaf_hash"`
	Origin   string `json:"origin"`
}

type revealJSON struct {
	Draw  string  `json:"draw"`
	Peer  refJSON `json:"peer"`
	Step  string  `json:"step"`
	Value string  `json:"value"`
}

// Marshal returns the body's canonical JSON. It does not check the body:
// [ParseBody] of a body that breaks a rule fails.
func (b *Body) Marshal() []byte {
	var v any
	if c := b.Commit; c != nil {
		v = commitJSON{c.ID, c.Of, c.Pick, c.Purpose, c.RevealBy.UTC().Format(TimeLayout), StepCommit, hex.EncodeToString(c.ValueHash[:]), c.With}
	} else {
		r := b.Reveal
		v = revealJSON{r.ID, refJSON{r.Peer.Index, hex.EncodeToString(r.Peer.LeafHash[:]), r.Peer.Origin}, StepReveal, hex.EncodeToString(r.Value[:])}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // strings and integers always encode
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// Match reports whether an entry body is a draw's: a JSON object whose
// first member is "draw". It is how a reader of commitment entries tells
// a draw from other undertakings before parsing it.
func Match(body []byte) bool {
	return bytes.HasPrefix(body, []byte(`{"draw":`))
}

// ParseBody decodes the body of a draw entry. It fails with [ErrEncoding]
// unless b is the canonical body of a well-formed commitment or reveal.
func ParseBody(b []byte) (*Body, error) {
	if len(b) > entry.MaxSize {
		return nil, fail(ErrEncoding, "", "entry body of %d bytes", len(b))
	}
	var step struct {
		Step string `json:"step"`
	}
	if err := json.Unmarshal(b, &step); err != nil {
		return nil, fail(ErrEncoding, "", "entry body: %v", err)
	}
	var out *Body
	var err error
	switch step.Step {
	case StepCommit:
		out, err = parseCommit(b)
	case StepReveal:
		out, err = parseReveal(b)
	default:
		return nil, fail(ErrEncoding, "", "entry body: step %q is neither %q nor %q", step.Step, StepCommit, StepReveal)
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(out.Marshal(), b) {
		return nil, fail(ErrEncoding, "", "entry body is not canonical")
	}
	return out, nil
}

func parseCommit(b []byte) (*Body, error) {
	var j commitJSON
	if err := strictJSON(b, &j); err != nil {
		return nil, err
	}
	c := &Commit{ID: j.Draw, Of: j.Of, Pick: j.Pick, Purpose: j.Purpose, With: j.With}
	var err error
	if c.RevealBy, err = parseTime(j.RevealBy); err != nil {
		return nil, fail(ErrEncoding, j.Draw, "%v", err)
	}
	switch {
	case !validID(j.Draw):
		return nil, fail(ErrEncoding, "", "draw id %q is not an id", j.Draw)
	case !validID(j.With):
		return nil, fail(ErrEncoding, j.Draw, "with %q is not a party id", j.With)
	case !validPurpose(j.Purpose):
		return nil, fail(ErrEncoding, j.Draw, "purpose is not 1 to %d bytes of printable ASCII without outer spaces", MaxPurpose)
	case j.Of < 1 || j.Of > MaxPopulation:
		return nil, fail(ErrEncoding, j.Draw, "of %d, want 1 to %d", j.Of, MaxPopulation)
	case j.Pick < 1 || j.Pick > min(j.Of, MaxPick):
		return nil, fail(ErrEncoding, j.Draw, "pick %d, want 1 to %d", j.Pick, min(j.Of, MaxPick))
	case !hexHash(j.ValueHash, &c.ValueHash):
		return nil, fail(ErrEncoding, j.Draw, "value_hash is not 64 lowercase hex digits")
	}
	return &Body{Commit: c}, nil
}

func parseReveal(b []byte) (*Body, error) {
	var j revealJSON
	if err := strictJSON(b, &j); err != nil {
		return nil, err
	}
	r := &Reveal{ID: j.Draw, Peer: Ref{Origin: j.Peer.Origin, Index: j.Peer.Index}}
	var v [32]byte
	switch {
	case !validID(j.Draw):
		return nil, fail(ErrEncoding, "", "draw id %q is not an id", j.Draw)
	case !hexHash(j.Value, &v):
		return nil, fail(ErrEncoding, j.Draw, "value is not 64 lowercase hex digits")
	case !hexHash(j.Peer.LeafHash, &r.Peer.LeafHash):
		return nil, fail(ErrEncoding, j.Draw, "peer leaf_hash is not 64 lowercase hex digits")
	}
	if _, _, err := entry.ParseOrigin(j.Peer.Origin); err != nil {
		return nil, fail(ErrEncoding, j.Draw, "peer: %v", err)
	}
	r.Value = v
	return &Body{Reveal: r}, nil
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

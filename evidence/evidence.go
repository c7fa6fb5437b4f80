// Package evidence is self-contained proof that a log misbehaved: two
// checkpoints of one log, both signed by its key, that no append-only
// history can explain, with the Merkle proof that shows it. Anyone holding
// the log's verifier key can check an evidence file offline
// (accord evidence verify).
//
// Trust model: an evidence file is not trusted: [Verify] checks both
// signatures against a key the verifier supplies or the one in the file
// (which the verifier must then recognise), and recomputes the proof, so
// a forged or mistaken file fails.
package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Format is the value of an evidence file's "format" member.
const Format = "accord evidence v1"

// maxFile bounds an evidence file; a proof is at most 64 hashes.
const maxFile = 1 << 20

// ErrInvalid reports evidence that proves nothing: a bad signature, a
// proof that does not verify, or two checkpoints that are consistent.
var ErrInvalid = errors.New("invalid evidence")

// Evidence shows that the log Origin signed two checkpoints, Older (the
// smaller tree) and Newer, that are not consistent: the tree Newer
// commits to has, at Older's size, the root PrefixRoot (proved by Proof,
// a consistency proof from PrefixRoot to Newer's root), which is not
// Older's root. When both have the same size, PrefixRoot is Newer's root
// and Proof is empty.
//
// Encoding: JSON, members as below; checkpoints as the signed notes'
// text, hashes in standard base64. Compatibility: members are only ever
// added, and readers ignore members they do not know.
type Evidence struct {
	Format      string    `json:"format"`
	Origin      string    `json:"origin"`
	LogVKey     string    `json:"log_vkey"` // the key both checkpoints are signed by
	Older       string    `json:"older_checkpoint"`
	Newer       string    `json:"newer_checkpoint"`
	PrefixRoot  []byte    `json:"prefix_root"`
	Proof       [][]byte  `json:"consistency_proof"`
	Explanation string    `json:"explanation"`
	DetectedBy  string    `json:"detected_by,omitempty"` // the node that found it
	DetectedAt  time.Time `json:"detected_at"`
	Sources     []string  `json:"sources,omitempty"` // where each checkpoint came from
}

// New makes evidence from two signed checkpoints of one log and, in the
// larger one's tree, the root at the smaller one's size with its
// consistency proof. It checks the result with Verify.
func New(vkey string, older, newer []byte, prefixRoot []byte, prf [][]byte, sources []string) (*Evidence, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	a, _, _, errA := log.ParseCheckpoint(older, v.Name(), v)
	b, _, _, errB := log.ParseCheckpoint(newer, v.Name(), v)
	if err := errors.Join(errA, errB); err != nil {
		return nil, err
	}
	e := &Evidence{Format: Format, Origin: v.Name(), LogVKey: vkey, Older: string(older), Newer: string(newer),
		PrefixRoot: prefixRoot, Proof: prf, Sources: sources}
	e.Explanation = explain(v.Name(), a, b, prefixRoot)
	if _, err := Verify(e, v); err != nil {
		return nil, err
	}
	return e, nil
}

func explain(origin string, a, b *log.Checkpoint, prefix []byte) string {
	if a.Size == b.Size {
		return fmt.Sprintf("The log %s signed two different trees of the same size %d (roots %x… and %x…). "+
			"An append-only log has one tree per size, so it showed at least two different histories.",
			origin, a.Size, a.Hash[:6], b.Hash[:6])
	}
	return fmt.Sprintf("The log %s signed a tree of %d entries with root %x…, and later a tree of %d entries whose "+
		"first %d entries have root %x… (the consistency proof shows it). The first %d entries differ, so the log "+
		"rewrote its history or showed different histories to different parties (a fork, or a rollback followed by new entries).",
		origin, a.Size, a.Hash[:6], b.Size, a.Size, prefix[:min(6, len(prefix))], a.Size)
}

// Verified is what Verify established.
type Verified struct {
	Origin       string
	Older, Newer *log.Checkpoint
}

// Verify checks that e proves misbehaviour by the log whose key is v (nil
// means the key in the file, which the caller must then recognise): both
// checkpoints are signed by v for its origin, and the newer tree's root
// at the older size, proved by the consistency proof, differs from the
// older root. Any failure wraps ErrInvalid.
func Verify(e *Evidence, v note.Verifier) (*Verified, error) {
	bad := func(format string, args ...any) (*Verified, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if e.Format != Format {
		return bad("format %q, want %q", e.Format, Format)
	}
	if v == nil {
		var err error
		if v, err = note.NewVerifier(e.LogVKey); err != nil {
			return bad("log_vkey: %v", err)
		}
	}
	if v.Name() != e.Origin {
		return bad("the key is of %s, the evidence is about %s", v.Name(), e.Origin)
	}
	a, _, _, err := log.ParseCheckpoint([]byte(e.Older), e.Origin, v)
	if err != nil {
		return bad("older checkpoint: %v", err)
	}
	b, _, _, err := log.ParseCheckpoint([]byte(e.Newer), e.Origin, v)
	if err != nil {
		return bad("newer checkpoint: %v", err)
	}
	if a.Size > b.Size {
		return bad("the older checkpoint (%d entries) is larger than the newer (%d)", a.Size, b.Size)
	}
	if a.Size == b.Size {
		if bytes.Equal(a.Hash, b.Hash) {
			return bad("the two checkpoints are of the same tree")
		}
		return &Verified{Origin: e.Origin, Older: a, Newer: b}, nil
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, a.Size, b.Size, e.Proof, e.PrefixRoot, b.Hash); err != nil {
		return bad("the consistency proof from the prefix root to the newer checkpoint fails: %v", err)
	}
	if bytes.Equal(e.PrefixRoot, a.Hash) {
		return bad("the checkpoints are consistent: the newer tree extends the older")
	}
	return &Verified{Origin: e.Origin, Older: a, Newer: b}, nil
}

// Parse decodes an evidence file.
func Parse(b []byte) (*Evidence, error) {
	if len(b) > maxFile {
		return nil, fmt.Errorf("evidence larger than %d bytes", maxFile)
	}
	var e Evidence
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return &e, nil
}

// Marshal encodes e as indented JSON.
func (e *Evidence) Marshal() []byte {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		panic(err) // only strings, byte slices and a time
	}
	return append(b, '\n')
}

package escrow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// EvidenceFormat is the "format" member of a completeness evidence file.
const EvidenceFormat = "accord escrow evidence v2"

// maxNote bounds an evidence file's observation and keys; its bundle
// is bounded as a bundle is.
const maxNote = 1 << 12

// An Evidence file is completeness evidence (docs/escrow.md, "Completeness
// evidence"): a party's bundle, an inspector's signed observation of an
// item in a region it opened, and the two verifier keys. The flows since
// the commitment are the bundle's, read from the party's log. [ProveIncomplete] checks it offline.
//
// Compatibility: the JSON format of docs/escrow.md ("Evidence file"),
// named by its "format" member [EvidenceFormat]. Version 1 files, whose
// bundles were of version 1, are refused.
type Evidence struct {
	PartyKey     string // the party's log verifier key (signed-note form)
	InspectorKey string // the inspector's verifier key
	Bundle       *Bundle
	Observation  []byte // the signed observation note
}

type evidenceJSON struct {
	Format       string          `json:"format"`
	PartyKey     string          `json:"party_vkey"`
	InspectorKey string          `json:"inspector_vkey"`
	Bundle       json.RawMessage `json:"bundle"`
	Observation  string          `json:"observation"`
}

// Marshal returns the evidence file, indented JSON.
func (e *Evidence) Marshal() []byte {
	j := evidenceJSON{EvidenceFormat, e.PartyKey, e.InspectorKey, e.Bundle.Marshal(), string(e.Observation)}
	out, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		panic(err) // strings, a valid bundle and flows always encode
	}
	return append(out, '\n')
}

// IsEvidence reports whether data is a file of [EvidenceFormat], by its
// "format" member alone, so that a reader of several evidence formats can
// tell which it holds.
func IsEvidence(data []byte) bool {
	var f struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(data, &f) == nil && f.Format == EvidenceFormat
}

// ParseEvidence decodes an evidence file. It checks only the form; what
// it proves is [ProveIncomplete]'s. Its errors mean the file is
// unreadable.
func ParseEvidence(data []byte) (*Evidence, error) {
	var j evidenceJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return nil, fmt.Errorf("not escrow evidence: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("not escrow evidence: data after its JSON object")
	}
	switch {
	case j.Format != EvidenceFormat:
		return nil, fmt.Errorf("format %q, want %q", j.Format, EvidenceFormat)
	case len(j.Observation) > maxNote || len(j.PartyKey) > maxNote || len(j.InspectorKey) > maxNote:
		return nil, fmt.Errorf("observation or key longer than %d bytes", maxNote)
	}
	b, err := ParseBundle(j.Bundle)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &Evidence{PartyKey: j.PartyKey, InspectorKey: j.InspectorKey, Bundle: b, Observation: []byte(j.Observation)}, nil
}

// ProveIncomplete checks that e proves the party's declaration was
// incomplete when it was committed: the bundle passes [CheckBundle] with
// the party's key (party, or if nil the key in the file, which the caller
// must then recognise) and p (its flows, read from the log, included), and
// the observation passes [Verified.CheckEvidence] with the inspector's key
// (inspector, or if nil the file's). It returns nil error exactly when the
// evidence proves it; an observation the reveals account for fails the
// check accounted. A key in the file that is not a key is an error that is
// not a [*CheckError]: the file is unreadable.
func ProveIncomplete(e *Evidence, party, inspector note.Verifier, p *Policy) (*CheckedBundle, *Observation, error) {
	party, inspector, err := evidenceKeys(e, party, inspector)
	if err != nil {
		return nil, nil, err
	}
	cb, err := CheckBundle(e.Bundle, party, p)
	if err != nil {
		return nil, nil, err
	}
	if err := cb.checkEvidence(e.Observation, inspector, cb.Flows); err != nil {
		return cb, nil, err
	}
	o, err := OpenObservation(e.Observation, inspector)
	return cb, o, err
}

// evidenceKeys returns the keys given, or else the file's.
func evidenceKeys(e *Evidence, party, inspector note.Verifier) (note.Verifier, note.Verifier, error) {
	var err error
	if party == nil {
		if party, err = note.NewVerifier(strings.TrimSpace(e.PartyKey)); err != nil {
			return nil, nil, fmt.Errorf("party_vkey: %w", err)
		}
	}
	if inspector == nil {
		if inspector, err = note.NewVerifier(strings.TrimSpace(e.InspectorKey)); err != nil {
			return nil, nil, fmt.Errorf("inspector_vkey: %w", err)
		}
	}
	return party, inspector, nil
}

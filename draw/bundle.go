package draw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"accord/entry"
)

// A Bundle is what a party hands over for a draw: its commitment entry
// and, once made, its reveal entry, each as an offline receipt that the
// entry is in its log (c2sp.org/tlog-proof). [Check] recomputes the draw
// from the two parties' bundles.
//
// Compatibility: the JSON file format of docs/draws.md ("Bundle"), named
// by its "format" member "accord draw bundle v1".
type Bundle struct {
	Commit *entry.Receipt
	Reveal *entry.Receipt // nil until the party reveals
}

// BundleFormat is the "format" member of a version 1 bundle file.
const BundleFormat = "accord draw bundle v1"

type bundleJSON struct {
	Format string `json:"format"`
	Commit string `json:"commit"`           // the c2sp.org/tlog-proof@v1 text
	Reveal string `json:"reveal,omitempty"` // the same, "" before the reveal
}

// Marshal returns the bundle file, indented JSON.
func (b *Bundle) Marshal() []byte {
	j := bundleJSON{Format: BundleFormat, Commit: string(b.Commit.Marshal())}
	if b.Reveal != nil {
		j.Reveal = string(b.Reveal.Marshal())
	}
	out, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		panic(err) // strings always encode
	}
	return append(out, '\n')
}

// ParseBundle decodes a bundle file. It checks only the form (JSON, the
// format, the receipts' syntax); what the bundle proves is [Check]'s. Its
// errors are not check failures: the file is unreadable.
func ParseBundle(data []byte) (*Bundle, error) {
	var j bundleJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return nil, fmt.Errorf("not a draw bundle: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("not a draw bundle: data after its JSON object")
	}
	if j.Format != BundleFormat {
		return nil, fmt.Errorf("format %q, want %q", j.Format, BundleFormat)
	}
	c, err := parseReceipt(j.Commit)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	b := &Bundle{Commit: c}
	if j.Reveal != "" {
		if b.Reveal, err = parseReceipt(j.Reveal); err != nil {
			return nil, fmt.Errorf("reveal: %w", err)
		}
	}
	return b, nil
}

// parseReceipt parses a receipt whose checkpoint's signatures are in
// canonical base64, so that a bundle has one encoding.
func parseReceipt(s string) (*entry.Receipt, error) {
	rc, err := entry.ParseReceipt([]byte(s))
	if err != nil {
		return nil, err
	}
	_, sigs, _ := bytes.Cut(rc.Checkpoint, []byte("\n\n"))
	for _, line := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("checkpoint signature line %q is not canonical", line)
		}
		if _, err := base64.StdEncoding.Strict().DecodeString(f[2]); err != nil {
			return nil, fmt.Errorf("checkpoint signature line %q is not canonical", line)
		}
	}
	return rc, nil
}

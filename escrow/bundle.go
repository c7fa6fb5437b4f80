package escrow

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A Bundle is what a party hands over when it reveals: one signed
// checkpoint of its log (with its witnesses' cosignatures), every entry of
// the log from its commitment up to that checkpoint, the compact range
// that proves they are the checkpoint's last leaves, and the bytes of
// every reveal those entries record. [CheckBundle] checks it with the
// party's log key; nothing logged after the commitment can be left out.
//
// Compatibility: the JSON file format of docs/escrow.md ("Bundle"), named
// by its "format" member [BundleFormat]. Version 1 bundles (a receipt
// per entry, no flows) are refused.
type Bundle struct {
	Checkpoint []byte   // the log's signed checkpoint, cosignatures included
	First      uint64   // the commitment entry's index
	Prefix     [][]byte // the compact range of leaves 0 to First-1: at most one hash per bit of First
	Entries    [][]byte // the encoded entries First to size-1, the commitment first
	Reveals    [][]byte // the encoding of each reveal the entries record, in log order
}

// BundleFormat is the "format" member of a version 2 bundle file.
const BundleFormat = "accord escrow bundle v2"

// bundleV1 is the format of version 1, which is refused.
const bundleV1 = "accord escrow bundle v1"

// Bounds of a bundle, checked by [ParseBundle] before it decodes entries:
// a party whose log outgrows them after a commitment commits again.
const (
	MaxBundleEntries    = 1 << 16  // entries from the commitment to the checkpoint
	MaxBundleEntryBytes = 64 << 20 // their encoded bytes, together
	maxCheckpoint       = 1 << 16  // bytes of the signed checkpoint
)

type bundleJSON struct {
	Format     string   `json:"format"`
	Checkpoint string   `json:"checkpoint"`
	First      uint64   `json:"first"`
	Prefix     []string `json:"prefix"`
	Entries    []string `json:"entries"`
	Reveals    []string `json:"reveals"`
}

// Marshal returns the bundle file, indented JSON.
func (b *Bundle) Marshal() []byte {
	j := bundleJSON{Format: BundleFormat, Checkpoint: string(b.Checkpoint), First: b.First,
		Prefix: encode64(b.Prefix), Entries: encode64(b.Entries), Reveals: encode64(b.Reveals)}
	out, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		panic(err) // strings and integers always encode
	}
	return append(out, '\n')
}

func encode64(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

// ParseBundle decodes a bundle file. It checks only the form (JSON, the
// format, the bounds, canonical base64 and signature lines); what the
// bundle proves is [CheckBundle]'s. Its errors are not check failures:
// the file is unreadable.
func ParseBundle(data []byte) (*Bundle, error) {
	var j bundleJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		if bytes.Contains(data, []byte(bundleV1)) {
			return nil, fmt.Errorf("format %q is no longer read: ask the party for a bundle of %q (accord escrow reveal writes one)", bundleV1, BundleFormat)
		}
		return nil, fmt.Errorf("not an escrow bundle: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("not an escrow bundle: data after its JSON object")
	}
	if err := j.bounds(); err != nil {
		return nil, err
	}
	b := &Bundle{Checkpoint: []byte(j.Checkpoint), First: j.First}
	var err error
	if b.Prefix, err = decode64s(j.Prefix, "prefix", 32); err != nil {
		return nil, err
	}
	if b.Entries, err = decode64s(j.Entries, "entry", 0); err != nil {
		return nil, err
	}
	if b.Reveals, err = decode64s(j.Reveals, "reveal", 0); err != nil {
		return nil, err
	}
	if n := size(b.Entries); n > MaxBundleEntryBytes {
		return nil, fmt.Errorf("entries of %d bytes, at most %d", n, MaxBundleEntryBytes)
	}
	return b, checkSignatureLines(b.Checkpoint)
}

// bounds checks the format and the bounds of a decoded bundle file.
func (j *bundleJSON) bounds() error {
	switch {
	case j.Format == bundleV1:
		return fmt.Errorf("format %q is no longer read: ask the party for a bundle of %q (accord escrow reveal writes one)", bundleV1, BundleFormat)
	case j.Format != BundleFormat:
		return fmt.Errorf("format %q, want %q", j.Format, BundleFormat)
	case len(j.Checkpoint) > maxCheckpoint:
		return fmt.Errorf("checkpoint of %d bytes, at most %d", len(j.Checkpoint), maxCheckpoint)
	case len(j.Prefix) > 64:
		return fmt.Errorf("prefix of %d hashes, at most 64", len(j.Prefix))
	case len(j.Entries) == 0 || len(j.Entries) > MaxBundleEntries:
		return fmt.Errorf("%d entries, want 1 to %d", len(j.Entries), MaxBundleEntries)
	case len(j.Reveals) > MaxRegions:
		return fmt.Errorf("%d reveals, at most %d", len(j.Reveals), MaxRegions)
	}
	return nil
}

// decode64s decodes canonical base64 strings, each of n bytes if n > 0.
func decode64s(ss []string, what string, n int) ([][]byte, error) {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || n > 0 && len(b) != n {
			return nil, fmt.Errorf("%s %d is not canonical base64 of the right size", what, i+1)
		}
		out[i] = b
	}
	return out, nil
}

func size(bs [][]byte) (n int) {
	for _, b := range bs {
		n += len(b)
	}
	return n
}

// checkSignatureLines checks that a signed note's signatures are in
// canonical base64: signed notes decode base64 leniently, and a bundle
// has one encoding.
func checkSignatureLines(signed []byte) error {
	_, sigs, ok := bytes.Cut(signed, []byte("\n\n"))
	if !ok {
		return errors.New("checkpoint: not a signed note")
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || !canonical64(f[2]) {
			return fmt.Errorf("checkpoint signature line %q is not canonical", line)
		}
	}
	return nil
}

func canonical64(s string) bool {
	_, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil
}

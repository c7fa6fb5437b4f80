package ledger

import (
	"context"
	"fmt"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// EntriesFrom reads the entries of the log from index from up to size, in
// order, opens each with v and calls fn: the way a reader that has already
// read the first entries resumes. It stops at the first error, naming the
// entry or the entry bundle at fault.
func EntriesFrom(ctx context.Context, src Source, v note.Verifier, from, size uint64, fn func(Record) error) error {
	return readFrom(ctx, src, from, size, func(b []byte) (*entry.Entry, error) { return entry.Open(b, v) }, fn)
}

// Reread is [EntriesFrom] for entries the node verified or wrote itself
// and stored durably: its own log, and the verified part of a peer's
// mirror. It checks each entry's canonical encoding, its log (v's name)
// and the hash of the key named in its signature, but not the signature:
// verifying a signature costs more than everything else about an entry,
// and the node's data directory is trusted (an attacker who can rewrite
// it can also change the keys). `accord log verify` and `accord fsck`
// verify every signature.
func Reread(ctx context.Context, src Source, v note.Verifier, from, size uint64, fn func(Record) error) error {
	return readFrom(ctx, src, from, size, func(b []byte) (*entry.Entry, error) { return Parse(b, v) }, fn)
}

// Parse decodes an entry of the log of v that the node verified or wrote
// itself, as [Reread] does: without checking its signature.
func Parse(b []byte, v note.Verifier) (*entry.Entry, error) {
	e, sig, err := entry.Parse(b)
	if err != nil {
		return nil, err
	}
	if e.Origin() != v.Name() {
		return nil, fmt.Errorf("%w: entry of log %q read from log %q", entry.ErrSignature, e.Origin(), v.Name())
	}
	if sig.Hash != v.KeyHash() {
		return nil, fmt.Errorf("%w: signed by another key than %s's", entry.ErrSignature, v.Name())
	}
	return e, nil
}

func readFrom(ctx context.Context, src Source, from, size uint64, open func([]byte) (*entry.Entry, error), fn func(Record) error) error {
	for bundle := from / layout.EntryBundleWidth; bundle*layout.EntryBundleWidth < size; bundle++ {
		encs, err := readBundle(ctx, src, bundle, size)
		if err != nil {
			return err
		}
		for i, b := range encs {
			r := Record{Index: bundle*layout.EntryBundleWidth + uint64(i), Encoded: b}
			if r.Index < from {
				continue
			}
			r.LeafHash = entry.LeafHash(b)
			if r.Entry, err = open(b); err != nil {
				return fmt.Errorf("entry %d: %w", r.Index, err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

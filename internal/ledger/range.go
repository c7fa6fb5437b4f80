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
	for bundle := from / layout.EntryBundleWidth; bundle*layout.EntryBundleWidth < size; bundle++ {
		encs, err := readBundle(ctx, src, bundle, size)
		if err != nil {
			return err
		}
		for i, b := range encs {
			r := Record{Index: bundle*layout.EntryBundleWidth + uint64(i), Encoded: b, LeafHash: entry.LeafHash(b)}
			if r.Index < from {
				continue
			}
			if r.Entry, err = entry.Open(b, v); err != nil {
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

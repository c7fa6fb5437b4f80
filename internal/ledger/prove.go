package ledger

import (
	"context"
	"fmt"

	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// Prove returns an offline receipt for entry index of the log read from
// src, relative to the log's current checkpoint, carrying the entry. The
// receipt is checked with [entry.CheckReceipt] before it is returned.
func Prove(ctx context.Context, src Source, v note.Verifier, index uint64) (*entry.Receipt, error) {
	cp, signed, err := ReadCheckpoint(ctx, src, v)
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		if cp.Size == 1 {
			return nil, fmt.Errorf("no entry %d: the log has 1 entry", index)
		}
		return nil, fmt.Errorf("no entry %d: the log has %d entries", index, cp.Size)
	}
	encs, err := readBundle(ctx, src, index/layout.EntryBundleWidth, cp.Size)
	if err != nil {
		return nil, err
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, src.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("reading hash tiles: %w", err)
	}
	hashes, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("proving entry %d: %w", index, err)
	}
	r := &entry.Receipt{Entry: encs[index%layout.EntryBundleWidth], Index: index, Proof: hashes, Checkpoint: signed}
	if _, _, err := entry.CheckReceipt(r, v, nil); err != nil {
		return nil, fmt.Errorf("the log's own receipt fails: %w", err)
	}
	return r, nil
}

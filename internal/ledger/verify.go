package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"accord/entry"
)

// Record is one entry read from a log.
type Record struct {
	Index    uint64
	Entry    *entry.Entry
	Encoded  []byte   // the entry as stored in the log
	LeafHash [32]byte // its Merkle leaf hash
}

// Verified is what [Verify] established about a log.
type Verified struct {
	Checkpoint *log.Checkpoint // the log's verified checkpoint
	Signed     []byte          // the checkpoint as signed
	Previous   uint64          // size of the checkpoint the trust store held before
	Seen       bool            // whether the trust store held one
	Kinds      map[entry.Kind]int

	hashes tlog.HashReader // the tree's hashes, from its verified tiles
}

// ReadCheckpoint reads the log's checkpoint and checks its signature by v
// and its origin, v.Name().
func ReadCheckpoint(ctx context.Context, src Source, v note.Verifier) (*log.Checkpoint, []byte, error) {
	b, err := src.ReadCheckpoint(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	cp, _, _, err := log.ParseCheckpoint(b, v.Name(), v)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	return cp, b, nil
}

// Verify checks a whole log against its key v: the checkpoint signature;
// every entry's signature, canonical encoding and log; every hash tile
// against the entries; the checkpoint's root against the tree recomputed
// from the entries; and, if ts is not nil, that the log extends the last
// checkpoint ts holds for it, which it then replaces. A rollback or fork is
// reported as an [*InconsistencyError] carrying both signed checkpoints.
//
// Verify streams: it holds one bundle of entries and one tile per tree
// level at a time, whatever the log's size.
func Verify(ctx context.Context, src Source, v note.Verifier, ts *TrustStore) (*Verified, error) {
	cp, signed, err := ReadCheckpoint(ctx, src, v)
	if err != nil {
		return nil, err
	}
	res := &Verified{Checkpoint: cp, Signed: signed, Kinds: map[entry.Kind]int{}}
	tc := newTileCheck(ctx, src, cp.Size)
	err = Entries(ctx, src, v, cp.Size, func(r Record) error {
		res.Kinds[r.Entry.Kind]++
		return tc.add(r.LeafHash[:])
	})
	if err != nil {
		return nil, err
	}
	root, err := tc.finish()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(root, cp.Hash) {
		return nil, fmt.Errorf("checkpoint: root hash does not match the %d entries", cp.Size)
	}
	res.hashes = tileHashes(ctx, src, cp.Size)
	if ts != nil {
		if res.Previous, res.Seen, err = ts.Advance(v, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Entries reads the first size entries of the log in order, opens each
// with v and calls fn. It stops at the first error, naming the entry or
// the entry bundle at fault.
func Entries(ctx context.Context, src Source, v note.Verifier, size uint64, fn func(Record) error) error {
	for bundle := uint64(0); bundle*layout.EntryBundleWidth < size; bundle++ {
		encs, err := readBundle(ctx, src, bundle, size)
		if err != nil {
			return err
		}
		for i, b := range encs {
			r := Record{Index: bundle*layout.EntryBundleWidth + uint64(i), Encoded: b, LeafHash: entry.LeafHash(b)}
			if r.Entry, err = entry.Open(b, v); err != nil {
				return fmt.Errorf("entry %d: %w", r.Index, err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// readBundle reads entry bundle n of a log of the given size and checks it
// holds exactly the entries the size implies.
func readBundle(ctx context.Context, src Source, n, size uint64) ([][]byte, error) {
	p := layout.PartialTileSize(0, n, size)
	name := layout.EntriesPath(n, p)
	raw, err := src.ReadEntryBundle(ctx, n, p)
	if err != nil {
		return nil, fmt.Errorf("entry bundle %s: %w", name, err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("entry bundle %s: %w", name, err)
	}
	want := int(p)
	if p == 0 {
		want = layout.EntryBundleWidth
	}
	if len(eb.Entries) < want || (len(eb.Entries) > want && len(eb.Entries) != layout.EntryBundleWidth) {
		return nil, fmt.Errorf("entry bundle %s: %d entries, want %d", name, len(eb.Entries), want)
	}
	return eb.Entries[:want], nil
}

// checkTile compares hash tile t of level with want, its hashes
// recomputed from the leaves.
func checkTile(ctx context.Context, src Source, level, t, size uint64, want [][]byte) error {
	p := layout.PartialTileSize(level, t, size)
	name := layout.TilePath(level, t, p)
	raw, err := src.ReadTile(ctx, level, t, p)
	if err != nil {
		return fmt.Errorf("hash tile %s: %w", name, err)
	}
	first := t * layout.TileWidth
	if len(raw) != len(want)*sha256.Size && len(raw) != layout.TileWidth*sha256.Size {
		return fmt.Errorf("hash tile %s: %d bytes, want %d", name, len(raw), len(want)*sha256.Size)
	}
	for i, h := range want {
		if !bytes.Equal(raw[i*sha256.Size:(i+1)*sha256.Size], h) {
			return fmt.Errorf("hash tile %s: hash %d does not match %s", name, i, what(level, first+uint64(i)))
		}
	}
	return nil
}

func what(level, n uint64) string {
	if level == 0 {
		return fmt.Sprintf("entry %d", n)
	}
	w := uint64(1) << (8 * level)
	return fmt.Sprintf("entries %d-%d", n*w, (n+1)*w-1)
}

// rootOf returns the RFC 6962 root hash of the tree with the given leaves.
func rootOf(leaves [][]byte) []byte {
	if len(leaves) == 0 {
		return rfc6962.DefaultHasher.EmptyRoot()
	}
	r := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	for _, l := range leaves {
		if err := r.Append(l, nil); err != nil {
			panic(err) // appending to a range that starts at 0 cannot fail
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		panic(err)
	}
	return root
}

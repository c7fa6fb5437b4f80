package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// tileSource serves the hash tiles of a tree built in memory.
type tileSource map[[3]uint64][]byte

func (s tileSource) ReadCheckpoint(context.Context) ([]byte, error) { return nil, fs.ErrNotExist }
func (s tileSource) ReadEntryBundle(context.Context, uint64, uint8) ([]byte, error) {
	return nil, fs.ErrNotExist
}
func (s tileSource) ReadTile(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
	if b, ok := s[[3]uint64{level, index, uint64(p)}]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("tile %d/%d.p/%d: %w", level, index, p, fs.ErrNotExist)
}

// treeOf returns the leaf hashes of a tree of n records, its root and its
// tiles.
func treeOf(t *testing.T, n int) ([][]byte, tlog.Hash, tileSource) {
	var stored []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	leaves := make([][]byte, n)
	for i := range n {
		rec := fmt.Appendf(nil, "%d", i)
		h := tlog.RecordHash(rec)
		leaves[i] = h[:]
		hs, err := tlog.StoredHashes(int64(i), rec, hr)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	src := tileSource{}
	for _, tile := range tlog.NewTiles(8, 0, int64(n)) {
		data, err := tlog.ReadTileData(tile, hr)
		if err != nil {
			t.Fatal(err)
		}
		src[[3]uint64{uint64(tile.L), uint64(tile.N), uint64(tile.W % 256)}] = data
	}
	root, err := tlog.TreeHash(int64(n), hr)
	if err != nil {
		t.Fatal(err)
	}
	return leaves, root, src
}

// TestTileCheck streams trees of sizes around each tile boundary, up to
// three levels of tiles, through the check Verify makes: each gives the
// tree's root, and a hash flipped in the first or last tile of any level,
// at either end of the tile, is named.
func TestTileCheck(t *testing.T) {
	for _, n := range []int{1, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537, 65536 + 256 + 3} {
		leaves, root, src := treeOf(t, n)
		if err := streamTiles(src, leaves, root); err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		last := map[uint64]uint64{}
		for key := range src {
			last[key[0]] = max(last[key[0]], key[1])
		}
		for key, data := range src {
			if key[1] != 0 && key[1] != last[key[0]] {
				continue
			}
			for _, i := range []int{0, len(data)/sha256.Size - 1} {
				data[i*sha256.Size] ^= 1
				err := streamTiles(src, leaves, root)
				data[i*sha256.Size] ^= 1
				if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("hash tile tile/%d/", key[0])) {
					t.Fatalf("size %d, tile %v, hash %d flipped: %v", n, key, i, err)
				}
			}
		}
	}
}

func streamTiles(src Source, leaves [][]byte, root tlog.Hash) error {
	tc := newTileCheck(context.Background(), src, uint64(len(leaves)))
	for _, l := range leaves {
		if err := tc.add(l); err != nil {
			return err
		}
	}
	got, err := tc.finish()
	if err != nil {
		return err
	}
	if !bytes.Equal(got, root[:]) {
		return fmt.Errorf("root %x, want %x", got, root)
	}
	return nil
}

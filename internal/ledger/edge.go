package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"accord/entry"
)

// ErrCorrupt reports a log whose stored tiles, entries, tree state and
// checkpoint disagree: appending to it would sign a root computed from
// corrupt data, which would later read as the party forking its own log.
var ErrCorrupt = errors.New("log storage corrupt")

// CheckEdge checks the right edge of the log in dir, the part of the
// tree every new checkpoint is computed from, before anything is
// appended: the hash tiles along the edge hash to the root of the tree
// Tessera has integrated (DIR/.state/treeState), that tree extends the
// signed checkpoint (its root at the checkpoint's size is the
// checkpoint's root), and the entries of the last tile hash to the
// tile's leaf hashes. It reads O(log n) tiles and one entry bundle. A
// log with no tree state yet (a new one) passes. Failures wrap
// ErrCorrupt and name the file at fault where one is known; `accord
// fsck` then verifies everything. v, if not nil, also checks the
// checkpoint's signature.
func CheckEdge(ctx context.Context, dir string, v note.Verifier) error {
	st, err := readTreeState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	src := DirSource(dir)
	cpRaw, err := src.ReadCheckpoint(ctx)
	if err != nil {
		return fmt.Errorf("%w: checkpoint: %w", ErrCorrupt, err)
	}
	cp, err := parseCheckpoint(cpRaw, v)
	if err != nil {
		return fmt.Errorf("%w: checkpoint: %w", ErrCorrupt, err)
	}
	if cp.Size > st.Size {
		return fmt.Errorf("%w: the checkpoint has %d entries, the tree state %d", ErrCorrupt, cp.Size, st.Size)
	}
	if st.Size == 0 {
		return nil
	}
	tree := tlog.Tree{N: int64(st.Size), Hash: tlog.Hash(st.Root)}
	hr := tlog.TileHashReader(tree, tileFiles{ctx: ctx, src: src})
	if cp.Size > 0 {
		root, err := tlog.TreeHash(int64(cp.Size), hr)
		if err != nil {
			return fmt.Errorf("%w: the hash tiles do not hash to the tree's root (%d entries): %w", ErrCorrupt, st.Size, err)
		}
		if !bytes.Equal(root[:], cp.Hash) {
			return fmt.Errorf("%w: the tree's root at %d entries is not the signed checkpoint's", ErrCorrupt, cp.Size)
		}
	}
	return checkLastLeaves(ctx, src, hr, st.Size)
}

// checkLastLeaves checks that the entries of the tree's last tile hash to
// the leaf hashes the verified tiles hold.
func checkLastLeaves(ctx context.Context, src Source, hr tlog.HashReader, size uint64) error {
	bundle := (size - 1) / layout.EntryBundleWidth
	encs, err := readBundle(ctx, src, bundle, size)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	first := bundle * layout.EntryBundleWidth
	idx := make([]int64, len(encs))
	for i := range encs {
		idx[i] = tlog.StoredHashIndex(0, int64(first)+int64(i))
	}
	hs, err := hr.ReadHashes(idx)
	if err != nil {
		return fmt.Errorf("%w: the hash tiles do not hash to the tree's root (%d entries): %w", ErrCorrupt, size, err)
	}
	for i, b := range encs {
		if entry.LeafHash(b) != hs[i] {
			return fmt.Errorf("%w: entry %d does not hash to its leaf hash in tile 0/%s", ErrCorrupt, first+uint64(i), layout.NWithSuffix(0, bundle, 0))
		}
	}
	return nil
}

// parseCheckpoint parses the log's own checkpoint, checking its
// signature when v is given; without v only its text is read.
func parseCheckpoint(b []byte, v note.Verifier) (*log.Checkpoint, error) {
	if v != nil {
		cp, _, _, err := log.ParseCheckpoint(b, v.Name(), v)
		return cp, err
	}
	text, _, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return nil, errors.New("not a signed note")
	}
	cp := &log.Checkpoint{}
	if _, err := cp.Unmarshal(append(text, '\n')); err != nil {
		return nil, err
	}
	return cp, nil
}

// IntegratedSize returns how many entries the log in dir holds in its
// bundles and tiles, which after a Sequence may be more than its latest
// checkpoint covers; 0 for a log with no tree yet.
func IntegratedSize(dir string) (uint64, error) {
	st, err := readTreeState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return st.Size, nil
}

// treeState is Tessera's record of the tree it has integrated, which may
// be ahead of the published checkpoint after a crash.
type treeState struct {
	Size uint64 `json:"size"`
	Root []byte `json:"root"`
}

func readTreeState(dir string) (*treeState, error) {
	b, err := os.ReadFile(filepath.Join(dir, ".state", "treeState"))
	if err != nil {
		return nil, err
	}
	var st treeState
	if err := json.Unmarshal(b, &st); err != nil || len(st.Root) != tlog.HashSize {
		return nil, fmt.Errorf("%w: .state/treeState is not a tree state", ErrCorrupt)
	}
	return &st, nil
}

// tileFiles reads a log's hash tiles for x/mod's tlog, whose tiles are
// the C2SP ones with their height in the path.
type tileFiles struct {
	ctx context.Context
	src Source
}

func (tileFiles) Height() int { return 8 }

func (r tileFiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := uint8(t.W % layout.TileWidth)
		b, err := r.src.ReadTile(r.ctx, uint64(t.L), uint64(t.N), p)
		if err != nil {
			return nil, fmt.Errorf("tile %s: %w", layout.TilePath(uint64(t.L), uint64(t.N), p), err)
		}
		out[i] = b
	}
	return out, nil
}

func (tileFiles) SaveTiles([]tlog.Tile, [][]byte) {}

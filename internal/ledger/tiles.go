package ledger

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/tlog"
)

// tileCheck compares the hash tiles of a log with the hashes recomputed
// from its leaves, which it is given one at a time in order, and
// computes the root: it holds one tile's worth of hashes per level of
// the tree and the compact range of the leaves so far.
type tileCheck struct {
	ctx   context.Context
	src   Source
	size  uint64
	nodes [][][]byte // by level, the hashes of the tile being filled
	tiles []uint64   // by level, the index of that tile
	r     *compact.Range
}

func newTileCheck(ctx context.Context, src Source, size uint64) *tileCheck {
	r := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	return &tileCheck{ctx: ctx, src: src, size: size, r: r}
}

// add takes the next leaf hash.
func (c *tileCheck) add(leaf []byte) error {
	if err := c.r.Append(leaf, nil); err != nil {
		return err
	}
	return c.push(0, leaf)
}

// push adds a hash to the tile being filled at level, checking the tile
// and pushing its root one level up once it is full.
func (c *tileCheck) push(level int, h []byte) error {
	if level == len(c.nodes) {
		c.nodes, c.tiles = append(c.nodes, nil), append(c.tiles, 0)
	}
	c.nodes[level] = append(c.nodes[level], h)
	if len(c.nodes[level]) < layout.TileWidth {
		return nil
	}
	nodes := c.nodes[level]
	if err := checkTile(c.ctx, c.src, uint64(level), c.tiles[level], c.size, nodes); err != nil {
		return err
	}
	c.nodes[level], c.tiles[level] = nodes[:0:0], c.tiles[level]+1
	return c.push(level+1, subtreeRoot(nodes))
}

// finish checks the partial tiles on the tree's right edge and returns
// the root hash.
func (c *tileCheck) finish() ([]byte, error) {
	for level, nodes := range c.nodes {
		if len(nodes) == 0 {
			continue
		}
		if err := checkTile(c.ctx, c.src, uint64(level), c.tiles[level], c.size, nodes); err != nil {
			return nil, err
		}
	}
	if c.r.End() == 0 {
		return rfc6962.DefaultHasher.EmptyRoot(), nil
	}
	return c.r.GetRootHash(nil)
}

// subtreeRoot returns the root of a perfect subtree of 2^k nodes.
func subtreeRoot(level [][]byte) []byte {
	for len(level) > 1 {
		next := make([][]byte, len(level)/2)
		for j := range next {
			next[j] = rfc6962.DefaultHasher.HashChildren(level[2*j], level[2*j+1])
		}
		level = next
	}
	return level[0]
}

// tileHashes returns a reader of the hashes of the tree of the given size
// from the log's hash tiles, read from src when asked. Its hashes are
// only as good as the tiles: use it once they are checked.
func tileHashes(ctx context.Context, src Source, size uint64) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			t := tlog.TileForIndex(8, x)
			w := layout.PartialTileSize(uint64(t.L), uint64(t.N), size)
			data, err := src.ReadTile(ctx, uint64(t.L), uint64(t.N), w)
			if err != nil {
				return nil, fmt.Errorf("hash tile %s: %w", layout.TilePath(uint64(t.L), uint64(t.N), w), err)
			}
			if t.W = int(w); w == 0 {
				t.W = layout.TileWidth
			}
			if len(data) < t.W*tlog.HashSize {
				return nil, fmt.Errorf("hash tile %s: %d bytes", layout.TilePath(uint64(t.L), uint64(t.N), w), len(data))
			}
			if out[i], err = tlog.HashFromTile(t, data[:t.W*tlog.HashSize], x); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/tlog"
)

// errNotFound reports a 404 from the peer.
var errNotFound = errors.New("not found")

// Response size limits, so that a hostile peer cannot exhaust memory.
const (
	maxCheckpoint  = 1 << 16
	maxTile        = 32 * 256
	maxBundle      = 256 * (2 + 1<<16)
	maxCheckpoints = 1 << 20 // the /witness/checkpoints list
	maxLogs        = 64      // checkpoints read from one list
)

// fetcher reads a peer node's resources.
type fetcher struct {
	client *http.Client
	base   *url.URL
	token  string
}

// get fetches p from the peer's node. The token goes with every request,
// not only those for entry bundles, so that the peer's node counts this
// node's requests as its peer's, not against the limits of anonymous
// clients.
func (f *fetcher) get(ctx context.Context, p string, limit int64) ([]byte, error) {
	u := f.base.JoinPath(p).String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("GET %s: %w", u, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("GET %s: larger than %d bytes", u, limit)
	}
	return b, err
}

func (f *fetcher) checkpoint(ctx context.Context) ([]byte, error) {
	return f.get(ctx, "log/"+layout.CheckpointPath, maxCheckpoint)
}

// bundle reads entry bundle n of a tree of the given size and returns its
// entries, exactly as many as the size implies.
func (f *fetcher) bundle(ctx context.Context, n, size uint64) ([][]byte, error) {
	p := layout.PartialTileSize(0, n, size)
	raw, err := f.get(ctx, "log/"+layout.EntriesPath(n, p), maxBundle)
	if p > 0 && errors.Is(err, errNotFound) { // the log may delete partial bundles once full
		raw, err = f.get(ctx, "log/"+layout.EntriesPath(n, 0), maxBundle)
	}
	if err != nil {
		return nil, err
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("%w: entry bundle %d: %v", ErrBadData, n, err)
	}
	want := int(p)
	if p == 0 {
		want = layout.EntryBundleWidth
	}
	if len(eb.Entries) < want || (len(eb.Entries) > want && len(eb.Entries) != layout.EntryBundleWidth) {
		return nil, fmt.Errorf("%w: entry bundle %d has %d entries, want %d", ErrBadData, n, len(eb.Entries), want)
	}
	return eb.Entries[:want], nil
}

// tiles reads hash tiles for x/mod's tlog (tile/8/L/N paths) from the
// peer's C2SP paths (tile/L/N), caching at most maxRoundTiles of them for
// one sync round (the tiles on the right edge of a growing tree). The
// tlog.TileHashReader that uses it authenticates every tile against a
// signed tree, so a bad tile is an error, never a wrong hash.
type tiles struct {
	ctx context.Context
	f   *fetcher

	mu    sync.Mutex
	cache map[tlog.Tile][]byte
}

func newTiles(ctx context.Context, f *fetcher) *tiles {
	return &tiles{ctx: ctx, f: f, cache: map[tlog.Tile][]byte{}}
}

func (t *tiles) Height() int { return 8 }

func (t *tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		t.mu.Lock()
		b, ok := t.cache[tile]
		t.mu.Unlock()
		if !ok {
			var err error
			p := "log/" + strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
			b, err = t.f.get(t.ctx, p, maxTile)
			if tile.W < 1<<tile.H && errors.Is(err, errNotFound) { // deleted partial: use the full tile
				full := tile
				full.W = 1 << tile.H
				p = "log/" + strings.Replace(full.Path(), "tile/8/", "tile/", 1)
				if b, err = t.f.get(t.ctx, p, maxTile); err == nil && len(b) == maxTile {
					b = b[:tile.W*tlog.HashSize]
				}
			}
			if err != nil {
				return nil, err
			}
			if len(b) != tile.W*tlog.HashSize {
				return nil, fmt.Errorf("%w: hash tile %s: %d bytes, want %d", ErrBadData, p, len(b), tile.W*tlog.HashSize)
			}
		}
		out[i] = b
	}
	return out, nil
}

// maxRoundTiles bounds the tiles cached in a round (8 KiB each), so that
// copying a long log does not keep every tile it read.
const maxRoundTiles = 256

func (t *tiles) SaveTiles(ts []tlog.Tile, data [][]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.cache)+len(ts) > maxRoundTiles {
		clear(t.cache)
	}
	for i, tile := range ts {
		t.cache[tile] = data[i]
	}
}

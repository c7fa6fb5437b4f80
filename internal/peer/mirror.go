package peer

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"golang.org/x/sync/errgroup"

	"accord/internal/durable"
)

// Files of a mirror directory DIR/peers/P.
const (
	stateFile = "state.json"
	logDir    = "log"
)

// state is a follower's progress, replaced atomically as a whole.
type state struct {
	// Checkpoint is the latest checkpoint of the peer verified consistent
	// with all seen before, as the peer served it (signed, cosigned).
	Checkpoint string `json:"checkpoint,omitempty"`
	// Verified is how many of its entries are copied and verified.
	Verified uint64 `json:"verified"`
	// Acked is how many of those are ingested and acknowledged.
	Acked uint64 `json:"acked"`
}

// Mirror is the verified copy of a peer's log: entry bundles, hash tiles
// and, once complete, the checkpoint, in DIR/peers/P/log laid out as
// c2sp.org/tlog-tiles (so `accord log verify DIR/peers/P/log` checks it),
// and the follower's progress in DIR/peers/P/state.json.
//
// Memory: the tree's hashes are read from the hash tiles on disk, through
// a cache of at most maxCachedTiles tiles; only the hashes of the entries
// being added are held until their tiles are written. Nothing is kept per
// entry, whatever the log's size.
//
// Durability: every file is written durably (package durable), and files
// are written before the state that covers them: bundles and tiles are
// staged, their directories synced, and only then is the state replaced.
// A crash leaves the state of the last commit, and anything written past
// it is rewritten; the state's Verified is the mark of what was verified,
// so an entry past it is never taken as verified. A Mirror is not safe for
// concurrent use; its Follower serialises access.
type Mirror struct {
	dir     string
	v       note.Verifier
	st      state
	cp      *log.Checkpoint     // st.Checkpoint parsed, or nil
	n       uint64              // entries held
	tiled   uint64              // entries whose hash tiles are written
	pending map[int64]tlog.Hash // stored hashes of entries tiled..n-1
	tiles   map[string][]byte   // cache of tiles read, by path
	staged  map[string]bool     // directories of files staged since the last commit
}

// maxCachedTiles bounds the tiles a Mirror keeps in memory (8 KiB each):
// adding a bundle reads the few tiles on the tree's right edge.
const maxCachedTiles = 64

// OpenMirror opens (creating if needed) the mirror in dir of the log
// whose key is v. It reads the recorded progress and, if the mirror holds
// its checkpoint's whole tree, checks the root recomputed from its hash
// tiles; it does not reread the entries, verified when they were copied
// (`accord log verify DIR/peers/P/log` does).
func OpenMirror(dir string, v note.Verifier) (*Mirror, error) {
	m := newMirror(dir, v)
	if err := durable.MkdirAll(filepath.Join(dir, logDir), 0o755); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m.st); err != nil {
		return nil, fmt.Errorf("%s: %w", stateFile, err)
	}
	if m.st.Checkpoint != "" {
		if m.cp, _, _, err = log.ParseCheckpoint([]byte(m.st.Checkpoint), v.Name(), v); err != nil {
			return nil, fmt.Errorf("%s: %w", stateFile, err)
		}
	}
	m.n, m.tiled = m.st.Verified, m.st.Verified
	if err := m.checkRoot(); err != nil {
		return nil, fmt.Errorf("mirror of %s: %w", v.Name(), err)
	}
	return m, nil
}

func newMirror(dir string, v note.Verifier) *Mirror {
	return &Mirror{dir: dir, v: v, pending: map[int64]tlog.Hash{}, tiles: map[string][]byte{}, staged: map[string]bool{}}
}

// checkRoot checks the tiles against the recorded checkpoint, if the
// mirror holds all of it.
func (m *Mirror) checkRoot() error {
	if m.cp == nil || m.st.Verified != m.cp.Size || m.cp.Size == 0 {
		return nil
	}
	root, err := m.root(m.cp.Size)
	if err != nil {
		return err
	}
	if root != tlogHash(m.cp.Hash) {
		return errors.New("mirrored hash tiles do not match the recorded checkpoint")
	}
	return nil
}

// Size returns how many entries the mirror holds, verified.
func (m *Mirror) Size() uint64 { return m.n }

func (m *Mirror) hashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, err := m.hash(x)
			if err != nil {
				return nil, err
			}
			out[i] = h
		}
		return out, nil
	})
}

// hash returns stored hash x, from the entries being added or the tiles.
func (m *Mirror) hash(x int64) (tlog.Hash, error) {
	if h, ok := m.pending[x]; ok {
		return h, nil
	}
	if x < 0 || x >= tlog.StoredHashCount(int64(m.tiled)) {
		return tlog.Hash{}, fmt.Errorf("hash %d not held", x)
	}
	t := tlog.TileForIndex(8, x)
	data, w, err := m.readTile(uint64(t.L), uint64(t.N))
	if err != nil {
		return tlog.Hash{}, err
	}
	t.W = w
	return tlog.HashFromTile(t, data, x)
}

// readTile reads hash tile n of level as of the tiled size, and returns
// it and its width.
func (m *Mirror) readTile(level, n uint64) ([]byte, int, error) {
	p := layout.PartialTileSize(level, n, m.tiled)
	w := int(p)
	if p == 0 {
		w = layout.TileWidth
	}
	path := layout.TilePath(level, n, p)
	if b, ok := m.tiles[path]; ok {
		return b, w, nil
	}
	b, err := os.ReadFile(filepath.Join(m.dir, logDir, filepath.FromSlash(path)))
	if err != nil {
		return nil, 0, fmt.Errorf("hash tile %s: %w", path, err)
	}
	if len(b) != w*tlog.HashSize {
		return nil, 0, fmt.Errorf("hash tile %s: %d bytes, want %d", path, len(b), w*tlog.HashSize)
	}
	if len(m.tiles) >= maxCachedTiles {
		for k := range m.tiles {
			delete(m.tiles, k)
			break
		}
	}
	m.tiles[path] = b
	return b, w, nil
}

// add appends entries' leaves to the tree, holding their hashes until
// store writes their tiles.
func (m *Mirror) add(entries [][]byte) error {
	hr := m.hashReader()
	for _, e := range entries {
		hs, err := tlog.StoredHashes(int64(m.n), e, hr)
		if err != nil {
			return err
		}
		first := tlog.StoredHashCount(int64(m.n))
		for i, h := range hs {
			m.pending[first+int64(i)] = h
		}
		m.n++
	}
	return nil
}

// truncate forgets the leaves added past size n, n >= the tiled size.
func (m *Mirror) truncate(n uint64) {
	for x := range m.pending {
		if x >= tlog.StoredHashCount(int64(n)) {
			delete(m.pending, x)
		}
	}
	m.n = n
}

// root returns the root hash of the first n entries, n <= Size().
func (m *Mirror) root(n uint64) (tlog.Hash, error) {
	return tlog.TreeHash(int64(n), m.hashReader())
}

// prove returns a consistency proof from the first n entries to the
// first size entries, n <= size <= Size().
func (m *Mirror) prove(n, size uint64) ([][]byte, error) {
	if n == 0 || n == size {
		return nil, nil
	}
	p, err := tlog.ProveTree(int64(size), int64(n), m.hashReader())
	if err != nil {
		return nil, err
	}
	return hashBytes(p), nil
}

// store stages entry bundle b, holding entries, of the tree of size
// cpSize, and the hash tiles that change when the tree grows from old to
// Size() entries, all at once; then reads the tree's hashes from the
// tiles.
func (m *Mirror) store(b, cpSize uint64, entries [][]byte, old uint64) error {
	var buf []byte
	for _, e := range entries {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(e)))
		buf = append(buf, e...)
	}
	files := map[string][]byte{layout.EntriesPath(b, layout.PartialTileSize(0, b, cpSize)): buf}
	hr := m.hashReader()
	for _, t := range tlog.NewTiles(8, int64(old), int64(m.n)) {
		data, err := tlog.ReadTileData(t, hr)
		if err != nil {
			return err
		}
		files[layout.TilePath(uint64(t.L), uint64(t.N), uint8(t.W%256))] = data
	}
	if err := m.stageAll(files); err != nil {
		return err
	}
	m.tiled = m.n
	clear(m.pending)
	return nil
}

// stageAll stages files of the mirrored log, by path, concurrently (see
// durable.Stage), so that their syncs overlap; the next commit syncs
// their directories.
func (m *Mirror) stageAll(files map[string][]byte) error {
	var g errgroup.Group
	for p, b := range files {
		path := filepath.Join(m.dir, logDir, filepath.FromSlash(p))
		if err := durable.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		m.staged[filepath.Dir(path)] = true
		g.Go(func() error { return stage(path, b, 0o600) })
	}
	return g.Wait()
}

// commit makes the files staged so far durable, then records st durably,
// and the checkpoint file once the mirror holds all of st's checkpoint.
func (m *Mirror) commit(st state) error {
	for d := range m.staged {
		if err := durable.SyncDirs(d); err != nil {
			return fmt.Errorf("recording progress: %w", err)
		}
		delete(m.staged, d)
	}
	b, _ := json.Marshal(st)
	if err := writeState(filepath.Join(m.dir, stateFile), b, 0o600); err != nil {
		return fmt.Errorf("recording progress: %w", err)
	}
	cp, _, _, err := log.ParseCheckpoint([]byte(st.Checkpoint), m.v.Name(), m.v)
	if err != nil {
		return err
	}
	m.st, m.cp = st, cp
	if st.Verified == cp.Size {
		return m.writeFile(layout.CheckpointPath, []byte(st.Checkpoint))
	}
	return nil
}

// Checkpoint returns the latest checkpoint the mirror holds in full, or
// nil.
func (m *Mirror) Checkpoint() []byte {
	b, err := os.ReadFile(filepath.Join(m.dir, logDir, layout.CheckpointPath))
	if err != nil {
		return nil
	}
	return b
}

// writeState replaces the state file durably; tests replace it to inject
// a crash between storing entries and recording them.
var writeState = durableWriteFile

var durableWriteFile = durable.WriteFile

// stage is durable.Stage; tests that write large logs replace it.
var stage = durable.Stage

// writeFile writes the file at path p of the mirrored log, durably.
func (m *Mirror) writeFile(p string, b []byte) error {
	path := filepath.Join(m.dir, logDir, filepath.FromSlash(p))
	if err := durable.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return durable.WriteFile(path, b, 0o600)
}

func tlogHash(b []byte) tlog.Hash {
	var h tlog.Hash
	copy(h[:], b)
	return h
}

func hashBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

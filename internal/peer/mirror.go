package peer

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

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
// Durability: every file is written durably (package durable), and files
// are written before the state that covers them; a crash leaves the state
// of the last commit, and anything written past it is rewritten. A Mirror
// is not safe for concurrent use; its Follower serialises access.
type Mirror struct {
	dir    string
	v      note.Verifier
	st     state
	cp     *log.Checkpoint // st.Checkpoint parsed, or nil
	hashes []tlog.Hash     // tlog stored hashes of the first n entries
	n      uint64
}

// OpenMirror opens (creating if needed) the mirror in dir of the log
// whose key is v, rereading its entries to rebuild the tree.
func OpenMirror(dir string, v note.Verifier) (*Mirror, error) {
	m := &Mirror{dir: dir, v: v}
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
	if err := m.reload(); err != nil {
		return nil, fmt.Errorf("mirror of %s: %w", v.Name(), err)
	}
	return m, nil
}

// reload recomputes the stored hashes from the mirrored bundles.
func (m *Mirror) reload() error {
	n := m.st.Verified
	for b := uint64(0); b*layout.EntryBundleWidth < n; b++ {
		p := layout.PartialTileSize(0, b, n)
		raw, err := os.ReadFile(filepath.Join(m.dir, logDir, layout.EntriesPath(b, p)))
		if err != nil {
			return err
		}
		var eb api.EntryBundle
		if err := eb.UnmarshalText(raw); err != nil {
			return fmt.Errorf("bundle %d: %w", b, err)
		}
		want := min(n-b*layout.EntryBundleWidth, layout.EntryBundleWidth)
		if uint64(len(eb.Entries)) < want {
			return fmt.Errorf("bundle %d: %d entries, want %d", b, len(eb.Entries), want)
		}
		if err := m.add(eb.Entries[:want]); err != nil {
			return err
		}
	}
	if m.cp != nil && m.st.Verified == m.cp.Size && tlogHash(m.cp.Hash) != m.root(m.cp.Size) {
		return errors.New("mirrored entries do not match the recorded checkpoint")
	}
	return nil
}

// Size returns how many entries the mirror holds, verified.
func (m *Mirror) Size() uint64 { return m.n }

func (m *Mirror) hashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(m.hashes)) {
				return nil, fmt.Errorf("hash %d not held", x)
			}
			out[i] = m.hashes[x]
		}
		return out, nil
	})
}

// add appends entries' leaves to the in-memory tree.
func (m *Mirror) add(entries [][]byte) error {
	hr := m.hashReader()
	for _, e := range entries {
		hs, err := tlog.StoredHashes(int64(m.Size()), e, hr)
		if err != nil {
			return err
		}
		m.hashes = append(m.hashes, hs...)
		m.n++
	}
	return nil
}

// truncate forgets the in-memory leaves past size n.
func (m *Mirror) truncate(n uint64) {
	m.hashes, m.n = m.hashes[:tlog.StoredHashCount(int64(n))], n
}

// root returns the root hash of the first n entries, n <= Size().
func (m *Mirror) root(n uint64) tlog.Hash {
	h, err := tlog.TreeHash(int64(n), m.hashReader())
	if err != nil {
		panic(err) // n <= Size() is the caller's invariant
	}
	return h
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

// writeBundle writes entry bundle b holding entries, of a tree of size.
func (m *Mirror) writeBundle(b, size uint64, entries [][]byte) error {
	var buf []byte
	for _, e := range entries {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(e)))
		buf = append(buf, e...)
	}
	return m.writeFile(layout.EntriesPath(b, layout.PartialTileSize(0, b, size)), buf)
}

// writeTiles writes the hash tiles that change when the tree grows from
// old to size entries.
func (m *Mirror) writeTiles(old, size uint64) error {
	hr := m.hashReader()
	for _, t := range tlog.NewTiles(8, int64(old), int64(size)) {
		data, err := tlog.ReadTileData(t, hr)
		if err != nil {
			return err
		}
		p := uint8(t.W % 256)
		if err := m.writeFile(layout.TilePath(uint64(t.L), uint64(t.N), p), data); err != nil {
			return err
		}
	}
	return nil
}

// commit records st durably, and the checkpoint file once the mirror
// holds all of st's checkpoint.
func (m *Mirror) commit(st state) error {
	b, _ := json.Marshal(st)
	if err := durable.WriteFile(filepath.Join(m.dir, stateFile), b, 0o600); err != nil {
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

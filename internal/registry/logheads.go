package registry

import (
	"context"
	"crypto/sha256"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// A Head is how far the treaty database has ingested one log: the
// number of its entries applied (or refused) and the RFC 6962 root hash
// of those entries' leaf hashes, as stored when each was ingested. When
// Size equals the size of a signed checkpoint of the log, Root equals
// the checkpoint's root hash, so a number computed from the database can
// be traced to signed entries.
type Head struct {
	Origin string
	Party  string
	Size   uint64
	Root   tlog.Hash
}

// Heads returns the head of every log the database has ingested, by
// origin, read in one transaction so that every head is of the same
// moment.
func (r *Registry) Heads(ctx context.Context) ([]Head, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	hs, err := s.logHeads()
	if err != nil {
		return nil, err
	}
	for i := range hs {
		if hs[i].Root, err = s.treeHash(hs[i].Origin, hs[i].Size); err != nil {
			return nil, fmt.Errorf("hashing %s: %w", hs[i].Origin, err)
		}
	}
	return hs, nil
}

func (s *session) logHeads() ([]Head, error) {
	rows, err := s.query(`SELECT origin, party, next_index FROM logs ORDER BY origin`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Head
	for rows.Next() {
		var h Head
		if err := rows.Scan(&h.Origin, &h.Party, &h.Size); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// treeHash returns the RFC 6962 root of the first n leaf hashes of a log,
// folding complete subtrees as it reads them: memory is one hash per
// level.
func (s *session) treeHash(origin string, n uint64) (tlog.Hash, error) {
	rows, err := s.query(`SELECT idx, leaf_hash FROM entries WHERE origin = ? AND idx < ? ORDER BY idx`, origin, n)
	if err != nil {
		return tlog.Hash{}, err
	}
	defer rows.Close()
	var st merkleStack
	for want := uint64(0); rows.Next(); want++ {
		var idx uint64
		var leaf []byte
		if err := rows.Scan(&idx, &leaf); err != nil {
			return tlog.Hash{}, err
		}
		if idx != want || len(leaf) != tlog.HashSize {
			return tlog.Hash{}, fmt.Errorf("entry %d: the database holds no leaf hash of entry %d", idx, want)
		}
		st.push(tlog.Hash(leaf))
	}
	if err := rows.Err(); err != nil {
		return tlog.Hash{}, err
	}
	if st.n != n {
		return tlog.Hash{}, fmt.Errorf("the database holds %d of the log's %d leaf hashes", st.n, n)
	}
	return st.root(), nil
}

// A merkleStack folds leaf hashes into the roots of complete subtrees,
// largest first, as a binary counter does: the tree of n leaves is the
// subtrees of n's set bits.
type merkleStack struct {
	n     uint64
	trees []tlog.Hash
}

func (m *merkleStack) push(h tlog.Hash) {
	m.trees = append(m.trees, h)
	for k := m.n; k&1 == 1; k >>= 1 {
		last := len(m.trees) - 1
		m.trees = append(m.trees[:last-1], tlog.NodeHash(m.trees[last-1], m.trees[last]))
	}
	m.n++
}

// root is RFC 6962's MTH: the subtrees joined from the right.
func (m *merkleStack) root() tlog.Hash {
	if len(m.trees) == 0 {
		return sha256.Sum256(nil) // the root of the empty tree
	}
	h := m.trees[len(m.trees)-1]
	for i := len(m.trees) - 2; i >= 0; i-- {
		h = tlog.NodeHash(m.trees[i], h)
	}
	return h
}

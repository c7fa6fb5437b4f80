package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"accord/internal/durable"
)

// TrustStore remembers, for each log this machine has verified, the last
// checkpoint it saw, so that a later rollback or fork is caught. It is a
// directory of files named "<escaped origin>.<key hash>.checkpoint", each
// holding a signed checkpoint verbatim.
//
// A TrustStore is trusted by its machine: whoever can write to it can make
// this machine accept a rollback. It holds no secrets. Concurrent
// verifications of one log on one machine may each keep their own view;
// the store only ever moves forward. Each checkpoint is written durably
// (package durable): after a crash a file holds the old checkpoint or the
// new one, whole.
type TrustStore struct {
	Dir string
}

// DefaultTrustStore returns the trust store in the user's configuration
// directory: $XDG_CONFIG_HOME/accord/trust on Linux.
func DefaultTrustStore() (*TrustStore, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	return &TrustStore{Dir: filepath.Join(dir, "accord", "trust")}, nil
}

// InconsistencyError reports a log that does not extend the checkpoint a
// trust store held for it: a rollback (a smaller tree) or a fork (a tree
// whose prefix differs). The two signed checkpoints are the evidence:
// anyone holding the log key can check both signatures offline.
//
// For a fork (NewSize >= OldSize) the error also carries the proof that
// the new tree's first OldSize entries are not the old tree: their root,
// PrefixRoot, and a consistency proof from it to New's root.
type InconsistencyError struct {
	Origin     string
	Old, New   []byte // signed checkpoints: the one seen before, the one now served
	OldSize    uint64
	NewSize    uint64
	Stored     string   // the trust store file that held Old
	PrefixRoot []byte   // fork only: root of New's tree at OldSize
	Proof      [][]byte // fork only: consistency proof from PrefixRoot to New's root
}

func (e *InconsistencyError) Error() string {
	if e.NewSize < e.OldSize {
		return fmt.Sprintf("log %s rolled back: checkpoint of size %d, but size %d was seen before", e.Origin, e.NewSize, e.OldSize)
	}
	return fmt.Sprintf("log %s forked: its first %d entries differ from the checkpoint seen before", e.Origin, e.OldSize)
}

func (s *TrustStore) path(v note.Verifier) string {
	return filepath.Join(s.Dir, fmt.Sprintf("%s.%08x.checkpoint", url.PathEscape(v.Name()), v.KeyHash()))
}

// Latest returns the last checkpoint the store holds for v's log, or nil
// if it holds none.
func (s *TrustStore) Latest(v note.Verifier) (*log.Checkpoint, []byte, error) {
	b, err := os.ReadFile(s.path(v))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("trust store: %w", err)
	}
	cp, _, _, err := log.ParseCheckpoint(b, v.Name(), v)
	if err != nil {
		return nil, nil, fmt.Errorf("trust store %s: %w", s.path(v), err)
	}
	return cp, b, nil
}

// Check checks that the log res verified extends the checkpoint the store
// holds for it. It returns the size of that checkpoint and whether there
// was one.
func (s *TrustStore) Check(v note.Verifier, res *Verified) (uint64, bool, error) {
	old, oldSigned, err := s.Latest(v)
	if err != nil || old == nil {
		return 0, false, err
	}
	cp := res.Checkpoint
	inc := &InconsistencyError{Origin: cp.Origin, Old: oldSigned, New: res.Signed,
		OldSize: old.Size, NewSize: cp.Size, Stored: s.path(v)}
	if old.Size > cp.Size {
		return old.Size, true, inc
	}
	prefix := rfc6962.DefaultHasher.EmptyRoot()
	if old.Size > 0 {
		h, err := tlog.TreeHash(int64(old.Size), res.hashes)
		if err != nil {
			return old.Size, true, fmt.Errorf("prefix of size %d: %w", old.Size, err)
		}
		prefix = h[:]
	}
	if !bytes.Equal(prefix, old.Hash) {
		inc.PrefixRoot = prefix
		inc.Proof, err = consistencyProof(res.hashes, old.Size, cp.Size)
		if err != nil {
			return old.Size, true, err
		}
		return old.Size, true, inc
	}
	return old.Size, true, nil
}

// Advance checks the log res verified like [TrustStore.Check], then records
// its checkpoint as the last one seen.
func (s *TrustStore) Advance(v note.Verifier, res *Verified) (uint64, bool, error) {
	prev, seen, err := s.Check(v, res)
	if err != nil || (seen && prev == res.Checkpoint.Size) {
		return prev, seen, err
	}
	if err := durable.MkdirAll(s.Dir, 0o755); err != nil {
		return prev, seen, fmt.Errorf("trust store: %w", err)
	}
	if err := durable.WriteFile(s.path(v), res.Signed, 0o600); err != nil {
		return prev, seen, fmt.Errorf("trust store: %w", err)
	}
	return prev, seen, nil
}

// consistencyProof returns the RFC 6962 consistency proof from the tree of
// the first m leaves to the tree of size n, 0 < m <= n, from the tree's
// hashes.
func consistencyProof(hr tlog.HashReader, m, n uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(m, n)
	if err != nil {
		return nil, err
	}
	idx := make([]int64, len(nodes.IDs))
	for i, id := range nodes.IDs {
		idx[i] = tlog.StoredHashIndex(int(id.Level), int64(id.Index))
	}
	hs, err := hr.ReadHashes(idx)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashBytes(hs), rfc6962.DefaultHasher.HashChildren)
}

func hashBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

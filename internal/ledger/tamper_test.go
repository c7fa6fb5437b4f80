package ledger

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// tamperLog returns a closed log of n entries, verified once so that the
// trust store holds its checkpoint.
func tamperLog(t *testing.T, n int) *testLog {
	tl := newTestLog(t)
	for i := range n {
		tl.log.Append(t.Context(), testEntry(i))
	}
	tl.check()
	return tl
}

func (tl *testLog) file(p string) string { return filepath.Join(tl.dir, filepath.FromSlash(p)) }

func (tl *testLog) edit(p string, f func([]byte) []byte) {
	tl.t.Helper()
	path := tl.file(p)
	b, err := os.ReadFile(path)
	if err != nil {
		tl.t.Fatal(err)
	}
	if err := os.WriteFile(path, f(bytes.Clone(b)), 0o644); err != nil {
		tl.t.Fatal(err)
	}
}

// bundleOffset returns the offset of entry i's data in an entry bundle.
func bundleOffset(b []byte, i int) int {
	off := 0
	for range i {
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
	}
	return off + 2
}

// TestTamper alters a verified log on disk in each way an attacker could
// and checks that Verify fails, naming the entry or file at fault.
func TestTamper(t *testing.T) {
	const n = 5
	bundle := layout.EntriesPath(0, n)
	tile := layout.TilePath(0, 0, n)
	tests := []struct {
		name string
		do   func(tl *testLog)
		want string // in the error
	}{
		{"flip a byte in an entry", func(tl *testLog) {
			tl.edit(bundle, func(b []byte) []byte { b[bundleOffset(b, 3)+40] ^= 1; return b })
		}, "entry 3"},
		{"flip a byte in an entry's signature", func(tl *testLog) {
			tl.edit(bundle, func(b []byte) []byte { b[len(b)-5] ^= 1; return b }) // entry 4 is last
		}, "entry 4"},
		{"flip a byte in a tile", func(tl *testLog) {
			tl.edit(tile, func(b []byte) []byte { b[2*32+7] ^= 1; return b })
		}, tile + ": hash 2 does not match entry 2"},
		{"flip a byte in the checkpoint's root", func(tl *testLog) {
			tl.edit("checkpoint", func(b []byte) []byte {
				i := bytes.Index(b, []byte("\n5\n")) + 3
				b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
				return b
			})
		}, "checkpoint"},
		{"flip a byte in the checkpoint's signature", func(tl *testLog) {
			tl.edit("checkpoint", func(b []byte) []byte { b[len(b)-5] ^= 1; return b })
		}, "checkpoint"},
		{"truncate the entry bundle", func(tl *testLog) {
			tl.edit(bundle, func(b []byte) []byte { return b[:len(b)-30] })
		}, bundle},
		{"drop the last entry", func(tl *testLog) {
			tl.edit(bundle, func(b []byte) []byte { return b[:bundleOffset(b, 4)-2] })
		}, bundle},
		{"truncate the checkpoint", func(tl *testLog) {
			tl.edit("checkpoint", func(b []byte) []byte { return b[:len(b)/2] })
		}, "checkpoint"},
		{"swap two entries", func(tl *testLog) {
			tl.edit(bundle, func(b []byte) []byte {
				s1, s2 := bundleOffset(b, 1)-2, bundleOffset(b, 2)-2
				s3 := bundleOffset(b, 3) - 2
				out := append([]byte{}, b[:s1]...)
				out = append(out, b[s2:s3]...)
				out = append(out, b[s1:s2]...)
				return append(out, b[s3:]...)
			})
		}, "entry 1"},
		{"delete a tile", func(tl *testLog) { os.Remove(tl.file(tile)) }, tile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tl := tamperLog(t, n)
			tt.do(tl)
			_, err := Verify(t.Context(), DirSource(tl.dir), tl.verifier, tl.trust)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify = %v, want an error naming %q", err, tt.want)
			}
			t.Log(err)
		})
	}
}

// TestReplayOldCheckpoint serves an older, validly signed checkpoint after
// a newer one was seen: a rollback the trust store catches.
func TestReplayOldCheckpoint(t *testing.T) {
	tl := newTestLog(t)
	tl.append(testEntry(0))
	tl.append(testEntry(1))
	old, err := os.ReadFile(tl.file("checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	tl.append(testEntry(2)) // verified: the trust store now holds size 3
	if err := os.WriteFile(tl.file("checkpoint"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Verify(t.Context(), DirSource(tl.dir), tl.verifier, tl.trust)
	var inc *InconsistencyError
	if !errors.As(err, &inc) || inc.OldSize != 3 || inc.NewSize != 2 || !bytes.Equal(inc.New, old) {
		t.Fatalf("Verify = %v, want a rollback from 3 to 2", err)
	}
	if inc.PrefixRoot != nil || inc.Proof != nil || inc.Stored == "" {
		t.Fatalf("rollback: %+v", inc)
	}
	// Without the trust store, the old checkpoint alone is a valid log.
	if _, err := Verify(t.Context(), DirSource(tl.dir), tl.verifier, nil); err != nil {
		t.Fatalf("old checkpoint without history: %v", err)
	}
}

// TestFork rewrites a log consistently (new entries, tiles and checkpoint,
// all validly signed) after the trust store saw the original: a fork.
func TestFork(t *testing.T) {
	a := newTestLog(t)
	a.append(testEntry(0))
	a.append(testEntry(1))
	a.append(testEntry(2))
	b := newTestLog(t) // same key, another history
	b.append(testEntry(0))
	for i := range 4 {
		b.append(testEntry(7 + i))
	}
	_, err := Verify(t.Context(), DirSource(b.dir), b.verifier, a.trust)
	var inc *InconsistencyError
	if !errors.As(err, &inc) || !strings.Contains(err.Error(), "forked") {
		t.Fatalf("Verify = %v, want a fork", err)
	}
	checkFork(t, inc, a.verifier)
}

// checkFork checks that inc proves a fork as an offline verifier would:
// both checkpoints signed by the log, and a consistency proof from the
// prefix root to the new root, where the prefix root is not the old root.
func checkFork(t *testing.T, inc *InconsistencyError, v note.Verifier) {
	t.Helper()
	old, _, _, errO := log.ParseCheckpoint(inc.Old, v.Name(), v)
	cur, _, _, errN := log.ParseCheckpoint(inc.New, v.Name(), v)
	if errO != nil || errN != nil || old.Size != inc.OldSize || cur.Size != inc.NewSize || inc.Stored == "" {
		t.Fatalf("fork: %v, %v, %+v", errO, errN, inc)
	}
	if bytes.Equal(inc.PrefixRoot, old.Hash) {
		t.Fatal("fork: the prefix root is the old root")
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, cur.Size, inc.Proof, inc.PrefixRoot, cur.Hash); err != nil {
		t.Fatalf("fork: consistency proof: %v", err)
	}
}

// TestConsistencyProof checks consistencyProof for every pair of tree
// sizes up to 70 against the Merkle library's verifier, and that a proof
// to another size fails.
func TestConsistencyProof(t *testing.T) {
	var leaves [][]byte
	var stored []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i := range 70 {
		h := rfc6962.DefaultHasher.HashLeaf([]byte{byte(i)})
		leaves = append(leaves, h)
		hs, err := tlog.StoredHashes(int64(i), []byte{byte(i)}, hr)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	for n := 1; n <= len(leaves); n++ {
		root := rootOf(leaves[:n])
		for m := 1; m <= n; m++ {
			p, err := consistencyProof(hr, uint64(m), uint64(n))
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(m), uint64(n), p, rootOf(leaves[:m]), root); err != nil {
				t.Fatalf("sizes %d to %d: %v", m, n, err)
			}
			if m > 1 && m < n {
				if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(m-1), uint64(n), p, rootOf(leaves[:m-1]), root); err == nil {
					t.Fatalf("sizes %d to %d: proof also verifies from %d", m, n, m-1)
				}
			}
		}
	}
}

package registry

import (
	"crypto/sha256"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestMerkleStack checks the folded root of every tree size up to 130
// against tlog's, from the same leaf hashes.
func TestMerkleStack(t *testing.T) {
	var stored []tlog.Hash
	var st merkleStack
	for n := int64(0); n <= 130; n++ {
		want, err := tlog.TreeHash(n, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for i, x := range idx {
				out[i] = stored[x]
			}
			return out, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.root(); got != want {
			t.Fatalf("root of %d leaves: %s, tlog says %s", n, got, want)
		}
		leaf := tlog.RecordHash([]byte{byte(n), byte(n >> 8)})
		hs, err := tlog.StoredHashes(n, []byte{byte(n), byte(n >> 8)}, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for i, x := range idx {
				out[i] = stored[x]
			}
			return out, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
		st.push(leaf)
	}
	if (&merkleStack{}).root() != sha256.Sum256(nil) {
		t.Error("the empty tree's root is not SHA-256 of nothing")
	}
}

package draw

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// testLog is an in-memory accord log: signed entries, an RFC 6962 tree
// and receipts relative to its latest checkpoint.
type testLog struct {
	t       testing.TB
	party   string
	signer  note.Signer
	v       note.Verifier
	entries [][]byte
}

func newTestLog(t testing.TB, party string, seed byte) *testLog {
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)), entry.Origin("newstart", party))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	return &testLog{t: t, party: party, signer: s, v: v}
}

func (l *testLog) origin() string { return l.v.Name() }

// add appends an entry of kind kind with body b, created at created, and
// returns its index.
func (l *testLog) add(kind entry.Kind, b []byte, created time.Time) uint64 {
	e := &entry.Entry{Treaty: "newstart", Party: l.party, Kind: kind, Body: b,
		Effective: created.Truncate(24 * time.Hour), Created: created}
	enc, err := entry.Sign(e, l.signer)
	if err != nil {
		l.t.Fatal(err)
	}
	l.entries = append(l.entries, enc)
	return uint64(len(l.entries) - 1)
}

// ref returns the Ref of entry i.
func (l *testLog) ref(i uint64) Ref {
	return Ref{Origin: l.origin(), Index: i, LeafHash: entry.LeafHash(l.entries[i])}
}

// receipt proves entry i in the log as it is now.
func (l *testLog) receipt(i uint64) *entry.Receipt {
	leaves := make([][32]byte, len(l.entries))
	for j, e := range l.entries {
		leaves[j] = entry.LeafHash(e)
	}
	root := mth(leaves)
	cp, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", l.origin(), len(leaves), base64.StdEncoding.EncodeToString(root[:]))}, l.signer)
	if err != nil {
		l.t.Fatal(err)
	}
	return &entry.Receipt{Entry: l.entries[i], Index: i, Proof: path(i, leaves), Checkpoint: cp}
}

// mth is RFC 6962's Merkle tree hash.
func mth(d [][32]byte) [32]byte {
	if len(d) == 1 {
		return d[0]
	}
	k := split(len(d))
	l, r := mth(d[:k]), mth(d[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// path is RFC 6962's audit path of leaf m, leaf side first.
func path(m uint64, d [][32]byte) [][]byte {
	if len(d) <= 1 {
		return nil
	}
	k := uint64(split(len(d)))
	if m < k {
		h := mth(d[k:])
		return append(path(m, d[:k]), h[:])
	}
	h := mth(d[:k])
	return append(path(m-k, d[k:]), h[:])
}

// split is the largest power of two below n.
func split(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

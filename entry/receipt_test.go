package entry

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testTree is an in-memory tree of signed entries, built with x/mod's tlog
// so that receipts are checked against an independent implementation.
type testTree struct {
	signer  note.Signer
	entries [][]byte
	hashes  []tlog.Hash // tlog's stored hashes
	signed  map[int][]byte
}

func (tt *testTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = tt.hashes[x]
	}
	return out, nil
}

func newTestTree(t testing.TB, n int) *testTree {
	s, _ := testKey(t, "newstart", "USA")
	tt := &testTree{signer: s, signed: map[int][]byte{}}
	for i := range n {
		e := testEntry()
		e.Body = fmt.Appendf(nil, `{"i":%d}`, i)
		b, err := Sign(e, s)
		if err != nil {
			t.Fatal(err)
		}
		h, err := tlog.StoredHashes(int64(i), b, tt)
		if err != nil {
			t.Fatal(err)
		}
		tt.entries = append(tt.entries, b)
		tt.hashes = append(tt.hashes, h...)
	}
	return tt
}

// receipt returns a receipt for entry i in the tree of the first n entries.
func (tt *testTree) receipt(t testing.TB, i, n int) *Receipt {
	p, err := tlog.ProveRecord(int64(n), int64(i), tt)
	if err != nil {
		t.Fatal(err)
	}
	r := &Receipt{Entry: tt.entries[i], Index: uint64(i), Checkpoint: tt.checkpoint(t, n)}
	for _, h := range p {
		r.Proof = append(r.Proof, bytes.Clone(h[:]))
	}
	return r
}

// TestReceipts checks a receipt for every leaf of every tree size up to
// 100, and that flipping any bit of any proof hash, or changing the index,
// makes it fail.
func TestReceipts(t *testing.T) {
	const N = 100
	tt := newTestTree(t, N)
	_, v := testKey(t, "newstart", "USA")
	for n := 1; n <= N; n++ {
		for i := range n {
			r := tt.receipt(t, i, n)
			checkRoundTrip(t, r)
			if _, _, err := CheckReceipt(r, v, nil); err != nil {
				t.Fatalf("tree %d, entry %d: %v", n, i, err)
			}
			for j := range r.Proof {
				r.Proof[j][j%32] ^= 1
				_, _, err := CheckReceipt(r, v, nil)
				if !errors.Is(err, ErrReceipt) {
					t.Fatalf("tree %d, entry %d, hash %d flipped: %v", n, i, j, err)
				}
				oneLine(t, err)
				r.Proof[j][j%32] ^= 1
			}
			r.Index = uint64((i + 1) % n)
			_, _, err := CheckReceipt(r, v, nil)
			if n > 1 && !errors.Is(err, ErrReceipt) {
				t.Fatalf("tree %d, entry %d claimed at %d: %v", n, i, r.Index, err)
			}
			if n > 1 {
				oneLine(t, err)
			}
		}
	}
}

// oneLine fails unless err is a one-line message without Go's rendering of
// byte slices.
func oneLine(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); strings.ContainsAny(msg, "\n[]") {
		t.Fatalf("error is not one plain line: %q", msg)
	}
}

// checkpoint returns the signed checkpoint of the tree of the first n entries.
func (tt *testTree) checkpoint(t testing.TB, n int) []byte {
	if b, ok := tt.signed[n]; ok {
		return b
	}
	root, err := tlog.TreeHash(int64(n), tt)
	if err != nil {
		t.Fatal(err)
	}
	cp := log.Checkpoint{Origin: tt.signer.Name(), Size: uint64(n), Hash: root[:]}
	b, err := note.Sign(&note.Note{Text: string(cp.Marshal())}, tt.signer)
	if err != nil {
		t.Fatal(err)
	}
	tt.signed[n] = b
	return b
}

func checkRoundTrip(t *testing.T, r *Receipt) {
	t.Helper()
	b := r.Marshal()
	r2, err := ParseReceipt(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r2.Marshal(), b) {
		t.Fatalf("receipt round trip changed it:\n%s", b)
	}
}

func TestReceiptRefuses(t *testing.T) {
	tt := newTestTree(t, 5)
	_, v := testKey(t, "newstart", "USA")
	_, other := testKey(t, "newstart", "RUS")
	good := tt.receipt(t, 3, 5)
	tests := []struct {
		name    string
		edit    func(r *Receipt)
		v       note.Verifier
		encoded []byte
	}{
		{"other log's key", func(r *Receipt) {}, other, nil},
		{"other entry", func(r *Receipt) { r.Entry = tt.entries[2] }, v, nil},
		{"given entry differs", func(r *Receipt) {}, v, tt.entries[2]},
		{"no entry", func(r *Receipt) { r.Entry = nil }, v, nil},
		{"checkpoint altered", func(r *Receipt) { r.Checkpoint = bytes.Replace(r.Checkpoint, []byte("\n5\n"), []byte("\n6\n"), 1) }, v, nil},
		{"proof truncated", func(r *Receipt) { r.Proof = r.Proof[1:] }, v, nil},
		{"proof extended", func(r *Receipt) { r.Proof = append(r.Proof, r.Proof[0]) }, v, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := *good
			tc.edit(&r)
			if _, _, err := CheckReceipt(&r, tc.v, tc.encoded); err == nil {
				t.Fatal("CheckReceipt succeeded")
			}
		})
	}
	r := *good
	r.Entry = nil
	if _, _, err := CheckReceipt(&r, v, tt.entries[3]); err != nil {
		t.Fatalf("receipt without entry, entry given: %v", err)
	}
}

func TestParseReceiptRefuses(t *testing.T) {
	tt := newTestTree(t, 3)
	good := string(tt.receipt(t, 1, 3).Marshal())
	for _, b := range []string{
		"", "c2sp.org/tlog-proof@v1\nindex 1\n",
		"c2sp.org/tlog-proof@v2\nindex 1\n\n" + good,
		"c2sp.org/tlog-proof@v1\nindex 01\n\nx",
		"c2sp.org/tlog-proof@v1\nindex -1\n\nx",
		"c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx",
		"c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\nx",
	} {
		if _, err := ParseReceipt([]byte(b)); !errors.Is(err, ErrReceipt) {
			t.Errorf("ParseReceipt(%q) = %v, want ErrReceipt", b, err)
		}
	}
}

package entry

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzReceipt checks that ParseReceipt never panics, refuses only with
// ErrReceipt, and accepts nothing but the bytes Marshal writes for what it
// parsed. Every accepted receipt is then checked against the log of a
// test tree: a receipt can only be proven to hold the entry that really is
// at its index, since the fuzzer cannot sign checkpoints.
func FuzzReceipt(f *testing.F) {
	const n = 7
	tt := newTestTree(f, n)
	_, v := testKey(f, "newstart", "USA")
	for _, c := range [][2]int{{0, 1}, {0, 7}, {3, 7}, {6, 7}, {4, 5}, {1, 2}} {
		f.Add(tt.receipt(f, c[0], c[1]).Marshal())
	}
	good := tt.receipt(f, 2, 6)
	bare := *good
	bare.Entry = nil
	f.Add(bare.Marshal())
	empty := *good
	empty.Entry = []byte{}
	f.Add(empty.Marshal())
	s := string(good.Marshal())
	for _, b := range []string{
		strings.Replace(s, "index 2\n", "index 02\n", 1),
		strings.Replace(s, "index 2\n", "index 18446744073709551616\n", 1),
		strings.Replace(s, "\n", "\r\n", 2),
		strings.Replace(s, "=\n", "\n", 1),
		strings.Replace(s, "\n\n", "\n", 1),
		"c2sp.org/tlog-proof@v1\nindex 0\n\n",
		"c2sp.org/tlog-proof@v1\nextra \nindex 18446744073709551615\n\n\n",
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReceipt(b)
		if err != nil {
			if !errors.Is(err, ErrReceipt) {
				t.Fatalf("error does not wrap ErrReceipt: %v", err)
			}
			return
		}
		if got := r.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("ParseReceipt accepted bytes Marshal does not write:\n%q\nMarshal: %q", b, got)
		}
		if len(r.Proof) > maxProofHashes {
			t.Fatalf("accepted %d proof hashes", len(r.Proof))
		}
		for i, h := range r.Proof {
			if len(h) != 32 {
				t.Fatalf("proof hash %d has %d bytes", i, len(h))
			}
		}
		var given []byte
		if r.Entry == nil && r.Index < n {
			given = tt.entries[r.Index]
		}
		e, cp, err := CheckReceipt(r, v, given)
		if err != nil {
			return
		}
		b2, _ := receiptEntry(r, given)
		if r.Index >= n || cp.Size > n || !bytes.Equal(b2, tt.entries[r.Index]) {
			t.Fatalf("receipt proves an entry that is not at index %d of the log", r.Index)
		}
		if e.Treaty != "newstart" || e.Party != "USA" {
			t.Fatalf("receipt opened an entry of %s/%s", e.Treaty, e.Party)
		}
	})
}

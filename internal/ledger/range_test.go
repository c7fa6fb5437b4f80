package ledger

import (
	"accord/entry"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// TestReread spoils the signature of one entry of a log: EntriesFrom
// refuses it, Reread (for what the node verified or wrote itself) reads
// it, and both refuse to read the log as another log's or another key's.
func TestReread(t *testing.T) {
	tl := newTestLog(t)
	for i := range 3 {
		tl.append(testEntry(i))
	}
	bundle := filepath.Join(tl.dir, layout.EntriesPath(0, 3))
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndexByte(b, ' ') + 40 // a letter of the last entry's signature
	b[i] ^= 1
	if err := os.WriteFile(bundle, b, 0o600); err != nil {
		t.Fatal(err)
	}
	src, n := DirSource(tl.dir), 0
	count := func(Record) error { n++; return nil }
	if err := EntriesFrom(t.Context(), src, tl.verifier, 0, 3, count); err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("EntriesFrom of a spoilt signature: %v", err)
	}
	n = 0
	if err := Reread(t.Context(), src, tl.verifier, 1, 3, count); err != nil || n != 2 {
		t.Fatalf("Reread: %d entries, %v", n, err)
	}
	_, other := testKeys(t, "accord/newstart/RUS")
	_, vkey, _ := note.GenerateKey(nil, "accord/newstart/USA")
	sameName, _ := note.NewVerifier(vkey)
	for _, v := range []note.Verifier{other, sameName} {
		if err := Reread(t.Context(), src, v, 0, 3, count); !errors.Is(err, entry.ErrSignature) || !strings.Contains(err.Error(), "entry 0") {
			t.Fatalf("Reread as the log of %s: %v", v.Name(), err)
		}
	}
}

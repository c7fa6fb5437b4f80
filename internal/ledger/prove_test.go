package ledger

import (
	"errors"
	"sync"
	"testing"

	"accord/entry"
)

// appendN appends n entries concurrently, then checks the invariants.
func (tl *testLog) appendN(n int) {
	tl.t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := tl.log.Append(tl.t.Context(), testEntry(i)); err != nil {
				tl.t.Error(err)
			}
		})
	}
	wg.Wait()
	tl.check()
}

// TestProveGrowing grows a log past one full tile and entry bundle (256
// entries), checking every entry's receipt and the consistency of every
// checkpoint with the one before at each step.
func TestProveGrowing(t *testing.T) {
	tl := newTestLog(t)
	total := 0
	for _, n := range []int{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 40} {
		tl.appendN(n)
		total += n
		if got := tl.size(); got != uint64(total) {
			t.Fatalf("log size %d, want %d", got, total)
		}
	}
}

func TestProveRefuses(t *testing.T) {
	tl := newTestLog(t)
	tl.appendN(3)
	if _, err := Prove(t.Context(), DirSource(tl.dir), tl.verifier, 3); err == nil {
		t.Fatal("Prove of an entry past the checkpoint succeeded")
	}
	_, other := testKeys(t, "accord/newstart/RUS")
	if _, err := Prove(t.Context(), DirSource(tl.dir), other, 0); err == nil {
		t.Fatal("Prove with another log's key succeeded")
	}
	r, err := Prove(t.Context(), DirSource(tl.dir), tl.verifier, 1)
	if err != nil {
		t.Fatal(err)
	}
	r.Index = 2
	if _, _, err := entry.CheckReceipt(r, tl.verifier, nil); !errors.Is(err, entry.ErrReceipt) {
		t.Fatalf("receipt for entry 1 claimed at index 2: %v", err)
	}
}

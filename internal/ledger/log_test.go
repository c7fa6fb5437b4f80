package ledger

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"accord/entry"
)

func TestAppend(t *testing.T) {
	tl := newTestLog(t)
	tl.check() // the empty log
	for i, kind := range entry.Kinds {
		e := testEntry(i)
		e.Kind = kind
		a := tl.append(e)
		if a.Index != uint64(i) {
			t.Fatalf("entry %d appended at index %d", i, a.Index)
		}
		if a.LeafHash != entry.LeafHash(a.Entry) {
			t.Fatalf("entry %d: leaf hash does not match", i)
		}
		got, err := entry.Open(a.Entry, tl.verifier)
		if err != nil || got.Kind != kind || !got.Created.Equal(tl.clock.now) {
			t.Fatalf("entry %d: %+v, %v", i, got, err)
		}
	}
}

func TestAppendRefuses(t *testing.T) {
	tl := newTestLog(t)
	tl.append(testEntry(0))
	tests := []struct {
		name   string
		edit   func(e *entry.Entry)
		target error
	}{
		{"other treaty", func(e *entry.Entry) { e.Treaty, e.Party = "freeze", "USA" }, ErrWrongLog},
		{"other party", func(e *entry.Entry) { e.Treaty, e.Party = "newstart", "RUS" }, ErrWrongLog},
		{"unknown kind", func(e *entry.Entry) { e.Kind = "rumour" }, entry.ErrUnknownKind},
		{"too large", func(e *entry.Entry) { e.Body = []byte(`{"x":"` + strings.Repeat("x", entry.MaxSize-100) + `"}`) }, entry.ErrTooLarge},
		{"non-canonical body", func(e *entry.Entry) { e.Body = []byte(`{"b":1,"a":1}`) }, entry.ErrNotCanonical},
		{"not JSON", func(e *entry.Entry) { e.Body = []byte(`{"b":`) }, entry.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEntry(1)
			tt.edit(&e)
			if _, err := tl.log.Append(t.Context(), e); !errors.Is(err, tt.target) {
				t.Fatalf("Append = %v, want %v", err, tt.target)
			}
		})
	}
	// Nothing was queued: the next entry takes index 1.
	if a := tl.append(testEntry(1)); a.Index != 1 {
		t.Fatalf("after refusals, next entry at index %d, want 1", a.Index)
	}
}

func TestAppendCheckHook(t *testing.T) {
	tl := newTestLog(t)
	refuse := errors.New("no such item")
	tl.log.check = func(e *entry.Entry) error {
		if strings.Contains(string(e.Body), "bad") {
			return refuse
		}
		return nil
	}
	if _, err := tl.log.Append(t.Context(), entry.Entry{Kind: entry.Notification, Effective: testEntry(0).Effective, Body: []byte(`{"bad":1}`)}); !errors.Is(err, refuse) {
		t.Fatalf("Append = %v, want %v", err, refuse)
	}
	if a := tl.append(testEntry(0)); a.Index != 0 {
		t.Fatalf("index %d, want 0", a.Index)
	}
}

// TestAppendOrder appends from several goroutines, each entry depending on
// the one it appended before; each goroutine's entries must appear in
// order, and all of them must be in the log once.
func TestAppendOrder(t *testing.T) {
	tl := newTestLog(t)
	const workers, each = 8, 6
	idx := make([][]uint64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				a, err := tl.log.Append(t.Context(), testEntry(w*100+i))
				if err != nil {
					t.Error(err)
					return
				}
				idx[w] = append(idx[w], a.Index)
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for w := range workers {
		for i := 1; i < len(idx[w]); i++ {
			if idx[w][i] <= idx[w][i-1] {
				t.Fatalf("worker %d: entry %d at index %d, before its predecessor at %d", w, i, idx[w][i], idx[w][i-1])
			}
		}
		for _, x := range idx[w] {
			if seen[x] {
				t.Fatalf("index %d assigned twice", x)
			}
			seen[x] = true
		}
	}
	tl.check()
	if got := tl.size(); got != workers*each {
		t.Fatalf("log size %d, want %d", got, workers*each)
	}
}

// TestAppendRuns appends runs of entries in one call: every entry of a
// run lands after every entry of the run before it, each once, and all of
// them are covered by the checkpoint returned. A run that fails its checks
// is not appended, and the runs before it are.
func TestAppendRuns(t *testing.T) {
	tl := newTestLog(t)
	var runs [][]entry.Entry
	for r := range 40 {
		var run []entry.Entry
		for i := range 1 + r%13 {
			run = append(run, testEntry(r*100+i))
		}
		runs = append(runs, run)
	}
	out, err := tl.log.AppendRuns(t.Context(), runs)
	if err != nil {
		t.Fatal(err)
	}
	var prevMax uint64
	seen := map[uint64]bool{}
	for r, run := range out {
		if len(run) != len(runs[r]) {
			t.Fatalf("run %d: %d results for %d entries", r, len(run), len(runs[r]))
		}
		lo, hi := run[0].Index, run[0].Index
		for i, a := range run {
			lo, hi = min(lo, a.Index), max(hi, a.Index)
			if seen[a.Index] {
				t.Fatalf("index %d assigned twice", a.Index)
			}
			seen[a.Index] = true
			got, err := entry.Open(a.Entry, tl.verifier)
			if err != nil || string(got.Body) != string(runs[r][i].Body) || a.LeafHash != entry.LeafHash(a.Entry) {
				t.Fatalf("run %d entry %d: %+v, %v", r, i, got, err)
			}
			cp := tl.checkpointOf(a.Checkpoint)
			if cp.Size <= a.Index {
				t.Fatalf("run %d entry %d at index %d: checkpoint of size %d does not cover it", r, i, a.Index, cp.Size)
			}
		}
		if r > 0 && lo <= prevMax {
			t.Fatalf("run %d starts at index %d, before the end of run %d at %d", r, lo, r-1, prevMax)
		}
		prevMax = hi
	}
	tl.check()

	bad := [][]entry.Entry{{testEntry(9000)}, {testEntry(9001), {Kind: "rumour", Effective: testEntry(0).Effective, Body: []byte(`{}`)}}}
	size := tl.size()
	if _, err := tl.log.AppendRuns(t.Context(), bad); !errors.Is(err, entry.ErrUnknownKind) {
		t.Fatalf("AppendRuns with a bad run = %v, want %v", err, entry.ErrUnknownKind)
	}
	if a := tl.append(testEntry(9002)); a.Index != size+1 {
		t.Fatalf("after a refused second run, next entry at index %d, want %d (the first run only)", a.Index, size+1)
	}
}

// TestReopen closes a log and opens it again: the entries stay and new
// ones follow them.
func TestReopen(t *testing.T) {
	tl := newTestLog(t)
	tl.append(testEntry(0))
	tl.append(testEntry(1))
	if err := tl.log.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	l, err := Open(t.Context(), Options{Dir: tl.dir, Signer: tl.log.signer, Clock: tl.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tl.log = l
	if a := tl.append(testEntry(2)); a.Index != 2 {
		t.Fatalf("after reopening, index %d, want 2", a.Index)
	}
}

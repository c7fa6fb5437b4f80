package ledger

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fillLog appends n entries concurrently (so they are sequenced in a few
// batches) to a new log and closes it.
func fillLog(t *testing.T, dir string, n int) {
	t.Helper()
	s, _ := testKeys(t, "accord/newstart/USA")
	l, err := Open(t.Context(), Options{Dir: dir, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := l.Append(t.Context(), testEntry(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestCheckEdge flips one bit in turn in every tile and entry bundle of
// logs of several sizes: CheckEdge, and so Open, refuses every file on
// the tree's right edge (the tiles a new checkpoint is computed from, and
// the last entry bundle), and nothing is signed; a flipped bit left of the
// edge, which no new checkpoint reads, is left to Verify (accord fsck).
func TestCheckEdge(t *testing.T) {
	for _, n := range []int{1, 5, 256, 300} {
		dir := t.TempDir()
		fillLog(t, dir, n)
		_, v := testKeys(t, "accord/newstart/USA")
		if err := CheckEdge(t.Context(), dir, v); err != nil {
			t.Fatalf("size %d: intact log: %v", n, err)
		}
		edge := map[string]bool{}
		for _, f := range rightEdge(n) {
			edge[f] = true
		}
		files := logFiles(t, dir)
		for _, f := range files {
			path := filepath.Join(dir, f)
			orig, _ := os.ReadFile(path)
			cp, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
			os.WriteFile(path, flipBit(orig, len(orig)/2), 0o644)
			err := CheckEdge(t.Context(), dir, v)
			switch {
			case edge[f] && !errors.Is(err, ErrCorrupt):
				t.Errorf("size %d: %s flipped: CheckEdge = %v, want ErrCorrupt", n, f, err)
			case !edge[f] && err != nil:
				t.Errorf("size %d: %s (left of the edge) flipped: CheckEdge = %v", n, f, err)
			case !edge[f] && !strings.Contains(f, ".p/"):
				// A stale partial tile or bundle, superseded by a
				// wider one, is read by nobody.
				if _, err := Verify(t.Context(), DirSource(dir), v, nil); err == nil {
					t.Errorf("size %d: %s flipped: Verify passes", n, f)
				}
			}
			if edge[f] {
				s, _ := testKeys(t, "accord/newstart/USA")
				if l, err := Open(t.Context(), Options{Dir: dir, Signer: s, Verifier: v}); err == nil {
					l.Close(context.Background())
					t.Errorf("size %d: %s flipped: Open succeeds", n, f)
				} else if !strings.Contains(err.Error(), "corrupt") {
					t.Errorf("size %d: %s flipped: Open = %v", n, f, err)
				}
				if now, _ := os.ReadFile(filepath.Join(dir, "checkpoint")); !bytes.Equal(now, cp) {
					t.Errorf("size %d: %s flipped: the checkpoint changed", n, f)
				}
			}
			os.WriteFile(path, orig, 0o644)
		}
		for f := range edge {
			if !contains(files, f) {
				t.Errorf("size %d: no file %s (have %v)", n, f, files)
			}
		}
	}
}

// rightEdge lists the files a new checkpoint of a log of n entries is
// computed from, and its last entry bundle.
func rightEdge(n int) []string {
	switch n {
	case 1:
		return []string{"tile/0/000.p/1", "tile/entries/000.p/1"}
	case 5:
		return []string{"tile/0/000.p/5", "tile/entries/000.p/5"}
	case 256:
		return []string{"tile/0/000", "tile/1/000.p/1", "tile/entries/000"}
	case 300:
		return []string{"tile/0/001.p/44", "tile/1/000.p/1", "tile/entries/001.p/44"}
	}
	panic("no edge listed")
}

// logFiles lists the log's tiles and bundles, relative to dir.
func logFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(dir, "tile"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	return out
}

func flipBit(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestCheckEdgeTreeState checks a tree state that disagrees with the
// signed checkpoint, or is not one, is refused.
func TestCheckEdgeTreeState(t *testing.T) {
	dir := t.TempDir()
	fillLog(t, dir, 5)
	_, v := testKeys(t, "accord/newstart/USA")
	path := filepath.Join(dir, ".state", "treeState")
	orig, _ := os.ReadFile(path)
	for name, b := range map[string][]byte{
		"garbage":       []byte("{"),
		"smaller":       bytes.Replace(orig, []byte(`"size":5`), []byte(`"size":4`), 1),
		"root flipped":  flipBit(orig, bytes.Index(orig, []byte(`"root":"`))+10),
		"missing root":  []byte(`{"size":5}`),
		"larger, empty": []byte(`{"size":9,"root":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`),
	} {
		os.WriteFile(path, b, 0o644)
		if err := CheckEdge(t.Context(), dir, v); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s tree state: CheckEdge = %v, want ErrCorrupt", name, err)
		}
	}
	os.WriteFile(path, orig, 0o644)
	if err := CheckEdge(t.Context(), dir, v); err != nil {
		t.Fatal(err)
	}
}

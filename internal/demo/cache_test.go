package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"accord/internal/ledger"
	"accord/internal/node"
)

// TestCacheReuse checks that a second Build of the same world with the
// same cache copies the logs the first one recorded, entry for entry,
// and gives the nodes addresses and operator tokens of their own,
// written into their accord.yaml.
func TestCacheReuse(t *testing.T) {
	ctx := context.Background()
	first := built(t)
	d, err := Build(ctx, Options{Scenario: "newstart", Seed: 1, Dir: t.TempDir(), Cache: builtCache})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range d.Nodes {
		q := first.Nodes[i]
		want, _, err := ledger.ReadCheckpoint(ctx, q.Node.Source(), q.Node.Verifier)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := ledger.ReadCheckpoint(ctx, p.Node.Source(), p.Node.Verifier)
		if err != nil {
			t.Fatal(err)
		}
		if got.Size != want.Size || !bytes.Equal(got.Hash, want.Hash) {
			t.Errorf("%s's log: %d entries, root %x; the first build's: %d, %x", p.ID, got.Size, got.Hash, want.Size, want.Hash)
		}
		if p.Addr == q.Addr || p.Operator == q.Operator {
			t.Errorf("%s's node: address %s and operator token as the first build's", p.ID, p.Addr)
		}
		c, err := node.LoadConfig(filepath.Join(p.Dir, node.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		if c.Listen != p.Addr {
			t.Errorf("%s's accord.yaml listens on %s, want %s", p.ID, c.Listen, p.Addr)
		}
		for _, peer := range c.Peers {
			if want := "http://" + d.Party(peer.Party).Addr + "/"; peer.URL != want {
				t.Errorf("%s's accord.yaml: peer %s at %s, want %s", p.ID, peer.Party, peer.URL, want)
			}
		}
	}
}

// TestCacheEvict checks that keeping a build removes the builds of the
// same scenario and seed by other binaries, and only those.
func TestCacheEvict(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"newstart-1-aaaa", "newstart-1-bbbb", "newstart-12-aaaa", "freeze-1-aaaa"} {
		if err := os.Mkdir(filepath.Join(dir, n), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	d := &Demo{opts: Options{Scenario: "newstart", Seed: 1, Cache: dir}}
	if err := d.evict("newstart-1-bbbb"); err != nil {
		t.Fatal(err)
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
	}
	if want := []string{"freeze-1-aaaa", "newstart-1-bbbb", "newstart-12-aaaa"}; !slices.Equal(got, want) {
		t.Errorf("cache after eviction: %v, want %v", got, want)
	}
}

package demo

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"accord/internal/node"
	"accord/internal/witness"
)

// TestLogsCosigned checks what the logs page is told about a peer's log
// that this node's own witness cosigned: the cosignature, checked, and
// the time the checkpoint arrived. The copy of Russia's log that the
// United States' node holds is made here as its follower would make it.
func TestLogsCosigned(t *testing.T) {
	ctx := context.Background()
	d := built(t)
	usa, rus := d.Party("USA"), d.Party("RUS")
	b, err := os.ReadFile(filepath.Join(rus.Dir, node.LogDir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(b, note.VerifierList(rus.Node.Verifier))
	if err != nil {
		t.Fatal(err)
	}
	skey, err := os.ReadFile(filepath.Join(usa.Dir, node.WitnessKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	s, err := witness.NewSigner(string(skey))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, s)
	if err != nil {
		t.Fatal(err)
	}
	mirror := filepath.Join(usa.Dir, node.PeersDir, "RUS", node.LogDir)
	if err := os.MkdirAll(mirror, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mirror, "checkpoint"), cosigned, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Join(usa.Dir, node.PeersDir, "RUS", node.LogDir)) })
	// The logs as Source.Logs reads them, without opening the treaty
	// database, which would ingest the copy.
	src := &Source{}
	if err := src.collect(usa.Node); err != nil {
		t.Fatal(err)
	}
	for _, held := range src.logs {
		l, err := held.health(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if l.Size > 0 && l.CheckpointTime.IsZero() {
			t.Errorf("%s: a checkpoint of %d entries without a time", l.Party, l.Size)
		}
		if l.Party != "RUS" {
			continue
		}
		if len(l.Cosigners) != 1 || l.Cosigners[0].Name != s.Name() {
			t.Errorf("RUS's log, cosigned by %s: cosigners %+v", s.Name(), l.Cosigners)
		}
	}
}

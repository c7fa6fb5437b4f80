package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api/layout"

	"accord/entry"
)

// TestFsckPeers gives a node a copy of a peer's log: fsck finds nothing
// wrong with it, then names the copy once one of its entries' signatures
// is spoilt on disk (which the node itself, verifying each entry once when
// it copies it, does not look for again).
func TestFsckPeers(t *testing.T) {
	dir := t.TempDir()
	usa, err := Init(t.Context(), filepath.Join(dir, "usa"), "newstart", "USA")
	if err != nil {
		t.Fatal(err)
	}
	rus, err := Init(t.Context(), filepath.Join(dir, "rus"), "newstart", "RUS")
	if err != nil {
		t.Fatal(err)
	}
	l, err := rus.OpenLog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e := entry.Entry{Kind: entry.Declaration, Effective: time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC), Body: []byte(`{"i":` + string(rune('0'+i)) + `}`)}
		if _, err := l.Append(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	copyDir(t, filepath.Join(rus.Dir, LogDir), filepath.Join(usa.Dir, PeersDir, "RUS", LogDir))
	usa.Config.Peers = append(usa.Config.Peers, Peer{Party: "RUS", URL: "http://127.0.0.1:1/",
		LogVKey: readKey(t, rus.Dir, VKeyFile), WitnessVKey: readKey(t, rus.Dir, WitnessVKeyFile)})
	if err := os.WriteFile(filepath.Join(usa.Dir, ConfigFile), usa.Config.Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	if probs, _ := Fsck(t.Context(), usa.Dir, nil); len(probs) > 0 {
		t.Fatalf("fsck of a sound copy: %v", probs)
	}
	bundle := filepath.Join(usa.Dir, PeersDir, "RUS", LogDir, layout.EntriesPath(0, 3))
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndex(string(b), " ") + 40 // a letter of the last entry's signature
	b[i] ^= 1
	if err := os.WriteFile(bundle, b, 0o600); err != nil {
		t.Fatal(err)
	}
	probs, _ := Fsck(t.Context(), usa.Dir, nil)
	if len(probs) != 1 || probs[0].File != filepath.Join(PeersDir, "RUS", LogDir) || !strings.Contains(probs[0].Err, "entry 2") {
		t.Fatalf("fsck of a spoilt copy: %v", probs)
	}
}

func readKey(t *testing.T, dir, file string) string {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func copyDir(t *testing.T, from, to string) {
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

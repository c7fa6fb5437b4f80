package peer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// verifying is an Ingester that fails the test if given an entry whose
// signature does not verify.
type verifying struct {
	t *testing.T
	v note.Verifier
	n int
}

func (x *verifying) Ingest(_ context.Context, _ string, index uint64, _ entry.Entry, raw []byte) error {
	if _, err := entry.Open(raw, x.v); err != nil {
		x.t.Errorf("ingested entry %d, which does not verify: %v", index, err)
	}
	x.n++
	return nil
}

// TestCrashBeforeRecord stores bundles and then fails to record them (as
// a crash would, between storing and recording), with the stored entries
// past the recorded mark then spoilt on disk: after a restart the mirror
// holds only what was recorded, copies the rest again from the peer,
// verifying it, and never ingests an entry that does not verify.
func TestCrashBeforeRecord(t *testing.T) {
	const n = 11*layout.EntryBundleWidth + 5
	src := filepath.Join(t.TempDir(), "rus", "log")
	v, vkey := writeLog(t, src, n)
	u := serveLog(t, src)
	dir := filepath.Join(t.TempDir(), "peers", "RUS")
	ing := &verifying{t: t, v: v}
	follower := func() *Follower {
		set, err := NewSet([]Config{{Party: "RUS", Log: v, LogVKey: vkey, URL: u, Client: http.DefaultClient,
			Dir: dir, Interval: time.Second, MaxBackoff: time.Second, Ingester: ing, Acks: &appender{acks: map[uint64]int{}},
			Acked: &AckIndex{acked: map[string]map[uint64]bool{}}}}, "accord/newstart/USA", t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return set.followers[0]
	}
	calls := 0
	writeState = func(path string, b []byte, perm fs.FileMode) error {
		if calls++; calls > 1 {
			return errors.New("crash")
		}
		return os.WriteFile(path, b, perm)
	}
	defer func() { writeState = durableWriteFile }()
	if err := follower().sync(t.Context()); err == nil {
		t.Fatal("sync succeeded with its last record failing")
	}
	writeState = durableWriteFile
	spoil(t, filepath.Join(dir, logDir, layout.EntriesPath(9, 0)), 3)
	fl := follower()
	if st := fl.Status(); st.Verified != commitEvery*layout.EntryBundleWidth {
		t.Fatalf("after the restart the mirror counts %d entries verified, want the %d recorded", st.Verified, commitEvery*layout.EntryBundleWidth)
	}
	if err := fl.round(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := fl.Status(); st.Verified != n || st.Acked != n || ing.n != n {
		t.Fatalf("verified %d, acknowledged %d, ingested %d, want %d", st.Verified, st.Acked, ing.n, n)
	}
}

// spoil flips a bit of the signature of entry i of the bundle at path.
func spoil(t *testing.T, path string, i int) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		t.Fatal(err)
	}
	e := eb.Entries[i]
	sig := bytes.LastIndexByte(e[:len(e)-1], ' ') + 40
	e[sig] ^= 1 // a letter of the base64 signature, still base64
	var buf []byte
	for _, e := range eb.Entries {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(e)))
		buf = append(buf, e...)
	}
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		t.Fatal(err)
	}
}

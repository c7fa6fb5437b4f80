package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
)

// seededReader yields a fixed byte stream, so that test keys are stable.
type seededReader struct{ seed string }

func (r *seededReader) Read(p []byte) (int, error) {
	for i := range p {
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", r.seed, i))
		p[i] = h[0]
	}
	return len(p), nil
}

func testKeys(t testing.TB, origin string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(&seededReader{origin}, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// fakeClock advances one second each time it is read.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// testLog is a log on disk with an invariant checker.
type testLog struct {
	t        testing.TB
	dir      string
	log      *Log
	verifier note.Verifier
	trust    *TrustStore
	clock    *fakeClock
	last     *log.Checkpoint // the checkpoint seen by the previous check
}

func newTestLog(t testing.TB) *testLog {
	t.Helper()
	s, v := testKeys(t, "accord/newstart/USA")
	tl := &testLog{t: t, dir: t.TempDir(), verifier: v,
		clock: &fakeClock{now: time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC)}}
	tl.trust = &TrustStore{Dir: filepath.Join(t.TempDir(), "trust")}
	l, err := Open(t.Context(), Options{Dir: tl.dir, Signer: s, Clock: tl.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tl.log = l
	t.Cleanup(func() {
		if err := tl.log.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return tl
}

func testEntry(i int) entry.Entry {
	return entry.Entry{
		Kind:      entry.Declaration,
		Effective: time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC),
		Body:      fmt.Appendf(nil, `{"i":%d}`, i),
	}
}

// append appends e and checks the invariants.
func (tl *testLog) append(e entry.Entry) Appended {
	tl.t.Helper()
	a, err := tl.log.Append(tl.t.Context(), e)
	if err != nil {
		tl.t.Fatal(err)
	}
	tl.check()
	return a
}

// check re-verifies everything about the log: the checkpoint signature,
// every entry's signature and encoding, every tile, the root, consistency
// with the previously checked checkpoint (through the trust store and by a
// consistency proof), and an inclusion receipt for every entry.
func (tl *testLog) check() {
	t := tl.t
	t.Helper()
	ctx := t.Context()
	src := DirSource(tl.dir)
	res, err := Verify(ctx, src, tl.verifier, tl.trust)
	if err != nil {
		t.Fatalf("invariant: %v", err)
	}
	cp := res.Checkpoint
	if tl.last != nil {
		tl.checkConsistency(tl.last, cp)
	}
	tl.last = cp
	for i := uint64(0); i < cp.Size; i++ {
		r, err := Prove(ctx, src, tl.verifier, i)
		if err != nil {
			t.Fatalf("invariant: receipt for entry %d: %v", i, err)
		}
		if _, _, err := entry.CheckReceipt(r, tl.verifier, nil); err != nil {
			t.Fatalf("invariant: receipt for entry %d: %v", i, err)
		}
	}
}

func (tl *testLog) checkConsistency(old, cur *log.Checkpoint) {
	tl.t.Helper()
	if old.Size == 0 || old.Size == cur.Size {
		if old.Size == cur.Size && !bytes.Equal(old.Hash, cur.Hash) {
			tl.t.Fatalf("invariant: two roots for size %d", old.Size)
		}
		return
	}
	pb, err := client.NewProofBuilder(tl.t.Context(), cur.Size, DirSource(tl.dir).ReadTile)
	if err != nil {
		tl.t.Fatal(err)
	}
	p, err := pb.ConsistencyProof(tl.t.Context(), old.Size, cur.Size)
	if err != nil {
		tl.t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, cur.Size, p, old.Hash, cur.Hash); err != nil {
		tl.t.Fatalf("invariant: checkpoint %d not consistent with %d: %v", cur.Size, old.Size, err)
	}
}

// size returns the size of the published checkpoint.
func (tl *testLog) size() uint64 {
	tl.t.Helper()
	cp, _, err := ReadCheckpoint(tl.t.Context(), DirSource(tl.dir), tl.verifier)
	if err != nil {
		tl.t.Fatal(err)
	}
	return cp.Size
}

// checkpointOf opens a signed checkpoint of the log.
func (tl *testLog) checkpointOf(b []byte) *log.Checkpoint {
	tl.t.Helper()
	cp, _, _, err := log.ParseCheckpoint(b, tl.verifier.Name(), tl.verifier)
	if err != nil {
		tl.t.Fatalf("checkpoint %q: %v", b, err)
	}
	return cp
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/entry/body"
	"accord/evidence"
	"accord/internal/evidencedir"
	"accord/internal/ledger"
)

// TestPublicOnly checks that the verifier builds from accord's public
// packages alone: an outside party can copy it with entry, entry/body and
// evidence and nothing internal.
func TestPublicOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "accord/") && strings.Contains(p, "internal") {
			t.Errorf("the verifier depends on %s", p)
		}
	}
}

// world is one party's log with two entries, and a second history signed
// by the same key that forks it.
type world struct {
	dir, vkey string
	v         note.Verifier
	receipts  []string // a receipt file per entry
	evidence  string   // a fork evidence file
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	skey, vkey, err := note.GenerateKey(nil, "accord/newstart/USA")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	w.v, _ = note.NewVerifier(vkey)
	w.vkey = filepath.Join(w.dir, "log.vkey")
	os.WriteFile(w.vkey, []byte(vkey+"\n"), 0o644)
	honest := appendAll(t, filepath.Join(w.dir, "honest"), s, notification(t, "MM3-0001"), ack(t))
	for i := range 2 {
		rc, err := ledger.Prove(t.Context(), ledger.DirSource(honest), w.v, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		w.receipts = append(w.receipts, filepath.Join(w.dir, "e"+string(rune('0'+i))+".tlog-proof"))
		os.WriteFile(w.receipts[i], rc.Marshal(), 0o644)
	}
	ts := &ledger.TrustStore{Dir: filepath.Join(w.dir, "trust")}
	if _, err := ledger.Verify(t.Context(), ledger.DirSource(honest), w.v, ts); err != nil {
		t.Fatal(err)
	}
	fork := appendAll(t, filepath.Join(w.dir, "fork"), s, notification(t, "MM3-0002"), ack(t), ack(t))
	_, err = ledger.Verify(t.Context(), ledger.DirSource(fork), w.v, ts)
	inc, ok := err.(*ledger.InconsistencyError)
	if !ok {
		t.Fatalf("verifying the fork: %v", err)
	}
	ev, err := evidence.New(vkey, inc.Old, inc.New, inc.PrefixRoot, inc.Proof, []string{"honest", "fork"})
	if err != nil {
		t.Fatal(err)
	}
	if w.evidence, err = evidencedir.Write(w.dir, ev); err != nil {
		t.Fatal(err)
	}
	return w
}

func appendAll(t *testing.T, dir string, s note.Signer, es ...entry.Entry) string {
	t.Helper()
	l, err := ledger.Open(t.Context(), ledger.Options{Dir: dir, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	for _, e := range es {
		if _, err := l.Append(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func notification(t *testing.T, uid string) entry.Entry {
	w := 1
	b, err := (&body.Notification{Type: "change_in_data", Items: []body.Item{
		{UID: uid, Type: "Minuteman III", Category: "icbm", Status: "deployed", Facility: "Malmstrom AFB", Warheads: &w},
	}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return entry.Entry{Treaty: "newstart", Party: "USA", Kind: entry.Notification,
		Effective: time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC), Created: time.Date(2020, 9, 2, 0, 0, 0, 0, time.UTC), Body: b}
}

func ack(t *testing.T) entry.Entry {
	b, err := (&body.Acknowledgement{Entry: body.Ref{Origin: "accord/newstart/RUS", Index: 7, LeafHash: body.Hash{0xab}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return entry.Entry{Treaty: "newstart", Party: "USA", Kind: entry.Acknowledgement,
		Effective: time.Date(2020, 9, 2, 0, 0, 0, 0, time.UTC), Created: time.Date(2020, 9, 2, 1, 0, 0, 0, time.UTC), Body: b}
}

func runVerify(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestVerify runs the verifier on real receipts and evidence, and on each
// of them tampered with.
func TestVerify(t *testing.T) {
	w := newWorld(t)
	code, out, errs := runVerify(append([]string{"--vkey", w.vkey}, w.receipts...)...)
	if code != 0 || !strings.Contains(out, "notification change_in_data, 1 items") ||
		!strings.Contains(out, "MM3-0001 Minuteman III icbm deployed Malmstrom AFB") ||
		!strings.Contains(out, "acknowledges accord/newstart/RUS#7, leaf hash ab00") {
		t.Fatalf("receipts: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runVerify("--vkey", w.vkey, "--evidence", w.evidence)
	if code != 0 || !strings.Contains(out, "showed two inconsistent histories: 2 entries") {
		t.Fatalf("evidence: exit %d\n%s%s", code, out, errs)
	}
	// The honest receipt does not prove the fork's entry, and a receipt
	// under another key proves nothing.
	b, _ := os.ReadFile(w.receipts[0])
	tampered := filepath.Join(w.dir, "tampered.tlog-proof")
	os.WriteFile(tampered, bytes.Replace(b, []byte("index 0"), []byte("index 1"), 1), 0o644)
	if code, _, errs := runVerify("--vkey", w.vkey, tampered); code != 1 {
		t.Errorf("a receipt with another index: exit %d (%s), want 1", code, errs)
	}
	_, other, _ := note.GenerateKey(nil, "accord/newstart/USA")
	otherFile := filepath.Join(w.dir, "other.vkey")
	os.WriteFile(otherFile, []byte(other), 0o644)
	if code, _, errs := runVerify("--vkey", otherFile, w.receipts[0]); code != 1 {
		t.Errorf("another key: exit %d (%s), want 1", code, errs)
	}
	if code, _, errs := runVerify("--vkey", otherFile, "--evidence", w.evidence); code != 1 {
		t.Errorf("evidence under another key: exit %d (%s), want 1", code, errs)
	}
	if code, _, _ := runVerify("--vkey", w.vkey, filepath.Join(w.dir, "missing")); code != 2 {
		t.Errorf("a missing file: exit %d, want 2", code)
	}
}

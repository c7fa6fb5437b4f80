package witness

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testLog is an in-memory log of n leaves with its key.
type testLog struct {
	signer note.Signer
	v      note.Verifier
	hashes []tlog.Hash
	n      int64
}

func newTestLog(t *testing.T, origin string) *testLog {
	skey, vkey, err := note.GenerateKey(nil, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	return &testLog{signer: s, v: v}
}

func (l *testLog) hr() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

func (l *testLog) grow(t *testing.T, k int, salt string) {
	for range k {
		hs, err := tlog.StoredHashes(l.n, []byte(fmt.Sprint(salt, l.n)), l.hr())
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
		l.n++
	}
}

func (l *testLog) checkpoint(t *testing.T) []byte {
	root, err := tlog.TreeHash(l.n, l.hr())
	if err != nil {
		t.Fatal(err)
	}
	cp := log.Checkpoint{Origin: l.v.Name(), Size: uint64(l.n), Hash: root[:]}
	b, err := note.Sign(&note.Note{Text: string(cp.Marshal())}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (l *testLog) request(t *testing.T, old int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "old %d\n", old)
	if old > 0 && old < l.n {
		p, err := tlog.ProveTree(l.n, old, l.hr())
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range p {
			b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
		}
	}
	b.WriteString("\n")
	b.Write(l.checkpoint(t))
	return b.String()
}

func newTestWitness(t *testing.T, logs ...note.Verifier) (*Witness, note.Verifier, *httptest.Server) {
	skey, vkey, err := GenerateKey("example.org/witness")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(s, logs, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return w, v, srv
}

func post(t *testing.T, url, body string) (int, string, string) {
	resp, err := http.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Content-Type")
}

// TestAddCheckpoint walks the c2sp.org/tlog-witness rules: first
// checkpoint, growth with a proof, the 409 with the cosigned size, a bad
// proof, a fork of the same size, an unknown log, a bad signature, an old
// size past the checkpoint, and restarts from persisted state.
func TestAddCheckpoint(t *testing.T) {
	l := newTestLog(t, "example.org/log")
	other := newTestLog(t, "example.org/other")
	w, wv, srv := newTestWitness(t, l.v)
	u := srv.URL
	l.grow(t, 5, "a")
	code, body, _ := post(t, u, l.request(t, 0))
	if code != 200 {
		t.Fatalf("first checkpoint: %d %s", code, body)
	}
	cosigned := append(l.checkpoint(t), body...)
	if n, err := note.Open(cosigned, note.VerifierList(wv)); err != nil || len(n.Sigs) != 1 {
		t.Fatalf("cosignature does not verify: %v", err)
	}
	l.grow(t, 7, "a")
	if code, body, ctype := post(t, u, l.request(t, 0)); code != 409 || body != "5\n" || ctype != "text/x.tlog.size" {
		t.Fatalf("stale old size: %d %q %q, want 409 5", code, body, ctype)
	}
	req := l.request(t, 5)
	lines := strings.Split(req, "\n")
	h, _ := base64.StdEncoding.DecodeString(lines[1])
	h[0] ^= 1
	lines[1] = base64.StdEncoding.EncodeToString(h)
	if code, body, _ := post(t, u, strings.Join(lines, "\n")); code != 422 {
		t.Fatalf("bad proof: %d %s, want 422", code, body)
	}
	if code, body, _ := post(t, u, l.request(t, 5)); code != 200 {
		t.Fatalf("growth: %d %s", code, body)
	}
	// Another history of the same size is refused, and so is growth from it.
	fork := newTestLog(t, "x")
	fork.signer, fork.v = l.signer, l.v
	fork.grow(t, 12, "b")
	if code, _, _ := post(t, u, fork.request(t, 12)); code != 409 {
		t.Fatalf("fork of the same size: %d, want 409", code)
	}
	fork.grow(t, 3, "b")
	if code, _, _ := post(t, u, fork.request(t, 12)); code != 422 {
		t.Fatalf("growth of a fork: %d, want 422", code)
	}
	other.grow(t, 1, "c")
	if code, _, _ := post(t, u, other.request(t, 0)); code != 404 {
		t.Fatalf("unknown log: %d, want 404", code)
	}
	impostor := newTestLog(t, "example.org/log")
	impostor.grow(t, 13, "a")
	if code, _, _ := post(t, u, impostor.request(t, 12)); code != 403 {
		t.Fatalf("wrong key: %d, want 403", code)
	}
	if code, _, _ := post(t, u, "old 99\n\n"+string(l.checkpoint(t))); code != 400 {
		t.Fatalf("old size past the checkpoint: %d, want 400", code)
	}
	for _, bad := range []string{"", "old x\n\n", "old 1\nnotbase64\n\n" + string(l.checkpoint(t)), "old 01\n\n"} {
		if code, _, _ := post(t, u, bad); code != 400 && code != 404 {
			t.Errorf("malformed %q: %d, want 400", bad, code)
		}
	}
	// The state survives a restart: a new witness on the same directory
	// answers 409 with the size cosigned before.
	w2, err := New(w.signer, []note.Verifier{l.v}, w.dir, w.logger)
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(w2)
	defer srv2.Close()
	if code, body, _ := post(t, srv2.URL, l.request(t, 0)); code != 409 || body != "12\n" {
		t.Fatalf("after restart: %d %q, want 409 12", code, body)
	}
}

// TestKeyFormat checks the generated cosigner key is the C2SP
// tlog-cosignature one: algorithm 0x04 and the key hash over it.
func TestKeyFormat(t *testing.T) {
	_, vkey, err := GenerateKey("w")
	if err != nil {
		t.Fatal(err)
	}
	// name+hash+key: the base64 key may itself contain '+'.
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		t.Fatalf("verifier key %q is not name+hash+key", vkey)
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		t.Fatalf("key %x", key)
	}
	h := sha256.Sum256(append([]byte("w\n"), key...))
	if parts[1] != fmt.Sprintf("%08x", h[:4]) {
		t.Fatalf("key hash %s, want %x", parts[1], h[:4])
	}
}

package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"accord/internal/notetest"
)

// encodeRequest writes r in the c2sp.org/tlog-witness add-checkpoint
// format, independently of ParseRequest.
func encodeRequest(r *Request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes()
}

// forkedLog is one log key that signed checkpoints of sizes 3, 5 and 8
// of two histories: the honest one and a fork that shares its first 3
// entries.
type forkedLog struct {
	v      note.Verifier
	trees  map[string]*hashTree
	signed map[string][]byte // "honest@5" → the signed checkpoint
	from   map[string]string // root → "honest", "fork" or "both"
}

// hashTree is an in-memory RFC 6962 tree.
type hashTree struct {
	hashes []tlog.Hash
	n      int64
}

func (h *hashTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = h.hashes[x]
	}
	return out, nil
}

func newForkedLog(tb testing.TB) *forkedLog {
	skey, vkey, err := note.GenerateKey(seedStream("example.org/log"), "example.org/log")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	fl := &forkedLog{v: v, trees: map[string]*hashTree{"honest": {}, "fork": {}},
		signed: map[string][]byte{}, from: map[string]string{}}
	for name, tr := range fl.trees {
		for i := range int64(8) {
			leaf := fmt.Sprint("entry ", i)
			if i >= 3 {
				leaf = name + " " + leaf
			}
			hs, err := tlog.StoredHashes(tr.n, []byte(leaf), tr)
			if err != nil {
				tb.Fatal(err)
			}
			tr.hashes = append(tr.hashes, hs...)
			tr.n++
			if n := tr.n; n == 3 || n == 5 || n == 8 {
				root, err := tlog.TreeHash(n, tr)
				if err != nil {
					tb.Fatal(err)
				}
				cp := log.Checkpoint{Origin: v.Name(), Size: uint64(n), Hash: root[:]}
				b, err := note.Sign(&note.Note{Text: string(cp.Marshal())}, s)
				if err != nil {
					tb.Fatal(err)
				}
				fl.signed[fmt.Sprint(name, "@", n)] = b
				fl.from[string(root[:])] = map[bool]string{true: "both", false: name}[n <= 3]
			}
		}
	}
	return fl
}

// request returns the request to add the checkpoint cp ("fork@8") to a
// witness that cosigned size old, with the proof from cp's history.
func (fl *forkedLog) request(tb testing.TB, old int64, cp string) *Request {
	name, size, _ := strings.Cut(cp, "@")
	var n int64
	fmt.Sscan(size, &n)
	r := &Request{OldSize: uint64(old), Checkpoint: fl.signed[cp]}
	if old > 0 && old < n {
		p, err := tlog.ProveTree(n, old, fl.trees[name])
		if err != nil {
			tb.Fatal(err)
		}
		for _, h := range p {
			r.Proof = append(r.Proof, bytes.Clone(h[:]))
		}
	}
	return r
}

// seedStream is an endless byte stream determined by its value, so that
// test keys are the same in every run and every fuzz worker.
type seedStream string

func (s seedStream) Read(p []byte) (int, error) {
	for i := range p {
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", s, i))
		p[i] = h[0]
	}
	return len(p), nil
}

// FuzzParseRequest checks that ParseRequest never panics, refuses only
// with ErrBadRequest, and accepts only the one encoding of what it parsed
// (encodeRequest). Accepted requests are then judged by the tlog-witness
// rules against a witness that cosigned the honest history at size 5:
// whatever passes must be a checkpoint of that history, since the fuzzer
// cannot sign a fork.
func FuzzParseRequest(f *testing.F) {
	fl := newForkedLog(f)
	for _, c := range []struct {
		old int64
		cp  string
	}{{5, "honest@8"}, {5, "fork@8"}, {3, "fork@8"}, {5, "honest@5"}, {0, "honest@3"}, {3, "honest@5"}} {
		f.Add(encodeRequest(fl.request(f, c.old, c.cp)))
	}
	good := string(encodeRequest(fl.request(f, 5, "honest@8")))
	for _, b := range []string{
		strings.ReplaceAll(good, "\n", "\r\n"),
		strings.Replace(good, "old 5\n", "old 05\n", 1),
		strings.Replace(good, "old 5\n", "old  5\n", 1),
		strings.Replace(good, "old 5\n", "old 18446744073709551616\n", 1),
		strings.Replace(good, "=\n", "\n", 1),
		strings.Replace(good, "=\n", "=\r\n", 1),
		strings.Replace(good, "\n\n", "\n", 1),
		"old 0\n\n",
		"old 5\n" + strings.Repeat(base64.StdEncoding.EncodeToString(make([]byte, 32))+"\n", 65) + "\n",
	} {
		f.Add([]byte(b))
	}
	prev, _, _, err := log.ParseCheckpoint(fl.signed["honest@5"], fl.v.Name(), fl.v)
	if err != nil {
		f.Fatal(err)
	}
	v := notetest.Caching(fl.v)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error does not wrap ErrBadRequest: %v", err)
			}
			return
		}
		if got := encodeRequest(r); !bytes.Equal(got, b) {
			t.Fatalf("ParseRequest accepted bytes the format does not produce:\n%q\nformat: %q", b, got)
		}
		if len(r.Proof) > maxProofHashes {
			t.Fatalf("accepted %d proof hashes", len(r.Proof))
		}
		for i, h := range r.Proof {
			if len(h) != 32 {
				t.Fatalf("proof hash %d has %d bytes", i, len(h))
			}
		}
		cp, _, _, err := log.ParseCheckpoint(r.Checkpoint, v.Name(), v)
		if err != nil {
			return
		}
		if err := checkConsistent(nil, cp, r); err == nil && r.OldSize != 0 {
			t.Fatalf("a first checkpoint was accepted with old size %d", r.OldSize)
		}
		if err := checkConsistent(prev, cp, r); err == nil {
			if from := fl.from[string(cp.Hash)]; (from != "honest" && from != "both") || cp.Size < prev.Size || r.OldSize != prev.Size {
				t.Fatalf("after size %d of the honest history, accepted old %d and size %d of the %s history", prev.Size, r.OldSize, cp.Size, from)
			}
		}
	})
}

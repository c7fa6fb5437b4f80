// Package witness is a node's witness of the other parties' logs, per
// c2sp.org/tlog-witness and c2sp.org/tlog-cosignature: it serves
// POST /witness/add-checkpoint, and cosigns a checkpoint of a known log
// only when it is consistent with the last one it cosigned for that log.
//
// Trust model: the witness key (DIR/witness.key, mode 0600) is trusted:
// whoever holds it can cosign any checkpoint in the node's name, and so
// vouch for a forked log. The state directory is trusted by the node: an
// attacker who can rewrite it can make the witness cosign a fork of a
// history it cosigned before. Callers of add-checkpoint are not trusted:
// at most they make the witness refuse, or advance it along a history the
// log signed and proved consistent.
package witness

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"accord/internal/durable"
)

// algCosignatureV1 is the signed-note algorithm byte of an Ed25519
// c2sp.org/tlog-cosignature key.
const algCosignatureV1 = 0x04

// GenerateKey returns a new Ed25519 cosigner key named name, as a
// signed-note private key and verifier key with algorithm 0x04
// (cosignature/v1).
func GenerateKey(name string) (skey, vkey string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	vkey = VerifierKey(name, pub)
	hash, _, _ := strings.Cut(strings.TrimPrefix(vkey, name+"+"), "+")
	seed := append([]byte{algCosignatureV1}, priv.Seed()...)
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%s+%s", name, hash, base64.StdEncoding.EncodeToString(seed))
	return skey, vkey, nil
}

// VerifierKey returns the c2sp.org/tlog-cosignature verifier key of the
// Ed25519 public key pub for a cosigner named name.
func VerifierKey(name string, pub ed25519.PublicKey) string {
	pk := append([]byte{algCosignatureV1}, pub...)
	h := sha256.Sum256(append([]byte(name+"\n"), pk...))
	return fmt.Sprintf("%s+%08x+%s", name, binary.BigEndian.Uint32(h[:4]), base64.StdEncoding.EncodeToString(pk))
}

// NewSigner returns the cosigner for a private key made by GenerateKey.
func NewSigner(skey string) (note.Signer, error) {
	s, err := fnote.NewSignerForCosignatureV1(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("witness key: %w", err)
	}
	return s, nil
}

// NewVerifier returns the verifier of cosignatures for a verifier key made
// by GenerateKey (or any c2sp.org/tlog-cosignature Ed25519 key).
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := fnote.NewVerifierForCosignatureV1(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("witness verifier key %q: %w", vkey, err)
	}
	return v, nil
}

// Errors of [Witness.Add], each answered with its tlog-witness status.
var (
	ErrUnknownLog = errors.New("unknown log origin")                         // 404
	ErrBadSig     = errors.New("no signature by the log's key verifies")     // 403
	ErrBadRequest = errors.New("malformed add-checkpoint request")           // 400
	ErrBadProof   = errors.New("consistency proof does not verify")          // 422
	ErrConflict   = errors.New("old size is not the last cosigned size")     // 409
	ErrFork       = errors.New("checkpoint conflicts with the cosigned one") // 409
)

// ConflictError is an [ErrConflict] with the size of the last checkpoint
// the witness cosigned for the log.
type ConflictError struct{ Size uint64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%v: the witness cosigned size %d", ErrConflict, e.Size)
}
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Witness cosigns the checkpoints of a fixed set of logs.
//
// Concurrency: Add is safe for concurrent use; requests for one log are
// serialised. Durability: Add returns a cosignature only once the
// checkpoint it cosigns is durably recorded (package durable), so a crash
// never makes the witness forget what it vouched for.
type Witness struct {
	signer note.Signer
	logs   map[string]note.Verifier // by origin
	dir    string
	logger *slog.Logger

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// New returns a witness that cosigns with signer the checkpoints of the
// logs whose keys are given (the key name is the origin), keeping its
// state in dir.
func New(signer note.Signer, logs []note.Verifier, dir string, logger *slog.Logger) (*Witness, error) {
	if err := durable.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("witness state: %w", err)
	}
	w := &Witness{signer: signer, logs: map[string]note.Verifier{}, dir: dir, logger: logger, locks: map[string]*sync.Mutex{}}
	for _, v := range logs {
		w.logs[v.Name()] = v
	}
	return w, nil
}

// Name returns the witness's name, the name of its key.
func (w *Witness) Name() string { return w.signer.Name() }

func (w *Witness) lock(origin string) func() {
	w.mu.Lock()
	l, ok := w.locks[origin]
	if !ok {
		l = &sync.Mutex{}
		w.locks[origin] = l
	}
	w.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (w *Witness) statePath(origin string) string {
	return filepath.Join(w.dir, url.PathEscape(origin)+".checkpoint")
}

// Latest returns the last checkpoint the witness cosigned for origin, as
// the log signed it, or nil if none.
func (w *Witness) Latest(origin string) ([]byte, error) {
	b, err := os.ReadFile(w.statePath(origin))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// sigLine formats a signature by s over msg as a signed-note signature
// line.
func sigLine(s note.Signer, msg []byte) ([]byte, error) {
	sig, err := s.Sign(msg)
	if err != nil {
		return nil, err
	}
	var h [4]byte
	binary.BigEndian.PutUint32(h[:], s.KeyHash())
	b64 := base64.StdEncoding.EncodeToString(append(h[:], sig...))
	return fmt.Appendf(nil, "— %s %s\n", s.Name(), b64), nil
}

// noteText returns the text of a signed note, up to and including the
// blank line before the signatures.
func noteText(b []byte) ([]byte, bool) {
	i := bytes.Index(b, []byte("\n\n"))
	if i < 0 {
		return nil, false
	}
	return b[:i+1], true
}

// Cosigned reports whether the signed note cp carries a valid
// cosignature by v.
func Cosigned(cp []byte, v note.Verifier) bool {
	n, err := note.Open(cp, note.VerifierList(v))
	return err == nil && len(n.Sigs) == 1
}

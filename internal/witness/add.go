package witness

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"accord/internal/durable"
)

// Request bounds, so that a caller cannot make the witness read or hash
// without limit.
const (
	maxRequest     = 64 << 10 // bytes in an add-checkpoint request
	maxProofHashes = 64       // a consistency proof of a tree under 2^63 entries
)

// Request is a parsed add-checkpoint request.
type Request struct {
	OldSize    uint64
	Proof      [][]byte
	Checkpoint []byte // the signed note
}

// ParseRequest parses an add-checkpoint request body: "old N", zero or
// more base64 proof hashes one per line, a blank line, the checkpoint.
func ParseRequest(b []byte) (*Request, error) {
	if len(b) > maxRequest {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadRequest, maxRequest)
	}
	head, cp, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return nil, fmt.Errorf("%w: no blank line before the checkpoint", ErrBadRequest)
	}
	lines := strings.Split(string(head), "\n")
	size, ok := strings.CutPrefix(lines[0], "old ")
	n, err := strconv.ParseUint(size, 10, 64)
	if !ok || err != nil || strconv.FormatUint(n, 10) != size {
		return nil, fmt.Errorf("%w: first line %q is not \"old N\"", ErrBadRequest, lines[0])
	}
	r := &Request{OldSize: n, Checkpoint: cp}
	if len(lines)-1 > maxProofHashes {
		return nil, fmt.Errorf("%w: more than %d proof hashes", ErrBadRequest, maxProofHashes)
	}
	for _, l := range lines[1:] {
		// The decoder skips \r and \n even in strict mode: only the
		// canonical encoding is a proof line.
		h, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(h) != 32 || base64.StdEncoding.EncodeToString(h) != l {
			return nil, fmt.Errorf("%w: proof line %q is not a base64 SHA-256 hash", ErrBadRequest, l)
		}
		r.Proof = append(r.Proof, h)
	}
	return r, nil
}

// Add checks the request as c2sp.org/tlog-witness requires and, if the
// checkpoint is consistent with the last one cosigned for its log,
// durably records it and returns the witness's cosignature line(s).
func (w *Witness) Add(ctx context.Context, r *Request) ([]byte, error) {
	origin, _, _ := strings.Cut(string(r.Checkpoint), "\n")
	v, ok := w.logs[origin]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLog, origin)
	}
	cp, _, _, err := log.ParseCheckpoint(r.Checkpoint, origin, v)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSig, err)
	}
	if r.OldSize > cp.Size {
		return nil, fmt.Errorf("%w: old size %d is larger than the checkpoint's %d", ErrBadRequest, r.OldSize, cp.Size)
	}
	defer w.lock(origin)()
	prev, err := w.latestParsed(origin, v)
	if err != nil {
		return nil, err
	}
	if err := checkConsistent(prev, cp, r); err != nil {
		return nil, err
	}
	if prev == nil || cp.Size > prev.Size {
		if err := durable.WriteFile(w.statePath(origin), r.Checkpoint, 0o600); err != nil {
			return nil, fmt.Errorf("recording checkpoint: %w", err)
		}
	}
	text, _ := noteText(r.Checkpoint)
	line, err := sigLine(w.signer, text)
	if err != nil {
		return nil, err
	}
	w.logger.DebugContext(ctx, "cosigned checkpoint", "origin", origin, "size", cp.Size)
	return line, nil
}

func (w *Witness) latestParsed(origin string, v note.Verifier) (*log.Checkpoint, error) {
	b, err := w.Latest(origin)
	if err != nil || b == nil {
		return nil, err
	}
	cp, _, _, err := log.ParseCheckpoint(b, origin, v)
	if err != nil {
		return nil, fmt.Errorf("witness state for %s: %w", origin, err)
	}
	return cp, nil
}

// checkConsistent applies the tlog-witness rules to a checkpoint cp
// submitted with old size and proof r, against prev, the last cosigned
// one (nil if none).
func checkConsistent(prev, cp *log.Checkpoint, r *Request) error {
	var size uint64
	var root []byte = rfc6962.DefaultHasher.EmptyRoot()
	if prev != nil {
		size, root = prev.Size, prev.Hash
	}
	if r.OldSize != size {
		return &ConflictError{Size: size}
	}
	if size == cp.Size {
		if !bytes.Equal(root, cp.Hash) {
			return fmt.Errorf("%w: two roots for size %d", ErrFork, size)
		}
		if len(r.Proof) != 0 {
			return fmt.Errorf("%w: a proof between equal sizes must be empty", ErrBadProof)
		}
		return nil
	}
	if size == 0 {
		if len(r.Proof) != 0 {
			return fmt.Errorf("%w: a proof from size 0 must be empty", ErrBadProof)
		}
		return nil
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size, cp.Size, r.Proof, root, cp.Hash); err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	return nil
}

// ServeHTTP serves POST add-checkpoint per c2sp.org/tlog-witness.
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxRequest))
	if err != nil {
		http.Error(rw, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	req, err := ParseRequest(body)
	if err == nil {
		var sig []byte
		if sig, err = w.Add(r.Context(), req); err == nil {
			rw.Header().Set("Content-Type", "text/x.tlog.cosignature")
			rw.Write(sig)
			return
		}
	}
	w.refuse(rw, r, err)
}

func (w *Witness) refuse(rw http.ResponseWriter, r *http.Request, err error) {
	var c *ConflictError
	if errors.As(err, &c) {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", c.Size)
		return
	}
	code := http.StatusInternalServerError
	for _, s := range []struct {
		err  error
		code int
	}{
		{ErrUnknownLog, http.StatusNotFound},
		{ErrBadSig, http.StatusForbidden},
		{ErrBadRequest, http.StatusBadRequest},
		{ErrBadProof, http.StatusUnprocessableEntity},
		{ErrFork, http.StatusConflict},
	} {
		if errors.Is(err, s.err) {
			code = s.code
			break
		}
	}
	w.logger.InfoContext(r.Context(), "refused checkpoint", "status", code, "err", err)
	http.Error(rw, err.Error(), code)
}

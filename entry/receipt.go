package entry

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// receiptHeader is the first line of a c2sp.org/tlog-proof receipt.
const receiptHeader = "c2sp.org/tlog-proof@v1"

// maxProofHashes bounds the inclusion proof of a receipt: a tree of 2^64
// leaves needs at most 64 hashes.
const maxProofHashes = 64

// ErrReceipt is wrapped by every error about a receipt that does not prove
// what it claims.
var ErrReceipt = errors.New("invalid receipt")

// A Receipt proves offline that an entry is in a log: the log's signed
// checkpoint, the entry's index and the Merkle inclusion proof, in the
// c2sp.org/tlog-proof@v1 text format. accord puts the encoded entry in the
// receipt's extra data so that the receipt is self-contained.
//
// Compatibility: the encoding is the C2SP one and changes only with it.
type Receipt struct {
	Entry      []byte   // the encoded entry (the "extra" line); may be nil
	Index      uint64   // the entry's index in the log
	Proof      [][]byte // the inclusion proof, leaf side first
	Checkpoint []byte   // the signed checkpoint the proof is relative to
}

// Marshal returns the receipt in the c2sp.org/tlog-proof@v1 format.
func (r *Receipt) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(receiptHeader + "\n")
	if r.Entry != nil {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(r.Entry) + "\n")
	}
	fmt.Fprintf(&b, "index %d\n", r.Index)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes()
}

// ParseReceipt decodes a receipt in the c2sp.org/tlog-proof@v1 format. It
// checks only the syntax; [CheckReceipt] checks what the receipt proves.
func ParseReceipt(b []byte) (*Receipt, error) {
	head, cp, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return nil, fmt.Errorf("%w: no checkpoint after the proof", ErrReceipt)
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != receiptHeader {
		return nil, fmt.Errorf("%w: first line is not %q", ErrReceipt, receiptHeader)
	}
	r := &Receipt{Checkpoint: cp}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		e, err := decode64(strings.TrimPrefix(lines[0], "extra "))
		if err != nil {
			return nil, fmt.Errorf("%w: extra: %w", ErrReceipt, err)
		}
		r.Entry, lines = e, lines[1:]
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: no index line", ErrReceipt)
	}
	if err := r.parseIndex(lines[0]); err != nil {
		return nil, err
	}
	return r, r.parseProof(lines[1:])
}

func (r *Receipt) parseIndex(line string) error {
	s, ok := strings.CutPrefix(line, "index ")
	n, err := strconv.ParseUint(s, 10, 64)
	if !ok || err != nil || strconv.FormatUint(n, 10) != s {
		return fmt.Errorf("%w: bad index line %q", ErrReceipt, line)
	}
	r.Index = n
	return nil
}

func (r *Receipt) parseProof(lines []string) error {
	if len(lines) > maxProofHashes {
		return fmt.Errorf("%w: %d proof hashes, at most %d allowed", ErrReceipt, len(lines), maxProofHashes)
	}
	for i, l := range lines {
		h, err := decode64(l)
		if err != nil || len(h) != 32 {
			return fmt.Errorf("%w: proof line %d is not a base64 SHA-256 hash", ErrReceipt, i+1)
		}
		r.Proof = append(r.Proof, h)
	}
	return nil
}

// decode64 decodes standard base64, accepting only the canonical encoding.
func decode64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil && base64.StdEncoding.EncodeToString(b) != s {
		err = errors.New("non-canonical base64")
	}
	return b, err
}

// CheckReceipt checks that r proves an entry is in the log whose key is v:
// the checkpoint is signed by v for origin v.Name(), and the inclusion
// proof leads from the entry's leaf hash to the checkpoint's root. The
// entry is r.Entry, or the given encoded entry if r carries none (if both
// are present they must be equal). It then opens the entry with v and
// returns it with the checkpoint.
func CheckReceipt(r *Receipt, v note.Verifier, encoded []byte) (*Entry, *log.Checkpoint, error) {
	b, err := receiptEntry(r, encoded)
	if err != nil {
		return nil, nil, err
	}
	cp, _, _, err := log.ParseCheckpoint(r.Checkpoint, v.Name(), v)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: checkpoint: %w", ErrReceipt, err)
	}
	leaf := LeafHash(b)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, r.Index, cp.Size, leaf[:], r.Proof, cp.Hash); err != nil {
		return nil, nil, fmt.Errorf("%w: entry %d is not in the tree of size %d: %s", ErrReceipt, r.Index, cp.Size, proofProblem(err))
	}
	e, err := Open(b, v)
	if err != nil {
		return nil, nil, fmt.Errorf("entry %d: %w", r.Index, err)
	}
	return e, cp, nil
}

// proofProblem describes a failed inclusion proof in one line. The Merkle
// library's own messages print hashes as byte arrays over several lines.
func proofProblem(err error) string {
	var mismatch proof.RootMismatchError
	if errors.As(err, &mismatch) {
		return fmt.Sprintf("the proof leads to root %x, not the checkpoint's %x", mismatch.CalculatedRoot, mismatch.ExpectedRoot)
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

func receiptEntry(r *Receipt, encoded []byte) ([]byte, error) {
	switch {
	case r.Entry == nil && encoded == nil:
		return nil, fmt.Errorf("%w: the receipt carries no entry and none was given", ErrReceipt)
	case r.Entry == nil:
		return encoded, nil
	case encoded != nil && !bytes.Equal(encoded, r.Entry):
		return nil, fmt.Errorf("%w: the entry given is not the one in the receipt", ErrReceipt)
	}
	return r.Entry, nil
}

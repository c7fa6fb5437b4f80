package office

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/escrow"
	"accord/internal/ledger"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// Files of escrowed declarations in a node's data directory
// (docs/escrow.md, "In the log").
//
// Trust: DIR/escrow.key is trusted like DIR/log.key: whoever reads it can
// reveal any region of the party's commitments, and confirm a guess about
// an unopened one. DIR/escrow/ holds each committed declaration, in the
// clear, named by its commitment's hash: whoever reads it learns every
// unopened region. Both are for the node's user alone (mode 0600 and
// 0700), and both are needed to reveal: the operator backs them up, since
// nothing else can recreate them.
const (
	EscrowKeyFile = "escrow.key"
	EscrowDir     = "escrow"
)

// maxEscrowDeclaration bounds a declaration file: about 10^6 warheads.
const maxEscrowDeclaration = 1 << 27

// ReadEscrowDeclaration reads a declaration to commit to: the JSON input
// format of package escrow (escrow.Declaration, an object with a
// "regions" member), the node's party's warheads by region and site as of
// its date; or a warhead declaration file (docs/warheads.md: CSV rows
// as_of,party,site,category,status,count or JSON "warheads", and items of
// a warhead category), whose sites go to the regions regions maps them
// to, or each to a region of its own if regions is nil. name is the
// file's name in errors. Every refusal is an *InputError.
func (o *Office) ReadEscrowDeclaration(name string, data []byte, regions map[string]string) (*escrow.Declaration, error) {
	if len(data) > maxEscrowDeclaration {
		return nil, inputErrorf("%s: more than %d bytes", name, maxEscrowDeclaration)
	}
	if !isEscrowJSON(data) {
		return o.warheadDeclaration(name, data, regions)
	}
	if regions != nil {
		return nil, inputErrorf("%s: --regions is for a warhead declaration file; this one gives its regions", name)
	}
	var d escrow.Declaration
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, inputErrorf("%s: %w", name, err)
	}
	if d.Party != o.Node.Config.Party {
		return nil, otherParty("%s: declares party %q, but this is %s's node", name, d.Party, o.Node.Config.Party)
	}
	day, err := treaty.ParseDate(d.Date)
	if err != nil {
		return nil, inputErrorf("%s: date: %w", name, err)
	}
	if err := withinLife(o.Treaty, day); err != nil {
		return nil, prefixed(name, err)
	}
	return &d, nil
}

// A Committed commitment: where its entry landed.
type Committed struct {
	Index         uint64             `json:"index"`
	LeafHash      string             `json:"leaf_hash"`
	Hash          string             `json:"commitment"` // the commitment's hash, hex
	Commitment    *escrow.Commitment `json:"-"`
	SecretCreated bool               `json:"secret_created"` // DIR/escrow.key was made for it
}

// Commit commits to d, a declaration ReadEscrowDeclaration returned: it
// makes the party's escrow secret if there is none, keeps d in
// DIR/escrow/, and appends the commitment as a signed entry of kind
// commitment, effective on d's date. A declaration package escrow refuses
// is an *InputError, and changes nothing. Commit returns once a published
// checkpoint covers the entry.
func (o *Office) Commit(ctx context.Context, d *escrow.Declaration) (*Committed, error) {
	secret, created, err := o.escrowSecret()
	if err != nil {
		return nil, err
	}
	c, _, err := escrow.Commit(secret, d)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	day, _ := treaty.ParseDate(d.Date)
	body := &escrow.LogBody{Commitment: c}
	if n, limit := len(body.Marshal()), maxBody(o.Treaty.ID, o.Node.Config.Party, day); n > limit {
		return nil, inputErrorf("a commitment to %d regions is %d bytes, more than the %d an entry holds: use fewer regions", len(c.Regions), n, limit)
	}
	if err := o.notCommitted(ctx, c); err != nil {
		return nil, err
	}
	if created {
		if err := writeSecret(filepath.Join(o.Node.Dir, EscrowKeyFile), secret); err != nil {
			return nil, err
		}
	}
	h := c.Hash()
	if err := o.keepDeclaration(h, d); err != nil {
		return nil, err
	}
	a, err := o.appendEscrow(ctx, body, day)
	if err != nil {
		return nil, err
	}
	return &Committed{Index: a.Index, LeafHash: hex.EncodeToString(a.LeafHash[:]), Hash: hex.EncodeToString(h[:]),
		Commitment: c, SecretCreated: created}, nil
}

// notCommitted refuses a commitment the log already holds: the same
// declaration, committed with the same secret.
func (o *Office) notCommitted(ctx context.Context, c *escrow.Commitment) error {
	h, found := c.Hash(), int64(-1)
	err := o.escrowEntries(ctx, func(index uint64, b *escrow.LogBody) {
		if b.Commitment != nil && b.Commitment.Hash() == h {
			found = int64(index)
		}
	})
	if err == nil && found >= 0 {
		err = inputErrorf("this declaration is already committed, as entry %d of %s", found, o.Node.Origin())
	}
	return err
}

// escrowSecret reads DIR/escrow.key, or makes a new secret (not yet
// written) if there is none.
func (o *Office) escrowSecret() (*[escrow.SecretSize]byte, bool, error) {
	path := filepath.Join(o.Node.Dir, EscrowKeyFile)
	b, err := os.ReadFile(path)
	var secret [escrow.SecretSize]byte
	if errors.Is(err, fs.ErrNotExist) {
		rand.Read(secret[:])
		return &secret, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("%s: readable by others (chmod 600 it), or unreadable", EscrowKeyFile)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != escrow.SecretSize {
		return nil, false, fmt.Errorf("%s: not %d bytes in hex", EscrowKeyFile, escrow.SecretSize)
	}
	copy(secret[:], raw)
	return &secret, false, nil
}

// writeSecret creates the secret's file, mode 0600; it never replaces one.
func writeSecret(path string, secret *[escrow.SecretSize]byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(hex.EncodeToString(secret[:]) + "\n")
	return errors.Join(err, f.Sync(), f.Close())
}

// keepDeclaration writes d as DIR/escrow/<hash>.json, mode 0600.
func (o *Office) keepDeclaration(h [32]byte, d *escrow.Declaration) error {
	dir := filepath.Join(o.Node.Dir, EscrowDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".declaration-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err = errors.Join(err, tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, hex.EncodeToString(h[:])+".json"))
}

// appendEscrow appends an escrow entry effective on day (appendCommitment).
func (o *Office) appendEscrow(ctx context.Context, b *escrow.LogBody, day treaty.Date) (ledger.Appended, error) {
	return o.appendCommitment(ctx, b.Marshal(), day)
}

// appendCommitment signs and appends a commitment-kind entry (an escrow
// or a draw body) effective on day, checked by the treaty database first
// as Notify checks a notification, and waits for a published checkpoint.
func (o *Office) appendCommitment(ctx context.Context, b []byte, day treaty.Date) (ledger.Appended, error) {
	log, err := o.Log(ctx)
	if err != nil {
		return ledger.Appended{}, err
	}
	e := entry.Entry{Treaty: o.Treaty.ID, Party: o.Node.Config.Party, Kind: entry.Commitment,
		Effective: day.Time(), Created: o.now().UTC().Truncate(time.Millisecond), Body: b}
	var seq *ledger.Sequenced
	err = o.locked(func() error {
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		next, err := o.Registry.NextIndex(ctx, e.Origin())
		if err != nil {
			return err
		}
		if err := o.Registry.Check(ctx, registry.RecordOf(&e, next, nil)); err != nil {
			return err
		}
		if seq, err = log.Sequence(ctx, e); err != nil {
			return err
		}
		return o.syncAll(ctx, nil)
	})
	if err != nil {
		return ledger.Appended{}, err
	}
	return seq.Await(ctx)
}

// EscrowPolicy returns the policy to check a bundle of the log whose
// origin is given ("accord/<treaty>/<party>"): the effects of the
// notification types of the built-in treaty the origin names, to read the
// flows the log records, and the witnesses of which quorum (0: all) must
// have cosigned the bundle's checkpoint. An origin that names no built-in
// treaty is an *InputError.
func EscrowPolicy(origin string, witnesses []note.Verifier, quorum int) (*escrow.Policy, error) {
	parts := strings.Split(origin, "/")
	if len(parts) != 3 || parts[0] != "accord" {
		return nil, inputErrorf("key %q is not an accord log's (accord/TREATY/PARTY)", origin)
	}
	t, err := treaty.Builtin(parts[1])
	if err != nil {
		return nil, inputErrorf("log %s: treaty %q is not built in, so its flows cannot be read", origin, parts[1])
	}
	effects := map[string]string{}
	for _, n := range t.Notifications {
		effects[n.ID] = n.Effect
	}
	return &escrow.Policy{Effects: effects, Witnesses: witnesses, Quorum: quorum}, nil
}

package office

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/escrow"
	"accord/internal/ledger"
	"accord/internal/treaty"
)

// escrowDeclaration is a synthetic declaration of 8 warheads in three
// regions (test data, not public figures).
const escrowDeclaration = `{"party":"USA","date":"2020-10-20","regions":[
 {"id":"east","entries":[{"site":"kings-bay","uid":"W76-0001","category":"deployed_strategic"},{"site":"kings-bay","uid":"W76-0002","category":"deployed_strategic"}]},
 {"id":"west","entries":[{"site":"kirtland","counts":{"retired":2,"nondeployed_strategic":3}}]},
 {"id":"north","entries":[{"site":"minot","uid":"W78-0001","category":"deployed_strategic"}]}]}`

func mustCommit(t *testing.T, o *Office, decl string) *Committed {
	t.Helper()
	d, err := o.ReadEscrowDeclaration("decl.json", []byte(decl), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := o.Commit(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustReveal(t *testing.T, o *Office, region, day string) *Revealed {
	t.Helper()
	r, err := o.Reveal(context.Background(), region, Given{Name: "--effective", Value: day})
	if err != nil {
		t.Fatalf("reveal %s: %v", region, err)
	}
	return r
}

// reparse is a bundle as another party reads it from its file.
func reparse(t *testing.T, b *escrow.Bundle) *escrow.Bundle {
	t.Helper()
	out, err := escrow.ParseBundle(b.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEscrowCommitReveal commits, reveals two regions and checks each
// bundle offline with the log key alone; revealing a region again logs
// nothing; the secret is in DIR/escrow.key, mode 0600, and in no entry.
func TestEscrowCommitReveal(t *testing.T) {
	o := newTestOffice(t)
	c := mustCommit(t, o, escrowDeclaration)
	if !c.SecretCreated || c.Index != 0 || c.Commitment.Total != 8 {
		t.Fatalf("committed %+v", c)
	}
	secretFile := filepath.Join(o.Node.Dir, EscrowKeyFile)
	fi, err := os.Stat(secretFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("escrow.key: %v, mode %v", err, fi.Mode())
	}
	west := mustReveal(t, o, "west", "2020-11-01")
	east := mustReveal(t, o, "east", "2020-12-01")
	if west.Index != 1 || east.Index != 2 || west.Count != 5 || strings.Join(east.Opened, ",") != "west,east" {
		t.Fatalf("revealed %+v then %+v", west, east)
	}
	for _, r := range []*Revealed{west, east} {
		got, err := escrow.CheckBundle(reparse(t, r.Bundle), o.Node.Verifier, policy(t, o))
		if err != nil || len(got.Reveals) != len(r.Opened) || got.Revealed != 5+2*uint64(len(r.Opened)-1) {
			t.Fatalf("bundle after %s: %v, %+v", r.Region, err, got)
		}
	}
	again := mustReveal(t, o, "west", "2021-01-01")
	if !again.Again || again.Index != 1 || logSize(t, o) != 3 {
		t.Fatalf("revealing west again: %+v, log of %d", again, logSize(t, o))
	}
	secret, _ := os.ReadFile(secretFile)
	checkNotLogged(t, o, strings.TrimSpace(string(secret)))
}

// checkNotLogged fails if any entry of o's log contains s, in hex or in
// base64.
func checkNotLogged(t *testing.T, o *Office, s string) {
	t.Helper()
	raw, _ := hex.DecodeString(s)
	b64 := base64.StdEncoding.EncodeToString(raw)
	ctx := context.Background()
	cp, _, err := ledger.ReadCheckpoint(ctx, o.Node.Source(), o.Node.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	ledger.Entries(ctx, o.Node.Source(), o.Node.Verifier, cp.Size, func(r ledger.Record) error {
		if bytes.Contains(r.Encoded, []byte(s)) || bytes.Contains(r.Encoded, []byte(b64)) || bytes.Contains(r.Encoded, raw) {
			t.Errorf("entry %d holds the escrow secret", r.Index)
		}
		return nil
	})
}

// TestEscrowRefusals checks that bad input is refused with an
// *InputError and changes nothing: no entry, no secret, no declaration.
func TestEscrowRefusals(t *testing.T) {
	o := newTestOffice(t)
	ctx := context.Background()
	for name, decl := range map[string]string{
		"other party":   strings.Replace(escrowDeclaration, `"USA"`, `"RUS"`, 1),
		"after expiry":  strings.Replace(escrowDeclaration, "2020-10-20", "2026-10-20", 1),
		"duplicate uid": strings.Replace(escrowDeclaration, "W78-0001", "W76-0001", 1),
		"unknown field": strings.Replace(escrowDeclaration, `"date"`, `"dated"`, 1),
		"no regions":    `{"party":"USA","date":"2020-10-20","regions":[]}`,
		"too large":     manyRegions(1300),
	} {
		d, err := o.ReadEscrowDeclaration("decl.json", []byte(decl), nil)
		if err == nil {
			_, err = o.Commit(ctx, d)
		}
		var in *InputError
		if !errors.As(err, &in) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want a one-line *InputError", name, err)
		}
	}
	if _, err := o.Reveal(ctx, "west", Given{}); !errors.As(err, new(*InputError)) {
		t.Errorf("reveal before any commitment: %v", err)
	}
	if _, err := os.Stat(filepath.Join(o.Node.Dir, EscrowKeyFile)); !errors.Is(err, os.ErrNotExist) || logSize(t, o) != 0 {
		t.Fatalf("refused commitments left escrow.key (%v) or %d entries", err, logSize(t, o))
	}
	mustCommit(t, o, escrowDeclaration)
	for name, r := range map[string]Given{
		"unknown region":     {"--effective", "2020-11-01"},
		"before commitment":  {"--effective", "2020-10-19"},
		"after expiry":       {"--effective", "2026-03-01"},
		"not a date at all:": {"--effective", "2020-13-01"},
	} {
		region := "west"
		if name == "unknown region" {
			region = "south"
		}
		if _, err := o.Reveal(ctx, region, r); !errors.As(err, new(*InputError)) {
			t.Errorf("%s: got %v, want an *InputError", name, err)
		}
	}
	if logSize(t, o) != 1 {
		t.Errorf("refused reveals appended: log of %d", logSize(t, o))
	}
}

// manyRegions is a declaration of n empty regions.
func manyRegions(n int) string {
	var rs []string
	for i := range n {
		rs = append(rs, fmt.Sprintf(`{"id":"region%03d","entries":[]}`, i))
	}
	return `{"party":"USA","date":"2020-10-20","capacity":1,"regions":[` + strings.Join(rs, ",") + `]}`
}

// TestEscrowLostSecret checks that without the secret nothing is revealed
// and the error says to restore it.
func TestEscrowLostSecret(t *testing.T) {
	o := newTestOffice(t)
	mustCommit(t, o, escrowDeclaration)
	os.Remove(filepath.Join(o.Node.Dir, EscrowKeyFile))
	_, err := o.Reveal(context.Background(), "west", Given{"--effective", "2020-11-01"})
	if err == nil || !strings.Contains(err.Error(), "restore it from the backup") || logSize(t, o) != 1 {
		t.Fatalf("reveal without the secret: %v", err)
	}
}

// policy is the policy a verifier of o's bundles uses, with no witness.
func policy(t *testing.T, o *Office) *escrow.Policy {
	t.Helper()
	p, err := EscrowPolicy(o.Node.Origin(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEscrowBundleChecks breaks a bundle in each way the log check must
// catch, and checks that CheckBundle names the check "log".
func TestEscrowBundleChecks(t *testing.T) {
	o := newTestOffice(t)
	first := mustCommit(t, o, escrowDeclaration)
	mustReveal(t, o, "west", "2020-11-01")
	good := mustReveal(t, o, "east", "2020-12-01").Bundle
	other := newTestOffice(t)
	mustCommit(t, other, escrowDeclaration)
	otherWest := mustReveal(t, other, "west", "2020-11-01").Bundle
	mustCommit(t, o, strings.Replace(escrowDeclaration, "2020-10-20", "2020-10-21", 1))
	secondWest := mustReveal(t, o, "west", "2020-11-01").Bundle
	forRUS := appendCommitment(t, o, otherCommitment(t, o, "RUS", "2020-10-20"), "2020-10-20")
	misdated := appendCommitment(t, o, otherCommitment(t, o, "USA", "2020-10-20"), "2020-10-22")
	if _, err := o.Commit(context.Background(), mustRead(t, o, escrowDeclaration)); !errors.As(err, new(*InputError)) {
		t.Fatalf("committing a declaration again: %v", err)
	}
	tests := map[string]struct {
		edit func(b *escrow.Bundle)
		v    note.Verifier
	}{
		"wrong key": {func(b *escrow.Bundle) {}, other.Node.Verifier},
		"reveal bytes swapped": {func(b *escrow.Bundle) {
			b.Reveals[0], b.Reveals[1] = b.Reveals[1], b.Reveals[0]
		}, nil},
		"reveal left out":        {func(b *escrow.Bundle) { b.Reveals = b.Reveals[1:] }, nil},
		"entry left out":         {func(b *escrow.Bundle) { b.Entries = append(b.Entries[:1:1], b.Entries[2:]...) }, nil},
		"commitment is a reveal": {func(b *escrow.Bundle) { b.Entries[0] = b.Entries[1] }, nil},
		"other log's reveal":     {func(b *escrow.Bundle) { b.Reveals[0] = otherWest.Reveals[0] }, nil},
		"other log's checkpoint": {func(b *escrow.Bundle) { b.Checkpoint = otherWest.Checkpoint }, nil},
		"count restated":         {func(b *escrow.Bundle) { b.Reveals[0] = restate(t, b.Reveals[0], false) }, nil},
		"salt changed":           {func(b *escrow.Bundle) { b.Reveals[0] = restate(t, b.Reveals[0], true) }, nil},
		"other commitment's":     {func(b *escrow.Bundle) { b.Reveals[0] = secondWest.Reveals[0] }, nil},
		"commitment for RUS":     {func(b *escrow.Bundle) { *b = *forRUS }, nil},
		"commitment misdated":    {func(b *escrow.Bundle) { *b = *misdated }, nil},
		"another commitment":     {func(b *escrow.Bundle) { *b = *secondWest; b.Reveals = nil }, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := reparse(t, good)
			tc.edit(b)
			v := tc.v
			if v == nil {
				v = o.Node.Verifier
			}
			_, err := escrow.CheckBundle(b, v, policy(t, o))
			if !errors.Is(err, escrow.ErrLog) {
				t.Fatalf("got %v, want the check log to fail", err)
			}
		})
	}
	if _, err := escrow.CheckBundle(reparse(t, good), o.Node.Verifier, policy(t, o)); err != nil || first.Index != 0 {
		t.Fatalf("the bundle itself: %v", err)
	}
}

// restate returns a reveal's bytes with its count one higher, or its
// first salt changed.
func restate(t *testing.T, b []byte, salt bool) []byte {
	r, err := escrow.ParseReveal(b)
	if err != nil {
		t.Fatal(err)
	}
	if salt {
		r.Leaves[0].Salt[0] ^= 1
	} else {
		r.Count++
	}
	return r.Marshal()
}

// otherCommitment is a commitment to the test declaration as party's of
// date.
func otherCommitment(t *testing.T, o *Office, party, date string) *escrow.Commitment {
	t.Helper()
	d := mustRead(t, o, escrowDeclaration)
	d.Party, d.Date = party, date
	var secret [escrow.SecretSize]byte
	c, _, err := escrow.Commit(&secret, d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// appendCommitment logs c in an entry effective on day, whatever the log
// holds and whatever the treaty database would refuse, as a hostile
// party's log may (Commit never does), and returns the bundle of it with
// no reveal.
func appendCommitment(t *testing.T, o *Office, c *escrow.Commitment, day string) *escrow.Bundle {
	t.Helper()
	ctx := context.Background()
	log, err := o.Log(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := entry.Entry{Treaty: o.Treaty.ID, Party: o.Node.Config.Party, Kind: entry.Commitment,
		Effective: treaty.MustDate(day).Time(), Created: o.now().UTC().Truncate(time.Millisecond), Body: (&escrow.LogBody{Commitment: c}).Marshal()}
	var seq *ledger.Sequenced
	err = o.locked(func() error {
		if seq, err = log.Sequence(ctx, e); err != nil {
			return err
		}
		return o.syncAll(ctx, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := seq.Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.bundle(ctx, &escrowed{index: a.Index, commitment: c}, nil, &Revealed{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRead(t *testing.T, o *Office, decl string) *escrow.Declaration {
	t.Helper()
	d, err := o.ReadEscrowDeclaration("decl.json", []byte(decl), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEscrowBundleAnyChange checks that any single change to a bundle
// file (each byte in turn, flipped) makes it unreadable or fail a check,
// with a checkpoint cosigned by a real witness, which the verifier asks
// for.
func TestEscrowBundleAnyChange(t *testing.T) {
	o, rus := newWitnessedOffice(t)
	mustCommit(t, o, escrowDeclaration)
	b := mustReveal(t, o, "west", "2020-11-01").Bundle
	p, err := EscrowPolicy(o.Node.Origin(), []note.Verifier{rus}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := escrow.CheckBundle(reparse(t, mustReveal(t, o, "west", "").Bundle), o.Node.Verifier, p); err != nil {
		t.Fatal(err)
	}
	file := b.Marshal()
	for i := range file {
		changed := bytes.Clone(file)
		changed[i] ^= 1
		b, err := escrow.ParseBundle(changed)
		if err != nil {
			continue
		}
		if _, err := escrow.CheckBundle(b, o.Node.Verifier, p); err == nil {
			t.Fatalf("byte %d (%q) flipped: the bundle still verifies: %q", i, file[i], file[max(0, i-80):i+20])
		}
	}
}

// TestFsckEscrowKey checks that fsck reports an escrow secret, or a
// directory of committed declarations, that others can read, as it
// reports the log key, and nothing when their modes are 0600 and 0700.
func TestFsckEscrowKey(t *testing.T) {
	o := newTestOffice(t)
	mustCommit(t, o, escrowDeclaration)
	dir := o.Node.Dir
	if probs, _ := Fsck(context.Background(), dir, nil); len(probs) != 0 {
		t.Fatalf("fsck of a fresh commitment: %v", probs)
	}
	os.Chmod(filepath.Join(dir, EscrowKeyFile), 0o640)
	os.Chmod(filepath.Join(dir, EscrowDir), 0o755)
	probs, _ := Fsck(context.Background(), dir, nil)
	if len(probs) != 2 || probs[0].File != EscrowKeyFile || probs[0].Err != "mode -rw-r----- lets others read the escrow secret (chmod 600 it)" ||
		probs[1].File != EscrowDir || !strings.Contains(probs[1].Err, "chmod 700") {
		t.Fatalf("fsck of a readable escrow secret: %v", probs)
	}
}

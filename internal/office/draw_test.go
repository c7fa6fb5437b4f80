package office

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/draw"
	"accord/internal/ledger"
	"accord/internal/registry"
)

// newPartyOffice is newTestOffice for party.
func newPartyOffice(t *testing.T, party string) *Office {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), party)
	initNode(t, ctx, dir, "newstart", party)
	o, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(ctx) })
	now := time.Date(2011, 2, 5, 12, 0, 0, 0, time.UTC)
	o.Clock = func() time.Time { now = now.Add(time.Minute); return now }
	return o
}

// mirror applies every entry of from's log to to's treaty database, as
// a node's peer mirror would.
func mirror(t *testing.T, from, to *Office) {
	t.Helper()
	ctx := context.Background()
	size := logSize(t, from)
	var recs []registry.Record
	err := ledger.Entries(ctx, from.Node.Source(), from.Node.Verifier, size, func(r ledger.Record) error {
		recs = append(recs, registry.RecordOf(r.Entry, r.Index, r.Encoded))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	have, err := to.Registry.NextIndex(ctx, from.Node.Origin())
	if err != nil {
		t.Fatal(err)
	}
	if err := to.Registry.Apply(ctx, recs[have:]...); err != nil {
		t.Fatal(err)
	}
}

func drawTerms(with string) draw.Commit {
	return draw.Commit{ID: "rv-1", Of: 42, Pick: 2, Purpose: "the deployed ICBMs of Malmstrom in UID order",
		RevealBy: time.Date(2011, 2, 6, 0, 0, 0, 0, time.UTC), With: with}
}

// TestDrawOffice draws between two offices: USA reads RUS's commitment
// from its treaty database (the mirror), RUS is given USA's bundle; both
// bundles then verify offline to one draw, and revealing again appends
// nothing.
func TestDrawOffice(t *testing.T) {
	ctx := context.Background()
	usa, rus := newPartyOffice(t, "USA"), newPartyOffice(t, "RUS")
	uc, err := usa.DrawCommit(ctx, drawTerms("RUS"), Given{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rus.DrawCommit(ctx, drawTerms("USA"), Given{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(usa.Node.Dir, DrawDir, "rv-1.value")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("value file: %v, %v", fi, err)
	}
	if _, err := usa.DrawReveal(ctx, "rv-1", nil, nil, Given{}); err == nil || !strings.Contains(err.Error(), "RUS's commitment is not in the logs this node holds") {
		t.Fatalf("reveal before RUS's commitment is held: %v", err)
	}
	mirror(t, rus, usa)
	ur, err := usa.DrawReveal(ctx, "rv-1", nil, nil, Given{})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := rus.DrawReveal(ctx, "rv-1", uc.Bundle.Commit, usa.Node.Verifier, Given{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := draw.Check(ur.Bundle, rr.Bundle, usa.Node.Verifier, rus.Node.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Picks) != 2 || res.Sides[0].Party != "RUS" || res.Sides[1].Late {
		t.Fatalf("result %+v", res)
	}
	mirror(t, rus, usa)
	held, err := usa.Registry.Draws(ctx, time.Date(2011, 2, 6, 0, 0, 0, 0, time.UTC))
	if err != nil || len(held) != 1 || held[0].Result == nil || held[0].Result.Seed != res.Seed || !slices.Equal(held[0].Result.Picks, res.Picks) {
		t.Fatalf("the treaty database's draw %+v (%v), offline %+v", held, err, res)
	}
	size := logSize(t, usa)
	again, err := usa.DrawReveal(ctx, "rv-1", nil, nil, Given{})
	if err != nil || !again.Again || again.Index != ur.Index || logSize(t, usa) != size {
		t.Fatalf("revealing again: %+v, %v", again, err)
	}
}

// TestDrawOfficeRefusals checks each refusal of the office, and that it
// appends nothing.
func TestDrawOfficeRefusals(t *testing.T) {
	ctx := context.Background()
	usa, rus := newPartyOffice(t, "USA"), newPartyOffice(t, "RUS")
	other := drawTerms("USA")
	other.Of = 41
	if _, err := rus.DrawCommit(ctx, other, Given{}); err != nil {
		t.Fatal(err)
	}
	mirror(t, rus, usa)
	bad := drawTerms("RUS")
	bad.ID = "../escape"
	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{"a draw with oneself", func() error { _, err := usa.DrawCommit(ctx, drawTerms("USA"), Given{}); return err }, `--with: "USA" is not another party to newstart`},
		{"an id that is no id", func() error { _, err := usa.DrawCommit(ctx, bad, Given{}); return err }, `draw id "../escape" is not an id`},
		{"a reveal without a commitment", func() error { _, err := usa.DrawReveal(ctx, "rv-1", nil, nil, Given{}); return err }, "USA's log holds no commitment to draw rv-1"},
		{"a date outside the treaty", func() error {
			_, err := usa.DrawCommit(ctx, drawTerms("RUS"), Given{Name: "--effective", Value: "2009-01-01"})
			return err
		}, "--effective: effective date 2009-01-01 is before newstart was signed"},
	} {
		size := logSize(t, usa)
		err := tc.do()
		var in *InputError
		if !errors.As(err, &in) || !strings.Contains(err.Error(), tc.want) || logSize(t, usa) != size {
			t.Errorf("%s: got %v, want an input error naming %q and nothing appended", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(usa.Node.Dir, DrawDir, "..", "escape.value")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a bad id named a file: %v", err)
	}
	if _, err := usa.DrawCommit(ctx, drawTerms("RUS"), Given{}); err != nil {
		t.Fatal(err)
	}
	size := logSize(t, usa)
	if _, err := usa.DrawReveal(ctx, "rv-1", nil, nil, Given{}); err == nil || !strings.Contains(err.Error(), "differs in of: nothing revealed") || logSize(t, usa) != size {
		t.Fatalf("RUS committed to other terms: %v", err)
	}
	if _, err := usa.DrawCommit(ctx, drawTerms("RUS"), Given{}); err == nil || !strings.Contains(err.Error(), "already committed as entry 0") {
		t.Fatalf("committing twice: %v", err)
	}
	path := filepath.Join(usa.Node.Dir, DrawDir, "rv-1.value")
	os.WriteFile(path, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	if _, err := usa.keptValue("rv-1", mustSide(t, usa)); err == nil || !strings.Contains(err.Error(), "is not the value committed in entry 0") {
		t.Fatalf("another value: %v", err)
	}
	os.Remove(path)
	if _, err := usa.keptValue("rv-1", mustSide(t, usa)); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Fatalf("no value: %v", err)
	}
}

func mustSide(t *testing.T, o *Office) *registry.DrawSide {
	t.Helper()
	s, err := o.ownDraw(context.Background(), "rv-1")
	if err != nil || s == nil {
		t.Fatalf("own draw: %+v, %v", s, err)
	}
	return s
}

// TestFsckDrawValues checks that fsck reports a draw value, or the
// directory of values, that others can read, and nothing at 0600 and
// 0700.
func TestFsckDrawValues(t *testing.T) {
	ctx := context.Background()
	o := newPartyOffice(t, "USA")
	if _, err := o.DrawCommit(ctx, drawTerms("RUS"), Given{}); err != nil {
		t.Fatal(err)
	}
	dir := o.Node.Dir
	if probs, _ := Fsck(ctx, dir, nil); len(probs) != 0 {
		t.Fatalf("fsck after a commitment: %v", probs)
	}
	os.Chmod(filepath.Join(dir, DrawDir, "rv-1.value"), 0o644)
	os.Chmod(filepath.Join(dir, DrawDir), 0o755)
	probs, _ := Fsck(ctx, dir, nil)
	if len(probs) != 2 || probs[0].File != DrawDir || !strings.Contains(probs[0].Err, "chmod 700") ||
		probs[1].File != filepath.Join(DrawDir, "rv-1.value") || probs[1].Err != "mode -rw-r--r-- lets others read the party's draw values (chmod 600 it)" {
		t.Fatalf("fsck of readable draw values: %v", probs)
	}
}

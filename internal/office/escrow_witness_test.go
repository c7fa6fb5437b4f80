package office

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/escrow"
	"accord/internal/node"
	"accord/internal/witness"
)

// newWitnessedOffice is newTestOffice for a USA node under us-freeze-2020
// whose one peer, RUS, runs a real witness of the USA log
// (c2sp.org/tlog-witness, package witness) served over HTTP. It returns
// the office and the witness's cosignature verifier.
func newWitnessedOffice(t *testing.T) (*Office, note.Verifier) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	usa, rus := filepath.Join(root, "usa"), filepath.Join(root, "rus")
	for dir, party := range map[string]string{usa: "USA", rus: "RUS"} {
		initNode(t, ctx, dir, "us-freeze-2020", party)
	}
	usaLog, err := note.NewVerifier(readKey(t, usa, node.VKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := witness.NewSigner(readKey(t, rus, node.WitnessKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	w, err := witness.New(signer, []note.Verifier{usaLog}, filepath.Join(rus, "witness"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /witness/add-checkpoint", w)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	path := filepath.Join(usa, node.ConfigFile)
	c, err := node.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	c.Peers = []node.Peer{{Party: "RUS", URL: srv.URL + "/", LogVKey: readKey(t, rus, node.VKeyFile), WitnessVKey: readKey(t, rus, node.WitnessVKeyFile)}}
	if err := os.WriteFile(path, c.Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := Open(ctx, usa, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(ctx) })
	now := time.Date(2020, 10, 20, 12, 0, 0, 0, time.UTC)
	o.Clock = func() time.Time { now = now.Add(time.Minute); return now }
	wv, err := witness.NewVerifier(readKey(t, rus, node.WitnessVKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	return o, wv
}

// TestEscrowRevealCosigned reveals with a peer that witnesses the log:
// the bundle's checkpoint carries the peer's cosignature, which a
// verifier that asks for that witness checks; a verifier asking for a
// witness that did not cosign fails the check witness, as does the
// bundle of a node without peers.
func TestEscrowRevealCosigned(t *testing.T) {
	o, rus := newWitnessedOffice(t)
	mustCommit(t, o, escrowDeclaration)
	r := mustReveal(t, o, "west", "2020-11-01")
	if len(r.Cosigned) != 1 || r.Cosigned[0] != "RUS" || len(r.Uncosigned) != 0 {
		t.Fatalf("cosigned by %v, not by %v", r.Cosigned, r.Uncosigned)
	}
	p, err := EscrowPolicy(o.Node.Origin(), []note.Verifier{rus}, 0)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := escrow.CheckBundle(reparse(t, r.Bundle), o.Node.Verifier, p)
	if err != nil || len(cb.Cosigned) != 1 {
		t.Fatalf("a cosigned bundle: %v", err)
	}
	lone := newTestOffice(t)
	mustCommit(t, lone, escrowDeclaration)
	loneP, _ := EscrowPolicy(lone.Node.Origin(), []note.Verifier{rus}, 1)
	if _, err := escrow.CheckBundle(mustReveal(t, lone, "west", "2020-11-01").Bundle, lone.Node.Verifier, loneP); !errors.Is(err, escrow.ErrWitness) {
		t.Fatalf("a bundle no witness cosigned: %v", err)
	}
}

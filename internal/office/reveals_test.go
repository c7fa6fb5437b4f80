package office

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestKeepOwnReveals checks that the reveal fetcher stores the bytes of
// every reveal the node's own log records, equal to the bundle's and
// named by their SHA-256, once; and that when one cannot be made again
// (its file and the secret lost), a round fails, and the reveal is not
// tried again for a minute.
func TestKeepOwnReveals(t *testing.T) {
	ctx := context.Background()
	o := newTestOffice(t)
	mustCommit(t, o, escrowDeclaration)
	mustReveal(t, o, "west", "2020-11-01")
	r := mustReveal(t, o, "east", "2020-12-01")
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &RevealFetcher{Office: o, Client: http.DefaultClient, Now: func() time.Time { return now }}
	if n, err := f.Fetch(ctx); n != 2 || err != nil {
		t.Fatalf("first round: %d stored, %v", n, err)
	}
	for _, br := range r.Bundle.Reveals {
		h := sha256.Sum256(br)
		b, err := o.ReadReveal("USA", h)
		if err != nil || !bytes.Equal(b, br) {
			t.Errorf("stored reveal %x: %v", h[:4], err)
		}
	}
	if n, err := f.Fetch(ctx); n != 0 || err != nil {
		t.Fatalf("second round: %d stored, %v", n, err)
	}
	os.Remove(filepath.Join(o.Node.Dir, EscrowKeyFile))
	os.Remove(o.RevealPath("USA", sha256.Sum256(r.Bundle.Reveals[0])))
	f = &RevealFetcher{Office: o, Client: http.DefaultClient, Now: func() time.Time { return now }}
	if _, err := f.Fetch(ctx); err == nil {
		t.Fatal("a reveal made without the secret")
	}
	if _, err := f.Fetch(ctx); err != nil {
		t.Fatalf("tried again at once: %v", err)
	}
	now = now.Add(revealRetry)
	if _, err := f.Fetch(ctx); err == nil {
		t.Fatal("not tried again after a minute")
	}
}

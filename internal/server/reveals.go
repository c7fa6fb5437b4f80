package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"accord/internal/office"
	"accord/internal/web"
)

// serveReveal answers GET /escrow/{sha256}: the bytes of one of the
// node's own escrow reveals, named by the SHA-256 its log records
// (docs/escrow.md, "In the demo"). A reveal is public once logged, and
// never changes: it is cached for a year. A name that is not 64
// lowercase hex digits, or a reveal the node does not hold, is 404.
func (n *Server) serveReveal(w http.ResponseWriter, r *http.Request) {
	h, ok := parseRevealHash(r.PathValue("hash"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	o := n.treatyOffice(w)
	if o == nil {
		return
	}
	b, err := o.ReadReveal(n.Config.Party, h)
	switch {
	case errors.Is(err, office.ErrNoReveal):
		http.NotFound(w, r)
		return
	case err == nil && sha256.Sum256(b) != h:
		err = errors.New("its bytes do not hash to its name")
		fallthrough
	case err != nil:
		n.Logger.ErrorContext(r.Context(), "reading reveal", "reveal", r.PathValue("hash"), "err", err)
		httpError(w, http.StatusInternalServerError, errors.New("the stored reveal is unreadable"))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", cacheFull)
	w.Write(b)
}

// parseRevealHash decodes a reveal's name: 64 lowercase hex digits.
func parseRevealHash(s string) (h [32]byte, ok bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) || strings.ToLower(s) != s {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// fetchReveals runs the node's RevealFetcher every sync interval, after
// the followers have brought the peers' logs in, until ctx is done.
// Failures are logged; the next round tries again.
func (n *Server) fetchReveals(ctx context.Context) error {
	if n.treaty == nil {
		return nil
	}
	client, err := n.HTTPClient()
	if err != nil {
		return err
	}
	f := &office.RevealFetcher{Office: n.treaty, Client: client}
	tick := time.NewTicker(n.Config.Sync.Interval)
	defer tick.Stop()
	for {
		if _, err := f.Fetch(ctx); err != nil && ctx.Err() == nil {
			n.Logger.WarnContext(ctx, "fetching reveals", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Reveal returns party's escrow reveal whose SHA-256 is h, as the node
// stores it (web.RevealStore): its own, or a peer's it has fetched.
func (v *view) Reveal(ctx context.Context, party string, h [32]byte) ([]byte, error) {
	b, err := v.office.ReadReveal(party, h)
	if errors.Is(err, office.ErrNoReveal) {
		return nil, fmt.Errorf("%w: %w", web.ErrNotFound, err)
	}
	return b, err
}

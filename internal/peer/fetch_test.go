package peer

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestFetchLimits has a hostile peer answer every resource with more
// bytes than such a resource can hold: each read fails, naming the
// limit, having read at most one byte past it.
func TestFetchLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 20<<20))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/")
	f := &fetcher{client: srv.Client(), base: u}
	for _, c := range []struct {
		path  string
		limit int64
	}{
		{"log/checkpoint", maxCheckpoint},
		{"log/tile/0/000", maxTile},
		{"log/tile/entries/000", maxBundle},
		{"witness/checkpoints", maxCheckpoints},
	} {
		b, err := f.get(t.Context(), c.path, c.limit)
		if err == nil || !strings.Contains(err.Error(), "larger than") || int64(len(b)) > c.limit+1 {
			t.Errorf("%s: %d bytes, %v", c.path, len(b), err)
		}
	}
}

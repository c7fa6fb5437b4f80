package ledger

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestHTTPSourceTimeout checks that verifying a log whose server accepts
// requests and never answers fails after the response timeout instead of
// hanging.
func TestHTTPSourceTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	defer func(d time.Duration) { headerTimeout = d }(headerTimeout)
	headerTimeout = 100 * time.Millisecond

	src, err := OpenSource(srv.URL + "/log/")
	if err != nil {
		t.Fatal(err)
	}
	_, v := testKeys(t, "accord/newstart/USA")
	done := make(chan error, 1)
	go func() {
		_, err := Verify(context.Background(), src, v, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("verify of a server that never answers succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("verify still waiting for a server that never answers")
	}
}

// TestSourceContext checks that every source stops reading once its
// context is done.
func TestSourceContext(t *testing.T) {
	tl := newTestLog(t)
	for i := range 3 {
		tl.append(testEntry(i))
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(tl.dir)))
	defer srv.Close()
	remote, err := OpenSource(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.ReadCheckpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, src := range []Source{DirSource(tl.dir), remote} {
		if _, err := src.ReadCheckpoint(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%T.ReadCheckpoint with a cancelled context: %v", src, err)
		}
		if _, err := src.ReadEntryBundle(ctx, 0, 3); !errors.Is(err, context.Canceled) {
			t.Errorf("%T.ReadEntryBundle with a cancelled context: %v", src, err)
		}
		if _, err := src.ReadTile(ctx, 0, 0, 3); !errors.Is(err, context.Canceled) {
			t.Errorf("%T.ReadTile with a cancelled context: %v", src, err)
		}
	}
}

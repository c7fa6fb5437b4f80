package web_test

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"testing"

	"accord/internal/web"
)

// TestHistoryComputedOnce checks that requests for the history of the
// same database state share one computation: several at once, each on a
// new dashboard's cold caches, read the treaty database as often as one
// request alone, and so does Warm running beside them.
func TestHistoryComputedOnce(t *testing.T) {
	one, err := web.New(web.Config{View: world.View(), Authorize: web.AllowAll})
	if err != nil {
		t.Fatal(err)
	}
	alone := mustGet(t, startServer(t, one), "/history")
	d, err := web.New(web.Config{View: world.View(), Authorize: web.AllowAll})
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, d)
	const n = 4
	pages := make([]string, n)
	var wg sync.WaitGroup
	for i := range pages {
		wg.Go(func() {
			status, body := get(t, srv, "/history")
			if status != http.StatusOK {
				t.Errorf("GET /history: status %d", status)
			}
			pages[i] = body
		})
	}
	wg.Go(func() {
		if err := d.Warm(context.Background()); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	if got, want := d.Reads(), one.Reads(); got != want {
		t.Errorf("%d requests and Warm at once made %d reads of the treaty database, want %d (one request's)", n, got, want)
	}
	for i, p := range pages {
		if stripRendered(p) != stripRendered(alone) {
			t.Errorf("request %d: the history differs from one computed alone", i)
		}
	}
}

// stripRendered removes the render time a page states.
func stripRendered(page string) string {
	return regexp.MustCompile(`rendered in [^<]*`).ReplaceAllString(page, "")
}

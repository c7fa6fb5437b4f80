package web

import (
	"context"
	"net/http"
	"sync"
)

// historyCache keeps the history computed for the treaty database's
// current state (counter.state: each log's ingested size and the day),
// one per reading, so that the page, its downloads and Warm compute it
// once per state: a request that arrives while it is being computed (by
// Warm, when a node starts or has ingested) waits for that computation
// instead of starting its own. The zero value is ready to use; it is safe
// for concurrent use.
type historyCache struct {
	mu    sync.Mutex
	key   string
	calls map[string]*historyCall // by reading
}

// A historyCall is one computation of a history, done when done is
// closed.
type historyCall struct {
	done chan struct{}
	data *historyData
	err  error
}

// historyData returns the history under reading of the database as it
// stands, computing it unless it was, or is being, computed for the same
// state. A computation that failed (its request went away) is dropped,
// and a request that waited for it computes the history itself.
func (d *Dashboard) historyData(r *http.Request, reading string) (*historyData, error) {
	for {
		key, _, err := d.counts.state(r.Context())
		if err != nil {
			return nil, err
		}
		c, first := d.hist.call(key, reading)
		if first {
			c.data, c.err = d.computeHistory(r, reading)
			if c.err != nil {
				d.hist.forget(key, reading, c)
			}
			close(c.done)
			return c.data, c.err
		}
		data, err := c.wait(r.Context())
		if err == nil || r.Context().Err() != nil {
			return data, err
		}
	}
}

// call returns the computation of reading's history for key, and whether
// the caller is the first to ask for it and must compute it.
func (h *historyCache) call(key, reading string) (*historyCall, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if key != h.key {
		h.key, h.calls = key, map[string]*historyCall{}
	}
	if c, ok := h.calls[reading]; ok {
		return c, false
	}
	c := &historyCall{done: make(chan struct{})}
	h.calls[reading] = c
	return c, true
}

// forget drops a computation that failed, so that the next request
// computes afresh.
func (h *historyCache) forget(key, reading string, c *historyCall) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.key == key && h.calls[reading] == c {
		delete(h.calls, reading)
	}
}

func (c *historyCall) wait(ctx context.Context) (*historyData, error) {
	select {
	case <-c.done:
		return c.data, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

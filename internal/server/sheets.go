package server

import (
	"net/http"
	"sync"
)

// sheetCache keeps computed public fact sheets, keyed by the date and
// format asked for and the treaty database's positions in every log they
// were computed from: a cached sheet is served only while the logs have
// not grown, and computing one is what costs (about 0.5 s of CPU on a
// large database), so an anonymous flood of one sheet costs one
// computation. Computations that miss the cache run at most work at once.
type sheetCache struct {
	work chan struct{} // a token per computation allowed at once

	mu        sync.Mutex
	positions string
	sheets    map[sheetKey][]byte
}

type sheetKey struct{ asOf, format string }

// maxSheets bounds the cache: dates are many, so when it is full it is
// emptied, which costs at most a recomputation per sheet asked for.
const maxSheets = 1024

func newSheetCache(work int) *sheetCache {
	return &sheetCache{work: make(chan struct{}, work), sheets: map[sheetKey][]byte{}}
}

// get returns the sheet cached for k at positions.
func (c *sheetCache) get(positions string, k sheetKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if positions != c.positions {
		return nil, false
	}
	b, ok := c.sheets[k]
	return b, ok
}

func (c *sheetCache) put(positions string, k sheetKey, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if positions != c.positions || len(c.sheets) >= maxSheets {
		c.positions, c.sheets = positions, map[sheetKey][]byte{}
	}
	c.sheets[k] = b
}

// acquire takes a computation slot, or answers 503 when every slot is
// taken; release with the returned function.
func (c *sheetCache) acquire(w http.ResponseWriter) (release func(), ok bool) {
	select {
	case c.work <- struct{}{}:
		return func() { <-c.work }, true
	default:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy computing other fact sheets, try again", http.StatusServiceUnavailable)
		return nil, false
	}
}

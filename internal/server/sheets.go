package server

import (
	"net/http"
	"sync"
	"time"
)

// sheetCache keeps computed public fact sheets, keyed by the date and
// format asked for. Each is computed from the treaty database at some
// positions in every log; it is served while the positions are the
// same, and for up to refresh after they move: computing a sheet is what
// costs (about 0.5 s of CPU on a large database), and without the
// refresh every notification the operator sends would make the next
// anonymous request recompute. So a flood costs at most one computation
// per sheet per refresh, and a public sheet is at most refresh behind the
// logs. Computations that miss the cache run at most work at once.
type sheetCache struct {
	work    chan struct{} // a token per computation allowed at once
	refresh time.Duration
	now     func() time.Time

	mu     sync.Mutex
	sheets map[sheetKey]sheet
}

type sheetKey struct{ asOf, format string }

type sheet struct {
	positions string
	at        time.Time // when it was computed
	b         []byte
}

// maxSheets bounds the cache; when it is full it is emptied, which costs
// at most a recomputation per sheet asked for. Dates are normalised to
// data-exchange dates (factsheet.SheetDate), so a cache holds tens.
const maxSheets = 1024

func newSheetCache(work int, refresh time.Duration) *sheetCache {
	return &sheetCache{work: make(chan struct{}, work), refresh: refresh, now: time.Now, sheets: map[sheetKey]sheet{}}
}

// get returns the sheet cached for k, and whether it was computed at
// positions (or is stale, but within refresh).
func (c *sheetCache) get(positions string, k sheetKey) (b []byte, current, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.sheets[k]
	switch {
	case !ok:
		return nil, false, false
	case e.positions == positions:
		return e.b, true, true
	case c.now().Sub(e.at) < c.refresh:
		return e.b, false, true
	}
	return nil, false, false
}

func (c *sheetCache) put(positions string, k sheetKey, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sheets) >= maxSheets {
		clear(c.sheets)
	}
	c.sheets[k] = sheet{positions: positions, at: c.now(), b: b}
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

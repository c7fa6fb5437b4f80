package node

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Backing off from a witness that keeps failing: after a failed request
// (no answer in time, a refused connection, a 5xx), requests to the same
// host fail at once for a while, so that each checkpoint is not held up
// by a witness known to be down; the pause doubles with each failure in a
// row, up to maxBackoff, and one request is let through when it ends.
const (
	// minBackoff is the first pause: long enough that the checkpoints
	// of a busy minute do not each wait for a dead witness.
	minBackoff = 10 * time.Second
	// maxBackoff bounds the pause, so a witness that comes back is used
	// again within minutes.
	maxBackoff = 10 * time.Minute
)

// breaker is an http.RoundTripper that backs off from failing hosts.
type breaker struct {
	next http.RoundTripper
	now  func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	failures int
	until    time.Time
}

func newBreaker(next http.RoundTripper) *breaker {
	return &breaker{next: next, now: time.Now, hosts: map[string]*hostState{}}
}

func (b *breaker) RoundTrip(r *http.Request) (*http.Response, error) {
	host := r.URL.Host
	if err := b.allow(host); err != nil {
		return nil, err
	}
	resp, err := b.next.RoundTrip(r)
	b.record(host, err == nil && resp.StatusCode < 500)
	return resp, err
}

// allow refuses a request to a host in its pause.
func (b *breaker) allow(host string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.hosts[host]
	if st == nil || !b.now().Before(st.until) {
		return nil
	}
	return fmt.Errorf("witness %s failed %d times in a row: not asked again before %s", host, st.failures, st.until.UTC().Format(time.RFC3339))
}

func (b *breaker) record(host string, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		delete(b.hosts, host)
		return
	}
	st := b.hosts[host]
	if st == nil {
		st = &hostState{}
		b.hosts[host] = st
	}
	st.failures++
	pause := minBackoff << min(st.failures-1, 16)
	st.until = b.now().Add(min(pause, maxBackoff))
}

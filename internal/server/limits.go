package server

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientAddr returns the host part of a remote address: limits are per
// client address, not per connection. A node behind a reverse proxy sees
// the proxy's address for every client, so the proxy must apply its own.
func clientAddr(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// limitListener closes, as they arrive, connections from a client
// address that already holds max open ones: a client cannot exhaust the
// node's file descriptors by opening connections and sending nothing, or
// one byte at a time.
type limitListener struct {
	net.Listener
	max int

	mu   sync.Mutex
	open map[string]int
}

func newLimitListener(ln net.Listener, max int) *limitListener {
	return &limitListener{Listener: ln, max: max, open: map[string]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := clientAddr(c.RemoteAddr().String())
		if l.take(addr) {
			return &limitedConn{Conn: c, release: func() { l.release(addr) }}, nil
		}
		c.Close()
	}
}

func (l *limitListener) take(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr] >= l.max {
		return false
	}
	l.open[addr]++
	return true
}

func (l *limitListener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

// limitedConn releases its place once, on the first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// rateLimiter holds a token bucket per client address for requests
// without a credential.
type rateLimiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[string]*rateClient
}

type rateClient struct {
	lim  *rate.Limiter
	seen time.Time
}

// Bounds on the limiter's memory: a client idle for idleClient is
// forgotten (its bucket is full again by then), and the table is swept
// when it holds maxClients.
const (
	idleClient = 10 * time.Minute
	maxClients = 100000
)

func newRateLimiter(perSecond float64) *rateLimiter {
	return &rateLimiter{rate: rate.Limit(perSecond), burst: max(1, int(2*perSecond)), now: time.Now, clients: map[string]*rateClient{}}
}

// allow reports whether the client at addr may make a request now.
func (r *rateLimiter) allow(addr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if len(r.clients) >= maxClients {
		r.sweep(now)
	}
	c := r.clients[addr]
	if c == nil {
		c = &rateClient{lim: rate.NewLimiter(r.rate, r.burst)}
		r.clients[addr] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}

// sweep forgets idle clients; if every client is recent, it forgets all,
// which at worst gives each its burst again.
func (r *rateLimiter) sweep(now time.Time) {
	for a, c := range r.clients {
		if now.Sub(c.seen) > idleClient {
			delete(r.clients, a)
		}
	}
	if len(r.clients) >= maxClients {
		clear(r.clients)
	}
}

// tarpit is how long a request over its client's rate waits for its 429:
// a client flooding the node over keep-alive connections then gets at
// most one answer a second per connection, and a client address holds at
// most limits.conns_per_client connections, so the flood's cost to the
// node is bounded whatever the client's speed.
var tarpit = time.Second

// tooMany answers a request over its client's rate, after the tarpit.
func tooMany(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(tarpit):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Retry-After", "1")
	http.Error(w, "too many requests from this address", http.StatusTooManyRequests)
}

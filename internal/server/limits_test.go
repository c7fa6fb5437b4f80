package server

import (
	"accord/internal/node"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address src (127.0.0.0/8
// is all loopback), so a test can play several clients.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// alive reports whether the server still holds c open: a closed
// connection reads EOF or a reset at once.
func alive(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return true
	}
	return false
}

// TestSlowClients has one client address open 300 connections to the
// public witness route, each sending its headers and one byte of a body
// it never finishes: the node keeps at most limits.conns_per_client of
// them, and the operator, from another address, is served meanwhile.
func TestSlowClients(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.configure(func(c *node.Config) { c.Limits.ConnsPerClient = 16 })
	usa.start()
	var conns []net.Conn
	for range 300 {
		c := dialFrom(t, "127.0.0.2", usa.addr)
		fmt.Fprintf(c, "POST /witness/add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx")
		conns = append(conns, c)
		defer c.Close()
	}
	open := 0
	for _, c := range conns {
		if alive(c) {
			open++
		}
	}
	if open > 16 {
		t.Errorf("%d of 300 slow connections from one address held open, want at most 16", open)
	}
	usa.sendNotifications("newstart")
}

// TestReadTimeout checks that a request whose body trickles in is cut off
// after the read timeout, whatever the route.
func TestReadTimeout(t *testing.T) {
	defer func(d time.Duration) { readTimeout = d }(readTimeout)
	readTimeout = 300 * time.Millisecond
	nd, _ := newTestNode(t, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go nd.Serve(ctx, ln)
	c := dialFrom(t, "127.0.0.1", ln.Addr().String())
	defer c.Close()
	fmt.Fprintf(c, "POST /witness/add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	start := time.Now()
	for i := 0; ; i++ {
		if _, err := c.Write([]byte("x")); err != nil {
			break
		}
		if !alive(c) {
			break
		}
		if time.Since(start) > time.Minute {
			t.Fatal("a trickling body was not cut off")
		}
	}
}

// TestPublicRate sends 60 anonymous requests for the checkpoint at once
// from one address: past the burst the node answers 429 with
// Retry-After, while the same requests with a peer's token are all
// answered. A test of the tarpit itself is TestTarpit.
func TestPublicRate(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.configure(func(c *node.Config) { c.Limits.PublicRate = 5 })
	usa.start()
	peerTok := strings.TrimSpace(accord(t, "token", "add", "--data", usa.dir, "--party", "RUS", "--role", "peer"))
	// The requests go at once, each on its connection: a request over
	// the rate waits a second (the tarpit) for its 429.
	count := func(src, tok string) (ok, limited int) {
		cl := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 100, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}).DialContext(ctx, network, addr)
		}}}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 60 {
			wg.Go(func() {
				req, _ := http.NewRequest("GET", usa.url()+"log/checkpoint", nil)
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				resp, err := cl.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				defer mu.Unlock()
				switch resp.StatusCode {
				case 200:
					ok++
				case 429:
					limited++
					if resp.Header.Get("Retry-After") == "" {
						t.Error("429 without Retry-After")
					}
				}
			})
		}
		wg.Wait()
		return ok, limited
	}
	if ok, limited := count("127.0.0.3", ""); limited == 0 || ok < 10 {
		t.Errorf("anonymous: %d answered, %d limited; want the burst of 10 answered and the rest limited", ok, limited)
	}
	if ok, limited := count("127.0.0.4", peerTok); limited != 0 || ok != 60 {
		t.Errorf("with a peer's token: %d answered, %d limited", ok, limited)
	}
	// Another address has its own budget.
	if ok, _ := count("127.0.0.5", ""); ok < 10 {
		t.Errorf("another address: %d answered", ok)
	}
}

// TestFactSheetCache asks for the public fact sheet repeatedly: it is
// computed once per date, format and state of the logs (Cache-Status),
// computed again once a notification changes the treaty database, and
// computations beyond limits.public_work at once are answered 503.
func TestFactSheetCache(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.configure(func(c *node.Config) {
		c.Limits.PublicWork, c.Limits.PublicRate, c.Limits.SheetRefresh = 1, 1000, time.Millisecond
	})
	usa.start()
	usa.sendNotifications("newstart")
	status := func(path string) (int, string, []byte) {
		resp, err := usa.do("GET", path, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header.Get("Cache-Status"), resp.Body
	}
	_, first, a := status("factsheet?as_of=2011-09-01&format=csv")
	_, second, b := status("factsheet?as_of=2011-09-01&format=csv")
	if !strings.Contains(first, "miss") || second != "accord; hit" || string(a) != string(b) {
		t.Fatalf("two requests for one sheet: %q then %q, same body %v", first, second, string(a) == string(b))
	}
	// A date between two exchanges is answered by the sheet of the
	// exchange before it: the same sheet, from the cache.
	if _, st, c := status("factsheet?as_of=2011-10-15&format=csv"); st != "accord; hit" || string(c) != string(a) {
		t.Errorf("a date after the exchange of 2011-09-01: %q, same sheet %v", st, string(c) == string(a))
	}
	if _, st, _ := status("factsheet?as_of=2011-09-01&format=json"); !strings.Contains(st, "miss") {
		t.Errorf("another format: %q", st)
	}
	usa.mustNotify(`{"type":"change_in_data","effective":"2011-06-01","items":[{"uid":"USA-M2","status":"deployed","warheads":1}]}`)
	if _, st, _ := status("factsheet?as_of=2011-09-01&format=csv"); !strings.Contains(st, "miss") {
		t.Errorf("after a notification: %q, want a new computation", st)
	}
	// Many dates at once, one computation slot: some are refused.
	codes := make(chan int, 40)
	for i := range 40 {
		go func() {
			c, _, _ := status(fmt.Sprintf("factsheet?as_of=2012-%02d-%02d&format=json", 1+i%12, 1+i/12))
			codes <- c
		}()
	}
	busy := 0
	for range 40 {
		switch c := <-codes; c {
		case 503:
			busy++
		case 200:
		default:
			t.Errorf("status %d", c)
		}
	}
	t.Logf("40 concurrent sheets, one slot: %d answered 503", busy)
}

// TestSheetWork checks the bound on computations: with every slot taken
// a request is answered 503 with Retry-After, and a released slot is
// taken again.
func TestSheetWork(t *testing.T) {
	c := newSheetCache(2, time.Second)
	var rels []func()
	for range 2 {
		rel, ok := c.acquire(httptest.NewRecorder())
		if !ok {
			t.Fatal("a free slot refused")
		}
		rels = append(rels, rel)
	}
	rec := httptest.NewRecorder()
	if _, ok := c.acquire(rec); ok || rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("third computation: ok %v, %d", ok, rec.Code)
	}
	rels[0]()
	if _, ok := c.acquire(httptest.NewRecorder()); !ok {
		t.Fatal("a released slot refused")
	}
}

// TestPublicWork checks that the dashboard's public fact sheets run
// within the same limit on public computations as GET /factsheet: with
// every slot taken the handler is not called and the answer is 503.
func TestPublicWork(t *testing.T) {
	s := &Server{sheets: newSheetCache(1, time.Second)}
	release, _ := s.sheets.acquire(httptest.NewRecorder())
	called := false
	h := s.publicWork(func(http.ResponseWriter, *http.Request) { called = true })
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest("GET", "/factsheet.json", nil))
	if called || rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("slot taken: handler called %v, %d", called, rec.Code)
	}
	release()
	h(httptest.NewRecorder(), httptest.NewRequest("GET", "/factsheet.json", nil))
	if !called {
		t.Fatal("a free slot: handler not called")
	}
}

// TestTarpit checks that a request over its client's rate waits the
// tarpit before its 429, and that a client that gives up frees the
// handler at once.
func TestTarpit(t *testing.T) {
	defer func(d time.Duration) { tarpit = d }(tarpit)
	tarpit = time.Hour
	rec := httptest.NewRecorder()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { tooMany(rec, httptest.NewRequest("GET", "/log/checkpoint", nil).WithContext(ctx)); close(done) }()
	select {
	case <-done:
		t.Fatal("answered before the tarpit")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	<-done
	tarpit = 0
	rec = httptest.NewRecorder()
	tooMany(rec, httptest.NewRequest("GET", "/log/checkpoint", nil))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
}

// TestSheetRefresh checks that a sheet computed at other positions is
// served, marked stale, for limits.sheet_refresh after it was computed,
// and not after.
func TestSheetRefresh(t *testing.T) {
	c := newSheetCache(1, 10*time.Second)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	k := sheetKey{"2020-09-01", "csv"}
	c.put("a=1;", k, []byte("sheet"))
	if b, current, ok := c.get("a=1;", k); !ok || !current || string(b) != "sheet" {
		t.Fatal("same positions: not a current hit")
	}
	now = now.Add(9 * time.Second)
	if _, current, ok := c.get("a=2;", k); !ok || current {
		t.Fatal("moved positions within the refresh: not a stale hit")
	}
	now = now.Add(time.Second)
	if _, _, ok := c.get("a=2;", k); ok {
		t.Fatal("moved positions after the refresh: still served")
	}
}

package server

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestLoad measures what an anonymous flood of the public routes costs
// the operator: the latency of the operator's notifications (p50, p95)
// alone, then while four client addresses ask for fact sheets of
// changing dates, the checkpoint and hash tiles as fast as they can and
// one more holds 200 connections trickling bodies to the witness. It
// reports the figures and their ratio; it asserts nothing about time.
// It is a measurement, not a unit test: ACCORD_LOAD=1 runs it, and
// ACCORD_LOAD_ENTRIES sets the size of the treaty database (default
// 20000 entries).
//
//	ACCORD_LOAD=1 go test ./internal/node -run TestLoad -v
func TestLoad(t *testing.T) {
	if os.Getenv("ACCORD_LOAD") == "" {
		t.Skip("a measurement: ACCORD_LOAD=1 runs it")
	}
	entries := 20000
	if s := os.Getenv("ACCORD_LOAD_ENTRIES"); s != "" {
		entries, _ = strconv.Atoi(s)
	}
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	fillLog(t, usa.dir, entries)
	usa.start()
	if os.Getenv("ACCORD_LOAD_PIN") != "" {
		pin(t, usa)
	}
	base := operatorLatencies(t, usa, 0, 30)
	ctx, cancel := context.WithCancel(t.Context())
	counts := flood(ctx, usa)
	time.Sleep(time.Second) // let the flood build up
	loaded := operatorLatencies(t, usa, 30, 30)
	cancel()
	p := func(ds []time.Duration, q float64) time.Duration { return ds[int(q*float64(len(ds)-1))] }
	t.Logf("treaty database of %d entries; flood answered: %v", entries, counts())
	t.Logf("operator alone:      p50 %v  p95 %v", p(base, .5), p(base, .95))
	t.Logf("operator with flood: p50 %v  p95 %v", p(loaded, .5), p(loaded, .95))
	t.Logf("p95 ratio (flood / alone): %.2f", float64(p(loaded, .95))/float64(p(base, .95)))
}

// operatorLatencies sends n change notifications and returns their
// latencies, sorted.
func operatorLatencies(t *testing.T, p *proc, from, n int) []time.Duration {
	if from == 0 {
		p.mustNotify(`{"type":"initial_data","effective":"2011-02-05","items":[{"uid":"L-0","type":"Minuteman III","category":"icbm","status":"non_deployed","facility":"Hill"}]}`)
	}
	var ds []time.Duration
	for i := from; i < from+n; i++ {
		from, to := []string{"Hill", "Malmstrom"}[i%2], []string{"Malmstrom", "Hill"}[i%2]
		start := time.Now()
		p.mustNotify(fmt.Sprintf(`{"type":"movement","effective":"2011-03-%02d","items":[{"uid":"L-0"}],"from":%q,"to":%q}`, 1+i/3%28, from, to))
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return ds
}

// flood runs the anonymous clients until ctx ends; the returned function
// counts their answers by status.
func flood(ctx context.Context, p *proc) func() map[int]int {
	var mu sync.Mutex
	counts := map[int]int{}
	for i, path := range []string{"factsheet?format=json&as_of=2012-01-%02d", "factsheet?format=csv&as_of=2013-02-%02d", "log/checkpoint", "log/tile/0/000.p/%d"} {
		src := fmt.Sprintf("127.0.1.%d", 1+i)
		cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}).DialContext(ctx, network, addr)
		}}}
		go func() {
			for k := 0; ctx.Err() == nil; k++ {
				u := p.url() + path
				if k := 1 + k%28; path != "log/checkpoint" {
					u = fmt.Sprintf(p.url()+path, k)
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
				resp, err := cl.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				counts[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range 200 {
			c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.1.9")}}).DialContext(ctx, "tcp", p.addr)
			if err != nil {
				continue
			}
			fmt.Fprintf(c, "POST /witness/add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx")
			conns = append(conns, c)
		}
		<-ctx.Done()
	}()
	return func() map[int]int {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(counts)
	}
}

// pin runs the node's process on CPU 0 and this test process on the
// others.
func pin(t *testing.T, p *proc) {
	n := runtime.NumCPU()
	if n < 2 {
		t.Skip("ACCORD_LOAD_PIN needs two cores")
	}
	for _, args := range [][]string{
		{"-a", "-p", "-c", "0", strconv.Itoa(p.cmd.Process.Pid)},
		{"-a", "-p", "-c", fmt.Sprintf("1-%d", n-1), strconv.Itoa(os.Getpid())},
	} {
		if out, err := exec.Command("taskset", args...).CombinedOutput(); err != nil {
			t.Fatalf("taskset %v: %v\n%s", args, err, out)
		}
	}
}

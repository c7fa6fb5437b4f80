package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"accord/internal/ledger"
)

// client reaches the nodes on loopback; a node that takes longer than this
// to answer one request is stuck.
var client = &http.Client{Timeout: 10 * time.Second}

// Timeouts of starting the nodes. A node answers its health check within
// a second of starting; catching up with the others takes a few seconds
// per thousand entries, bounded here so that a stuck demo says so.
const (
	startTimeout = 30 * time.Second
	syncTimeout  = 5 * time.Minute
	pollEvery    = 200 * time.Millisecond
)

// Start runs `accord serve` for every party as a child process (exe is
// the accord binary) and waits until each node has verified and ingested
// every other party's log. The processes stop when ctx ends; Wait waits
// for them.
func (d *Demo) Start(ctx context.Context, exe string) error {
	for _, p := range d.Nodes {
		if err := p.start(ctx, exe); err != nil {
			return err
		}
	}
	for _, p := range d.Nodes {
		if err := p.waitHealthy(ctx); err != nil {
			return err
		}
	}
	if err := d.waitSynced(ctx); err != nil {
		return err
	}
	return d.warmDashboard(ctx)
}

// dashboardTimeout bounds how long the first party's dashboard may take
// to draw its overview and history for the first time.
const dashboardTimeout = 2 * time.Minute

// warmDashboard opens the first party's dashboard, as the link the demo
// prints does, and asks for its overview and its history, so that the
// node has counted every party on every data-exchange date before the
// demo says it is ready: the visitor's first pages are drawn from the
// node's caches (web.Dashboard.Warm).
func (d *Demo) warmDashboard(ctx context.Context) error {
	d.progress("the first node counting every party on every data-exchange date for its dashboard", 0, 1)
	p := d.Nodes[0]
	l, err := p.Node.AddLogin(time.Now(), dashboardTimeout)
	if err != nil {
		return err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	c := &http.Client{Timeout: dashboardTimeout, Jar: jar}
	for _, path := range []string{"login?code=" + l.Code, "history"} {
		if err := getPage(ctx, c, p.url()+path); err != nil {
			return fmt.Errorf("%s's dashboard: %w", p.ID, err)
		}
	}
	d.progress("the first node counting every party on every data-exchange date for its dashboard", 1, 1)
	return nil
}

// getPage gets a page of a dashboard and reads it through.
func getPage(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
	}
	return nil
}

// Wait waits until every node process has exited.
func (d *Demo) Wait() {
	for _, p := range d.Nodes {
		if p.exited != nil {
			<-p.exited
		}
	}
}

func (p *Party) start(ctx context.Context, exe string) error {
	logf, err := os.OpenFile(filepath.Join(p.Dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, exe, "serve", "--data", p.Dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s's node: %w", p.ID, err)
	}
	p.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	return nil
}

func (p *Party) url() string { return "http://" + p.Addr + "/" }

func (p *Party) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := client.Get(p.url() + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s's node exited: see %s", p.ID, filepath.Join(p.Dir, "serve.log"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s's node did not answer within %s: see %s", p.ID, startTimeout, filepath.Join(p.Dir, "serve.log"))
		}
	}
}

// peerStatus is the part of GET /v1/peers the demo reads.
type peerStatus struct {
	Peers []struct {
		Party     string `json:"party"`
		Verified  uint64 `json:"verified"`
		Acked     uint64 `json:"acknowledged"`
		LastError string `json:"last_error"`
	} `json:"peers"`
}

// waitSynced waits until every node has verified and ingested the log of
// every other party, as far as each log's checkpoint when the wait began.
func (d *Demo) waitSynced(ctx context.Context) error {
	sizes := map[string]uint64{}
	var total uint64
	for _, p := range d.Nodes {
		cp, _, err := ledger.ReadCheckpoint(ctx, p.Node.Source(), p.Node.Verifier)
		if err != nil {
			return err
		}
		sizes[p.ID] = cp.Size
		total += cp.Size * uint64(len(d.Nodes)-1)
	}
	deadline := time.Now().Add(syncTimeout)
	for {
		done, lastErr, err := d.synced(sizes)
		if err != nil {
			return err
		}
		d.progress("nodes verifying and ingesting each other's logs", int(done), int(total))
		if done == total {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nodes not in step after %s (%d of %d entries): %s", syncTimeout, done, total, lastErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// synced adds up, over every node and peer, the entries ingested up to
// the sizes given, and returns the last error a follower reported.
func (d *Demo) synced(sizes map[string]uint64) (done uint64, lastErr string, err error) {
	for _, p := range d.Nodes {
		var st peerStatus
		if err := p.getJSON("v1/peers", &st); err != nil {
			return 0, "", fmt.Errorf("%s's node: %w", p.ID, err)
		}
		for _, q := range st.Peers {
			done += min(q.Acked, sizes[q.Party])
			if q.LastError != "" {
				lastErr = q.Party + " as seen by " + p.ID + ": " + q.LastError
			}
		}
	}
	return done, lastErr, nil
}

func (p *Party) getJSON(path string, v any) error {
	req, err := http.NewRequest(http.MethodGet, p.url()+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.Operator)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sync/errgroup"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/pgtest"
)

// accordBin is the accord binary the network tests run, built once.
var accordBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "accord-bin-")
	if err != nil {
		panic(err)
	}
	accordBin = filepath.Join(dir, "accord")
	out, err := exec.Command("go", "build", "-o", accordBin, "accord/cmd/accord").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building accord: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	pgtest.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitTimeout bounds every wait for the network to reach a state; it is
// a deadline for a test that hangs, not a measurement.
const waitTimeout = 20 * time.Second

// proc is one accord serve process of a test network.
type proc struct {
	t        *testing.T
	party    string
	dir      string
	addr     string
	operator string // the operator's bearer token
	cmd      *exec.Cmd
	exited   chan struct{}
	tls      *tls.Config // for a node serving HTTPS, the client's configuration
	flags    []string    // accord serve's flags besides --data
}

func (p *proc) url() string {
	if p.tls != nil {
		return "https://" + p.addr + "/"
	}
	return "http://" + p.addr + "/"
}

// client returns an HTTP client that trusts p's certificate.
func (p *proc) client() *http.Client {
	if p.tls == nil {
		return http.DefaultClient
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: p.tls}}
}

// accord runs the accord binary and returns its stdout.
func accord(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(accordBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("accord %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// newNetwork creates a node per party in treatyID, each peering with all
// the others (tokens exchanged, keys configured), without starting them.
func newNetwork(t *testing.T, treatyID string, parties ...string) []*proc {
	root := t.TempDir()
	var ps []*proc
	for _, party := range parties {
		p := &proc{t: t, party: party, dir: filepath.Join(root, strings.ToLower(party)), addr: freeAddr(t)}
		accord(t, "init", "--party", party, "--treaty", treatyID, "--data", p.dir)
		p.operator = strings.TrimSpace(accord(t, "token", "add", "--data", p.dir, "--party", party, "--role", "operator"))
		ps = append(ps, p)
	}
	for _, p := range ps {
		var peers []node.Peer
		for _, q := range ps {
			if q == p {
				continue
			}
			tok := accord(t, "token", "add", "--data", q.dir, "--party", p.party, "--role", "peer")
			tf := filepath.Join("peers", q.party+".token")
			os.MkdirAll(filepath.Join(p.dir, "peers"), 0o755)
			if err := os.WriteFile(filepath.Join(p.dir, tf), []byte(tok), 0o600); err != nil {
				t.Fatal(err)
			}
			peers = append(peers, node.Peer{Party: q.party, URL: q.url(), LogVKey: readKey(t, q.dir, node.VKeyFile),
				WitnessVKey: readKey(t, q.dir, node.WitnessVKeyFile), TokenFile: tf})
		}
		p.configure(func(c *node.Config) { c.Peers = peers })
	}
	return ps
}

// configure edits a node's accord.yaml, with test timings.
func (p *proc) configure(edit func(*node.Config)) {
	path := filepath.Join(p.dir, node.ConfigFile)
	c, err := node.LoadConfig(path)
	if err != nil {
		p.t.Fatal(err)
	}
	c.Listen = p.addr
	c.Sync = node.SyncConfig{Interval: 20 * time.Millisecond, Timeout: 2 * time.Second, MaxBackoff: 200 * time.Millisecond}
	c.Witness.Timeout = time.Second
	// Every process of a test shares 127.0.0.1: tests of the limits set
	// their own.
	c.Limits.ConnsPerClient = 10000
	edit(c)
	if err := os.WriteFile(path, c.Marshal(), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func readKey(t *testing.T, dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// start runs accord serve and waits until it answers /healthz.
func (p *proc) start() {
	p.t.Helper()
	logf, err := os.OpenFile(filepath.Join(p.dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(accordBin, append([]string{"serve", "--data", p.dir}, p.flags...)...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.exited = make(chan struct{})
	go func() { p.cmd.Wait(); logf.Close(); close(p.exited) }()
	p.t.Cleanup(p.kill)
	p.waitFor("healthz", func() bool {
		resp, err := p.client().Get(p.url() + "healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}

// stop ends the process gracefully; kill with SIGKILL.
func (p *proc) stop() { p.signal(syscall.SIGTERM) }
func (p *proc) kill() { p.signal(syscall.SIGKILL) }

func (p *proc) signal(s syscall.Signal) {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGCONT) // a stopped process must run to die gracefully
	p.cmd.Process.Signal(s)
	<-p.exited
}

// waitFor polls cond until it holds, failing the test after waitTimeout.
func (p *proc) waitFor(what string, cond func() bool) {
	p.t.Helper()
	waitFor(p.t, p.party+": "+what, cond)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // a polling period, not a timing assumption
	}
}

// declare appends n declarations to p's log through the operator API,
// up to 64 at a time.
func (p *proc) declare(n int) {
	p.t.Helper()
	var g errgroup.Group
	g.SetLimit(64)
	for i := range n {
		g.Go(func() error {
			body := fmt.Sprintf(`{"party":%q,"effective":"2023-09-01","body":{"aggregates":[{"as_of":"2023-09-01","party":%[1]q,"values":{"warheads":%d}}]}}`, p.party, i)
			resp, err := p.do("POST", "v1/declarations", p.operator, body)
			if err == nil && resp.StatusCode != http.StatusCreated {
				err = fmt.Errorf("%s: %s", resp.Status, resp.Body)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		p.t.Fatalf("declaring: %v", err)
	}
}

// do sends a request with an optional bearer token and reads the body.
func (p *proc) do(method, path, token, body string) (*response, error) {
	req, err := http.NewRequest(method, p.url()+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return &response{Status: resp.Status, StatusCode: resp.StatusCode, Header: resp.Header, Body: b}, err
}

type response struct {
	Status     string
	StatusCode int
	Header     http.Header
	Body       []byte
}

// logEntries reads and verifies the node's own log.
func (p *proc) logEntries() (*ledger.Verified, []ledger.Record) {
	p.t.Helper()
	return readLog(p.t, filepath.Join(p.dir, node.LogDir), p.verifier())
}

func (p *proc) verifier() note.Verifier {
	v, err := note.NewVerifier(readKey(p.t, p.dir, node.VKeyFile))
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

func readLog(t *testing.T, dir string, v note.Verifier) (*ledger.Verified, []ledger.Record) {
	t.Helper()
	res, err := ledger.Verify(context.Background(), ledger.DirSource(dir), v, nil)
	if err != nil {
		t.Fatalf("verifying %s: %v", dir, err)
	}
	var recs []ledger.Record
	err = ledger.Entries(context.Background(), ledger.DirSource(dir), v, res.Checkpoint.Size, func(r ledger.Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, recs
}

// acks returns how many times p's log acknowledges each entry of origin.
func (p *proc) acks(origin string) map[uint64]int {
	_, recs := p.logEntries()
	out := map[uint64]int{}
	for _, r := range recs {
		if r.Entry.Kind != entry.Acknowledgement {
			continue
		}
		a, err := body.ParseAcknowledgement(r.Entry.Body)
		if err != nil {
			p.t.Fatalf("acknowledgement %d: %v", r.Index, err)
		}
		if a.Entry.Origin == origin {
			out[a.Entry.Index]++
		}
	}
	return out
}

// status reads the operator's view of the followers.
func (p *proc) peerStatus() map[string]map[string]any {
	resp, err := p.do("GET", "v1/peers", p.operator, "")
	if err != nil || resp.StatusCode != 200 {
		return nil
	}
	var s struct{ Peers []map[string]any }
	json.Unmarshal(resp.Body, &s)
	out := map[string]map[string]any{}
	for _, st := range s.Peers {
		out[st["party"].(string)] = st
	}
	return out
}

// size returns the size of p's own published log.
func (p *proc) size() uint64 {
	cp, _, err := ledger.ReadCheckpoint(context.Background(), ledger.DirSource(filepath.Join(p.dir, node.LogDir)), p.verifier())
	if err != nil {
		p.t.Fatal(err)
	}
	return cp.Size
}

// converged reports whether every node holds a verified copy of every
// other node's whole log, identical to it, and acknowledges each of its
// non-acknowledgement entries exactly once.
func converged(t *testing.T, ps []*proc) bool {
	for _, p := range ps {
		for _, q := range ps {
			if p != q && !p.holds(q) {
				return false
			}
		}
	}
	return true
}

// holds reports whether p's copy of q's log is all of q's log, and p
// acknowledges every entry of it that needs it, once.
func (p *proc) holds(q *proc) bool {
	mirror := filepath.Join(p.dir, node.PeersDir, q.party, node.LogDir)
	if _, err := os.Stat(filepath.Join(mirror, "checkpoint")); err != nil {
		debugf(p.t, "%s: no copy of %s yet", p.party, q.party)
		return false
	}
	want, wantRecs := q.logEntries()
	got, _ := readLog(p.t, mirror, q.verifier())
	if got.Checkpoint.Size != want.Checkpoint.Size || !bytes.Equal(got.Checkpoint.Hash, want.Checkpoint.Hash) {
		debugf(p.t, "%s: copy of %s has %d entries, %s has %d", p.party, q.party, got.Checkpoint.Size, q.party, want.Checkpoint.Size)
		return false
	}
	acks := p.acks(q.verifier().Name())
	for _, r := range wantRecs {
		n := acks[r.Index]
		if n > 1 {
			p.t.Fatalf("%s acknowledges %s#%d %d times", p.party, q.party, r.Index, n)
		}
		if (r.Entry.Kind == entry.Acknowledgement) != (n == 0) {
			debugf(p.t, "%s: acknowledges %s#%d %d times", p.party, q.party, r.Index, n)
			return false
		}
	}
	return true
}

// debugf logs why the network has not converged, when ACCORD_DEBUG is set.
func debugf(t *testing.T, format string, args ...any) {
	if os.Getenv("ACCORD_DEBUG") != "" {
		t.Logf(format, args...)
	}
}

package office

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accord/internal/node"
)

// stalledWitness accepts connections and never answers, until closed.
type stalledWitness struct {
	ln    net.Listener
	conns chan net.Conn
}

func newStalledWitness(t *testing.T) *stalledWitness {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &stalledWitness{ln: ln, conns: make(chan net.Conn, 100)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			w.conns <- c
		}
	}()
	return w
}

// release closes the listener and every connection it accepted, so the
// node's witness requests fail at once.
func (w *stalledWitness) release() {
	w.ln.Close()
	for {
		select {
		case c := <-w.conns:
			c.Close()
		default:
			return
		}
	}
}

// newStalledOffice is newTestOffice for a USA node whose only peer, RUS,
// is a witness that never answers, with a witness timeout of a minute.
func newStalledOffice(t *testing.T, w *stalledWitness) *Office {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	usa, rus := filepath.Join(root, "usa"), filepath.Join(root, "rus")
	initNode(t, ctx, usa, "newstart", "USA")
	initNode(t, ctx, rus, "newstart", "RUS")
	path := filepath.Join(usa, node.ConfigFile)
	c, err := node.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	c.Peers = []node.Peer{{Party: "RUS", URL: "http://" + w.ln.Addr().String() + "/",
		LogVKey: readKey(t, rus, node.VKeyFile), WitnessVKey: readKey(t, rus, node.WitnessVKeyFile)}}
	c.Witness.Timeout = time.Minute
	if err := os.WriteFile(path, c.Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := Open(ctx, usa, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(ctx) })
	now := time.Date(2011, 2, 5, 12, 0, 0, 0, time.UTC)
	o.Clock = func() time.Time { now = now.Add(time.Minute); return now }
	return o
}

func readKey(t *testing.T, dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestStalledWitness has a peer's witness accept connections and never
// answer while the party sends two notifications at once: both are
// sequenced and in the treaty database while the first still waits for
// its checkpoint, so a stalled peer cannot hold the office's lock; once
// the witness fails, both are published.
func TestStalledWitness(t *testing.T) {
	w := newStalledWitness(t)
	o := newStalledOffice(t, w)
	done := make(chan error, 2)
	for i, uid := range []string{"MM3-0001", "MM3-0002"} {
		go func() {
			_, err := notify(t, o, "initial_data", "2011-02-05", item(uid, "MM-III", "icbm", "deployed", "Malmstrom", 1+i))
			done <- err
		}()
	}
	deadline := time.Now().Add(30 * time.Second) // far below the witness timeout
	for logSize(t, o) < 2 {
		select {
		case err := <-done:
			t.Fatalf("a notification returned while the witness stalls: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 2 notifications sequenced while the first waits for a stalled witness", logSize(t, o))
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.release()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

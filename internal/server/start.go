package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/peer"
)

// start opens the log, the witness and the followers.
func (n *Server) start(ctx context.Context) (*services, error) {
	l, err := n.OpenLog(ctx)
	if err != nil {
		return nil, err
	}
	svc := &services{log: l}
	if n.treaty != nil {
		n.treaty.UseLog(l)
	}
	if err := n.startPeers(ctx, svc); err != nil {
		l.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	n.svc.Store(svc)
	return svc, nil
}

func (n *Server) startPeers(ctx context.Context, svc *services) error {
	var logs []note.Verifier
	for _, p := range n.Config.Peers {
		v, err := note.NewVerifier(p.LogVKey)
		if err != nil {
			return err
		}
		logs = append(logs, v)
	}
	w, err := n.NewWitness(logs)
	if err != nil {
		return err
	}
	if err := n.awaitPublished(ctx); err != nil {
		return err
	}
	done := map[string]uint64{}
	for i, p := range n.Config.Peers {
		if done[logs[i].Name()], err = peer.Recorded(filepath.Join(n.Dir, node.PeersDir, p.Party)); err != nil {
			return err
		}
	}
	acked, err := peer.ReadAcks(ctx, n.Source(), n.Verifier, done)
	if err != nil {
		return err
	}
	cfgs, err := n.peerConfigs(svc, acked)
	if err != nil {
		return err
	}
	set, err := peer.NewSet(cfgs, n.Origin(), filepath.Join(n.Dir, node.EvidenceDir), n.Logger)
	if err != nil {
		return err
	}
	svc.witness, svc.peers = w, set
	return nil
}

// peerConfigs returns a follower configuration per configured peer.
func (n *Server) peerConfigs(svc *services, acked *peer.AckIndex) ([]peer.Config, error) {
	client, err := n.HTTPClient()
	if err != nil {
		return nil, err
	}
	var acks peer.Appender
	if !n.Config.Silent {
		acks = svc.log
	}
	var cfgs []peer.Config
	for _, p := range n.Config.Peers {
		v, _ := note.NewVerifier(p.LogVKey) // validated with the configuration
		u, _ := url.Parse(strings.TrimSuffix(p.URL, "/") + "/")
		tok, err := n.PeerToken(p)
		if err != nil {
			return nil, err
		}
		cfgs = append(cfgs, peer.Config{
			Party: p.Party, Log: v, LogVKey: p.LogVKey, URL: u, Token: tok, Client: client,
			Dir:      filepath.Join(n.Dir, node.PeersDir, p.Party),
			Interval: n.Config.Sync.Interval, MaxBackoff: n.Config.Sync.MaxBackoff,
			Ingester: n.ingester(), Acks: acks, Acked: acked, Node: n.Origin(), Logger: n.Logger,
		})
	}
	return cfgs, nil
}

// stop closes the log once the node stops serving.
func (n *Server) stop(svc *services) {
	n.svc.Store(nil)
	if err := svc.log.Close(context.Background()); err != nil {
		n.Logger.Error("closing log", "err", err)
	}
}

// awaitPublished waits until the own log's published checkpoint covers
// every entry the log holds. Entries appended before a crash may be
// sequenced but not yet published; the log publishes them soon after it
// opens, and the acknowledgements among them must be read before the
// followers start, or they would acknowledge those entries again.
//
// The size of the tree the log holds is Tessera's POSIX tree state
// (DIR/log/.state/treeState), which package ledger does not expose; if it
// cannot be read, the node starts without waiting.
func (n *Server) awaitPublished(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(n.Dir, node.LogDir, ".state", "treeState"))
	var st struct {
		Size uint64 `json:"size"`
	}
	if err != nil || json.Unmarshal(b, &st) != nil {
		n.Logger.WarnContext(ctx, "cannot read the log's tree state; acknowledgements not yet published may be repeated", "err", err)
		return nil
	}
	// A checkpoint is published within a checkpoint interval, after the
	// witnesses answer or time out; the rest is slack for a busy machine.
	timeout := n.Config.Witness.Timeout + 2*n.Config.Log.CheckpointInterval + 10*time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		cp, _, err := ledger.ReadCheckpoint(ctx, n.Source(), n.Verifier)
		if err == nil && cp.Size >= st.Size {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the own log holds %d entries, but its checkpoint was not published within %v: %w", st.Size, timeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// ingester is what the followers hand verified peer entries to: the
// treaty office, which applies them before they are acknowledged; none
// on a server of the log alone.
func (n *Server) ingester() peer.Ingester {
	if n.treaty == nil {
		return nil
	}
	return n.treaty
}

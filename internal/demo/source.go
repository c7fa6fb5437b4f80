package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"accord/internal/evidencedir"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/treaty"
	"accord/internal/web"
)

// Banner is what the dashboard says on every page of the demo.
const Banner = "Demonstration: item-level data simulated, calibrated to the published New START aggregates; treaty events and dates are real."

// Source is what a party's node shows on the dashboard: its treaty
// database, the logs it holds and their proofs. It implements web.Source.
type Source struct {
	office *office.Office
	logs   []heldLog
	banner string
	now    func() time.Time
}

// heldLog is one log a node holds: its own, or a peer's verified copy.
type heldLog struct {
	party     string
	src       ledger.Source
	v         note.Verifier
	vkey      string
	witnesses []note.Verifier // the other parties' witness keys
}

// NewSource opens the dashboard's view of party p's node. banner is shown
// on every page (empty for real data).
func NewSource(ctx context.Context, n *node.Node, banner string) (*Source, error) {
	o, err := office.OpenNode(ctx, n)
	if err != nil {
		return nil, err
	}
	s := &Source{office: o, banner: banner, now: time.Now}
	if err := s.collect(n); err != nil {
		o.Close(ctx)
		return nil, err
	}
	return s, nil
}

// Close closes the treaty database.
func (s *Source) Close(ctx context.Context) error { return s.office.Close(ctx) }

func (s *Source) collect(n *node.Node) error {
	own, err := os.ReadFile(filepath.Join(n.Dir, node.VKeyFile))
	if err != nil {
		return err
	}
	keys := map[string]string{n.Config.Party: string(own)}
	srcs := map[string]ledger.Source{n.Config.Party: n.Source()}
	var witnesses []note.Verifier
	for _, p := range n.Config.Peers {
		keys[p.Party] = p.LogVKey
		srcs[p.Party] = ledger.DirSource(filepath.Join(n.Dir, node.PeersDir, p.Party, node.LogDir))
		w, err := fnote.NewVerifierForCosignatureV1(p.WitnessVKey)
		if err != nil {
			return fmt.Errorf("peer %s: witness_vkey: %w", p.Party, err)
		}
		witnesses = append(witnesses, w)
	}
	for _, party := range append([]string{n.Config.Party}, peerParties(n)...) {
		v, err := note.NewVerifier(trim(keys[party]))
		if err != nil {
			return fmt.Errorf("log key of %s: %w", party, err)
		}
		s.logs = append(s.logs, heldLog{party: party, src: srcs[party], v: v, vkey: trim(keys[party]), witnesses: witnesses})
	}
	return nil
}

func peerParties(n *node.Node) []string {
	var out []string
	for _, p := range n.Config.Peers {
		out = append(out, p.Party)
	}
	return out
}

func trim(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}

func (s *Source) Treaty() *treaty.Treaty       { return s.office.Treaty }
func (s *Source) Registry() *registry.Registry { return s.office.Registry }
func (s *Source) Now() time.Time               { return s.now() }
func (s *Source) Simulated() string            { return s.banner }

// Sync brings the treaty database up to date with the logs.
func (s *Source) Sync(ctx context.Context) error { return s.office.Sync(ctx) }

// Logs describes the node's own log and each peer's verified copy.
func (s *Source) Logs(ctx context.Context) ([]web.LogHealth, error) {
	ev, err := evidencedir.List(filepath.Join(s.office.Node.Dir, node.EvidenceDir))
	if err != nil {
		return nil, err
	}
	var out []web.LogHealth
	for _, l := range s.logs {
		h, err := l.health(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range ev {
			if e.Origin == h.Origin {
				h.Evidence = append(h.Evidence, web.Evidence{File: e.File, Kind: "split view", DetectedAt: e.DetectedAt, Explanation: e.Explanation})
			}
		}
		out = append(out, h)
	}
	return out, nil
}

func (l heldLog) health(ctx context.Context) (web.LogHealth, error) {
	h := web.LogHealth{Origin: l.v.Name(), Party: l.party, VKey: l.vkey}
	cp, signed, err := ledger.ReadCheckpoint(ctx, l.src, l.v)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("log of %s: %w", l.party, err)
	}
	h.Size, h.Checkpoint = cp.Size, signed
	n, err := note.Open(signed, note.VerifierList(append([]note.Verifier{l.v}, l.witnesses...)...))
	if err != nil {
		return h, nil
	}
	for _, sig := range n.Sigs {
		if sig.Name == l.v.Name() {
			continue
		}
		t, _ := fnote.CoSigV1Timestamp(sig)
		h.Cosigners = append(h.Cosigners, web.Cosignature{Name: sig.Name, Time: t})
		if t.After(h.CheckpointTime) {
			h.CheckpointTime = t
		}
	}
	return h, nil
}

// Proof returns a receipt for entry index of the log origin.
func (s *Source) Proof(ctx context.Context, origin string, index uint64) ([]byte, error) {
	for _, l := range s.logs {
		if l.v.Name() != origin {
			continue
		}
		r, err := ledger.Prove(ctx, l.src, l.v, index)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", web.ErrNotFound, err)
		}
		return r.Marshal(), nil
	}
	return nil, fmt.Errorf("%w: no log %s on this node", web.ErrNotFound, origin)
}

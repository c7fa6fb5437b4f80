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
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"

	"accord/internal/evidencedir"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/sim"
	"accord/internal/treaty"
	"accord/internal/web"
)

// Banner is what the dashboard says on every page of the demo.
const Banner = "Demonstration: item-level data simulated, calibrated to the published New START aggregates; treaty events and dates are real."

// Source is what a party's node shows on the dashboard: its treaty
// database, the logs it holds and their proofs. It implements web.Source.
type Source struct {
	office       *office.Office
	logs         []heldLog
	banner       string
	interpolated map[string]map[treaty.Date]bool // by party, by date
	now          func() time.Time
}

// heldLog is one log a node holds: its own, or a peer's verified copy.
type heldLog struct {
	party     string
	dir       string // the log's directory (tlog-tiles layout)
	v         note.Verifier
	vkey      string
	witnesses []note.Verifier // every other party's witness key
}

func (l heldLog) src() ledger.Source { return ledger.DirSource(l.dir) }

// NewSource opens the dashboard's view of party p's node. banner is shown
// on every page (empty for real data); targets are the simulation's, whose
// interpolated values the history draws hollow (nil for real data).
func NewSource(ctx context.Context, n *node.Node, banner string, targets []sim.Target) (*Source, error) {
	o, err := office.OpenNode(ctx, n)
	if err != nil {
		return nil, err
	}
	s := &Source{office: o, banner: banner, now: time.Now, interpolated: map[string]map[treaty.Date]bool{}}
	for _, t := range targets {
		if t.Interpolated {
			if s.interpolated[t.Party] == nil {
				s.interpolated[t.Party] = map[treaty.Date]bool{}
			}
			s.interpolated[t.Party][t.Date] = true
		}
	}
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
	dirs := map[string]string{n.Config.Party: filepath.Join(n.Dir, node.LogDir)}
	// Each log is cosigned by the other parties' witnesses: this node's
	// own witness among them, for every peer's log it holds.
	witnessKeys := map[string]string{n.Config.Party: readKey(n.Dir, node.WitnessVKeyFile)}
	for _, p := range n.Config.Peers {
		keys[p.Party] = p.LogVKey
		dirs[p.Party] = filepath.Join(n.Dir, node.PeersDir, p.Party, node.LogDir)
		witnessKeys[p.Party] = p.WitnessVKey
	}
	for _, party := range append([]string{n.Config.Party}, peerParties(n)...) {
		v, err := note.NewVerifier(trim(keys[party]))
		if err != nil {
			return fmt.Errorf("log key of %s: %w", party, err)
		}
		l := heldLog{party: party, dir: dirs[party], v: v, vkey: trim(keys[party])}
		for witness, k := range witnessKeys {
			if witness == party {
				continue
			}
			w, err := fnote.NewVerifierForCosignatureV1(k)
			if err != nil {
				return fmt.Errorf("witness key of %s: %w", witness, err)
			}
			l.witnesses = append(l.witnesses, w)
		}
		s.logs = append(s.logs, l)
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

// Interpolated reports whether the simulation interpolated party's
// numbers on d, no figure having been published.
func (s *Source) Interpolated(party string, d treaty.Date) bool { return s.interpolated[party][d] }

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
	cp, signed, err := ledger.ReadCheckpoint(ctx, l.src(), l.v)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("log of %s: %w", l.party, err)
	}
	h.Size, h.Checkpoint = cp.Size, signed
	// The checkpoint's file was written when the node published it (its
	// own log) or received it from the peer.
	if fi, err := os.Stat(filepath.Join(l.dir, layout.CheckpointPath)); err == nil {
		h.CheckpointTime = fi.ModTime().UTC()
	}
	n, err := note.Open(signed, note.VerifierList(append([]note.Verifier{l.v}, l.witnesses...)...))
	if err != nil {
		// A cosignature by a known witness that does not verify: the
		// logs page shows the checkpoint's signatures as unverified.
		return h, nil
	}
	for _, sig := range n.Sigs {
		if sig.Name == l.v.Name() {
			continue
		}
		t, _ := fnote.CoSigV1Timestamp(sig)
		h.Cosigners = append(h.Cosigners, web.Cosignature{Name: sig.Name, Time: t})
	}
	return h, nil
}

// Proof returns a receipt for entry index of the log origin.
func (s *Source) Proof(ctx context.Context, origin string, index uint64) ([]byte, error) {
	for _, l := range s.logs {
		if l.v.Name() != origin {
			continue
		}
		r, err := ledger.Prove(ctx, l.src(), l.v, index)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", web.ErrNotFound, err)
		}
		return r.Marshal(), nil
	}
	return nil, fmt.Errorf("%w: no log %s on this node", web.ErrNotFound, origin)
}

package server

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"

	"accord/internal/evidencedir"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/treaty"
	"accord/internal/web"
)

// warmEvery is how often a serving node looks whether its treaty database
// moved (registry.Positions), to compute the dashboard's history again
// once it has: the check is one small query; the history takes seconds
// on a full database, and waits until the database has been still for
// one interval, so that a peer's log being ingested in batches is
// counted once, at its end.
const warmEvery = 2 * time.Second

// openDashboard makes the dashboard of the node's treaty office, with
// what accord.yaml's dashboard section says of its data.
func (s *Server) openDashboard() error {
	v, err := newView(s.Node, s.treaty)
	if err != nil {
		return err
	}
	d, err := web.New(web.Config{View: v, Authorize: s.sessions.valid, Logger: s.Logger})
	if err != nil {
		return err
	}
	s.dash = d
	return nil
}

// serveDashboard serves a page of the dashboard, which checks the
// operator's session itself (web.Config.Authorize) so that a visitor
// without one gets a page saying how to open one.
func (s *Server) serveDashboard(w http.ResponseWriter, r *http.Request) {
	if s.dash == nil {
		web.SetSecurityHeaders(w.Header())
		http.Error(w, "this server has no dashboard: accord serve serves one", http.StatusServiceUnavailable)
		return
	}
	s.dash.ServeHTTP(w, r)
}

// warmDashboard computes the dashboard's history when the server starts
// and again whenever the treaty database moved and then stayed still for
// warmEvery: after a peer's entries are ingested, or a notification is
// logged by the API or by accord notify beside the server. Every page is
// current either way (the dashboard's caches are keyed by the database's
// positions); warming only spares the next visitor the wait.
func (s *Server) warmDashboard(ctx context.Context) error {
	if s.dash == nil {
		return nil
	}
	tick := time.NewTicker(warmEvery)
	defer tick.Stop()
	var warmed, last string
	for {
		pos, err := s.treaty.Registry.Positions(ctx)
		if err == nil && pos != warmed && pos == last {
			if err = s.dash.Warm(ctx); err == nil {
				warmed = pos
			}
		}
		if err != nil && ctx.Err() == nil {
			s.Logger.WarnContext(ctx, "preparing the dashboard's history", "err", err)
		}
		last = pos
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// view is a serving node as its dashboard reads it (web.NodeView): the
// treaty office's database, the node's own log and its verified copies of
// the peers' logs, and accord.yaml's dashboard section.
type view struct {
	office       *office.Office
	logs         []heldLog
	banner       string
	interpolated map[string]map[treaty.Date]bool // by party, by date
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

// newView returns the dashboard's view of node n and its office o.
func newView(n *node.Node, o *office.Office) (*view, error) {
	v := &view{office: o, banner: n.Config.Dashboard.Banner}
	var err error
	if f := n.Config.Dashboard.Interpolated; f != "" {
		if v.interpolated, err = readInterpolated(n.Path(f)); err != nil {
			return nil, fmt.Errorf("accord.yaml: dashboard.interpolated: %w", err)
		}
	}
	if v.logs, err = heldLogs(n); err != nil {
		return nil, err
	}
	return v, nil
}

// readInterpolated reads a CSV file of "party,date" rows, after that
// header.
func readInterpolated(path string) (map[string]map[treaty.Date]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 2
	out := map[string]map[treaty.Date]bool{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		switch {
		case err == io.EOF:
			return out, nil
		case err != nil:
			return nil, fmt.Errorf("%s: %w", path, err)
		case line == 1:
			if rec[0] != "party" || rec[1] != "date" {
				return nil, fmt.Errorf("%s:1: header %q, want \"party,date\"", path, strings.Join(rec, ","))
			}
			continue
		}
		d, err := treaty.ParseDate(rec[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: date: %w", path, line, err)
		}
		if out[rec[0]] == nil {
			out[rec[0]] = map[treaty.Date]bool{}
		}
		out[rec[0]][d] = true
	}
}

// heldLogs lists the node's own log and each peer's verified copy, with
// the keys that check them: each log is cosigned by the other parties'
// witnesses, this node's own among them for every peer's log.
func heldLogs(n *node.Node) ([]heldLog, error) {
	own, err := os.ReadFile(filepath.Join(n.Dir, node.VKeyFile))
	if err != nil {
		return nil, err
	}
	ownWitness, err := os.ReadFile(filepath.Join(n.Dir, node.WitnessVKeyFile))
	if err != nil {
		return nil, err
	}
	parties := []string{n.Config.Party}
	keys := map[string]string{n.Config.Party: strings.TrimSpace(string(own))}
	dirs := map[string]string{n.Config.Party: filepath.Join(n.Dir, node.LogDir)}
	witnessKeys := map[string]string{n.Config.Party: strings.TrimSpace(string(ownWitness))}
	for _, p := range n.Config.Peers {
		parties = append(parties, p.Party)
		keys[p.Party] = p.LogVKey
		dirs[p.Party] = filepath.Join(n.Dir, node.PeersDir, p.Party, node.LogDir)
		witnessKeys[p.Party] = p.WitnessVKey
	}
	var out []heldLog
	for _, party := range parties {
		l, err := heldLogOf(party, keys[party], dirs[party], witnessKeys)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func heldLogOf(party, vkey, dir string, witnessKeys map[string]string) (heldLog, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return heldLog{}, fmt.Errorf("log key of %s: %w", party, err)
	}
	l := heldLog{party: party, dir: dir, v: v, vkey: vkey}
	for witness, k := range witnessKeys {
		if witness == party {
			continue
		}
		w, err := fnote.NewVerifierForCosignatureV1(k)
		if err != nil {
			return heldLog{}, fmt.Errorf("witness key of %s: %w", witness, err)
		}
		l.witnesses = append(l.witnesses, w)
	}
	return l, nil
}

func (v *view) Treaty() *treaty.Treaty       { return v.office.Treaty }
func (v *view) Registry() *registry.Registry { return v.office.Registry }

// HeldEvidence returns the findings of the node's evidence files against
// party by at (web.EvidenceView).
func (v *view) HeldEvidence(party string, at time.Time) ([]registry.Finding, error) {
	st := &registry.Status{Party: party, At: at}
	err := v.office.AddHeldEvidence(st)
	return st.Other, err
}
func (v *view) Now() time.Time    { return time.Now() }
func (v *view) Simulated() string { return v.banner }

// Interpolated reports whether accord.yaml's dashboard.interpolated file
// lists party's numbers on d.
func (v *view) Interpolated(party string, d treaty.Date) bool { return v.interpolated[party][d] }

// Logs describes the node's own log and each peer's verified copy.
func (v *view) Logs(ctx context.Context) ([]web.LogHealth, error) {
	ev, err := evidencedir.List(filepath.Join(v.office.Node.Dir, node.EvidenceDir))
	if err != nil {
		return nil, err
	}
	var out []web.LogHealth
	for _, l := range v.logs {
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
func (v *view) Proof(ctx context.Context, origin string, index uint64) ([]byte, error) {
	for _, l := range v.logs {
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

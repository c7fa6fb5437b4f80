package peer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"accord/evidence"
	"accord/internal/evidencedir"
)

// Checkpoints is the body of GET /witness/checkpoints: the latest
// checkpoint a node holds in full for every log it keeps, its own first,
// each as the log served it (signed, with any cosignatures).
type Checkpoints struct {
	Checkpoints []string `json:"checkpoints"`
}

// Set is a node's followers, one per peer, and the evidence they find.
type Set struct {
	followers []*Follower
	byOrigin  map[string]*Follower
	node      string // the node's own origin
	evDir     string
	clock     Clock
	logger    *slog.Logger
}

// NewSet opens a follower for each configuration; evidence goes to
// evidenceDir, naming node as the node that found it.
func NewSet(cfgs []Config, node, evidenceDir string, logger *slog.Logger) (*Set, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Set{byOrigin: map[string]*Follower{}, node: node, evDir: evidenceDir, clock: realClock{}, logger: logger}
	for _, c := range cfgs {
		if c.Clock != nil {
			s.clock = c.Clock
		}
		fl, err := newFollower(c, s)
		if err != nil {
			return nil, fmt.Errorf("peer %s: %w", c.Party, err)
		}
		s.followers = append(s.followers, fl)
		s.byOrigin[c.Log.Name()] = fl
	}
	return s, nil
}

// Run runs every follower until ctx is done. A follower's failures never
// stop the others; Run returns only when ctx is done.
func (s *Set) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, fl := range s.followers {
		g.Go(func() error { return fl.Run(ctx) })
	}
	return g.Wait()
}

// Status returns each follower's status.
func (s *Set) Status() []Status {
	out := make([]Status, len(s.followers))
	for i, fl := range s.followers {
		out[i] = fl.Status()
	}
	return out
}

// Mirrored returns the latest checkpoint held in full of each peer log.
func (s *Set) Mirrored() [][]byte {
	var out [][]byte
	for _, fl := range s.followers {
		fl.mu.Lock()
		cp := fl.m.Checkpoint()
		fl.mu.Unlock()
		if cp != nil {
			out = append(out, cp)
		}
	}
	return out
}

// Findings returns the evidence files the node holds.
func (s *Set) Findings() ([]evidencedir.Finding, error) { return evidencedir.List(s.evDir) }

// evidence writes evidence that older and newer are inconsistent and
// returns its file name.
func (s *Set) evidence(ctx context.Context, vkey string, older, newer, prefix []byte, prf [][]byte, sources []string) (string, error) {
	ev, err := evidence.New(vkey, older, newer, prefix, prf, sources)
	if err != nil {
		return "", err
	}
	ev.DetectedBy, ev.DetectedAt = s.node, s.clock.Now().UTC()
	path, err := evidencedir.Write(s.evDir, ev)
	if err != nil {
		return "", err
	}
	s.logger.ErrorContext(ctx, "log misbehaved: evidence written", "origin", ev.Origin, "file", path)
	return path, nil
}

// exchange fetches the checkpoints the peer holds for every log and
// compares each with this node's copy of that log.
func (fl *Follower) exchange(ctx context.Context) error {
	b, err := fl.f.get(ctx, "witness/checkpoints", maxCheckpoints)
	if err != nil {
		return fmt.Errorf("fetching the peer's checkpoints: %w", err)
	}
	var list Checkpoints
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("%w: checkpoints: %v", ErrBadData, err)
	}
	source := fmt.Sprintf("checkpoints held by %s (%s) at %s", fl.cfg.Party, fl.cfg.URL, time.Now().UTC().Format(time.RFC3339))
	for _, cp := range list.Checkpoints[:min(len(list.Checkpoints), maxLogs)] {
		origin, _, _ := strings.Cut(cp, "\n")
		other, ok := fl.set.byOrigin[origin]
		if !ok {
			continue
		}
		if err := other.compare(ctx, []byte(cp), source, false); err != nil {
			fl.cfg.Logger.ErrorContext(ctx, "comparing checkpoints", "origin", origin, "err", err)
		}
	}
	return nil
}

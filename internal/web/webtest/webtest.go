// Package webtest builds a simulated treaty database for tests of the
// dashboard and the fact sheets: the world of internal/sim, every
// notification and acknowledgement signed into each party's log with a
// test key, ingested into a real registry, and each log's Merkle tree kept
// in memory so that receipts (c2sp.org/tlog-proof) are real and verify
// with entry.CheckReceipt.
//
// It is for tests only: keys are derived from a fixed seed.
package webtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/registry"
	"accord/internal/sim"
	"accord/internal/treaty"
	"accord/internal/web"
)

// maxItems is the most items one notification of the world carries: a
// full statement of holdings is split into parts (sim.Event.Split) so that
// each entry stays well under entry.MaxSize.
const maxItems = 400

// A World is a simulated world ingested into a registry, with each
// party's log. It implements web.NodeView. Its methods are safe for
// concurrent use.
type World struct {
	Sim      *sim.World
	Reg      *registry.Registry
	Treaty   *treaty.Treaty
	Clock    time.Time // what Now returns
	Logs     map[string]*Log
	Evidence map[string][]web.Evidence // split-view evidence to report, by origin
	// Banner, if set, is what the dashboard says about the data, in place
	// of the simulation's banner.
	Banner string
	// Reveals are the escrow reveals' bytes the view holds (web.RevealStore),
	// by party and SHA-256 (escrow.go).
	Reveals map[string]map[[32]byte][]byte
}

// A Log is one party's log held in memory.
type Log struct {
	Origin   string
	Party    string
	Signer   note.Signer
	Verifier note.Verifier
	VKey     string
	Entries  [][]byte // encoded entries, by index

	mu         sync.Mutex
	hashes     []tlog.Hash // stored hashes (tlog.StoredHashes layout)
	checkpoint []byte
}

// Build simulates scenario with seed and ingests it into a new registry
// at dbPath. Clock is set to the day after the treaty's expiry.
func Build(ctx context.Context, scenario string, seed uint64, dbPath string) (*World, error) {
	sw, err := sim.Build(scenario, seed)
	if err != nil {
		return nil, err
	}
	tr := sw.Treaty
	reg, err := registry.Open(ctx, registry.Config{Treaty: tr, Path: dbPath})
	if err != nil {
		return nil, err
	}
	w := &World{Sim: sw, Reg: reg, Treaty: tr, Clock: tr.Expiry().AddDays(1).Time(), Logs: map[string]*Log{}, Evidence: map[string][]web.Evidence{}}
	rng := rand.NewChaCha8([32]byte{'a', 'c', 'c', 'o', 'r', 'd', '-', 'w', 'e', 'b'})
	for _, p := range sw.Parties {
		l, err := newLog(rng, tr.ID, p)
		if err != nil {
			reg.Close()
			return nil, err
		}
		w.Logs[p] = l
	}
	if err := w.ingest(ctx); err != nil {
		reg.Close()
		return nil, err
	}
	return w, nil
}

func newLog(rng *rand.ChaCha8, treatyID, party string) (*Log, error) {
	origin := entry.Origin(treatyID, party)
	skey, vkey, err := note.GenerateKey(rng, origin)
	if err != nil {
		return nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &Log{Origin: origin, Party: party, Signer: s, Verifier: v, VKey: vkey}, nil
}

// Close closes the registry.
func (w *World) Close() error { return w.Reg.Close() }

// pending is one entry to sign: a notification or an acknowledgement.
type pending struct {
	party  string
	sent   time.Time
	eff    treaty.Date
	kind   entry.Kind
	body   *body.Notification
	acks   []sim.Ack
	target *body.Ref // for an acknowledgement, set once the target is signed
	of     int       // for an acknowledgement, the pending index of its target
	// answers is, for a step of an inspection that answers another, the
	// pending index of that step, plus one; 0 for none.
	answers int
}

// ingest signs every notification of the world, and every
// acknowledgement, in the order they were sent, appends each to its log
// and applies them to the registry.
func (w *World) ingest(ctx context.Context) error {
	var ps []pending
	ids := map[string]int{} // sim.Event.ID → pending index
	for _, ev := range w.Sim.Events {
		for _, part := range ev.Split(maxItems) {
			n, err := notification(w.Treaty, part)
			if err != nil {
				return err
			}
			ps = append(ps, pending{party: part.Party, sent: part.Sent, eff: part.Effective, kind: entry.Notification, body: n})
			i := len(ps) - 1
			if part.ID != "" {
				ids[part.ID] = i
			}
			if a, ok := ids[part.Answers]; ok {
				ps[i].answers = a + 1
			}
			for _, a := range part.Acks {
				ps = append(ps, pending{party: a.Party, sent: a.Sent, eff: treaty.DateOf(a.Sent), kind: entry.Acknowledgement, of: i})
			}
		}
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return ps[a].sent.Compare(ps[b].sent) })
	refs := make([]body.Ref, len(ps))
	var batch []registry.Record
	for _, i := range order {
		p := &ps[i]
		body, err := w.body(p, refs)
		if err != nil {
			return err
		}
		rec, err := w.Logs[p.party].append(w.Treaty.ID, p.kind, p.eff, p.sent, body)
		if err != nil {
			return err
		}
		refs[i] = rec.Ref()
		if batch = append(batch, rec); len(batch) == 1000 {
			if err := w.Reg.Apply(ctx, batch...); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := w.Reg.Apply(ctx, batch...); err != nil {
		return err
	}
	for _, l := range w.Logs {
		if err := l.sign(w.Clock); err != nil {
			return err
		}
	}
	return nil
}

func (w *World) body(p *pending, refs []body.Ref) ([]byte, error) {
	if p.kind == entry.Acknowledgement {
		if refs[p.of].Origin == "" {
			return nil, fmt.Errorf("acknowledgement by %s at %s sent before the notification it acknowledges", p.party, p.sent)
		}
		return (&body.Acknowledgement{Entry: refs[p.of]}).Encode()
	}
	if p.answers > 0 {
		a := refs[p.answers-1]
		if a.Origin == "" {
			return nil, fmt.Errorf("%s by %s at %s sent before the step it answers", p.body.Type, p.party, p.sent)
		}
		p.body.Answers = &a
	}
	return p.body.Encode()
}

// notification returns the body of a simulated event.
func notification(t *treaty.Treaty, ev sim.Event) (*body.Notification, error) {
	nt, ok := t.Notification(ev.Type)
	if !ok {
		return nil, fmt.Errorf("simulated notification of unknown type %q", ev.Type)
	}
	n := &body.Notification{Type: ev.Type, From: ev.From, To: ev.To, Stock: ev.Stock}
	for k, v := range ev.Fields {
		if n.Fields == nil {
			n.Fields = map[string]string{}
		}
		n.Fields[k] = v
	}
	if len(ev.Stated) > 0 {
		n.Items = slices.Clone(ev.Stated)
		return n, nil
	}
	if !slices.Contains(nt.Fields, "items") {
		return n, nil
	}
	for _, it := range ev.Items {
		if nt.Effect == "move" || nt.Effect == "event" {
			n.Items = append(n.Items, body.Item{UID: it.UID})
			continue
		}
		w := it.Warheads
		n.Items = append(n.Items, body.Item{UID: it.UID, Type: it.Type, Category: it.Category, Status: it.Status, Facility: it.Facility, Warheads: &w})
	}
	return n, nil
}

// append signs an entry, adds it to the log's tree and returns its
// record.
func (l *Log) append(treatyID string, kind entry.Kind, eff treaty.Date, sent time.Time, body []byte) (registry.Record, error) {
	e := &entry.Entry{Treaty: treatyID, Party: l.Party, Kind: kind, Effective: eff.Time(), Created: sent.UTC(), Body: body}
	b, err := entry.Sign(e, l.Signer)
	if err != nil {
		return registry.Record{}, fmt.Errorf("signing %s %s entry: %w", l.Party, kind, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	idx := int64(len(l.Entries))
	hs, err := tlog.StoredHashes(idx, b, l)
	if err != nil {
		return registry.Record{}, err
	}
	l.hashes = append(l.hashes, hs...)
	l.Entries = append(l.Entries, b)
	return registry.RecordOf(e, uint64(idx), b), nil
}

// ReadHashes implements tlog.HashReader; l.mu is held.
func (l *Log) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = l.hashes[x]
	}
	return out, nil
}

// sign signs a checkpoint of the whole log; l.mu is not held.
func (l *Log) sign(at time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := int64(len(l.Entries))
	root, err := tlog.TreeHash(n, l)
	if err != nil {
		return err
	}
	cp := log.Checkpoint{Origin: l.Origin, Size: uint64(n), Hash: root[:]}
	b, err := note.Sign(&note.Note{Text: string(cp.Marshal())}, l.Signer)
	if err != nil {
		return err
	}
	l.checkpoint = b
	return nil
}

// Prove returns a receipt for entry index relative to the log's
// checkpoint.
func (l *Log) Prove(index uint64) (*entry.Receipt, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := int64(len(l.Entries))
	if index >= uint64(n) {
		return nil, fmt.Errorf("no entry %d: the log has %d entries", index, n)
	}
	p, err := tlog.ProveRecord(n, int64(index), l)
	if err != nil {
		return nil, err
	}
	r := &entry.Receipt{Entry: l.Entries[index], Index: index, Checkpoint: l.checkpoint}
	for _, h := range p {
		r.Proof = append(r.Proof, slices.Clone(h[:]))
	}
	return r, nil
}

// View returns the world as the dashboard reads it.
func (w *World) View() web.NodeView { return view{w} }

type view struct{ w *World }

func (v view) Treaty() *treaty.Treaty       { return v.w.Treaty }
func (v view) Registry() *registry.Registry { return v.w.Reg }
func (v view) Now() time.Time               { return v.w.Clock }
func (v view) Simulated() string {
	if v.w.Banner != "" {
		return v.w.Banner
	}
	return "Item-level data simulated (seed " + fmt.Sprint(v.w.Sim.Seed) + "), calibrated to the published New START aggregates."
}

func (v view) Interpolated(party string, d treaty.Date) bool {
	for _, t := range v.w.Sim.Calibration {
		if t.Party == party && t.Date.Equal(d) {
			return t.Interpolated
		}
	}
	return false
}

func (v view) Logs(ctx context.Context) ([]web.LogHealth, error) {
	var out []web.LogHealth
	for _, p := range v.w.Sim.Parties {
		l := v.w.Logs[p]
		l.mu.Lock()
		h := web.LogHealth{Origin: l.Origin, Party: p, VKey: l.VKey, Size: uint64(len(l.Entries)), Checkpoint: l.checkpoint,
			CheckpointTime: v.w.Clock, Evidence: v.w.Evidence[l.Origin]}
		l.mu.Unlock()
		for _, q := range v.w.Sim.Parties {
			if q != p {
				h.Cosigners = append(h.Cosigners, web.Cosignature{Name: entry.Origin(v.w.Treaty.ID, q) + "/witness", Time: v.w.Clock})
			}
		}
		out = append(out, h)
	}
	return out, nil
}

func (v view) Proof(ctx context.Context, origin string, index uint64) ([]byte, error) {
	for _, l := range v.w.Logs {
		if l.Origin == origin {
			r, err := l.Prove(index)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", web.ErrNotFound, err)
			}
			return r.Marshal(), nil
		}
	}
	return nil, fmt.Errorf("%w: no log %s", web.ErrNotFound, origin)
}

var errNoWorld = errors.New("no world")

// Shared builds the newstart world with seed 1 once per process, in a
// directory that lives as long as the process, and returns it.
func Shared(dir string) (*World, error) {
	sharedOnce.Do(func() {
		shared, sharedErr = Build(context.Background(), sim.NewSTART, 1, filepath.Join(dir, "treaty.db"))
	})
	if shared == nil && sharedErr == nil {
		return nil, errNoWorld
	}
	return shared, sharedErr
}

var (
	sharedOnce sync.Once
	shared     *World
	sharedErr  error
)

// Empty returns a world of tr with a log per party and no entry, at
// dbPath, for a test that writes its own notifications with Notify;
// banner is what the dashboard says about the data. Clock is set to the
// day after the treaty's expiry.
func Empty(ctx context.Context, tr *treaty.Treaty, banner, dbPath string) (*World, error) {
	reg, err := registry.Open(ctx, registry.Config{Treaty: tr, Path: dbPath})
	if err != nil {
		return nil, err
	}
	sw := &sim.World{Scenario: "fixture", Treaty: tr}
	w := &World{Sim: sw, Reg: reg, Treaty: tr, Clock: tr.Expiry().AddDays(1).Time(), Logs: map[string]*Log{}, Evidence: map[string][]web.Evidence{}, Banner: banner}
	rng := rand.NewChaCha8([32]byte{'a', 'c', 'c', 'o', 'r', 'd', '-', 'f', 'i', 'x'})
	for _, p := range tr.Parties {
		l, err := newLog(rng, tr.ID, p.ID)
		if err != nil {
			reg.Close()
			return nil, err
		}
		sw.Parties = append(sw.Parties, p.ID)
		w.Logs[p.ID] = l
	}
	return w, nil
}

// Notify signs n as party's notification effective eff and sent at sent,
// checks it against the treaty database as a node would before signing
// (an entry the registry refuses is not appended, and its error
// returned), appends it to the party's log, ingests it and signs a new
// checkpoint. It returns the entry's reference.
func (w *World) Notify(ctx context.Context, party string, eff treaty.Date, sent time.Time, n *body.Notification) (body.Ref, error) {
	b, err := n.Encode()
	if err != nil {
		return body.Ref{}, err
	}
	return w.Append(ctx, party, entry.Notification, eff, sent, b)
}

// Append is Notify for an entry of any kind with body b.
func (w *World) Append(ctx context.Context, party string, kind entry.Kind, eff treaty.Date, sent time.Time, b []byte) (body.Ref, error) {
	l, ok := w.Logs[party]
	if !ok {
		return body.Ref{}, fmt.Errorf("%s has no log in this world", party)
	}
	rec, err := l.record(w.Treaty.ID, kind, eff, sent, b)
	if err != nil {
		return body.Ref{}, err
	}
	if err := w.Reg.Check(ctx, rec); err != nil {
		return body.Ref{}, err
	}
	if _, err := l.append(w.Treaty.ID, kind, eff, sent, b); err != nil {
		return body.Ref{}, err
	}
	if err := w.Reg.Apply(ctx, rec); err != nil {
		return body.Ref{}, err
	}
	return rec.Ref(), l.sign(w.Clock)
}

// record returns the record the next entry of the log would be, without
// appending it.
func (l *Log) record(treatyID string, kind entry.Kind, eff treaty.Date, sent time.Time, body []byte) (registry.Record, error) {
	e := &entry.Entry{Treaty: treatyID, Party: l.Party, Kind: kind, Effective: eff.Time(), Created: sent.UTC(), Body: body}
	b, err := entry.Sign(e, l.Signer)
	if err != nil {
		return registry.Record{}, fmt.Errorf("signing %s %s entry: %w", l.Party, kind, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return registry.RecordOf(e, uint64(len(l.Entries)), b), nil
}

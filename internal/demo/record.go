package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/peer"
	"accord/internal/sim"
	"accord/internal/treaty"
)

// Batching of the replay. A data notification is split into parts of at
// most partItems items, each well under the 64 KiB entry limit; a batch of
// independent notifications holds at most batchMax.
const (
	partItems = 400
	batchMax  = 512
)

// sent is where one simulated notification (or part) landed.
type sent struct {
	event *sim.Event
	ref   body.Ref
}

// record replays the world into the parties' logs: each party's
// notifications in order, then every acknowledgement and inspection
// record, each dated as the simulation dates it. A step of an inspection
// that answers another party's (sim.Event.Answers) is recorded in a later
// round than the step it answers, naming where that landed.
func (d *Demo) record(ctx context.Context) error {
	offices := map[string]*office.Office{}
	for _, p := range d.Nodes {
		o, err := p.openOffice(ctx)
		if err != nil {
			return err
		}
		defer o.Close(ctx)
		offices[p.ID] = o
	}
	rounds := answerRounds(d.World.Events)
	total := 0
	for _, r := range rounds {
		total += len(r)
	}
	var done counter
	results := make([][]sent, len(d.Nodes))
	refs := map[string]body.Ref{}
	for i, round := range rounds {
		if i > 0 {
			if err := d.exchange(ctx, offices); err != nil {
				return err
			}
		}
		if err := d.recordRound(ctx, offices, round, refs, results, func(k int) {
			d.progress("recording notifications in each party's log", done.add(k), total)
		}); err != nil {
			return err
		}
	}
	if err := d.acknowledge(ctx, offices, results); err != nil {
		return err
	}
	if err := d.exchange(ctx, offices); err != nil {
		return err
	}
	return d.escrow(ctx, offices)
}

// answerRounds splits events into rounds: the events that answer none,
// then those answering an event of the round before, and so on.
func answerRounds(evs []sim.Event) [][]*sim.Event {
	depth := map[string]int{}
	var out [][]*sim.Event
	for i := range evs {
		e := &evs[i]
		k := 0
		if e.Answers != "" {
			k = depth[e.Answers] + 1
		}
		if e.ID != "" {
			depth[e.ID] = k
		}
		for len(out) <= k {
			out = append(out, nil)
		}
		out[k] = append(out[k], e)
	}
	return out
}

// recordRound records one round's events, each party's in order and the
// parties at once, adds where each landed to results and, for an event
// others answer, to refs.
func (d *Demo) recordRound(ctx context.Context, offices map[string]*office.Office, round []*sim.Event, refs map[string]body.Ref, results [][]sent, progress func(int)) error {
	byParty := map[string][][]*sim.Event{}
	for _, p := range d.Nodes {
		var events []*sim.Event
		for _, e := range round {
			if e.Party == p.ID {
				events = append(events, e)
			}
		}
		byParty[p.ID] = batches(d.World.Treaty, events)
	}
	got := make([][]sent, len(d.Nodes))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range d.Nodes {
		g.Go(func() error {
			var err error
			got[i], err = d.notifyAll(gctx, offices[p.ID], byParty[p.ID], refs, progress)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, ss := range got {
		results[i] = append(results[i], ss...)
		for _, s := range ss {
			if s.event.ID != "" {
				refs[s.event.ID] = s.ref
			}
		}
	}
	return nil
}

// notifyAll sends one party's notifications in order, in runs of
// independent ones.
func (d *Demo) notifyAll(ctx context.Context, o *office.Office, batches [][]*sim.Event, refs map[string]body.Ref, progress func(int)) ([]sent, error) {
	var out []sent
	// Chunks of runs share a checkpoint; progress is reported per chunk.
	const chunk = 16
	for len(batches) > 0 {
		k := min(chunk, len(batches))
		runs := make([][]office.Pending, k)
		n := 0
		for r, batch := range batches[:k] {
			runs[r] = make([]office.Pending, len(batch))
			for i, e := range batch {
				runs[r][i] = pending(e, refs)
			}
			n += len(batch)
		}
		as, err := o.ReplayRuns(ctx, runs)
		if err != nil {
			b := batches[0]
			return nil, fmt.Errorf("%s notifications from %s effective %s: %w", b[0].Party, b[0].Type, b[0].Effective, err)
		}
		for r, run := range as {
			for i, a := range run {
				out = append(out, sent{batches[r][i], body.Ref{Origin: o.Node.Origin(), Index: a.Index, LeafHash: body.Hash(a.LeafHash)}})
			}
		}
		progress(n)
		batches = batches[k:]
	}
	return out, nil
}

// pending is the notification of e; refs (read only) are where the
// events it may answer landed.
func pending(e *sim.Event, refs map[string]body.Ref) office.Pending {
	n := &body.Notification{Type: e.Type, From: e.From, To: e.To, Fields: e.Fields, Stock: e.Stock, Items: e.Stated}
	if ref, ok := refs[e.Answers]; ok {
		n.Answers = &ref
	}
	for _, it := range e.Items {
		ri := body.Item{UID: it.UID, Type: it.Type, Category: it.Category, Status: it.Status, Facility: it.Facility}
		if it.Category != "" {
			w := it.Warheads
			ri.Warheads = &w
		}
		n.Items = append(n.Items, ri)
	}
	return office.Pending{Notification: n, Effective: e.Effective, Sent: e.Sent}
}

// batches orders a party's events into batches of independent
// notifications, as few as the dependencies allow: an event goes in the
// first batch after every earlier event that names one of its items (a
// full statement of holdings, split into parts of disjoint items, is a
// batch of its own after everything before it), and a warhead
// notification in the first batch after the party's previous one, its
// balances depending on every flow before it. An event never moves
// before one it depends on, so the log stays valid in any order within a
// batch.
func batches(t *treaty.Treaty, events []*sim.Event) [][]*sim.Event {
	var out [][]*sim.Event
	last := map[string]int{} // uid → batch of the last event naming it
	floor := 0               // the first batch after the last full statement
	warheads := -1           // the batch of the last warhead notification
	place := func(e *sim.Event, b int) int {
		for ; b < len(out) && len(out[b]) >= batchMax; b++ {
		}
		if b == len(out) {
			out = append(out, nil)
		}
		out[b] = append(out[b], e)
		return b
	}
	for _, e := range events {
		if nt, _ := t.Notification(e.Type); treaty.WarheadEffect(nt.Effect) {
			warheads = place(e, max(floor, warheads+1))
			continue
		}
		if nt, _ := t.Notification(e.Type); nt.Effect == "data" {
			b := len(out)
			out = append(out, nil)
			for _, part := range e.Split(partItems) {
				out[b] = append(out[b], &part)
			}
			floor, last = b+1, map[string]int{}
			continue
		}
		b := floor
		for _, it := range e.Items {
			if l, ok := last[it.UID]; ok && l+1 > b {
				b = l + 1
			}
		}
		b = place(e, b)
		for _, it := range e.Items {
			last[it.UID] = b
		}
	}
	return out
}

// acknowledge appends, to each acknowledging party's log, its
// acknowledgements of the others' notifications, and each party's
// inspection records.
func (d *Demo) acknowledge(ctx context.Context, offices map[string]*office.Office, results [][]sent) error {
	owner := map[string]string{}
	for _, f := range d.World.Facilities {
		owner[f.ID] = f.Party
	}
	acks := map[string][]entry.Entry{}
	for _, rs := range results {
		for _, s := range rs {
			for _, a := range s.event.Acks {
				e, err := ackEntry(d.World.Treaty.ID, a.Party, s.ref, a.Sent)
				if err != nil {
					return err
				}
				acks[a.Party] = append(acks[a.Party], e)
			}
			if s.event.Type == "site_designation" {
				e, err := inspectionEntry(d.World.Treaty.ID, s.event, owner[s.event.Fields["facility"]])
				if err != nil {
					return err
				}
				acks[s.event.Party] = append(acks[s.event.Party], e)
			}
		}
	}
	total := 0
	for _, es := range acks {
		total += len(es)
	}
	var done counter
	g, gctx := errgroup.WithContext(ctx)
	for party, es := range acks {
		g.Go(func() error {
			if err := appendAll(gctx, offices[party], es, func(k int) {
				d.progress("recording acknowledgements and inspections", done.add(k), total)
			}); err != nil {
				return fmt.Errorf("%s acknowledgements: %w", party, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// appendChunk is how many acknowledgements and inspection records are
// appended before waiting for a checkpoint that covers them: each wait
// costs up to a checkpoint interval, and progress is reported per chunk.
const appendChunk = 4096

// appendAll appends entries that do not depend on each other to o's log,
// chunk by chunk, each chunk as one run sharing one checkpoint, and then
// has o's database take them in from the log in large transactions.
func appendAll(ctx context.Context, o *office.Office, es []entry.Entry, progress func(int)) error {
	log, err := o.Log(ctx)
	if err != nil {
		return err
	}
	for len(es) > 0 {
		k := min(len(es), appendChunk)
		if _, err := log.AppendRuns(ctx, [][]entry.Entry{es[:k]}); err != nil {
			return err
		}
		progress(k)
		es = es[k:]
	}
	return o.Sync(ctx)
}

func ackEntry(treatyID, party string, ref body.Ref, at time.Time) (entry.Entry, error) {
	body, err := (&body.Acknowledgement{Entry: ref}).Encode()
	return entry.Entry{Treaty: treatyID, Party: party, Kind: entry.Acknowledgement,
		Effective: treaty.DateOf(at).Time(), Created: at.UTC().Truncate(time.Millisecond), Body: body}, err
}

// inspectionEntry is the inspection record of the inspection whose site
// designation e is, of party inspected.
func inspectionEntry(treatyID string, e *sim.Event, inspected string) (entry.Entry, error) {
	raw, err := json.Marshal(body.InspectionRecord{Type: e.Fields["inspection_type"], Inspected: inspected})
	if err != nil {
		return entry.Entry{}, err
	}
	body, err := entry.CanonicalJSON(raw)
	return entry.Entry{Treaty: treatyID, Party: e.Party, Kind: entry.Inspection,
		Effective: e.Effective.Time(), Created: e.Sent.UTC().Add(time.Hour).Truncate(time.Millisecond), Body: body}, err
}

// counter adds up progress reported from several goroutines.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) add(k int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += k
	return c.n
}

// exchange has every party's treaty database take in the other parties'
// logs as recorded so far, as the nodes' peers would once they run: a
// step of an inspection is checked against the step it answers, in the
// other party's log.
func (d *Demo) exchange(ctx context.Context, offices map[string]*office.Office) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, p := range d.Nodes {
		g.Go(func() error {
			for _, q := range d.Nodes {
				if p == q {
					continue
				}
				if err := ingestLog(gctx, offices[p.ID], q); err != nil {
					return fmt.Errorf("%s taking in the log of %s: %w", p.ID, q.ID, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// ingestLog applies to o's database the entries of q's log it does not
// hold yet. q's node signed them in this process a moment ago, so their
// signatures are not checked again (ledger.Reread); each node's follower
// verifies every one of them when it copies q's log once the nodes run.
func ingestLog(ctx context.Context, o *office.Office, q *Party) error {
	size, err := ledger.IntegratedSize(filepath.Join(q.Dir, node.LogDir))
	if err != nil {
		return err
	}
	from, err := o.Registry.NextIndex(ctx, q.Node.Verifier.Name())
	if err != nil || from >= size {
		return err
	}
	run := make([]peer.Ingested, 0, ingestChunk)
	err = ledger.Reread(ctx, q.Node.Source(), q.Node.Verifier, from, size, func(r ledger.Record) error {
		run = append(run, peer.Ingested{Entry: *r.Entry, Raw: r.Encoded})
		if len(run) < ingestChunk {
			return nil
		}
		err := o.IngestAll(ctx, q.ID, from, run)
		from, run = from+uint64(len(run)), make([]peer.Ingested, 0, ingestChunk)
		return err
	})
	if err != nil || len(run) == 0 {
		return err
	}
	return o.IngestAll(ctx, q.ID, from, run)
}

// ingestChunk is how many of a peer's entries one transaction applies
// while the parties take in each other's logs: enough to amortise the
// commit, and a bound on the entries held in memory.
const ingestChunk = 4096

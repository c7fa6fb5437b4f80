package registry

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"
)

var (
	flowWarheads = flag.Int("warheads.n", 100_000, "warheads BenchmarkFreeze starts from")
	flowEvents   = flag.Int("warheads.events", 1_000_000, "flow lots BenchmarkFreeze ingests")
)

// A flowStream generates a valid warhead history for one party: a
// statement of w warheads over 200 sites on the baseline date, then
// weekly entries of flows (production, dismantlement, transfers and
// changes of status), each lot one event, for about ten years. It keeps
// its own balances, so every flow it makes is valid.
type flowStream struct {
	tr     *treaty.Treaty
	rnd    *rand.Rand
	origin string
	index  uint64
	day    treaty.Date
	bal    map[wkey]int64
	keys   []wkey
}

var flowStatuses = []string{"deployed", "non_deployed", "retired"}

func newFlowStream(tr *treaty.Treaty, seed uint64) *flowStream {
	return &flowStream{tr: tr, rnd: rand.New(rand.NewPCG(seed, 7)), origin: entry.Origin(tr.ID, "USA"),
		day: treaty.MustDate("2020-10-20"), bal: map[wkey]int64{}}
}

func (s *flowStream) site(i int) string { return fmt.Sprintf("Site %03d", i) }

// statement returns the opening statement of w warheads.
func (s *flowStream) statement(w int) *body.Notification {
	n := &body.Notification{Type: "warhead_data"}
	per := w / 600
	for i := range 200 {
		for j, st := range flowStatuses {
			c := per
			if i == 0 && j == 0 {
				c += w - per*600
			}
			k := wkey{s.site(i), "warhead", st}
			s.bal[k] = int64(c)
			s.keys = append(s.keys, k)
			n.Stock = append(n.Stock, lot(k.site, k.category, k.status, c))
		}
	}
	return n
}

// flows returns one entry of up to k flow lots, all of one effect.
func (s *flowStream) flows(k int) *body.Notification {
	effects := []string{"warhead_produced", "warhead_dismantled", "warhead_transferred", "warhead_recategorised"}
	n := &body.Notification{Type: effects[s.rnd.IntN(len(effects))]}
	for len(n.Stock) < k {
		key := s.keys[s.rnd.IntN(len(s.keys))]
		l := lot(key.site, key.category, key.status, 1+s.rnd.IntN(3))
		switch n.Type {
		case "warhead_produced":
			if key.status == "retired" {
				continue
			}
			s.bal[key] += int64(l.Count)
			n.Stock = append(n.Stock, l)
			continue
		case "warhead_transferred":
			l.ToSite = s.site(s.rnd.IntN(200))
			if l.ToSite == l.Site {
				continue
			}
		case "warhead_recategorised":
			l.ToStatus = map[string]string{"deployed": "non_deployed", "non_deployed": "deployed", "retired": "non_deployed"}[key.status]
		}
		if s.bal[key] < int64(l.Count) {
			continue
		}
		s.bal[key] -= int64(l.Count)
		if to := (wkey{or(l.ToSite, l.Site), key.category, or(l.ToStatus, l.Status)}); n.Type != "warhead_dismantled" {
			s.bal[to] += int64(l.Count)
		}
		n.Stock = append(n.Stock, l)
	}
	return n
}

func (s *flowStream) record(tb testing.TB, n *body.Notification) Record {
	b, err := n.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	var h body.Hash
	binary.BigEndian.PutUint64(h[:], s.index)
	h = sha256.Sum256(h[:])
	rec := Record{Origin: s.origin, Party: "USA", Index: s.index, LeafHash: h, Kind: entry.Notification,
		Effective: s.day, Recorded: s.day.Time().Add(24 * time.Hour), Body: b}
	s.index++
	return rec
}

// withoutFreezes returns t with its freezes left out: the same events,
// ingested with no freeze to check.
func withoutFreezes(t *treaty.Treaty) *treaty.Treaty {
	c := *t
	c.Limits = slices.DeleteFunc(slices.Clone(t.Limits), func(l treaty.Limit) bool { return !l.Baseline.IsZero() })
	return &c
}

// ingestFlows ingests a statement of w warheads and then events flow lots,
// in weekly entries, into a new registry of t; it returns the registry,
// the records and the time Apply took.
func ingestFlows(tb testing.TB, t *treaty.Treaty, w, events int, seed uint64) (*Registry, []Record, time.Duration) {
	reg, err := Open(context.Background(), Config{Treaty: t, Path: filepath.Join(tb.TempDir(), "flows.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { reg.Close() })
	s := newFlowStream(t, seed)
	perWeek := max(1, events/520)
	var recs []Record
	all := s.statement(w).Stock
	for i := 0; i < len(all); i += 100 { // the opening balances in entries under entry.MaxSize
		n := &body.Notification{Type: "warhead_produced", Stock: all[i:min(i+100, len(all))]}
		if i == 0 {
			n.Type = "warhead_data"
		}
		recs = append(recs, s.record(tb, n))
	}
	for done := 0; done < events; {
		s.day = s.day.AddDays(7)
		for week := 0; week < perWeek && done < events; {
			n := s.flows(min(perWeek-week, events-done, maxLotsPerEntry))
			week, done = week+len(n.Stock), done+len(n.Stock)
			recs = append(recs, s.record(tb, n))
		}
	}
	start := time.Now()
	for i := 0; i < len(recs); i += 50 {
		if err := reg.Apply(context.Background(), recs[i:min(i+50, len(recs))]...); err != nil {
			tb.Fatal(err)
		}
	}
	spent := time.Since(start)
	var refused int
	if err := reg.db.QueryRow(`SELECT count(*) FROM entries WHERE refused IS NOT NULL`).Scan(&refused); err != nil || refused > 0 {
		tb.Fatalf("%d generated entries refused (%v)", refused, err)
	}
	return reg, recs, spent
}

// maxLotsPerEntry keeps a generated flow entry under entry.MaxSize.
const maxLotsPerEntry = 400

// BenchmarkFreeze ingests -warheads.n warheads (default 100,000) and
// -warheads.events flow lots (default 1,000,000: about ten years of
// weekly flows) under us-freeze-2020, its freeze checked at every event,
// beside the same events ingested under the same definition without its
// freeze (plain ingestion). Run it once:
//
//	go test -run '^$' -bench Freeze -benchtime 1x ./internal/registry
func BenchmarkFreeze(b *testing.B) {
	tr, err := treaty.Builtin("us-freeze-2020")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		t    *treaty.Treaty
	}{{"freeze", tr}, {"plain", withoutFreezes(tr)}} {
		b.Run(c.name, func(b *testing.B) {
			var spent time.Duration
			for b.Loop() {
				_, _, d := ingestFlows(b, c.t, *flowWarheads, *flowEvents, 1)
				spent += d
			}
			b.ReportMetric(float64(*flowEvents*b.N)/spent.Seconds(), "events/s")
		})
	}
}

// TestFreezeProperty: random valid flows over ten years, in weekly
// entries; after every entry, the party's total and the freeze's value,
// recomputed independently from the raw notifications, equal the
// database's, and a breach is found exactly on the entries that take the
// total above the baseline while the freeze is in force.
func TestFreezeProperty(t *testing.T) {
	tr, err := treaty.Builtin("us-freeze-2020")
	if err != nil {
		t.Fatal(err)
	}
	breaches := 0
	for seed := range uint64(6) {
		reg, recs, _ := ingestFlows(t, tr, 3000, 3000+int(seed)*500, seed)
		evs, err := reg.WarheadEvents(t.Context(), "USA", mustTime("2040-01-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != len(recs) {
			t.Fatalf("seed %d: %d events for %d notifications", seed, len(evs), len(recs))
		}
		breaches += checkTotals(t, tr, recs, evs)
	}
	if breaches == 0 {
		t.Fatal("no run crossed its baseline: the property is not exercised")
	}
}

// checkTotals recomputes every event's totals from the raw notifications
// alone, and returns the number of breaches.
func checkTotals(t *testing.T, tr *treaty.Treaty, recs []Record, evs []WarheadEvent) int {
	t.Helper()
	var total, baseline int64 = 0, -1
	breached, breaches := false, 0
	from, until := treaty.MustDate("2021-02-05"), treaty.MustDate("2022-02-05")
	for i, rec := range recs {
		n, err := body.ParseNotification(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		if baseline < 0 && rec.Effective.After(treaty.MustDate("2020-10-20")) {
			baseline = total
		}
		for _, l := range n.Stock {
			switch n.Type {
			case "warhead_data", "warhead_produced":
				total += int64(l.Count)
			case "warhead_dismantled":
				total -= int64(l.Count)
			}
		}
		inForce := !rec.Effective.Before(from) && !rec.Effective.After(until)
		over := inForce && baseline >= 0 && total > baseline
		e, p := evs[i], evs[i].Freezes[0]
		if e.Entry.Index != rec.Index || e.Total != total || p.Value != total || p.Breach != (over && !breached) || p.InForce != inForce {
			t.Fatalf("entry %d (%s, %s): database total %d, value %d, breach %v, in force %v; recomputed %d, breach %v, in force %v",
				rec.Index, rec.Effective, n.Type, e.Total, p.Value, p.Breach, p.InForce, total, over && !breached, inForce)
		}
		if over && !breached {
			breaches++
		}
		breached = over
	}
	return breaches
}

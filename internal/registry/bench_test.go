package registry

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"
)

var benchN = flag.Int("registry.n", 1_000_000, "notifications BenchmarkReplay replays")

// A stream generates a long valid history for one party, a batch at a
// time, so that its own memory stays small.
type stream struct {
	tr     *treaty.Treaty
	rnd    *rand.Rand
	origin string
	index  uint64
	items  []streamItem
}

type streamItem struct {
	uid      string
	deployed bool
	facility int
}

func newStream(tr *treaty.Treaty) *stream {
	return &stream{tr: tr, rnd: rand.New(rand.NewPCG(1, 2)), origin: entry.Origin(tr.ID, "USA")}
}

// next returns the next k records.
func (s *stream) next(tb testing.TB, k int) []Record {
	out := make([]Record, 0, k)
	for range k {
		out = append(out, s.record(tb, s.notification()))
	}
	return out
}

func (s *stream) notification() *body.Notification {
	if s.index == 0 {
		n := &body.Notification{Type: "initial_data"}
		for range 400 {
			n.Items = append(n.Items, s.add())
		}
		return n
	}
	switch k := s.rnd.IntN(10); {
	case k < 1:
		return &body.Notification{Type: "change_in_data", Items: []body.Item{s.add()}}
	case k < 6:
		it := &s.items[s.rnd.IntN(len(s.items))]
		it.deployed = !it.deployed
		st, w := "non_deployed", 0
		if it.deployed {
			st, w = "deployed", 1+s.rnd.IntN(3)
		}
		return &body.Notification{Type: "change_in_data", Items: []body.Item{{UID: it.uid, Status: st, Warheads: wh(w)}}}
	case k < 9:
		it := &s.items[s.rnd.IntN(len(s.items))]
		from := it.facility
		it.facility = (from + 1) % len(genFacilities)
		return &body.Notification{Type: "movement", From: genFacilities[from], To: genFacilities[it.facility], Items: uids(it.uid)}
	}
	return &body.Notification{Type: "conversion_start", Items: uids(s.items[s.rnd.IntN(len(s.items))].uid)}
}

func (s *stream) add() body.Item {
	it := streamItem{uid: fmt.Sprintf("MM3-%07d", len(s.items)), facility: s.rnd.IntN(len(genFacilities))}
	s.items = append(s.items, it)
	return item(it.uid, "MM-III", "icbm", "non_deployed", genFacilities[it.facility], 0)
}

func (s *stream) record(tb testing.TB, n *body.Notification) Record {
	b, err := n.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	eff := s.tr.Dates.EntryIntoForce.AddDays(int(s.index / 500))
	var h body.Hash
	binary.BigEndian.PutUint64(h[:], s.index)
	h = sha256.Sum256(h[:])
	rec := Record{Origin: s.origin, Party: "USA", Index: s.index, LeafHash: h, Kind: entry.Notification,
		Effective: eff, Recorded: eff.Time().Add(time.Duration(s.index%500) * time.Minute), Body: b}
	s.index++
	return rec
}

// replay ingests n notifications into a new registry in batches of 1,000
// and returns it with the time Apply took.
func replay(tb testing.TB, n int) (*Registry, time.Duration) {
	c := &clock{tb: tb}
	reg := replayIn(tb, n, 1000, false, c)
	return reg, c.wall
}

// replayIn is replay in batches of batch records, through the bulk path
// (StartBulk, then EndBulk) if bulk is set; c times the registry's calls.
func replayIn(tb testing.TB, n, batch int, bulk bool, c *clock) *Registry {
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := Open(context.Background(), testConfig(tb, Config{Treaty: tr, Path: filepath.Join(tb.TempDir(), "bench.db")}))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { reg.Close() })
	s := newStream(tr)
	c.start()
	if bulk {
		if err := reg.StartBulk(context.Background()); err != nil {
			tb.Fatal(err)
		}
	}
	c.stop()
	for done := 0; done < n; {
		recs := s.next(tb, min(batch, n-done))
		c.start()
		if err := reg.Apply(context.Background(), recs...); err != nil {
			tb.Fatal(err)
		}
		c.stop()
		done += len(recs)
	}
	c.start()
	if err := reg.EndBulk(context.Background()); err != nil {
		tb.Fatal(err)
	}
	c.stop()
	return reg
}

// TestReplay is BenchmarkReplay at a small size: every generated
// notification is accepted, and the counts match the generator's.
func TestReplay(t *testing.T) {
	const n = 5000
	reg, _ := replay(t, n)
	fs, err := reg.Findings(t.Context(), "USA", mustTime("2011-02-20"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Kind == FindingRefused {
			t.Fatalf("generated notification refused: %s", f.Reason)
		}
	}
	s := newStream(reg.t)
	s.next(t, n)
	deployed := 0
	for _, it := range s.items {
		if it.deployed {
			deployed++
		}
	}
	items, err := reg.Inventory(t.Context(), "USA", treaty.MustDate("2030-01-01"), mustTime("2030-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, it := range items {
		if it.Status == "deployed" {
			got++
		}
	}
	if len(items) != len(s.items) || got != deployed {
		t.Errorf("inventory has %d items, %d deployed; generator %d, %d", len(items), got, len(s.items), deployed)
	}
}

// BenchmarkReplay replays -registry.n notifications (default 1,000,000)
// into a new database per iteration, beside its baseline: the same
// records inserted as plain rows into one SQLite table with the same
// settings (dsn) and batches, the least any database of the log must do:
// incremental ingest (registry) in batches of 1,000 against rows in
// batches of 1,000, and the bulk path of a reindex or first sync (bulk)
// in batches of 10,000 against rows in batches of 10,000 (bulkrows). Run it
// once:
//
//	go test -run '^$' -bench Replay -benchtime 1x -benchmem ./internal/registry
func BenchmarkReplay(b *testing.B) {
	runs := []struct {
		name  string
		batch int
		run   func(b *testing.B, batch int, c *clock)
	}{
		{"registry", 1000, func(b *testing.B, batch int, c *clock) { replayIn(b, *benchN, batch, false, c) }},
		{"rows", 1000, func(b *testing.B, batch int, c *clock) { replayRows(b, *benchN, batch, c) }},
		{"bulk", 10_000, func(b *testing.B, batch int, c *clock) { replayIn(b, *benchN, batch, true, c) }},
		{"bulkrows", 10_000, func(b *testing.B, batch int, c *clock) { replayRows(b, *benchN, batch, c) }},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			c := &clock{tb: b}
			for b.Loop() {
				r.run(b, r.batch, c)
			}
			c.report(b, *benchN*b.N)
		})
	}
}

// cpuTime is the CPU time the process has used, user and system: on a
// machine shared with other work it grows with the work done, where wall
// time also grows with the other work's.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A clock measures wall and CPU time over the sections it times.
type clock struct {
	tb        testing.TB
	wall, cpu time.Duration
	startW    time.Time
	startCPU  time.Duration
}

func (c *clock) start() { c.startW, c.startCPU = time.Now(), cpuTime(c.tb) }

func (c *clock) stop() {
	c.wall += time.Since(c.startW)
	c.cpu += cpuTime(c.tb) - c.startCPU
}

// report reports n entries per second of wall time and per second of CPU
// time.
func (c *clock) report(b *testing.B, n int) {
	b.ReportMetric(float64(n)/c.wall.Seconds(), "entries/s")
	b.ReportMetric(float64(n)/c.cpu.Seconds(), "entries/cpu-s")
}

// replayRows inserts n generated records into a plain table in batches of
// batch records, one transaction each; c times the inserts.
func replayRows(tb testing.TB, n, batch int, c *clock) {
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(tb.TempDir(), "rows.db")))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE entries (origin TEXT NOT NULL, idx INTEGER NOT NULL, leaf_hash BLOB NOT NULL,
		party TEXT NOT NULL, kind TEXT NOT NULL, effective TEXT NOT NULL, recorded TEXT NOT NULL, body BLOB NOT NULL,
		PRIMARY KEY (origin, idx)) WITHOUT ROWID`); err != nil {
		tb.Fatal(err)
	}
	s := newStream(tr)
	for done := 0; done < n; {
		recs := s.next(tb, min(batch, n-done))
		c.start()
		tx, err := db.Begin()
		if err != nil {
			tb.Fatal(err)
		}
		st, err := tx.Prepare(`INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range recs {
			if _, err := st.Exec(r.Origin, r.Index, r.LeafHash[:], r.Party, string(r.Kind), r.Effective.String(),
				r.Recorded.UTC().Format(time.RFC3339Nano), r.Body); err != nil {
				tb.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
		c.stop()
		done += len(recs)
	}
}

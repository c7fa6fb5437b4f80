package peer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"accord/entry"
	"accord/internal/ledger"
)

// recorder is an Ingester (and, batched, a BatchIngester) that records
// what it is given and can fail once at one index.
type recorder struct {
	mu       sync.Mutex
	got      []uint64 // indexes, in the order ingested
	failAt   uint64
	failOnce bool
}

func (r *recorder) Ingest(_ context.Context, _ string, index uint64, _ entry.Entry, _ []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failOnce && index == r.failAt {
		r.failOnce = false
		return errors.New("database unavailable")
	}
	r.got = append(r.got, index)
	return nil
}

type batchRecorder struct{ recorder }

func (r *batchRecorder) IngestAll(ctx context.Context, peer string, from uint64, es []Ingested) error {
	r.mu.Lock()
	if r.failOnce && r.failAt >= from && r.failAt < from+uint64(len(es)) {
		r.failOnce = false
		r.mu.Unlock()
		return errors.New("database unavailable")
	}
	r.mu.Unlock()
	for i, e := range es {
		if err := r.Ingest(ctx, peer, from+uint64(i), e.Entry, e.Raw); err != nil {
			return err
		}
	}
	return nil
}

func (r *batchRecorder) Ingest(ctx context.Context, peer string, index uint64, e entry.Entry, raw []byte) error {
	return r.recorder.Ingest(ctx, peer, index, e, raw)
}

// appender counts the acknowledgements appended, by acknowledged index.
type appender struct {
	mu   sync.Mutex
	next uint64
	acks map[uint64]int
}

func (a *appender) Append(_ context.Context, e entry.Entry) (ledger.Appended, error) {
	var idx uint64
	if _, err := fmt.Sscanf(string(e.Body), `{"entry":{"index":%d`, &idx); err != nil {
		return ledger.Appended{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.acks[idx]++
	a.next++
	return ledger.Appended{Index: a.next - 1}, nil
}

// TestIngestAndAck follows a log of several bundles with an ingester that
// fails once in the middle, plain and batched: every entry is ingested in
// order before it is acknowledged, the follower resumes after the
// failure, and every entry is acknowledged exactly once.
func TestIngestAndAck(t *testing.T) {
	const n = 3000
	src := filepath.Join(t.TempDir(), "rus", "log")
	v, vkey := writeLog(t, src, n)
	u := serveLog(t, src)
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprintf("batched=%v", batched), func(t *testing.T) {
			var ing Ingester
			var rec *recorder
			if batched {
				b := &batchRecorder{recorder{failAt: 1700, failOnce: true}}
				ing, rec = b, &b.recorder
			} else {
				rec = &recorder{failAt: 1700, failOnce: true}
				ing = rec
			}
			acks := &appender{acks: map[uint64]int{}}
			set, err := NewSet([]Config{{Party: "RUS", Log: v, LogVKey: vkey, URL: u, Client: http.DefaultClient,
				Dir: filepath.Join(t.TempDir(), "peers", "RUS"), Interval: time.Second, MaxBackoff: time.Second,
				Ingester: ing, Acks: acks, Acked: &AckIndex{acked: map[string]map[uint64]bool{}}}}, "accord/newstart/USA", t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			fl := set.followers[0]
			if err := fl.sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := fl.ack(t.Context()); err == nil {
				t.Fatal("ack succeeded past a failing ingester")
			}
			if st := fl.Status(); st.Acked > 1700 || st.Acked%ackBatch != 0 {
				t.Fatalf("progress %d recorded past the failed entry 1700 or mid-batch", st.Acked)
			}
			if err := fl.ack(t.Context()); err != nil {
				t.Fatal(err)
			}
			if st := fl.Status(); st.Acked != n {
				t.Fatalf("progress %d, want %d", st.Acked, n)
			}
			// Ingested in order, resuming at the recorded progress: each
			// index follows the one before or restarts at a batch boundary.
			for i := 1; i < len(rec.got); i++ {
				if rec.got[i] != rec.got[i-1]+1 && (rec.got[i] > rec.got[i-1] || rec.got[i]%ackBatch != 0) {
					t.Fatalf("ingested %d after %d", rec.got[i], rec.got[i-1])
				}
			}
			if rec.got[len(rec.got)-1] != n-1 {
				t.Fatalf("last ingested %d", rec.got[len(rec.got)-1])
			}
			for i := range uint64(n) {
				if acks.acks[i] != 1 {
					t.Fatalf("entry %d acknowledged %d times", i, acks.acks[i])
				}
			}
		})
	}
}

// TestReadAcks reads an own log of acknowledgements of entries 0 to 599
// of a peer whose follower recorded 300 as acknowledged: only those at or
// past 300 are kept.
func TestReadAcks(t *testing.T) {
	const origin = "accord/newstart/RUS"
	dir := filepath.Join(t.TempDir(), "usa", "log")
	v, _ := writeEntries(t, dir, 600, "USA", func(i int) entry.Entry {
		e, err := ackEntry(origin, uint64(i), [32]byte{byte(i)}, time.Date(2020, 9, 1, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		return e
	})
	x, err := ReadAcks(t.Context(), ledger.DirSource(dir), v, map[string]uint64{origin: 300})
	if err != nil {
		t.Fatal(err)
	}
	if x.Count(origin) != 300 || x.Has(origin, 299) || !x.Has(origin, 300) || !x.Has(origin, 599) {
		t.Fatalf("kept %d acknowledgements of %s", x.Count(origin), origin)
	}
}

package server

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sync/errgroup"

	"accord/entry"
	"accord/internal/ledger"
	"accord/internal/node"
)

// TestAckLatency measures, when ACCORD_MEASURE is set, the time from a
// notification's acceptance by USA (POST /v1/notifications answers once
// it is validated, applied and published) to RUS recording it verified,
// ingested into its treaty database and acknowledged (the acknowledgement
// published in RUS's log), with two real nodes on loopback.
func TestAckLatency(t *testing.T) {
	if os.Getenv("ACCORD_MEASURE") == "" {
		t.Skip("set ACCORD_MEASURE=1 to measure")
	}
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	for _, p := range ps {
		p.start()
	}
	usa.sendNotifications("newstart")
	base := usa.size()
	rus.waitFor("the first acknowledgements", func() bool { return rus.acked(usa) >= float64(base) })
	var ds, notify []time.Duration
	from, to := "USA-North", "USA-South"
	for range 50 {
		start := time.Now()
		s := usa.mustNotify(fmt.Sprintf(`{"type":"movement","effective":"2011-04-01","items":[{"uid":"USA-M2"}],"from":%q,"to":%q}`, from, to))
		notify = append(notify, time.Since(start))
		from, to = to, from
		start = time.Now()
		rus.waitFor("the acknowledgement", func() bool { return rus.acked(usa) >= float64(s.Index+1) })
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	slices.Sort(notify)
	t.Logf("POST /v1/notifications, %d samples: p50 %v, p95 %v", len(notify), notify[len(notify)/2], notify[len(notify)*95/100])
	t.Logf("notification published to acknowledgement published, %d samples: p50 %v, p95 %v, max %v",
		len(ds), ds[len(ds)/2], ds[len(ds)*95/100], ds[len(ds)-1])
}

// TestSyncDatabase measures, when ACCORD_MEASURE is set, how long USA's
// node takes to follow a RUS log of ACCORD_SYNC_ENTRIES notifications
// (default 10,000; initial data of 500 items, then changes in data),
// verifying, applying to its treaty database and acknowledging each.
func TestSyncDatabase(t *testing.T) {
	if os.Getenv("ACCORD_MEASURE") == "" {
		t.Skip("set ACCORD_MEASURE=1 to measure")
	}
	n := 10000
	if s := os.Getenv("ACCORD_SYNC_ENTRIES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	dumpOnFailure(t, ps)
	start := time.Now()
	fillLog(t, rus.dir, n)
	t.Logf("wrote RUS's log of %d entries in %v", n, time.Since(start))
	start = time.Now()
	accord(t, "reindex", "--data", rus.dir)
	t.Logf("RUS built its treaty database from its log (accord reindex) in %v", time.Since(start))
	rus.start()
	start = time.Now()
	usa.start()
	var verified time.Duration
	waitForLong(t, "USA to acknowledge RUS's log", func() bool {
		st := usa.peerStatus()["RUS"]
		if st == nil {
			return false
		}
		if verified == 0 && st["verified"].(float64) >= float64(n) {
			verified = time.Since(start)
		}
		return st["acknowledged"].(float64) >= float64(n)
	})
	d := time.Since(start)
	t.Logf("USA fetched and verified %d entries in %v; ingested and acknowledged all in %v (%.0f entries/s)",
		n, verified, d, float64(n)/d.Seconds())
	if string(usa.get("v1/status?party=RUS&as_of="+farFuture)) != string(rus.get("v1/status?party=RUS&as_of="+farFuture)) {
		t.Error("USA and RUS answer differently about RUS")
	}
}

// waitForLong is waitFor for measurements that take minutes.
func waitForLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fillLog appends to the log of the node in dir an initial data of 500
// items, then n-1 changes in data, each of one item's warheads: valid in
// any order, so they are appended concurrently.
func fillLog(t *testing.T, dir string, n int) {
	l, err := ledger.Open(t.Context(), ledger.Options{Dir: filepath.Join(dir, node.LogDir), Signer: signerOf(t, dir), CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const items = 500
	body := []byte(`{"items":[`)
	for i := range items {
		if i > 0 {
			body = append(body, ',')
		}
		body = fmt.Appendf(body, `{"category":"icbm","facility":"Base","status":"deployed","type":"RS-24","uid":"R-%04d","warheads":1}`, i)
	}
	body = append(body, `],"type":"initial_data"}`...)
	eif := time.Date(2011, 2, 5, 0, 0, 0, 0, time.UTC)
	if _, err := l.Append(t.Context(), entry.Entry{Kind: entry.Notification, Effective: eif, Body: body}); err != nil {
		t.Fatal(err)
	}
	var g errgroup.Group
	g.SetLimit(4096)
	for i := 1; i < n; i++ {
		g.Go(func() error {
			b := fmt.Appendf(nil, `{"items":[{"uid":"R-%04d","warheads":%d}],"type":"change_in_data"}`, i%items, 1+i%3)
			_, err := l.Append(t.Context(), entry.Entry{Kind: entry.Notification, Effective: eif.AddDate(0, 1, 0), Body: b})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// signerOf reads the log key of the node in dir.
func signerOf(t *testing.T, dir string) note.Signer {
	b, err := os.ReadFile(filepath.Join(dir, node.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

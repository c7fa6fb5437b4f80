package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/office"
)

// crashClient is one operator client: it sends notifications, each under
// its own Idempotency-Key, and retries a notification until it is
// answered, across crashes of the node.
type crashClient struct {
	id      int
	seq     int               // the notification being sent
	pending bool              // seq was sent and not yet answered
	acked   map[string]uint64 // key → index of every answered notification
}

func (c *crashClient) key() string { return fmt.Sprintf("c%d-%d", c.id, c.seq) }

func (c *crashClient) body() string {
	return fmt.Sprintf(`{"type":"initial_data","effective":"2011-02-05","items":[{"uid":"MM3-%d-%d","type":"Minuteman III","category":"icbm","status":"deployed","facility":"Malmstrom","warheads":1}]}`, c.id, c.seq)
}

// run sends until ctx ends, the node stops answering, or (if max > 0)
// max notifications are answered.
func (c *crashClient) run(ctx context.Context, p *proc, max int) {
	cl := &http.Client{Timeout: 10 * time.Second}
	for n := 0; ctx.Err() == nil && (max <= 0 || n < max); n++ {
		req, _ := http.NewRequestWithContext(ctx, "POST", p.url()+"v1/notifications", strings.NewReader(c.body()))
		req.Header.Set("Authorization", "Bearer "+p.operator)
		req.Header.Set("Idempotency-Key", c.key())
		c.pending = true
		resp, err := cl.Do(req)
		if err != nil {
			return // the node died (or the cycle ended): retry the same key next cycle
		}
		var s office.Sent
		json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			p.t.Errorf("client %d, %s: %s", c.id, c.key(), resp.Status)
			return
		}
		c.acked[c.key()] = s.Index
		c.pending = false
		c.seq++
	}
}

// TestCrashCycles kills USA's serving node with SIGKILL at seeded random
// moments while 8 operator clients send notifications and RUS's node
// follows USA's log, then restarts it; the clients retry what was not
// answered with the same Idempotency-Key. After every cycle fsck and log
// verify pass; at the end every answered notification is in the log at
// the index it was answered with, no notification is in it twice, and
// RUS has acknowledged every entry exactly once. ACCORD_CRASH_CYCLES sets
// the number of cycles (default 4, so the test suite stays quick):
//
//	ACCORD_CRASH_CYCLES=200 go test ./internal/server -run TestCrashCycles -v
func TestCrashCycles(t *testing.T) {
	cycles := 4
	if s := os.Getenv("ACCORD_CRASH_CYCLES"); s != "" {
		cycles, _ = strconv.Atoi(s)
	}
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	dumpOnFailure(t, ps)
	rus.start()
	rnd := rand.New(rand.NewPCG(20261127, 13))
	clients := make([]*crashClient, 8)
	for i := range clients {
		clients[i] = &crashClient{id: i, acked: map[string]uint64{}}
	}
	trust := filepath.Join(t.TempDir(), "trust")
	killedPending := 0
	for cycle := range cycles {
		usa.start()
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Go(func() { c.run(ctx, usa, 0) })
		}
		time.Sleep(time.Duration(50+rnd.IntN(400)) * time.Millisecond)
		usa.kill()
		cancel()
		wg.Wait()
		for _, c := range clients {
			if c.pending {
				killedPending++
			}
		}
		for _, args := range [][]string{{"fsck", "--data", usa.dir}, {"log", "verify", "--trust-store", trust, usa.dir}} {
			if out, err := exec.Command(accordBin, args...).CombinedOutput(); err != nil {
				t.Fatalf("cycle %d: accord %s: %v\n%s", cycle, args[0], err, out)
			}
		}
	}
	// A last, uninterrupted round answers every pending notification.
	usa.start()
	for _, c := range clients {
		if c.pending {
			c.run(t.Context(), usa, 1)
		}
	}
	checkCrashLog(t, usa, rus, clients)
	total := 0
	for _, c := range clients {
		total += len(c.acked)
	}
	t.Logf("%d cycles: %d notifications answered, %d requests cut off by a kill and retried with their key", cycles, total, killedPending)
}

// checkCrashLog checks USA's log against what the clients were told, and
// RUS's acknowledgements of it.
func checkCrashLog(t *testing.T, usa, rus *proc, clients []*crashClient) {
	t.Helper()
	_, recs := usa.logEntries()
	ids := map[string]uint64{}
	for _, r := range recs {
		if r.Entry.Kind != entry.Notification {
			continue
		}
		n, err := body.ParseNotification(r.Entry.Body)
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := ids[n.ID]; dup {
			t.Errorf("notification %s is in the log twice, at %d and %d", n.ID, prev, r.Index)
		}
		ids[n.ID] = r.Index
	}
	for _, c := range clients {
		for key, idx := range c.acked {
			if got, ok := ids[key]; !ok || got != idx {
				t.Errorf("%s was answered with index %d; the log holds it at %d (%v)", key, idx, got, ok)
			}
		}
	}
	size := float64(usa.size())
	rus.waitFor("RUS to acknowledge all of USA's log", func() bool { return rus.acked(usa) >= size })
	for idx, n := range rus.acks(usa.verifier().Name()) {
		if n != 1 {
			t.Errorf("RUS acknowledged USA's entry %d %d times", idx, n)
		}
	}
}

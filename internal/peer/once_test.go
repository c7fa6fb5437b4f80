package peer

import (
	"bytes"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// countingVerifier counts the entry signatures it checks (not the
// checkpoints', whose text starts with the log's origin).
type countingVerifier struct {
	note.Verifier
	n atomic.Int64
}

func (c *countingVerifier) Verify(msg, sig []byte) bool {
	if !bytes.HasPrefix(msg, []byte(c.Name()+"\n")) {
		c.n.Add(1)
	}
	return c.Verifier.Verify(msg, sig)
}

// TestVerifyOnce follows a log, restarts, and ingests and acknowledges
// every entry after the restart: each entry's signature is checked once,
// when it is fetched, and not again when the mirror is reopened or read
// back for ingestion; and the follower holds nothing per entry after.
func TestVerifyOnce(t *testing.T) {
	const n = 700
	src := filepath.Join(t.TempDir(), "rus", "log")
	v, vkey := writeLog(t, src, n)
	u := serveLog(t, src)
	cv := &countingVerifier{Verifier: v}
	dir := filepath.Join(t.TempDir(), "peers", "RUS")
	acks := &appender{acks: map[uint64]int{}}
	follower := func() *Follower {
		set, err := NewSet([]Config{{Party: "RUS", Log: cv, LogVKey: vkey, URL: u, Client: http.DefaultClient,
			Dir: dir, Interval: time.Second, MaxBackoff: time.Second, Ingester: &recorder{}, Acks: acks,
			Acked: &AckIndex{acked: map[string]map[uint64]bool{}}}}, "accord/newstart/USA", t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return set.followers[0]
	}
	if err := follower().sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	fl := follower() // a restart between copying and acknowledging
	if err := fl.round(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := fl.Status(); st.Verified != n || st.Acked != n || len(acks.acks) != n {
		t.Fatalf("verified %d, acknowledged %d (%d appended), want %d", st.Verified, st.Acked, len(acks.acks), n)
	}
	if got := cv.n.Load(); got != n {
		t.Fatalf("%d entry signatures checked for %d entries, want one each", got, n)
	}
	if got, err := Recorded(dir); got != n || err != nil {
		t.Fatalf("recorded %d acknowledged, %v", got, err)
	}
	// Nothing is held per entry once all are acknowledged.
	if len(fl.m.pending) != 0 || len(fl.m.tiles) > maxCachedTiles || fl.cfg.Acked.Count(v.Name()) != 0 {
		t.Fatalf("held after the round: %d hashes, %d tiles, %d acknowledgements", len(fl.m.pending), len(fl.m.tiles), fl.cfg.Acked.Count(v.Name()))
	}
}

package peer

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/internal/ledger"
)

var (
	benchN     = flag.Int("peer.n", 10000, "entries in the peer log of BenchmarkFollow")
	benchSizes = flag.String("peer.sizes", "10000,100000", "peer log sizes of BenchmarkFollowMemory, comma-separated")
)

// BenchmarkFollow compares, on one peer log of -peer.n entries served
// over loopback HTTP: "ed25519", the bare Ed25519 verification of every
// entry's signature on every CPU (the bound of any verifying follower);
// "fetch", a new follower fetching, verifying and storing the whole log;
// "acked", the same followed by ingesting (a no-op ingester) and
// appending an acknowledgement of every entry to a real own log. Each
// reports entries/s.
func BenchmarkFollow(b *testing.B) {
	src := filepath.Join(b.TempDir(), "rus", "log")
	v, vkey := writeLog(b, src, *benchN)
	u := serveLog(b, src)
	newFollower := func(b *testing.B, acks Appender) *Follower {
		set, err := NewSet([]Config{{Party: "RUS", Log: v, LogVKey: vkey, URL: u, Client: http.DefaultClient,
			Dir: filepath.Join(b.TempDir(), "peers", "RUS"), Interval: time.Second, MaxBackoff: time.Second,
			Acks: acks, Acked: &AckIndex{acked: map[string]map[uint64]bool{}}}}, "accord/newstart/USA", b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		return set.followers[0]
	}
	b.Run("ed25519", func(b *testing.B) {
		msgs, sigs, pub := signedMessages(b, src, vkey, *benchN)
		b.ResetTimer()
		for b.Loop() {
			verifyAll(b, pub, msgs, sigs)
		}
		b.ReportMetric(float64(*benchN*b.N)/b.Elapsed().Seconds(), "entries/s")
	})
	b.Run("fetch", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			fl := newFollower(b, nil)
			b.StartTimer()
			if err := fl.sync(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(*benchN*b.N)/b.Elapsed().Seconds(), "entries/s")
	})
	b.Run("acked", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			own := openOwnLog(b)
			fl := newFollower(b, own)
			b.StartTimer()
			if err := fl.round(b.Context()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			own.Close(context.Background())
			b.StartTimer()
		}
		b.ReportMetric(float64(*benchN*b.N)/b.Elapsed().Seconds(), "entries/s")
	})
}

// openOwnLog opens a new own log for acknowledgements.
func openOwnLog(b *testing.B) *ledger.Log {
	skey, _, err := note.GenerateKey(nil, entry.Origin("newstart", "USA"))
	if err != nil {
		b.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	l, err := ledger.Open(b.Context(), ledger.Options{Dir: b.TempDir(), Signer: s})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// signedMessages reads the n entries of the log in dir and returns each
// one's signed message and Ed25519 signature, and the log's public key.
func signedMessages(b *testing.B, dir, vkey string, n int) (msgs, sigs [][]byte, pub ed25519.PublicKey) {
	key, _ := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	pub = ed25519.PublicKey(key[1:])
	for bn := 0; bn*layout.EntryBundleWidth < n; bn++ {
		raw, err := os.ReadFile(filepath.Join(dir, layout.EntriesPath(uint64(bn), layout.PartialTileSize(0, uint64(bn), uint64(n)))))
		if err != nil {
			b.Fatal(err)
		}
		var eb api.EntryBundle
		if err := eb.UnmarshalText(raw); err != nil {
			b.Fatal(err)
		}
		for _, e := range eb.Entries {
			_, sig, err := entry.Parse(e)
			if err != nil {
				b.Fatal(err)
			}
			s, _ := base64.StdEncoding.DecodeString(sig.Base64)
			msgs = append(msgs, e[:bytes.Index(e, []byte("\n\n"))+1])
			sigs = append(sigs, s[4:])
		}
	}
	return msgs, sigs, pub
}

// verifyAll verifies every signature, on every CPU.
func verifyAll(b *testing.B, pub ed25519.PublicKey, msgs, sigs [][]byte) {
	var wg sync.WaitGroup
	procs := runtime.GOMAXPROCS(0)
	for p := range procs {
		wg.Go(func() {
			for i := p; i < len(msgs); i += procs {
				if !ed25519.Verify(pub, msgs[i], sigs[i]) {
					b.Error(fmt.Sprintf("entry %d does not verify", i))
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkFollowMemory follows peer logs of each of -peer.sizes entries
// with a new follower (fetch, verify, store, ingest with a no-op
// ingester, acknowledge to an own log that keeps nothing), then reports
// the heap in use after a garbage collection with the follower still
// open ("heap-B"), and the largest heap in use, sampled every
// millisecond, while ledger.Verify checks the whole copy
// ("verify-peak-B"). Flat figures across sizes mean nothing is held per
// entry.
func BenchmarkFollowMemory(b *testing.B) {
	for _, s := range strings.Split(*benchSizes, ",") {
		var n int
		fmt.Sscan(s, &n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			src := filepath.Join(b.TempDir(), "rus", "log")
			v, vkey := writeLog(b, src, n)
			u := serveLog(b, src)
			for b.Loop() {
				heap, peak := followMemory(b, n, v, vkey, u.String())
				b.ReportMetric(float64(heap), "heap-B")
				b.ReportMetric(float64(peak), "verify-peak-B")
			}
		})
	}
}

func followMemory(b *testing.B, n int, v note.Verifier, vkey, peerURL string) (heap, peak uint64) {
	u, _ := url.Parse(peerURL)
	dir := filepath.Join(b.TempDir(), "peers", "RUS")
	set, err := NewSet([]Config{{Party: "RUS", Log: v, LogVKey: vkey, URL: u, Client: http.DefaultClient,
		Dir: dir, Interval: time.Second, MaxBackoff: time.Second, Acks: &nopAppender{},
		Acked: &AckIndex{acked: map[string]map[uint64]bool{}}}}, "accord/newstart/USA", b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	fl := set.followers[0]
	if err := fl.round(b.Context()); err != nil {
		b.Fatal(err)
	}
	if st := fl.Status(); st.Acked != uint64(n) {
		b.Fatalf("acknowledged %d of %d", st.Acked, n)
	}
	heap = heapInUse()
	peak = peakDuring(func() {
		if _, err := ledger.Verify(b.Context(), ledger.DirSource(filepath.Join(dir, logDir)), v, nil); err != nil {
			b.Fatal(err)
		}
	})
	runtime.KeepAlive(fl)
	return heap, peak
}

// heapInUse returns the heap in use after a garbage collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// peakDuring returns the largest heap in use sampled every millisecond
// while f runs.
func peakDuring(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	return peak.Load()
}

// nopAppender acknowledges without keeping anything.
type nopAppender struct{ n atomic.Uint64 }

func (a *nopAppender) Append(context.Context, entry.Entry) (ledger.Appended, error) {
	return ledger.Appended{Index: a.n.Add(1) - 1}, nil
}

// BenchmarkReadAcks reads a log of -peer.n entries at start-up as
// ReadAcks does ("reread": no signature checked again) beside reading it
// with every signature checked ("verify", what ReadAcks did before).
// Each reports entries/s.
func BenchmarkReadAcks(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "rus", "log")
	v, _ := writeLog(b, dir, *benchN)
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			err := ledger.Entries(b.Context(), ledger.DirSource(dir), v, uint64(*benchN), func(ledger.Record) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(*benchN*b.N)/b.Elapsed().Seconds(), "entries/s")
	})
	b.Run("reread", func(b *testing.B) {
		for b.Loop() {
			if _, err := ReadAcks(b.Context(), ledger.DirSource(dir), v, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(*benchN*b.N)/b.Elapsed().Seconds(), "entries/s")
	})
}

package peer

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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

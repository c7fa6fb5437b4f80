package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"

	"accord/entry"
)

// benchParallelism is how many appends are in flight per CPU: appends
// wait for a checkpoint, so throughput comes from batching many at once.
const benchParallelism = 64

// BenchmarkAppend compares signed appends through accord with raw Tessera
// POSIX appends of the same encoded entries, with the same batching and
// checkpoint interval, both waiting for publication. Report appends/s.
func BenchmarkAppend(b *testing.B) {
	b.Run("accord", func(b *testing.B) {
		tl := newTestLog(b)
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := tl.log.Append(context.Background(), testEntry(i)); err != nil {
					b.Error(err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	})
	b.Run("tessera", func(b *testing.B) {
		s, _ := testKeys(b, "accord/newstart/USA")
		payload, err := entry.Sign(&entry.Entry{Treaty: "newstart", Party: "USA", Kind: entry.Declaration,
			Effective: testEntry(0).Effective, Created: time.Now().UTC(), Body: testEntry(0).Body}, s)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		d, _ := posix.New(ctx, posix.Config{Path: b.TempDir()})
		app, shutdown, r, err := tessera.NewAppender(ctx, d, appendOptions(Options{Signer: s}))
		if err != nil {
			b.Fatal(err)
		}
		defer shutdown(ctx)
		aw := tessera.NewPublicationAwaiter(ctx, r.ReadCheckpoint, pollPeriod)
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := aw.Await(ctx, app.Add(ctx, tessera.NewEntry(payload))); err != nil {
					b.Error(err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	})
}

// BenchmarkSign measures the CPU cost accord adds per entry: canonical
// JSON, encoding and the Ed25519 signature.
func BenchmarkSign(b *testing.B) {
	s, _ := testKeys(b, "accord/newstart/USA")
	e := testEntry(0)
	e.Treaty, e.Party, e.Created = "newstart", "USA", time.Now().UTC()
	for b.Loop() {
		if _, err := entry.Sign(&e, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s, v := testKeys(b, "accord/newstart/USA")
	e := testEntry(0)
	e.Treaty, e.Party, e.Created = "newstart", "USA", time.Now().UTC()
	enc, _ := entry.Sign(&e, s)
	for b.Loop() {
		if _, err := entry.Open(enc, v); err != nil {
			b.Fatal(err)
		}
	}
}

// Baselines: the primitives underneath.
func BenchmarkSHA256(b *testing.B) {
	msg := make([]byte, 256)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		sha256.Sum256(msg)
	}
}

func BenchmarkEd25519Sign(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(&seededReader{"bench"})
	msg := []byte(fmt.Sprintf("%0256d", 0))
	for b.Loop() {
		ed25519.Sign(priv, msg)
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(&seededReader{"bench"})
	msg := []byte(fmt.Sprintf("%0256d", 0))
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		ed25519.Verify(pub, msg, sig)
	}
}

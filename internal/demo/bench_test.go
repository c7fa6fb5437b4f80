package demo

import (
	"context"
	"testing"
)

// BenchmarkBuild builds the newstart demo's logs and databases, as
// accord demo --build-only does.
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build(context.Background(), Options{Scenario: "newstart", Seed: 1, Dir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
}

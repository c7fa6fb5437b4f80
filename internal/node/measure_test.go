package node

import (
	"os"
	"slices"
	"testing"
	"time"
)

// TestAckLatency measures, when ACCORD_MEASURE is set, the time from a
// declaration's publication in USA's log to RUS recording it verified,
// ingested and acknowledged (the acknowledgement published in RUS's log),
// with two real nodes on loopback.
func TestAckLatency(t *testing.T) {
	if os.Getenv("ACCORD_MEASURE") == "" {
		t.Skip("set ACCORD_MEASURE=1 to measure")
	}
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	for _, p := range ps {
		p.start()
	}
	var ds []time.Duration
	for i := range 50 {
		usa.declare(1)
		start := time.Now()
		rus.waitFor("the acknowledgement", func() bool { return rus.acked(usa) >= float64(i+1) })
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	t.Logf("declaration published to acknowledgement published, %d samples: p50 %v, p95 %v, max %v",
		len(ds), ds[len(ds)/2], ds[len(ds)*95/100], ds[len(ds)-1])
}

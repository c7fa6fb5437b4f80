package server

import (
	"accord/internal/node"
	"testing"
)

// TestSilent checks that a silent node (the demo's node of a party that
// has suspended its participation) follows and witnesses its peer's log
// but acknowledges none of its entries, while the peer acknowledges its.
func TestSilent(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	rus.configure(func(c *node.Config) { c.Silent = true })
	dumpOnFailure(t, ps)
	rus.start()
	usa.start()
	usa.declare(5)
	rus.declare(2)
	size := float64(usa.size())
	rus.waitFor("RUS to ingest USA's log", func() bool { return rus.acked(usa) >= size })
	usa.waitFor("USA to acknowledge RUS's log", func() bool { return len(usa.acks(rus.verifier().Name())) == 2 })
	if n := len(rus.acks(usa.verifier().Name())); n != 0 {
		t.Errorf("the silent node acknowledged %d of USA's entries", n)
	}
}

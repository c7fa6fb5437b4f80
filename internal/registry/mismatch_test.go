package registry

import (
	"testing"

	"accord/entry"
)

// TestAckMismatchFirst ingests an acknowledgement naming another leaf hash
// before the entry it names, as a node following two logs may: the
// mismatch is found once the entry arrives, and not before.
func TestAckMismatchFirst(t *testing.T) {
	n := newTestNode(t)
	b, err := usaInitial().Encode()
	must(t, err)
	init := n.record("USA", entry.Notification, "2011-02-05", "2011-03-10T09:00:00Z", b)
	forged := init
	forged.LeafHash[5] ^= 0xff
	n.ack("RUS", forged, "2011-03-10T12:00:00Z")
	at := mustTime("2011-03-11")
	fs, err := n.reg.Findings(n.ctx, "USA", at)
	must(t, err)
	if len(fs) != 0 {
		t.Fatalf("before the entry: findings %s", mustJSON(t, fs))
	}
	n.logs["USA"] = append(n.logs["USA"], init)
	must(t, n.reg.Apply(n.ctx, init))
	n.invariants()
	fs, err = n.reg.Findings(n.ctx, "USA", at)
	must(t, err)
	if len(fs) != 1 || fs[0].Kind != FindingAckMismatch || fs[0].Entry.LeafHash != init.LeafHash {
		t.Errorf("findings %s", mustJSON(t, fs))
	}
}

package registry

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/engine"
)

// FuzzNotificationVerdict follows a notification body from the bytes a
// party (or a peer) sends to the verdict on the public limits: a body
// that parses has every count within 0 to body.MaxCount, and once the
// database takes it, every limit's value is a non-negative sum and its
// margin the ceiling less it, so no count can wrap around and turn a
// violation into "met".
func FuzzNotificationVerdict(f *testing.F) {
	for _, w := range []string{"1", "0", "1000000000", "1000000001", "-1", "9223372036854775807", "4611686018427387904"} {
		f.Add([]byte(fmt.Sprintf(`{"items":[{"category":"icbm","facility":"F","status":"deployed","type":"MM-III","uid":"A%s","warheads":%s},{"category":"icbm","facility":"F","status":"deployed","type":"MM-III","uid":"B%s","warheads":%s}],"type":"initial_data"}`, w[:1], w, w[:1], w)))
	}
	n := newTestNode(f)
	n.checks = false
	f.Fuzz(func(t *testing.T, b []byte) {
		nt, err := body.ParseNotification(b)
		if err != nil {
			if !errors.Is(err, body.ErrMalformed) {
				t.Fatalf("ParseNotification: %v, not ErrMalformed", err)
			}
			return
		}
		for _, it := range nt.Items {
			if w := it.Warheads; w != nil && (*w < 0 || *w > body.MaxCount) {
				t.Fatalf("parsed a count of %d", *w)
			}
		}
		n.t = t
		if _, err := n.sendRaw("USA", entry.Notification, "2011-02-05", "2011-02-06T00:00:00Z", b); err != nil {
			return
		}
		st, err := n.reg.Status(n.ctx, "USA", time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC), "")
		if errors.Is(err, engine.ErrOverflow) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range st.Verdicts.Parties {
			for _, l := range p.Limits {
				if l.Value < 0 || l.Margin != l.Limit-l.Value {
					t.Fatalf("%s %s: value %d, limit %d, margin %d", p.Party, l.ID, l.Value, l.Limit, l.Margin)
				}
			}
		}
	})
}

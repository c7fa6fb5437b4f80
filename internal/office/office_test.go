package office

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// newTestOffice creates a USA node under newstart and opens its office
// with a clock that starts on entry into force and advances a minute per
// call.
func newTestOffice(t *testing.T) *Office {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "usa")
	initNode(t, ctx, dir, "newstart", "USA")
	o, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(ctx) })
	now := time.Date(2011, 2, 5, 12, 0, 0, 0, time.UTC)
	o.Clock = func() time.Time { now = now.Add(time.Minute); return now }
	return o
}

func item(uid, typ, category, status, facility string, warheads int) body.Item {
	return body.Item{UID: uid, Type: typ, Category: category, Status: status, Facility: facility, Warheads: &warheads}
}

func notify(t *testing.T, o *Office, typ, day string, items ...body.Item) (*Sent, error) {
	t.Helper()
	return o.Notify(context.Background(), &body.Notification{Type: typ, Items: items}, treaty.MustDate(day))
}

func mustNotify(t *testing.T, o *Office, typ, day string, items ...body.Item) *Sent {
	t.Helper()
	s, err := notify(t, o, typ, day, items...)
	if err != nil {
		t.Fatalf("%s %s: %v", typ, day, err)
	}
	return s
}

// snapshot is everything the database answers about the USA, as JSON.
func snapshot(t *testing.T, o *Office) []byte {
	t.Helper()
	ctx := context.Background()
	far := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	inv, err := o.Registry.Inventory(ctx, "USA", treaty.MustDate("2012-01-01"), far)
	if err != nil {
		t.Fatal(err)
	}
	notices, err := o.Registry.Notices(ctx, "USA", far)
	if err != nil {
		t.Fatal(err)
	}
	st, err := o.Registry.Status(ctx, "USA", time.Date(2011, 9, 1, 0, 0, 0, 0, time.UTC), "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]any{inv, notices, st})
	return b
}

func logSize(t *testing.T, o *Office) uint64 {
	t.Helper()
	n, err := o.Registry.NextIndex(context.Background(), o.Node.Origin())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func seed(t *testing.T, o *Office) {
	mustNotify(t, o, "initial_data", "2011-02-05",
		item("MM3-1", "Minuteman III", "icbm", "deployed", "Malmstrom", 1),
		item("MM3-2", "Minuteman III", "icbm", "non_deployed", "Hill", 0),
		item("B52-1", "B-52H", "heavy_bomber", "deployed", "Minot", 0))
}

// TestNotifyRefusals breaks each lifecycle rule through Notify and checks
// the refusal, and that neither the log nor the database changed.
func TestNotifyRefusals(t *testing.T) {
	o := newTestOffice(t)
	seed(t, o)
	mustNotify(t, o, "conversion_complete", "2011-03-01", body.Item{UID: "B52-1", Status: "eliminated"})
	tests := []struct {
		name, typ, day string
		item           body.Item
		rule           error
	}{
		{"uid reused", "change_in_data", "2011-04-01", item("MM3-1", "Trident II", "slbm", "non_deployed", "Bangor", 0), registry.ErrIdentity},
		{"move before existing", "movement", "2011-04-01", body.Item{UID: "MM3-9"}, registry.ErrNoSuchItem},
		{"deploy before existing", "change_in_data", "2011-04-01", body.Item{UID: "MM3-9", Status: "deployed"}, registry.ErrNoSuchItem},
		{"eliminated comes back", "change_in_data", "2011-04-01", body.Item{UID: "B52-1", Status: "deployed"}, registry.ErrEliminated},
		{"lifecycle", "change_in_data", "2011-04-01", body.Item{UID: "MM3-1", Status: "training"}, registry.ErrLifecycle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, size := snapshot(t, o), logSize(t, o)
			n := &body.Notification{Type: tc.typ, Items: []body.Item{tc.item}}
			if tc.typ == "movement" {
				n.From, n.To = "Hill", "Malmstrom"
			}
			_, err := o.Notify(context.Background(), n, treaty.MustDate(tc.day))
			var refusal *registry.Refusal
			if !errors.As(err, &refusal) || !errors.Is(refusal.Rule, tc.rule) {
				t.Fatalf("got %v, want a refusal for %v", err, tc.rule)
			}
			if !bytes.Equal(snapshot(t, o), before) || logSize(t, o) != size {
				t.Error("a refused notification changed the database or the log")
			}
		})
	}
}

// TestReindex checks that rebuilding the database from the log gives
// byte-identical answers.
func TestReindex(t *testing.T) {
	o := newTestOffice(t)
	seed(t, o)
	mustNotify(t, o, "change_in_data", "2011-03-01", body.Item{UID: "MM3-2", Status: "deployed"})
	mustNotify(t, o, "six_month_update", "2011-09-01",
		item("MM3-1", "Minuteman III", "icbm", "deployed", "Malmstrom", 1),
		item("MM3-2", "Minuteman III", "icbm", "deployed", "Hill", 1),
		item("B52-1", "B-52H", "heavy_bomber", "non_deployed", "Minot", 0))
	before := snapshot(t, o)
	ctx := context.Background()
	dir := o.Node.Dir
	o.Close(ctx)
	if err := Reindex(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	o2, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close(ctx)
	if got := snapshot(t, o2); !bytes.Equal(got, before) {
		t.Errorf("reindexed database answers differently:\n%s\n%s", got, before)
	}
}

// TestCatchUp appends to the log behind the database's back (as a crash
// between appending and applying would leave it) and checks that the next
// Open applies the entry.
func TestCatchUp(t *testing.T) {
	o := newTestOffice(t)
	seed(t, o)
	ctx := context.Background()
	l, err := o.Log(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := (&body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "MM3-2", Status: "deployed"}}}).Encode()
	if _, err := l.Append(ctx, entry.Entry{Kind: entry.Notification, Effective: treaty.MustDate("2011-03-01").Time(), Created: time.Date(2011, 3, 2, 0, 0, 0, 0, time.UTC), Body: body}); err != nil {
		t.Fatal(err)
	}
	dir := o.Node.Dir
	o.Close(ctx)
	o2, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close(ctx)
	items, err := o2.Registry.Inventory(ctx, "USA", treaty.MustDate("2011-03-02"), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.UID == "MM3-2" && it.Status != "deployed" {
			t.Errorf("the entry appended behind the database's back was not applied: %+v", it)
		}
	}
	if logSize(t, o2) != 2 {
		t.Errorf("database holds %d entries of the log, want 2", logSize(t, o2))
	}
}

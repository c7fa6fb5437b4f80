package office

import (
	"context"
	"errors"
	"testing"

	"accord/entry/body"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// TestNotifyID sends a notification with an id, then again: the second
// call appends nothing and answers as the first; the same id on another
// notification (other content, or another date) is refused and appends
// nothing; another id is another notification.
func TestNotifyID(t *testing.T) {
	o := newTestOffice(t)
	ctx := context.Background()
	n := func(id, uid string) *body.Notification {
		return &body.Notification{ID: id, Type: "initial_data", Items: []body.Item{item(uid, "Minuteman III", "icbm", "deployed", "Malmstrom", 1)}}
	}
	first, err := o.Notify(ctx, n("req-1", "MM3-1"), treaty.MustDate("2011-02-05"))
	if err != nil {
		t.Fatal(err)
	}
	size := logSize(t, o)
	again, err := o.Notify(ctx, n("req-1", "MM3-1"), treaty.MustDate("2011-02-05"))
	if err != nil || again.Index != first.Index || again.LeafHash != first.LeafHash || logSize(t, o) != size {
		t.Fatalf("repeated: %+v, %v (first %+v); log %d entries, was %d", again, err, first, logSize(t, o), size)
	}
	for name, c := range map[string]struct {
		n   *body.Notification
		day string
	}{
		"other content": {n("req-1", "MM3-2"), "2011-02-05"},
		"other date":    {n("req-1", "MM3-1"), "2011-02-06"},
	} {
		_, err := o.Notify(ctx, c.n, treaty.MustDate(c.day))
		if !errors.Is(err, registry.ErrDuplicateID) || logSize(t, o) != size {
			t.Errorf("%s under a used id: %v; log %d entries, was %d", name, err, logSize(t, o), size)
		}
	}
	if s, err := o.Notify(ctx, n("req-2", "MM3-2"), treaty.MustDate("2011-02-05")); err != nil || s.Index == first.Index {
		t.Errorf("another id: %+v, %v", s, err)
	}
}

package office

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/ledger"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// A Sent notification: where it landed and its deadline.
type Sent struct {
	Index    uint64           `json:"index"`
	LeafHash body.Hash        `json:"leaf_hash"`
	Notice   *registry.Notice `json:"notice"`
}

// Notify validates n, a notification of the node's party effective on
// day, against the treaty and the database; signs it; appends it to the
// node's log; and applies it to the database. A notification the rules
// refuse returns a *registry.Refusal and changes nothing. Notify returns
// once the entry is covered by a published checkpoint; it holds the
// office's lock only until the entry is sequenced and applied.
//
// A notification with an id (body.Notification.ID) is sent once: if the
// party's log already holds a notification with that id, the same
// notification effective on the same day, Notify appends nothing and
// returns where the first one landed, once it is published; a different
// notification under a used id is refused (registry.ErrDuplicateID).
func (o *Office) Notify(ctx context.Context, n *body.Notification, day treaty.Date) (*Sent, error) {
	enc, err := n.Encode()
	if err != nil {
		return nil, err
	}
	log, err := o.Log(ctx)
	if err != nil {
		return nil, err
	}
	var seq *ledger.Sequenced
	var repeat *registry.Named
	err = o.locked(func() error {
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		if repeat, err = o.repeated(ctx, n.ID, enc, day); err != nil || repeat != nil {
			return err
		}
		e := entry.Entry{
			Treaty: o.Treaty.ID, Party: o.Node.Config.Party, Kind: entry.Notification,
			Effective: day.Time(), Created: o.now().UTC().Truncate(time.Millisecond), Body: enc,
		}
		next, err := o.Registry.NextIndex(ctx, e.Origin())
		if err != nil {
			return err
		}
		rec := registry.RecordOf(&e, next, nil)
		rec.Body = enc
		if err := o.Registry.Check(ctx, rec); err != nil {
			return err
		}
		if seq, err = log.Sequence(ctx, e); err != nil {
			return err
		}
		return o.syncAll(ctx, nil)
	})
	if err != nil {
		return nil, err
	}
	if repeat != nil {
		return o.sentAgain(ctx, log, repeat)
	}
	// The checkpoint may wait for witnesses, which a stalled peer can
	// make slow: wait for it outside the lock, so the next notification
	// is not held up by this one's witnesses.
	a, err := seq.Await(ctx)
	if err != nil {
		return nil, err
	}
	sent := &Sent{Index: a.Index, LeafHash: body.Hash(a.LeafHash)}
	sent.Notice, err = o.notice(ctx, sent.Index)
	return sent, err
}

// notice returns the database's view of entry index of the node's log.
func (o *Office) notice(ctx context.Context, index uint64) (*registry.Notice, error) {
	ns, err := o.Registry.Notices(ctx, o.Node.Config.Party, time.Now().Add(24*time.Hour*365*100))
	if err != nil {
		return nil, err
	}
	for i := range ns {
		if ns[i].Entry.Index == index {
			return &ns[i], nil
		}
	}
	return nil, fmt.Errorf("entry %d is not in the treaty database after appending it", index)
}

// repeated returns the notification the log holds under id, if it is
// the one given (same body, same effective date); it refuses a different
// one under a used id.
func (o *Office) repeated(ctx context.Context, id string, enc []byte, day treaty.Date) (*registry.Named, error) {
	if id == "" {
		return nil, nil
	}
	named, ok, err := o.Registry.NotificationByID(ctx, o.Node.Origin(), id)
	if err != nil || !ok {
		return nil, err
	}
	if !bytes.Equal(named.Body, enc) || named.Effective != day {
		return nil, &registry.Refusal{Rule: registry.ErrDuplicateID, Reason: fmt.Sprintf("id %q already names entry %d, a different notification", id, named.Index)}
	}
	return named, nil
}

// sentAgain answers a repeated notification as the first was answered,
// once a published checkpoint covers it.
func (o *Office) sentAgain(ctx context.Context, log *ledger.Log, named *registry.Named) (*Sent, error) {
	if _, err := log.Await(ctx, named.Index); err != nil {
		return nil, err
	}
	sent := &Sent{Index: named.Index, LeafHash: named.LeafHash}
	var err error
	sent.Notice, err = o.notice(ctx, sent.Index)
	return sent, err
}

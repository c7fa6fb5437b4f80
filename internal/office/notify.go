package office

import (
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
	err = o.locked(func() error {
		if err := o.syncAll(ctx, nil); err != nil {
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

package office

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/declaration"
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
// refuse returns a *registry.Refusal, and one effective outside the
// treaty's life (as ReadDeclaration) an *InputError; either changes
// nothing. Notify returns
// once the entry is covered by a published checkpoint; it holds the
// office's lock only until the entry is sequenced and applied.
//
// A notification with an id (body.Notification.ID) is sent once: if the
// party's log already holds a notification with that id, the same
// notification effective on the same day, Notify appends nothing and
// returns where the first one landed, once it is published; a different
// notification under a used id is refused (registry.ErrDuplicateID).
func (o *Office) Notify(ctx context.Context, n *body.Notification, day treaty.Date) (*Sent, error) {
	if err := withinLife(o.Treaty, day); err != nil {
		return nil, err
	}
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

// A NotificationFile is a notification to send as the operator writes it
// (docs/database.md), in a file for accord notify or the body of POST
// /v1/notifications: the notification's body (docs/notifications.md) with
// its effective date, and optionally the party, which must be the
// node's.
type NotificationFile struct {
	Party     string      `json:"party,omitempty"`
	Effective treaty.Date `json:"effective"`
	body.Notification
}

// maxNotificationFile bounds a notification file: an entry is under
// 64 KiB, and the file's JSON is at most a little larger than the
// canonical body.
const maxNotificationFile = 1 << 17

// ReadNotification reads a notification of the node's party from data: a
// NotificationFile in JSON, or a declaration in CSV, per item or of
// warheads per site, whose rows become its items or its stock lots and
// whose as_of is its effective date. typ and
// effective are the type and effective date given apart from the file, if
// any; they must not contradict it. name is the file's name in errors.
// Every refusal is an *InputError, naming the file.
func (o *Office) ReadNotification(name string, data []byte, typ, effective Given) (*body.Notification, treaty.Date, error) {
	f, err := o.notificationFile(name, data)
	if err != nil {
		return nil, treaty.Date{}, err
	}
	if f.Party != "" && f.Party != o.Node.Config.Party {
		return nil, treaty.Date{}, otherParty("%s: notifies as %s, but this is %s's node", name, f.Party, o.Node.Config.Party)
	}
	if err := f.given(typ, effective); err != nil {
		return nil, treaty.Date{}, prefixed(name, err)
	}
	if f.Type == "" {
		return nil, treaty.Date{}, inputErrorf("%s: no \"type\"%s", name, orGiven(typ))
	}
	if f.Effective.IsZero() {
		return nil, treaty.Date{}, inputErrorf("%s: no effective date: give \"effective\"%s", name, orGiven(effective))
	}
	return &f.Notification, f.Effective, nil
}

// orGiven names the surface's other way to give a value, if it has one.
func orGiven(g Given) string {
	if g.Name == "" {
		return ""
	}
	return " or " + g.Name
}

// notificationFile decodes a notification file, JSON or CSV.
func (o *Office) notificationFile(name string, data []byte) (*NotificationFile, error) {
	if len(data) > maxNotificationFile {
		return nil, inputErrorf("%s: more than %d bytes", name, maxNotificationFile)
	}
	var f NotificationFile
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return &f, o.rowsFromCSV(name, data, &f)
	}
	if err := StrictJSON(data); err != nil {
		return nil, inputErrorf("%s: %w", name, err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, inputErrorf("%s: %w", name, err)
	}
	return &f, nil
}

// given applies the type and effective date given apart from the file.
func (f *NotificationFile) given(typ, effective Given) error {
	if typ.Value != "" {
		if f.Type != "" && f.Type != typ.Value {
			return inputErrorf("type %q, but %s", f.Type, typ)
		}
		f.Type = typ.Value
	}
	d, err := effective.date()
	if err != nil || d.IsZero() {
		return err
	}
	if !f.Effective.IsZero() && !f.Effective.Equal(d) {
		return inputErrorf("effective %s, but %s", f.Effective, effective)
	}
	f.Effective = d
	return nil
}

// rowsFromCSV reads a CSV declaration of the node's party as a
// notification's rows: per-item rows as its items, warheads per site as
// the lots of a warhead statement (docs/warheads.md, "In declaration
// files"). Its rows' as_of date, if any, is the effective date.
func (o *Office) rowsFromCSV(name string, data []byte, f *NotificationFile) error {
	s, err := declaration.Load(o.Treaty, name, bytes.NewReader(data))
	if err != nil {
		return &InputError{Err: err}
	}
	if len(s.Types)+len(s.Aggregates) > 0 {
		return inputErrorf("%s: a notification states items or warheads per site: give a per-item declaration (party,uid,type,category,status,...) or warheads per site (party,site,category,status,count)", name)
	}
	party := o.Node.Config.Party
	for _, it := range s.Items {
		if it.Party != party {
			return otherParty("%s: item %s is declared by %s, but this is %s's node", name, it.UID, it.Party, party)
		}
		if err := f.dated(name, it.AsOf); err != nil {
			return err
		}
		w := it.Warheads
		f.Items = append(f.Items, body.Item{UID: it.UID, Type: it.Type, Category: it.Category, Status: it.Status, Facility: it.Facility, Warheads: &w})
	}
	for _, w := range s.Warheads {
		if w.Party != party {
			return otherParty("%s: warheads at %s are declared by %s, but this is %s's node", name, w.Site, w.Party, party)
		}
		if err := f.dated(name, w.AsOf); err != nil {
			return err
		}
	}
	if len(s.Warheads) > 0 {
		f.Stock = s.Lots()
	}
	return nil
}

// dated takes a CSV row's as_of date, if any, as the effective date: one
// notification has one.
func (f *NotificationFile) dated(name string, d treaty.Date) error {
	if !d.IsZero() && !f.Effective.IsZero() && !d.Equal(f.Effective) {
		return inputErrorf("%s: rows declare both %s and %s: one notification has one effective date", name, f.Effective, d)
	}
	if !d.IsZero() {
		f.Effective = d
	}
	return nil
}

package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"
)

// A plan is what applying one valid record writes.
type plan struct {
	rec        *Record
	typ        string
	effect     string
	due        string // deadline in timeLayout, "" if none is known here
	corrects   *uint64
	answers    *body.Ref
	facts      []fact
	next       []*itemState // per fact, the item's state after it when that is its latest, else nil
	newUIDs    []string
	facilities []string
	ack        *body.Acknowledgement
	insp       *body.InspectionRecord
	counts     []declared // a per-type or aggregate declaration's counts
	id         string     // the notification's id, "" if none
	wev        *wevent    // a warhead notification's lots
	// rows writes a commitment-kind entry's rows (escrow.go) or an
	// inspection report's (reportfindings.go), if not nil.
	rows func(*session) error
}

// Check validates rec against the treaty and the database as it stands,
// and writes nothing. rec.Index and rec.LeafHash are ignored: the record
// is checked as the next entry of its log. It returns a *Refusal if rec
// breaks a rule, another error if rec names the wrong log or the database
// cannot be read, and nil if Apply would apply it.
func (r *Registry) Check(ctx context.Context, rec Record) error {
	if err := r.checkOrigin(&rec); err != nil {
		return err
	}
	s, err := r.begin(ctx, true)
	if err != nil {
		return err
	}
	defer s.end()
	next, err := s.nextIndex(rec.Origin)
	if err != nil {
		return err
	}
	rec.Index, rec.LeafHash = next, body.Hash{}
	_, err = r.validate(s, &rec)
	return err
}

// validate returns the plan for rec, a *Refusal, or a storage error.
func (r *Registry) validate(s *session, rec *Record) (*plan, error) {
	p := &plan{rec: rec}
	switch rec.Kind {
	case entry.Notification:
		return p, r.notification(s, p)
	case entry.Acknowledgement:
		return p, r.acknowledgement(p)
	case entry.Inspection:
		return p, r.inspection(p)
	case entry.Declaration:
		return p, r.declaration(s, p)
	case entry.Commitment:
		return p, r.commitment(s, p)
	}
	return nil, refuse(body.ErrMalformed, "unknown entry kind %q", rec.Kind)
}

func (r *Registry) notification(s *session, p *plan) error {
	n, err := body.ParseNotification(p.rec.Body)
	if err != nil {
		return refuse(body.ErrMalformed, "%v", err)
	}
	nt, ok := r.t.Notification(n.Type)
	if !ok {
		return refuse(ErrUnknownType, "%s has no notification type %q (types: %s)", r.t.ID, n.Type, strings.Join(r.typeIDs(), ", "))
	}
	p.typ, p.effect, p.answers, p.id = nt.ID, nt.Effect, n.Answers, n.ID
	if err := r.fields(p.rec, n, nt); err != nil {
		return err
	}
	if err := r.uniqueID(s, p); err != nil {
		return err
	}
	except := int64(-1)
	if n.Corrects != nil {
		if err := r.correction(s, p, n); err != nil {
			return err
		}
		except = int64(*p.corrects)
	} else {
		p.due = r.due(nt, p.rec.Effective)
	}
	if nt.Step != "" {
		return r.inspectionStep(s, p, n, nt) // inspect.go
	}
	if err := r.items(s, p, n, except); err != nil {
		return err
	}
	if err := r.stock(s, p, n); err != nil {
		return err
	}
	return r.warheadsOnly(s, p, nt)
}

// warheadsOnly refuses a change notification (effect "change") stating an
// item that differs from its known state only in its warheads, in a
// treaty with a data exchange: New START's Protocol Part Four, Section
// II.3 has changes in data on warheads notified only in the six-month
// update (II.2).
func (r *Registry) warheadsOnly(s *session, p *plan, nt treaty.NotificationType) error {
	x := r.t.DataExchange
	if p.effect != "change" || p.corrects != nil || x == nil || x.Notification == "" {
		return nil // a correction restates an earlier notification
	}
	for _, f := range p.facts {
		if f.warheads == nil {
			continue
		}
		st, _, err := r.stateOn(s, p.rec.Party, f.uid, f.effective)
		if err != nil {
			return err
		}
		if st == nil || int64(st.Warheads) == *f.warheads || !sameBesidesWarheads(st, &f) {
			continue
		}
		return refuseItem(ErrWarheadsOnly, f.uid, "%s changes only its warheads (%d to %d): changes in warheads are notified only in the %s, not in %s (%s)",
			nt.ID, st.Warheads, *f.warheads, x.Notification, nt.ID, nt.Cite)
	}
	return nil
}

func sameBesidesWarheads(st *itemState, f *fact) bool {
	same := func(p *string, v string) bool { return p == nil || *p == v }
	return same(f.typ, st.Type) && same(f.category, st.Category) && same(f.status, st.Status) && same(f.facility, st.Facility)
}

// due returns the deadline of a notification of type nt effective on d,
// or "" when it runs from the receipt of another entry.
func (r *Registry) due(nt treaty.NotificationType, d treaty.Date) string {
	switch nt.Due.Anchor {
	case "effective":
		return fmtTime(nt.Due.Due(d.Time()))
	case "entry_into_force":
		return fmtTime(nt.Due.Due(r.t.Dates.EntryIntoForce.Time()))
	}
	return ""
}

func (r *Registry) typeIDs() []string {
	var ids []string
	for _, nt := range r.t.Notifications {
		ids = append(ids, nt.ID)
	}
	return ids
}

// fields checks that n carries exactly what its type requires.
func (r *Registry) fields(rec *Record, n *body.Notification, nt treaty.NotificationType) error {
	needItems := slices.Contains(nt.Fields, "items")
	switch {
	case needItems && len(n.Items) == 0:
		return refuse(ErrFields, "a %s needs items", nt.ID)
	case !nt.Allows("items") && len(n.Items) > 0:
		return refuse(ErrFields, "a %s carries no items (fields: %s)", nt.ID, strings.Join(nt.Fields, ", "))
	}
	needStock := slices.Contains(nt.Fields, "stock")
	if !needStock && len(n.Stock) > 0 {
		return refuse(ErrFields, "a %s carries no stock lots (fields: %s)", nt.ID, strings.Join(nt.Fields, ", "))
	}
	for _, f := range nt.Fields {
		if f != "items" && f != "stock" && n.Fields[f] == "" {
			return refuse(ErrFields, "a %s needs field %q (fields: %s)", nt.ID, f, strings.Join(nt.Fields, ", "))
		}
	}
	for k := range n.Fields {
		if k == "items" || k == "stock" || !nt.Allows(k) {
			return refuse(ErrFields, "a %s has no field %q (fields: %s)", nt.ID, k, strings.Join(slices.Concat(nt.Fields, nt.Optional), ", "))
		}
	}
	if err := moveFields(n, nt); err != nil {
		return err
	}
	if nt.Due.Anchor == "received" && n.Answers == nil {
		return refuse(ErrFields, "a %s answers another party's notification: set answers", nt.ID)
	}
	if a := n.Answers; a != nil && (!r.isLog(a.Origin) || a.Origin == rec.Origin) {
		return refuse(ErrFields, "answers %s, which is not another party's log of %s", a.Origin, r.t.ID)
	}
	if x := r.t.DataExchange; x != nil && x.Notification == nt.ID && n.Corrects == nil {
		if !x.Exchanges(rec.Effective) {
			return refuse(ErrFields, "a %s states data as of %s, not %s", nt.ID, strings.Join(x.AsOf, " or "), rec.Effective)
		}
	}
	return nil
}

func moveFields(n *body.Notification, nt treaty.NotificationType) error {
	if nt.Effect != "move" {
		if n.From != "" || n.To != "" {
			return refuse(ErrFields, "a %s moves nothing: from and to are for moves", nt.ID)
		}
		return nil
	}
	if n.From == "" || n.To == "" || n.From == n.To {
		return refuse(ErrFields, "a %s needs two different facilities, from and to", nt.ID)
	}
	return nil
}

// isLog reports whether origin is the log of a party to the treaty.
func (r *Registry) isLog(origin string) bool {
	return r.partyOf(origin) != ""
}

func (r *Registry) partyOf(origin string) string {
	for _, p := range r.t.Parties {
		if entry.Origin(r.t.ID, p.ID) == origin {
			return p.ID
		}
	}
	return ""
}

// correction checks that n may correct the entry it names, and records
// which in p.
func (r *Registry) correction(s *session, p *plan, n *body.Notification) error {
	c := n.Corrects
	if c.Origin != p.rec.Origin {
		return refuse(ErrCorrection, "a party corrects only its own entries; %s is not in %s", c, p.rec.Origin)
	}
	if c.Index >= p.rec.Index {
		return refuse(ErrCorrection, "%s is not an earlier entry", c)
	}
	e, err := s.entry(c.Origin, c.Index)
	switch {
	case err != nil:
		return err
	case e == nil:
		return refuse(ErrCorrection, "%s has not been ingested", c)
	case string(e.leafHash) != string(c.LeafHash[:]):
		return refuse(ErrCorrection, "%s has leaf hash %s, not %s", c, body.Hash(e.leafHash), c.LeafHash)
	case e.kind != string(entry.Notification):
		return refuse(ErrCorrection, "%s is a %s, not a notification", c, e.kind)
	case e.refused:
		return refuse(ErrCorrection, "%s was refused and has no effect to correct: send a new notification", c)
	case len(e.correctedBy) > 0:
		return refuse(ErrCorrection, "%s was already corrected by entry #%d: correct that entry instead", c, e.correctedBy[0])
	case e.typ != n.Type:
		return refuse(ErrCorrection, "%s is a %s; a correction restates it as a %s, not a %s", c, e.typ, e.typ, n.Type)
	}
	p.corrects = &c.Index
	old, err := s.factsOf(c.Origin, c.Index)
	if err != nil {
		return err
	}
	// Items the corrected entry named and the correction leaves out must
	// have a valid history without it.
	for i := range old {
		if slices.ContainsFunc(n.Items, func(it body.Item) bool { return it.UID == old[i].uid }) {
			continue
		}
		if err := r.withdraw(s, p, old[i].uid); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) withdraw(s *session, p *plan, uid string) error {
	facts, err := s.chain(p.rec.Party, uid, int64(*p.corrects))
	if err != nil {
		return err
	}
	if _, ref := fold(r.t, facts); ref != nil {
		ref.Reason = fmt.Sprintf("without entry #%d, %s", *p.corrects, ref.Reason)
		return ref
	}
	return nil
}

func (r *Registry) acknowledgement(p *plan) error {
	a, err := body.ParseAcknowledgement(p.rec.Body)
	if err != nil {
		return refuse(body.ErrMalformed, "%v", err)
	}
	if !r.isLog(a.Entry.Origin) || a.Entry.Origin == p.rec.Origin {
		return refuse(ErrAcknowledged, "%s is not another party's log of %s", a.Entry.Origin, r.t.ID)
	}
	p.ack = a
	return nil
}

func (r *Registry) inspection(p *plan) error {
	in, err := body.ParseInspection(p.rec.Body)
	if err != nil {
		return refuse(body.ErrMalformed, "%v", err)
	}
	if !slices.ContainsFunc(r.t.Inspections, func(it treaty.InspectionType) bool { return it.ID == in.Type }) {
		return refuse(ErrUnknownType, "%s has no inspection type %q", r.t.ID, in.Type)
	}
	if _, ok := r.t.Party(in.Inspected); in.Inspected != "" && (!ok || in.Inspected == p.rec.Party) {
		return refuse(ErrFields, "inspected party %q is not another party to %s", in.Inspected, r.t.ID)
	}
	p.insp = in
	return nil
}

// errRefusal reports whether err is a *Refusal, and returns it.
func errRefusal(err error) (*Refusal, bool) {
	var ref *Refusal
	ok := errors.As(err, &ref)
	return ref, ok
}

// uniqueID refuses a notification whose id an earlier notification of
// the same log has: an id names one notification.
func (r *Registry) uniqueID(s *session, p *plan) error {
	if p.id == "" {
		return nil
	}
	idx, ok, err := s.notificationID(p.rec.Origin, p.id)
	if err != nil || !ok {
		return err
	}
	return refuse(ErrDuplicateID, "id %q already names entry %d of %s", p.id, idx, p.rec.Origin)
}

func (s *session) notificationID(origin, id string) (uint64, bool, error) {
	var idx uint64
	ok, err := s.row(`SELECT idx FROM notification_ids WHERE origin = ? AND id = ?`, []any{origin, id}, &idx)
	return idx, ok, err
}

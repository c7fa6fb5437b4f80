package registry

import (
	"accord/entry/body"
	"fmt"
	"slices"

	"accord/entry"
)

// items checks what n states about items and adds its facts to p. except
// is the entry n corrects, or -1.
func (r *Registry) items(s *session, p *plan, n *body.Notification, except int64) error {
	seen := map[string]bool{}
	for _, it := range n.Items {
		if seen[it.UID] {
			return refuseItem(ErrFields, it.UID, "listed twice")
		}
		seen[it.UID] = true
	}
	if p.effect == "event" {
		return r.events(s, p, n)
	}
	initial := false
	if p.effect == "data" {
		before := p.rec.Index
		if p.corrects != nil {
			before = *p.corrects
		}
		partOf := ""
		if p.rec.Kind == entry.Declaration {
			partOf = p.rec.Effective.String()
		}
		has, err := s.hasData(p.rec.Party, before, partOf)
		if err != nil {
			return err
		}
		nt, _ := r.t.Notification(n.Type)
		initial = !has || nt.Initial
	}
	for _, it := range n.Items {
		f, err := r.factOf(p, n, it)
		if err != nil {
			return err
		}
		next, err := r.place(s, p, f, except, initial)
		if err != nil {
			return err
		}
		p.facts = append(p.facts, f)
		p.next = append(p.next, next)
	}
	p.facilities = facilitiesOf(n)
	return nil
}

// factOf turns an item of n into a fact, checking what it names exists
// in the treaty.
func (r *Registry) factOf(p *plan, n *body.Notification, it body.Item) (fact, error) {
	f := fact{uid: it.UID, effective: p.rec.Effective.String(), idx: p.rec.Index, origin: p.rec.Origin, recorded: fmtTime(p.rec.Recorded)}
	if p.effect == "move" {
		if it.Type != "" || it.Category != "" || it.Status != "" || it.Facility != "" || it.Warheads != nil {
			return f, refuseItem(ErrFields, it.UID, "a move names items by uid only; it changes their facility to %q", n.To)
		}
		f.facility, f.movedFrom = &n.To, n.From
		return f, nil
	}
	if it.Category != "" && !r.t.HasCategory(it.Category) {
		return f, refuseItem(ErrFields, it.UID, "%s has no item category %q (categories: %s)", r.t.ID, it.Category, r.t.CategoryList())
	}
	if it.Status != "" && !r.t.HasStatus(it.Status) {
		return f, refuseItem(ErrFields, it.UID, "%s has no status %q (statuses: %s)", r.t.ID, it.Status, r.t.StatusList())
	}
	f.typ, f.category, f.status, f.facility = opt(it.Type), opt(it.Category), opt(it.Status), opt(it.Facility)
	if it.Warheads != nil {
		w := int64(*it.Warheads)
		f.warheads = &w
	}
	if p.effect == "data" {
		if f.typ == nil || f.category == nil || f.status == nil {
			return f, refuseItem(ErrFields, it.UID, "a full statement of holdings gives every item's type, category and status")
		}
		if f.warheads == nil {
			var none int64
			f.warheads = &none
		}
	}
	return f, nil
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// place checks that f fits in its item's history as known now: the facts
// before it allow it, and it allows the facts after it. When f comes
// after every fact known about its item and corrects nothing, it returns
// the item's state after f; otherwise nil.
func (r *Registry) place(s *session, p *plan, f fact, except int64, initial bool) (*itemState, error) {
	if except < 0 {
		// The common case: a fact dated after everything known about its
		// item needs only the item's latest state.
		l, err := s.latest(p.rec.Party, f.uid)
		if err != nil {
			return nil, err
		}
		if l != nil && l.after(f.effective, f.idx) {
			next, ref := lifecycle(r.t, &l.state, &f)
			if ref != nil {
				return nil, ref
			}
			return next, nil
		}
	}
	chain, err := s.chain(p.rec.Party, f.uid, except)
	if err != nil {
		return nil, err
	}
	all, pos := insert(chain, f)
	prior, ref := fold(r.t, all[:pos])
	if ref != nil {
		return nil, ref
	}
	if prior == nil && f.movedFrom == "" {
		if err := r.fresh(s, p, f, all[pos+1:], except, initial); err != nil {
			return nil, err
		}
	}
	st := prior
	for i := pos; i < len(all); i++ {
		next, ref := lifecycle(r.t, st, &all[i])
		if ref != nil {
			if i > pos {
				ref.Reason = fmt.Sprintf("it would break the later history: %s", ref.Reason)
			}
			return nil, ref
		}
		st = next
	}
	if except < 0 && pos == len(all)-1 {
		return st, nil // f is the item's latest fact
	}
	return nil, nil
}

// fresh checks a fact about an item that does not exist before it.
func (r *Registry) fresh(s *session, p *plan, f fact, later []fact, except int64, initial bool) error {
	first, found, err := s.firstDeclared(p.rec.Party, f.uid)
	if err != nil {
		return err
	}
	redeclared := found && int64(first) == except // by the correction of its declaration
	if len(later) > 0 && !redeclared {
		return refuseItem(ErrNoSuchItem, f.uid, "it does not exist on %s: it is first declared %s", f.effective, later[0].where())
	}
	if found && !redeclared {
		return refuseItem(ErrUIDReused, f.uid, "uid already declared by entry %s#%d; a UID is never reused", p.rec.Origin, first)
	}
	if f.status != nil && !initial && !r.entry[*f.status] && !isFinal(r.t, *f.status) {
		return refuseItem(ErrNoSuchItem, f.uid, "it does not exist before %s, so it cannot be %s: a new item is declared %s first", f.effective, *f.status, r.entryList())
	}
	if !found {
		p.newUIDs = append(p.newUIDs, f.uid)
	}
	return nil
}

func (r *Registry) entryList() string {
	var ids []string
	for _, st := range r.t.Statuses {
		if r.entry[st.ID] {
			ids = append(ids, st.ID)
		}
	}
	if len(ids) == 1 {
		return ids[0]
	}
	return fmt.Sprintf("one of %v", ids)
}

// events checks that the items an event names exist on its date.
func (r *Registry) events(s *session, p *plan, n *body.Notification) error {
	uids := make([]string, 0, len(n.Items)+1)
	for _, it := range n.Items {
		if it.Type != "" || it.Category != "" || it.Status != "" || it.Facility != "" || it.Warheads != nil {
			return refuseItem(ErrFields, it.UID, "a %s names items by uid only; it changes nothing", p.typ)
		}
		uids = append(uids, it.UID)
	}
	if uid, ok := n.Fields["uid"]; ok {
		uids = append(uids, uid)
	}
	for _, uid := range uids {
		if err := r.exists(s, p, uid); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) exists(s *session, p *plan, uid string) error {
	d := p.rec.Effective.String()
	st, ref, err := r.stateOn(s, p.rec.Party, uid, d)
	switch {
	case err != nil:
		return err
	case ref != nil:
		return ref
	case st == nil:
		return refuseItem(ErrNoSuchItem, uid, "it does not exist on %s", d)
	case isFinal(r.t, st.Status):
		return refuseItem(ErrEliminated, uid, "it is %s on %s", st.Status, d)
	}
	return nil
}

func facilitiesOf(n *body.Notification) []string {
	var out []string
	for _, f := range append([]string{n.From, n.To}, itemFacilities(n)...) {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

func itemFacilities(n *body.Notification) []string {
	var out []string
	for _, it := range n.Items {
		out = append(out, it.Facility)
	}
	return out
}

// stateOn returns the item's state on date d as known now: nil if it
// does not exist then.
func (r *Registry) stateOn(s *session, party, uid, d string) (*itemState, *Refusal, error) {
	l, err := s.latest(party, uid)
	if err != nil {
		return nil, nil, err
	}
	if l != nil && l.effective <= d {
		return &l.state, nil, nil
	}
	chain, err := s.chain(party, uid, -1)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(chain, func(f fact) bool { return f.effective > d })
	if i >= 0 {
		chain = chain[:i]
	}
	st, ref := fold(r.t, chain)
	return st, ref, nil
}

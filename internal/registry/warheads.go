package registry

import (
	"cmp"
	"fmt"
	"slices"

	"accord/entry/body"
	"accord/internal/treaty"
)

// stock checks the lots of a warhead notification (docs/warheads.md,
// "Notifications") and that its flows leave no balance negative, and
// adds its event to p.
func (r *Registry) stock(s *session, p *plan, n *body.Notification) error {
	if !treaty.WarheadEffect(p.effect) {
		return nil
	}
	if p.effect != "stock" && len(n.Stock) == 0 {
		return refuse(ErrFields, "a %s needs stock lots", p.typ)
	}
	for i, l := range n.Stock {
		if err := r.lot(p.effect, l); err != nil {
			return refuse(ErrFields, "%s stock[%d]: %v", p.typ, i, err)
		}
	}
	rec := p.rec
	p.wev = &wevent{origin: rec.Origin, idx: rec.Index, effective: rec.Effective.String(), recorded: fmtTime(rec.Recorded),
		typ: p.typ, effect: p.effect, lots: n.Stock}
	b, err := r.book(s, rec.Party)
	if err != nil {
		return err
	}
	if p.corrects == nil && b.inOrder(p.wev.effective, p.wev.idx) {
		_, _, ref := b.deltas(p.wev)
		if ref != nil {
			return ref
		}
		return nil
	}
	_, err = r.refoldWith(s, rec.Party, p.wev, p.corrects)
	return err
}

// lot checks one lot against the treaty and the effect it is for.
func (r *Registry) lot(effect string, l body.Lot) error {
	if !r.t.WarheadCategory(l.Category) {
		return fmt.Errorf("%q is not a warhead category of %s", l.Category, r.t.ID)
	}
	if err := r.warheadStatus(l.Status); err != nil {
		return err
	}
	if effect != "stock" && l.Count < 1 {
		return fmt.Errorf("a flow moves at least one warhead, not %d", l.Count)
	}
	switch effect {
	case "transfer":
		if l.ToSite == "" || l.ToSite == l.Site || l.ToCategory != "" || l.ToStatus != "" {
			return fmt.Errorf("a transfer names another site, to_site, and keeps category and status")
		}
		return nil
	case "recategorise":
		return r.recategorise(l)
	}
	if l.ToSite != "" || l.ToCategory != "" || l.ToStatus != "" {
		return fmt.Errorf("a lot of effect %s has no to_site, to_category or to_status", effect)
	}
	return nil
}

func (r *Registry) warheadStatus(id string) error {
	if !r.t.HasStatus(id) {
		return fmt.Errorf("%s has no status %q (statuses: %s)", r.t.ID, id, r.t.StatusList())
	}
	if isFinal(r.t, id) {
		return fmt.Errorf("warheads %s are out of every count: a dismantlement is a warhead_dismantled flow", id)
	}
	return nil
}

func (r *Registry) recategorise(l body.Lot) error {
	if l.ToSite != "" || (l.ToCategory == "" && l.ToStatus == "") {
		return fmt.Errorf("a recategorisation changes to_category or to_status at one site")
	}
	if l.ToCategory != "" && !r.t.WarheadCategory(l.ToCategory) {
		return fmt.Errorf("to_category %q is not a warhead category of %s", l.ToCategory, r.t.ID)
	}
	to := or(l.ToStatus, l.Status)
	if err := r.warheadStatus(to); err != nil {
		return err
	}
	if or(l.ToCategory, l.Category) == l.Category && to == l.Status {
		return fmt.Errorf("to_category and to_status change nothing")
	}
	if to != l.Status && !slices.Contains(r.status(l.Status).To, to) {
		return fmt.Errorf("a warhead cannot go from %s to %s (allowed: %s)", l.Status, to, allowed(r.t, l.Status))
	}
	return nil
}

func (r *Registry) status(id string) treaty.Status {
	i := slices.IndexFunc(r.t.Statuses, func(s treaty.Status) bool { return s.ID == id })
	return r.t.Statuses[i]
}

// book returns party's warhead book as this session sees it: folded from
// the database the first time, then kept up to date by writeWarheads. A
// session works on its own copy, which replaces the registry's when an
// Apply commits.
func (r *Registry) book(s *session, party string) (*book, error) {
	if b := s.books[party]; b != nil {
		return b, nil
	}
	r.booksMu.Lock()
	b := r.books[party]
	r.booksMu.Unlock()
	if b != nil {
		b = b.clone()
	} else {
		evs, err := s.wevents(party, nil)
		if err != nil {
			return nil, err
		}
		b = newBook(r.t, party)
		for _, ev := range evs {
			b.apply(r.t, ev) // only valid events were written
		}
	}
	if s.books == nil {
		s.books = map[string]*book{}
	}
	s.books[party] = b
	return b, nil
}

// commitBooks makes the books s folded the registry's, after s committed.
func (r *Registry) commitBooks(s *session) {
	r.booksMu.Lock()
	defer r.booksMu.Unlock()
	if r.books == nil {
		r.books = map[string]*book{}
	}
	for party, b := range s.books {
		r.books[party] = b
	}
}

// refoldWith folds party's whole warhead history as known now, with ev
// (if not nil) in its place and without entry corrected (if not nil),
// and returns the book and the findings, or the rule the history breaks.
func (r *Registry) refoldWith(s *session, party string, ev *wevent, corrected *uint64) (*refolded, error) {
	evs, err := s.wevents(party, corrected)
	if err != nil {
		return nil, err
	}
	if ev != nil {
		i, _ := slices.BinarySearchFunc(evs, ev, func(a, b *wevent) int {
			return cmp.Or(cmp.Compare(a.effective, b.effective), cmp.Compare(a.idx, b.idx))
		})
		evs = slices.Insert(evs, i, ev)
	}
	out := &refolded{b: newBook(r.t, party)}
	for _, e := range evs {
		fs, ref := out.b.apply(r.t, e)
		if ref != nil {
			if e != ev {
				ref.Reason = fmt.Sprintf("it would break the later history: %s", ref.Reason)
			}
			return nil, ref
		}
		out.findings = append(out.findings, fs...)
	}
	return out, nil
}

type refolded struct {
	b        *book
	findings []wfinding
}

// wevents reads party's warhead events as known now, leaving out the
// entries corrected and entry except (if not nil), in date and log order.
func (s *session) wevents(party string, except *uint64) ([]*wevent, error) {
	return s.weventsAt(party, except, knownNow)
}

// knownNow is a recorded time after every other.
const knownNow = "9999-12-31T23:59:59.999999999Z"

// weventsAt is wevents as known at known (in timeLayout): the lots
// recorded by then, less the entries corrected by then.
func (s *session) weventsAt(party string, except *uint64, known string) ([]*wevent, error) {
	skip := int64(-1)
	if except != nil {
		skip = int64(*except)
	}
	if err := s.need("warhead_lots_by_date"); err != nil {
		return nil, err
	}
	rows, err := s.query(`SELECT origin, idx, effective, recorded, type, effect, site, category, status, to_site, to_category, to_status, count
		FROM warhead_lots l WHERE party = ? AND idx <> ? AND recorded <= ?
		AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.origin = l.origin AND c.idx = l.idx AND c.recorded <= ?)
		ORDER BY effective, idx, uid, seq`, party, skip, known, known)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*wevent
	for rows.Next() {
		var e wevent
		var l body.Lot
		if err := rows.Scan(&e.origin, &e.idx, &e.effective, &e.recorded, &e.typ, &e.effect,
			&l.Site, &l.Category, &l.Status, &l.ToSite, &l.ToCategory, &l.ToStatus, &l.Count); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].origin == e.origin && out[n-1].idx == e.idx {
			out[n-1].lots = append(out[n-1].lots, l)
			continue
		}
		e.lots = []body.Lot{l}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// writeWarheads records what p states about warheads: its lots, the
// per-item lots of the warhead items its facts touch, and their effect on
// the party's book and findings.
func (r *Registry) writeWarheads(s *session, p *plan) error {
	party := p.rec.Party
	if ev := p.wev; ev != nil {
		for i, l := range ev.lots {
			if err := s.insertLot(party, ev, "", i, l); err != nil {
				return err
			}
		}
	}
	itemEv, backdated, err := r.itemLots(s, p)
	if err != nil {
		return err
	}
	if p.wev == nil && itemEv == nil && !backdated {
		return nil
	}
	b, err := r.book(s, party)
	if err != nil {
		return err
	}
	ev := p.wev
	if ev == nil {
		ev = itemEv
	}
	if p.corrects != nil || backdated || ev == nil || !b.inOrder(ev.effective, ev.idx) {
		return r.rewriteBook(s, party)
	}
	fs, ref := b.apply(r.t, ev)
	if ref != nil {
		return fmt.Errorf("applying a warhead event checked before: %w", ref)
	}
	return s.insertFindings(party, fs)
}

// rewriteBook refolds party's warhead history and replaces its book and
// findings.
func (r *Registry) rewriteBook(s *session, party string) error {
	out, err := r.refoldWith(s, party, nil, nil)
	if err != nil {
		return fmt.Errorf("refolding %s's warheads: %w", party, err)
	}
	if s.books == nil {
		s.books = map[string]*book{}
	}
	s.books[party] = out.b
	if err := s.exec(`DELETE FROM warhead_findings WHERE party = ?`, party); err != nil {
		return err
	}
	return s.insertFindings(party, out.findings)
}

func (s *session) insertLot(party string, ev *wevent, uid string, seq int, l body.Lot) error {
	return s.exec(`INSERT INTO warhead_lots(party, origin, idx, uid, seq, effective, recorded, type, effect, site, category, status, to_site, to_category, to_status, count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		party, ev.origin, ev.idx, uid, seq, ev.effective, ev.recorded, ev.typ, ev.effect, l.Site, l.Category, l.Status, l.ToSite, l.ToCategory, l.ToStatus, l.Count)
}

func (s *session) insertFindings(party string, fs []wfinding) error {
	for _, f := range fs {
		if err := s.exec(`INSERT INTO warhead_findings(party, origin, idx, kind, limit_id, site, category, status, effective, recorded, type, value, expected, reference)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			party, f.ev.origin, f.ev.idx, f.kind, f.limit, f.key.site, f.key.category, f.key.status, f.ev.effective, f.ev.recorded, f.ev.typ,
			f.value, f.expected, f.reference); err != nil {
			return err
		}
	}
	return nil
}

// itemLots rewrites the per-item lots of every warhead item p's facts
// touch, from the item's history as known now, and returns this entry's
// own per-item lots as one event (nil if none), and whether any of them
// changes the history before the entry, so that the party's book must be
// refolded.
func (r *Registry) itemLots(s *session, p *plan) (*wevent, bool, error) {
	var ev *wevent
	backdated := false
	seen := map[string]bool{}
	for i, f := range p.facts {
		if seen[f.uid] {
			continue
		}
		seen[f.uid] = true
		if w, err := r.warheadItem(s, p, i); err != nil || !w {
			if err != nil {
				return nil, false, err
			}
			continue
		}
		own, n, err := r.rewriteItem(s, p.rec.Party, f.uid, p.rec.Index)
		if err != nil {
			return nil, false, err
		}
		if n == 0 {
			continue
		}
		if p.next[i] == nil {
			backdated = true
		}
		if len(own) > 0 {
			if ev == nil {
				rec := p.rec
				ev = &wevent{origin: rec.Origin, idx: rec.Index, effective: rec.Effective.String(), recorded: fmtTime(rec.Recorded), typ: p.typ, effect: "item"}
			}
			ev.lots = append(ev.lots, own...)
		}
	}
	if p.corrects != nil && r.hasWarheads {
		// Items the corrected entry named and the correction leaves out.
		old, err := s.factsOf(p.rec.Origin, *p.corrects)
		if err != nil {
			return nil, false, err
		}
		for _, f := range old {
			if !seen[f.uid] {
				seen[f.uid] = true
				if _, _, err := r.rewriteItem(s, p.rec.Party, f.uid, p.rec.Index); err != nil {
					return nil, false, err
				}
			}
		}
	}
	return ev, backdated, nil
}

// warheadItem reports whether the item of p's fact i is a warhead.
func (r *Registry) warheadItem(s *session, p *plan, i int) (bool, error) {
	if !r.hasWarheads {
		return false, nil
	}
	f := &p.facts[i]
	switch {
	case f.category != nil:
		return r.t.WarheadCategory(*f.category), nil
	case p.next[i] != nil:
		return r.t.WarheadCategory(p.next[i].Category), nil
	}
	l, err := s.latest(p.rec.Party, f.uid)
	if err != nil || l == nil {
		return false, err
	}
	return r.t.WarheadCategory(l.state.Category), nil
}

// rewriteItem replaces the per-item lots of item uid with those of its
// history as known now: one lot of count 1 for each fact that changes its
// site, category or status while it is, or was, a warhead. It returns
// the lots of entry idx and how many lots the item has.
func (r *Registry) rewriteItem(s *session, party, uid string, idx uint64) ([]body.Lot, int, error) {
	if err := s.need("warhead_lots_by_uid"); err != nil {
		return nil, 0, err
	}
	if err := s.exec(`DELETE FROM warhead_lots WHERE party = ? AND uid = ?`, party, uid); err != nil {
		return nil, 0, err
	}
	chain, err := s.chain(party, uid, -1)
	if err != nil {
		return nil, 0, err
	}
	var st itemState
	var own []body.Lot
	n := 0
	for i := range chain {
		f := &chain[i]
		before := st
		st.set(f)
		if !r.t.WarheadCategory(before.Category) && !r.t.WarheadCategory(st.Category) {
			continue
		}
		if before.Category == st.Category && before.Status == st.Status && before.Facility == st.Facility {
			continue
		}
		l := body.Lot{Site: before.Facility, Category: before.Category, Status: before.Status,
			ToSite: st.Facility, ToCategory: st.Category, ToStatus: st.Status, Count: 1}
		ev := &wevent{origin: f.origin, idx: f.idx, effective: f.effective, recorded: f.recorded, typ: "", effect: "item"}
		if e, err := s.entry(f.origin, f.idx); err == nil && e != nil {
			ev.typ = e.typ
		}
		if f.idx == idx {
			own = append(own, l)
		}
		if err := s.insertLot(party, ev, uid, n, l); err != nil {
			return nil, 0, err
		}
		n++
	}
	return own, n, nil
}

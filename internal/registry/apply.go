package registry

import (
	"bytes"
	"context"
	"fmt"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"
)

// Apply ingests records, each the next entry of its log, in one
// transaction: all of them or, on error, none.
//
// A record already ingested with the same leaf hash is skipped, so a
// caller resuming after a crash may replay from any index at or before
// NextIndex. A record past NextIndex fails with ErrGap, one already
// ingested with another leaf hash with ErrConflict.
//
// A record that breaks a rule is kept, marked refused with its reason,
// and has no other effect; Findings reports it.
func (r *Registry) Apply(ctx context.Context, recs ...Record) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	s, err := r.begin(ctx, false)
	if err != nil {
		return err
	}
	defer s.end()
	s.cur, s.pend, s.bulk = &r.cur, newPending(), r.bulk
	next := map[string]uint64{}
	for i := range recs {
		if err := r.apply(s, next, &recs[i]); err != nil {
			return err
		}
	}
	for origin, n := range next {
		if err := s.exec(`INSERT INTO logs(origin, party, next_index) VALUES (?, ?, ?)
			ON CONFLICT(origin) DO UPDATE SET next_index = excluded.next_index`, origin, r.partyOf(origin), n); err != nil {
			return fmt.Errorf("updating log cursor: %w", err)
		}
	}
	if err := s.flushLatest(); err != nil {
		return err
	}
	if err := s.flushHeads(); err != nil {
		return fmt.Errorf("writing item heads: %w", err)
	}
	if err := s.commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	r.commitBooks(s)
	r.commitCurrent(s)
	r.commitBulk(s)
	return nil
}

// NextIndex returns the index of the next entry Apply expects from the log
// with the given origin: the number of its entries ingested.
func (r *Registry) NextIndex(ctx context.Context, origin string) (uint64, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return 0, err
	}
	defer s.end()
	return s.nextIndex(origin)
}

func (s *session) nextIndex(origin string) (uint64, error) {
	var n uint64
	_, err := s.row(`SELECT next_index FROM logs WHERE origin = ?`, []any{origin}, &n)
	return n, err
}

func (r *Registry) apply(s *session, next map[string]uint64, rec *Record) error {
	if err := r.checkOrigin(rec); err != nil {
		return err
	}
	n, ok := next[rec.Origin]
	if !ok {
		var err error
		if n, err = s.nextIndex(rec.Origin); err != nil {
			return err
		}
	}
	switch {
	case rec.Index > n:
		return fmt.Errorf("%w: %s#%d, expected #%d", ErrGap, rec.Origin, rec.Index, n)
	case rec.Index < n:
		return s.same(rec)
	}
	p, err := r.validate(s, rec)
	if ref, ok := errRefusal(err); ok {
		r.log.Info("refused entry", "origin", rec.Origin, "index", rec.Index, "reason", ref.Error())
		err = s.writeEntry(&plan{rec: rec}, ref.Error())
	} else if err == nil {
		err = r.write(s, p)
	}
	if err != nil {
		return fmt.Errorf("applying %s#%d: %w", rec.Origin, rec.Index, err)
	}
	next[rec.Origin] = n + 1
	s.applied++
	return nil
}

// same checks that rec was already ingested with the same leaf hash.
func (s *session) same(rec *Record) error {
	var h []byte
	if _, err := s.row(`SELECT leaf_hash FROM entries WHERE origin = ? AND idx = ?`, []any{rec.Origin, rec.Index}, &h); err != nil {
		return err
	}
	if !bytes.Equal(h, rec.LeafHash[:]) {
		return fmt.Errorf("%w: %s#%d has leaf hash %s, already ingested with %s", ErrConflict, rec.Origin, rec.Index, rec.LeafHash, body.Hash(h))
	}
	return nil
}

// write inserts everything a valid record states.
func (r *Registry) write(s *session, p *plan) error {
	if err := s.write(p, r.t); err != nil {
		return err
	}
	if err := r.rejudge(s, p); err != nil {
		return err
	}
	return r.writeWarheads(s, p)
}

func (s *session) write(p *plan, t *treaty.Treaty) error {
	if err := s.writeEntry(p, ""); err != nil {
		return err
	}
	rec := p.rec
	if p.corrects != nil {
		if err := s.exec(`INSERT INTO corrections(origin, idx, by_idx, recorded) VALUES (?, ?, ?, ?)`,
			rec.Origin, *p.corrects, rec.Index, fmtTime(rec.Recorded)); err != nil {
			return err
		}
	}
	for _, uid := range p.newUIDs {
		if err := s.exec(`INSERT INTO items(party, uid, origin, idx) VALUES (?, ?, ?, ?)`, rec.Party, uid, rec.Origin, rec.Index); err != nil {
			return err
		}
	}
	if err := s.writeFacilities(p); err != nil {
		return err
	}
	for i := range p.facts {
		if err := s.writeFact(rec.Party, &p.facts[i]); err != nil {
			return err
		}
	}
	if err := s.writeLatest(p, t); err != nil {
		return err
	}
	if err := s.writeVersions(p); err != nil {
		return err
	}
	if err := s.writeDeclared(p); err != nil {
		return err
	}
	if p.rows != nil {
		if err := p.rows(s); err != nil {
			return err
		}
	}
	return s.writeExtras(p)
}

// writeLatest brings the cached latest state of the items p names up to
// date: the state validation found for a fact after everything known
// about its item, a fold of the whole history for any other fact and for
// every item a correction touches.
func (s *session) writeLatest(p *plan, t *treaty.Treaty) error {
	party := p.rec.Party
	if p.corrects != nil {
		old, err := s.factsOf(p.rec.Origin, *p.corrects)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, f := range append(old, p.facts...) {
			if !seen[f.uid] {
				seen[f.uid] = true
				if err := s.refold(t, party, f.uid); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i := range p.facts {
		f := &p.facts[i]
		if st := p.next[i]; st != nil {
			s.putLatest(party, f.uid, &latest{state: *st, effective: f.effective, idx: f.idx})
			continue
		}
		if err := s.refold(t, party, f.uid); err != nil {
			return err
		}
	}
	return nil
}

// writeFacilities records the facilities p names that its party had not
// named before: a facility the registry remembers is not written again.
func (s *session) writeFacilities(p *plan) error {
	rec := p.rec
	for _, f := range p.facilities {
		k := itemKey{rec.Party, f}
		if s.cur.facilities[k] || s.pend.facilities[k] {
			continue
		}
		if err := s.exec(`INSERT OR IGNORE INTO facilities(party, id, origin, idx) VALUES (?, ?, ?, ?)`, rec.Party, f, rec.Origin, rec.Index); err != nil {
			return err
		}
		s.pend.facilities[k] = true
	}
	return nil
}

func (s *session) writeFact(party string, f *fact) error {
	if s.pend != nil {
		s.pend.history[itemKey{party, f.uid}] = true
	}
	var moved any
	if f.movedFrom != "" {
		moved = f.movedFrom
	}
	return s.exec(`INSERT INTO item_history(party, uid, effective, idx, origin, recorded, type, category, status, facility, warheads, moved_from)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		party, f.uid, f.effective, f.idx, f.origin, f.recorded, f.typ, f.category, f.status, f.facility, f.warheads, moved)
}

func (s *session) writeExtras(p *plan) error {
	rec := p.rec
	if p.id != "" {
		if err := s.exec(`INSERT INTO notification_ids(origin, id, idx) VALUES (?, ?, ?)`, rec.Origin, p.id, rec.Index); err != nil {
			return err
		}
	}
	if a := p.ack; a != nil {
		if err := s.exec(`INSERT INTO acks(origin, idx, party, recorded, target_origin, target_idx, target_hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			rec.Origin, rec.Index, rec.Party, fmtTime(rec.Recorded), a.Entry.Origin, a.Entry.Index, a.Entry.LeafHash[:]); err != nil {
			return err
		}
		if err := s.writeMismatch(rec, a); err != nil {
			return err
		}
	}
	if in := p.insp; in != nil {
		if err := s.exec(`INSERT INTO inspections(origin, idx, party, type, inspected, effective, recorded) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			rec.Origin, rec.Index, rec.Party, in.Type, in.Inspected, rec.Effective.String(), fmtTime(rec.Recorded)); err != nil {
			return err
		}
	}
	return nil
}

// writeEntry inserts the entry row; refused, if not empty, is why the
// entry was refused.
func (s *session) writeEntry(p *plan, refused string) error {
	rec := p.rec
	var due, corrects, answersOrigin, answersIdx, why any
	if p.due != "" {
		due = p.due
	}
	if p.corrects != nil {
		corrects = *p.corrects
	}
	if a := p.answers; a != nil {
		answersOrigin, answersIdx = a.Origin, a.Index
	}
	if refused != "" {
		why = refused
	}
	typ := p.typ
	if refused != "" && rec.Kind == entry.Notification {
		if n, err := body.ParseNotification(rec.Body); err == nil {
			typ = n.Type
		}
	}
	if err := s.exec(`INSERT INTO entries(origin, idx, leaf_hash, party, kind, type, effect, effective, recorded, due, corrects, answers_origin, answers_idx, refused)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.Origin, rec.Index, rec.LeafHash[:], rec.Party, string(rec.Kind), typ, p.effect, rec.Effective.String(),
		fmtTime(rec.Recorded), due, corrects, answersOrigin, answersIdx, why); err != nil {
		return err
	}
	if err := s.exec(`INSERT INTO bodies(origin, idx, body) VALUES (?, ?, ?)`, rec.Origin, rec.Index, rec.Body); err != nil {
		return err
	}
	return s.writeMismatchesOf(rec)
}

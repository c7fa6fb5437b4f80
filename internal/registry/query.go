package registry

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/treaty"
)

// Inventory returns party's items on asOf as known at knownAt: every fact
// effective on or before asOf, stated by an entry created at or before
// knownAt and not corrected by an entry created at or before knownAt,
// applied in effective-date and log order. The lifecycle rules were
// checked when each fact was ingested, against everything known then;
// here facts are only merged. Items in a final status (eliminated), and
// items whose declaration was not yet known at knownAt, are left out. Items are sorted by UID; each has AsOf and
// Party set.
func (r *Registry) Inventory(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) ([]declaration.Item, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	return r.inventory(s, party, asOf, knownAt)
}

// Declaration returns what party declared it held on asOf, as known at
// knownAt, ready for engine.Evaluate: the latest statement of holdings on
// or before asOf wins. When that is a per-type or aggregate declaration
// (declared counts), the declaration holds its counts and is dated on
// it; otherwise it holds the party's items on asOf (Inventory), dated
// asOf. On one date, declared counts win over an item-level statement
// (docs/database.md, "Declarations"). Warheads counted per site join it
// as its Warheads rows, one per site, category and status.
func (r *Registry) Declaration(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) (*declaration.Declaration, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	d, err := r.declaredCounts(s, party, asOf, knownAt)
	if err != nil {
		return nil, err
	}
	if d == nil {
		items, err := r.inventory(s, party, asOf, knownAt)
		if err != nil {
			return nil, err
		}
		d = &declaration.Declaration{Party: party, AsOf: asOf, Items: items}
	}
	if d.Aggregate == nil {
		w, err := r.warheadRows(s, party, asOf, knownAt)
		if err != nil {
			return nil, err
		}
		d.Warheads = append(d.Warheads, w...)
	}
	return d, nil
}

// A Fact is one row of an item's history: what one entry stated about it.
// Empty members were left unchanged by the entry.
type Fact struct {
	UID       string      `json:"uid"`
	Effective treaty.Date `json:"effective"`
	Recorded  time.Time   `json:"recorded"`
	Entry     body.Ref    `json:"entry"`
	Type      string      `json:"type,omitempty"`
	Category  string      `json:"category,omitempty"`
	Status    string      `json:"status,omitempty"`
	Facility  string      `json:"facility,omitempty"`
	Warheads  *int        `json:"warheads,omitempty"`
	MovedFrom string      `json:"moved_from,omitempty"`
	// CorrectedBy is the index of the entry, in the same log, that
	// corrected this fact's entry, and CorrectedAt when; zero if none.
	CorrectedBy *uint64   `json:"corrected_by,omitempty"`
	CorrectedAt time.Time `json:"corrected_at,omitzero"`
}

// History returns every fact ever stated about party's item uid, corrected
// ones included, in effective-date and log order.
func (r *Registry) History(ctx context.Context, party, uid string) ([]Fact, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	rows, err := s.query(`SELECT h.uid, h.effective, h.recorded, h.origin, h.idx, e.leaf_hash, h.type, h.category, h.status, h.facility, h.warheads, h.moved_from,
		(SELECT min(by_idx) FROM corrections c WHERE c.origin = h.origin AND c.idx = h.idx),
		(SELECT min(recorded) FROM corrections c WHERE c.origin = h.origin AND c.idx = h.idx)
		FROM item_history h JOIN entries e ON e.origin = h.origin AND e.idx = h.idx
		WHERE h.party = ? AND h.uid = ? ORDER BY h.effective, h.idx`, party, uid)
	if err != nil {
		return nil, fmt.Errorf("reading history of %s: %w", uid, err)
	}
	defer rows.Close()
	var out []Fact
	for rows.Next() {
		f, err := scanHistory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func scanHistory(rows *sql.Rows) (Fact, error) {
	var f Fact
	var eff, rec string
	var hash []byte
	var typ, cat, st, fac, moved, corrAt sql.NullString
	var w, corrBy sql.NullInt64
	if err := rows.Scan(&f.UID, &eff, &rec, &f.Entry.Origin, &f.Entry.Index, &hash, &typ, &cat, &st, &fac, &w, &moved, &corrBy, &corrAt); err != nil {
		return f, err
	}
	f.Effective, f.Recorded = parseDate(eff), parseTime(rec)
	copy(f.Entry.LeafHash[:], hash)
	f.Type, f.Category, f.Status, f.Facility, f.MovedFrom = typ.String, cat.String, st.String, fac.String, moved.String
	if w.Valid {
		n := int(w.Int64)
		f.Warheads = &n
	}
	if corrBy.Valid {
		by := uint64(corrBy.Int64)
		f.CorrectedBy, f.CorrectedAt = &by, parseTime(corrAt.String)
	}
	return f, nil
}

func scanFact(rows *sql.Rows) (fact, error) {
	var f fact
	var moved sql.NullString
	err := rows.Scan(&f.uid, &f.effective, &f.idx, &f.origin, &f.recorded,
		&f.typ, &f.category, &f.status, &f.facility, &f.warheads, &moved)
	f.movedFrom = moved.String
	return f, err
}

// A Facility is a site a party's notifications named.
type Facility struct {
	ID string `json:"id"`
	// First is the entry that first named it.
	First uint64 `json:"first_entry"`
}

// Facilities returns the facilities party's notifications named, by id.
func (r *Registry) Facilities(ctx context.Context, party string) ([]Facility, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	rows, err := s.query(`SELECT id, idx FROM facilities WHERE party = ? ORDER BY id`, party)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Facility
	for rows.Next() {
		var f Facility
		if err := rows.Scan(&f.ID, &f.First); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// merge applies facts in order, each setting the values it states.
func merge(facts []fact) itemState {
	var s itemState
	for i := range facts {
		s.set(&facts[i])
	}
	return s
}

// set sets the values f states.
func (s *itemState) set(f *fact) {
	s.Type, s.Category, s.Status, s.Facility = deref(f.typ, s.Type), deref(f.category, s.Category), deref(f.status, s.Status), deref(f.facility, s.Facility)
	if f.warheads != nil {
		s.Warheads = int(*f.warheads)
	}
}

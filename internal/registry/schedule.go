package registry

import (
	"fmt"
	"slices"
	"time"

	"accord/entry/body"
	"accord/internal/treaty"
)

// An obligation is a notification the treaty requires of every party: one
// anchored to entry into force (initial data), or a periodic data update.
type obligation struct {
	Type      string      `json:"type"`
	Effective treaty.Date `json:"effective"` // the date it states data as of
	Due       time.Time   `json:"due"`
}

// required returns the notifications due on or before horizon, in due
// order. Periodic updates start with the first as-of date after the
// deadline of the initial data, and stop when the treaty expires.
func (r *Registry) required(horizon time.Time) []obligation {
	t := r.t
	eif := t.Dates.EntryIntoForce
	if eif.IsZero() {
		return nil
	}
	var out []obligation
	start := eif.Time()
	for _, nt := range t.Notifications {
		if nt.Due.Anchor == "entry_into_force" {
			due := nt.Due.Due(eif.Time())
			if !due.After(horizon) {
				out = append(out, obligation{Type: nt.ID, Effective: eif, Due: due})
			}
			if nt.Effect == "data" && due.After(start) {
				start = due
			}
		}
	}
	out = append(out, r.updates(start, horizon)...)
	slices.SortStableFunc(out, func(a, b obligation) int { return a.Due.Compare(b.Due) })
	return out
}

// updates returns the data-exchange updates with an as-of date after start
// and a deadline on or before horizon.
func (r *Registry) updates(start, horizon time.Time) []obligation {
	x := r.t.DataExchange
	if x == nil {
		return nil
	}
	nt, ok := r.t.Notification(x.Notification)
	if !ok || nt.Due.Anchor != "effective" {
		return nil
	}
	var out []obligation
	for y := start.Year(); y <= horizon.Year(); y++ {
		for _, md := range x.AsOf {
			d, err := treaty.ParseDate(fmt.Sprintf("%04d-%s", y, md))
			if err != nil || !d.Time().After(start) || !r.t.InForce(d) {
				continue
			}
			if due := nt.Due.Due(d.Time()); !due.After(horizon) {
				out = append(out, obligation{Type: nt.ID, Effective: d, Due: due})
			}
		}
	}
	return out
}

// sent returns when party first sent an applied notification of the
// required type (for a periodic update, effective on its as-of date), as
// known at now; ok is false if it has not. Failing that, a declaration
// effective on the required date stands for it: decl is then that
// declaration's entry.
func (s *session) sent(party string, req obligation, periodic bool, now time.Time) (at time.Time, ok bool, decl *body.Ref, err error) {
	q := `SELECT min(recorded) FROM entries WHERE party = ? AND kind = 'notification' AND type = ? AND refused IS NULL AND recorded <= ?`
	args := []any{party, req.Type, fmtTime(now)}
	if periodic {
		q += ` AND effective = ?`
		args = append(args, req.Effective.String())
	}
	var first *string
	if _, err := s.row(q, args, &first); err != nil || first != nil {
		if first != nil {
			at, ok = parseTime(*first), true
		}
		return at, ok, nil, err
	}
	var ref body.Ref
	var hash []byte
	var rec string
	found, err := s.row(`SELECT origin, idx, leaf_hash, recorded FROM entries WHERE party = ? AND kind = 'declaration' AND refused IS NULL
		AND effective = ? AND recorded <= ? ORDER BY recorded, idx LIMIT 1`,
		[]any{party, req.Effective.String(), fmtTime(now)}, &ref.Origin, &ref.Index, &hash, &rec)
	if err != nil || !found {
		return time.Time{}, false, nil, err
	}
	copy(ref.LeafHash[:], hash)
	return parseTime(rec), true, &ref, nil
}

func (r *Registry) periodic(typ string) bool {
	return r.t.DataExchange != nil && r.t.DataExchange.Notification == typ
}

// missing finds the required notifications party had not sent when they
// fell due, as known at now, if the party's log is followed. A declaration of the required date stands
// for the notification; one recorded after the deadline is late.
func (r *Registry) missing(s *session, party string, now time.Time) ([]Finding, error) {
	var out []Finding
	if r.follows != nil && !r.follows[party] {
		return nil, nil
	}
	for _, req := range r.required(now) {
		if !now.After(req.Due) {
			continue
		}
		at, ok, decl, err := s.sent(party, req, r.periodic(req.Type), now)
		if err != nil {
			return nil, err
		}
		switch {
		case !ok:
			out = append(out, Finding{Kind: FindingMissing, Party: party, Type: req.Type, Effective: req.Effective, Due: req.Due,
				Reason: fmt.Sprintf("no %s effective %s was sent by %s", req.Type, req.Effective, req.Due.Format(time.RFC3339))})
		case decl != nil && at.After(req.Due):
			out = append(out, Finding{Kind: FindingLate, Party: party, Type: req.Type, Entry: decl, Effective: req.Effective, Due: req.Due, Sent: at,
				Reason: fmt.Sprintf("%s effective %s was due by %s; a declaration of that date was recorded %s", req.Type, req.Effective,
					req.Due.Format(time.RFC3339), at.Format(time.RFC3339))})
		}
	}
	return out, nil
}

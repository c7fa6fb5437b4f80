package registry

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"accord/entry/body"
	"accord/internal/treaty"
)

// States of a notice.
const (
	OnTime     = "on_time"     // sent by its deadline
	Late       = "late"        // sent after its deadline
	NoDeadline = "no_deadline" // a correction, or a reply to an entry not held
	Refused    = "refused"     // broke a rule: kept, with no effect
)

// A Notice is a notification as the database holds it: when it was sent,
// its deadline and whether it met it.
type Notice struct {
	Entry     body.Ref    `json:"entry"`
	Type      string      `json:"type"`
	Effective treaty.Date `json:"effective"`
	Sent      time.Time   `json:"sent"`
	Due       time.Time   `json:"due,omitzero"`
	State     string      `json:"state"`
	Reason    string      `json:"reason,omitempty"` // why it was refused
	// Corrects and CorrectedBy are entry indexes in the same log.
	Corrects    *uint64 `json:"corrects,omitempty"`
	CorrectedBy *uint64 `json:"corrected_by,omitempty"`
}

// Notices returns the notifications in party's log created at or before
// knownAt, in log order.
func (r *Registry) Notices(ctx context.Context, party string, knownAt time.Time) ([]Notice, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	return r.notices(s, party, knownAt, false)
}

// notices reads party's notifications; lateOnly keeps the late ones.
func (r *Registry) notices(s *session, party string, knownAt time.Time, lateOnly bool) ([]Notice, error) {
	k := fmtTime(knownAt)
	q := `SELECT e.origin, e.idx, e.leaf_hash, e.type, e.effective, e.recorded, e.due, e.refused, e.corrects,
		(SELECT min(by_idx) FROM corrections c WHERE c.origin = e.origin AND c.idx = e.idx AND c.recorded <= ?),
		(SELECT a.recorded FROM entries a WHERE a.origin = e.answers_origin AND a.idx = e.answers_idx AND a.recorded <= ?)
		FROM entries e WHERE e.party = ? AND e.kind = 'notification' AND e.recorded <= ?`
	if lateOnly {
		q += ` AND e.refused IS NULL AND (e.recorded > e.due OR (e.due IS NULL AND e.answers_origin IS NOT NULL))`
	}
	rows, err := s.query(q+` ORDER BY e.idx`, k, k, party, k)
	if err != nil {
		return nil, fmt.Errorf("reading notifications of %s: %w", party, err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		n, err := r.scanNotice(rows)
		if err != nil {
			return nil, err
		}
		if !lateOnly || n.State == Late {
			out = append(out, n)
		}
	}
	return out, rows.Err()
}

func (r *Registry) scanNotice(rows *sql.Rows) (Notice, error) {
	var n Notice
	var hash []byte
	var eff, rec string
	var due, refused, received sql.NullString
	var corrects, correctedBy sql.NullInt64
	if err := rows.Scan(&n.Entry.Origin, &n.Entry.Index, &hash, &n.Type, &eff, &rec, &due, &refused, &corrects, &correctedBy, &received); err != nil {
		return n, err
	}
	copy(n.Entry.LeafHash[:], hash)
	n.Effective, n.Sent = parseDate(eff), parseTime(rec)
	n.Corrects, n.CorrectedBy = optIndex(corrects), optIndex(correctedBy)
	switch {
	case due.Valid:
		n.Due = parseTime(due.String)
	case received.Valid && n.Corrects == nil:
		// The deadline runs from the receipt of the answered entry,
		// taken to be when that entry was created.
		if nt, ok := r.t.Notification(n.Type); ok {
			n.Due = nt.Due.Due(parseTime(received.String))
		}
	}
	switch {
	case refused.Valid:
		n.State, n.Reason = Refused, refused.String
	case n.Due.IsZero():
		n.State = NoDeadline
	case n.Sent.After(n.Due):
		n.State = Late
	default:
		n.State = OnTime
	}
	return n, nil
}

func optIndex(v sql.NullInt64) *uint64 {
	if !v.Valid {
		return nil
	}
	i := uint64(v.Int64)
	return &i
}

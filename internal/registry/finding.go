package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"accord/entry/body"
	"accord/internal/treaty"
)

// Kinds of finding.
const (
	FindingLate           = "late"           // a notification sent after its deadline
	FindingMissing        = "missing"        // a required notification not sent by its deadline
	FindingUnacknowledged = "unacknowledged" // a notification received and not acknowledged within the window
	FindingLateAck        = "late_acknowledgement"
	FindingRefused        = "refused"                // an entry in the party's log that breaks a rule
	FindingAckMismatch    = "ack_mismatch"           // an acknowledgement names an entry by another leaf hash than the one held
	FindingSplitView      = "split_view"             // the party's log showed two inconsistent histories (evidence held by the node)
	FindingIncomplete     = "incomplete_declaration" // completeness evidence held by the node proves an escrowed declaration incomplete
)

// A Finding is a broken obligation, with the inputs that prove it: the
// entries concerned and the times compared.
type Finding struct {
	Kind  string `json:"kind"`
	Party string `json:"party"` // the party that broke the obligation
	Type  string `json:"type,omitempty"`
	// Entry is the entry concerned: the late, refused or unacknowledged
	// notification; nil for a missing one.
	Entry     *body.Ref   `json:"entry,omitempty"`
	Effective treaty.Date `json:"effective,omitzero"` // the date the notification is (or was due) effective
	Due       time.Time   `json:"due,omitzero"`
	// Sent is when the late notification or acknowledgement was made.
	Sent time.Time `json:"sent,omitzero"`
	// By is the acknowledgement concerned, if any.
	By     *body.Ref `json:"by,omitempty"`
	Reason string    `json:"reason"`
}

// Findings returns the findings against party as known at now, sorted by
// due time, then kind, then entry.
func (r *Registry) Findings(ctx context.Context, party string, now time.Time) ([]Finding, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	return r.findings(s, party, now)
}

func (r *Registry) findings(s *session, party string, now time.Time) ([]Finding, error) {
	var out []Finding
	for _, f := range []func(*session, string, time.Time) ([]Finding, error){
		r.late, r.missing, r.refused, r.unacknowledged, r.mismatched, r.omitted, r.warheadFindings, r.escrowFindings,
		r.inspectionFindings, r.drawFindings,
	} {
		fs, err := f(s, party, now)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	sortFindings(out)
	return out, nil
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Kind, b.Kind), cmp.Compare(refKey(a.Entry), refKey(b.Entry)),
			a.Effective.Compare(b.Effective), cmp.Compare(a.Type, b.Type))
	})
}

func refKey(r *body.Ref) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%s#%020d", r.Origin, r.Index)
}

func (r *Registry) late(s *session, party string, now time.Time) ([]Finding, error) {
	ns, err := r.notices(s, party, now, true)
	if err != nil {
		return nil, err
	}
	out := make([]Finding, 0, len(ns))
	for _, n := range ns {
		e := n.Entry
		out = append(out, Finding{Kind: FindingLate, Party: party, Type: n.Type, Entry: &e, Effective: n.Effective, Due: n.Due, Sent: n.Sent,
			Reason: fmt.Sprintf("%s effective %s was due by %s and sent %s", n.Type, n.Effective, n.Due.Format(time.RFC3339), n.Sent.Format(time.RFC3339))})
	}
	return out, nil
}

func (r *Registry) refused(s *session, party string, now time.Time) ([]Finding, error) {
	rows, err := s.query(`SELECT origin, idx, leaf_hash, type, effective, recorded, refused FROM entries
		WHERE party = ? AND refused IS NOT NULL AND recorded <= ? ORDER BY idx`, party, fmtTime(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var e body.Ref
		var hash []byte
		var typ, eff, rec, why string
		if err := rows.Scan(&e.Origin, &e.Index, &hash, &typ, &eff, &rec, &why); err != nil {
			return nil, err
		}
		copy(e.LeafHash[:], hash)
		out = append(out, Finding{Kind: FindingRefused, Party: party, Type: typ, Entry: &e, Effective: parseDate(eff), Sent: parseTime(rec), Reason: why})
	}
	return out, rows.Err()
}

// unacknowledged finds the notifications of other parties that party
// received and did not acknowledge within the window. It judges only a
// party whose log the registry holds.
func (r *Registry) unacknowledged(s *session, party string, now time.Time) ([]Finding, error) {
	own := r.origin(party)
	if n, err := s.nextIndex(own); err != nil || n == 0 {
		return nil, err
	}
	k := fmtTime(now)
	rows, err := s.query(`SELECT e.origin, e.idx, e.leaf_hash, e.type, e.effective, e.recorded,
		(SELECT min(a.recorded) FROM acks a WHERE a.origin = ? AND a.target_origin = e.origin AND a.target_idx = e.idx AND a.recorded <= ?),
		(SELECT a.idx FROM acks a WHERE a.origin = ? AND a.target_origin = e.origin AND a.target_idx = e.idx AND a.recorded <= ? ORDER BY a.recorded, a.idx LIMIT 1)
		FROM entries e WHERE e.kind = 'notification' AND e.party <> ? AND e.recorded <= ? ORDER BY e.origin, e.idx`,
		own, k, own, k, party, k)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		f, ok, err := r.scanUnacked(rows, party, own, now)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, rows.Err()
}

func (r *Registry) scanUnacked(rows interface{ Scan(...any) error }, party, own string, now time.Time) (Finding, bool, error) {
	var e body.Ref
	var hash []byte
	var typ, eff, rec string
	var ackedAt *string
	var ackIdx *uint64
	if err := rows.Scan(&e.Origin, &e.Index, &hash, &typ, &eff, &rec, &ackedAt, &ackIdx); err != nil {
		return Finding{}, false, err
	}
	copy(e.LeafHash[:], hash)
	due := parseTime(rec).Add(r.window)
	f := Finding{Party: party, Type: typ, Entry: &e, Effective: parseDate(eff), Due: due}
	switch {
	case ackedAt == nil && now.After(due):
		f.Kind = FindingUnacknowledged
		f.Reason = fmt.Sprintf("%s received %s and not acknowledged by %s", e, rec, due.Format(time.RFC3339))
		return f, true, nil
	case ackedAt != nil && parseTime(*ackedAt).After(due):
		f.Kind, f.Sent, f.By = FindingLateAck, parseTime(*ackedAt), &body.Ref{Origin: own, Index: *ackIdx}
		f.Reason = fmt.Sprintf("%s acknowledged %s, after the deadline %s", e, *ackedAt, due.Format(time.RFC3339))
		return f, true, nil
	}
	return f, false, nil
}

// mismatched finds acknowledgements of party's entries that name another
// leaf hash than the one held: evidence that two parties were shown
// different entries at one index. Ingest keeps them in ack_mismatches.
func (r *Registry) mismatched(s *session, party string, now time.Time) ([]Finding, error) {
	rows, err := s.query(`SELECT a.origin, a.idx, a.target_origin, a.target_idx, a.target_hash, e.leaf_hash, e.type, e.effective
		FROM ack_mismatches m CROSS JOIN acks a ON a.origin = m.origin AND a.idx = m.idx
		CROSS JOIN entries e ON e.origin = a.target_origin AND e.idx = a.target_idx
		WHERE e.party = ? AND a.recorded <= ? AND a.target_hash <> e.leaf_hash ORDER BY a.target_origin, a.target_idx, a.origin, a.idx`,
		party, fmtTime(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var by, e body.Ref
		var acked, held []byte
		var typ, eff string
		if err := rows.Scan(&by.Origin, &by.Index, &e.Origin, &e.Index, &acked, &held, &typ, &eff); err != nil {
			return nil, err
		}
		copy(e.LeafHash[:], held)
		out = append(out, Finding{Kind: FindingAckMismatch, Party: party, Type: typ, Entry: &e, Effective: parseDate(eff), By: &by,
			Reason: fmt.Sprintf("%s acknowledges %s with leaf hash %s; this node holds %s", by, e, body.Hash(acked), body.Hash(held))})
	}
	return out, rows.Err()
}

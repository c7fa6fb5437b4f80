package registry

import (
	"cmp"
	"slices"
	"time"

	"accord/entry/body"
)

// Inspection findings are kept at ingest (docs/database.md, "Findings
// kept at ingest"): report_items lists each item a report found, with the
// inspected party and the report's date; report_discrepancies holds the
// discrepancy of each that differs from the treaty database as it stands,
// judged when the report is ingested and again whenever a fact about the
// item dated on or before the report's date is ingested or corrected;
// report_ambiguities lists the reports that record an ambiguity, whose
// findings depend on the time asked about (comments and resolutions
// recorded by then) and are assembled on each call.

// writeReport records the items report rep (answering briefing br) found,
// the discrepancy of each, and whether it records an ambiguity.
func (r *Registry) writeReport(s *session, rep, br *step) error {
	in := Inspection{Inspected: br.party, Facility: br.field("facility")}
	for pos, it := range rep.n.Items {
		if err := s.exec(`INSERT OR IGNORE INTO report_items(party, uid, date, origin, idx, pos) VALUES (?, ?, ?, ?, ?, ?)`,
			in.Inspected, it.UID, rep.effective, rep.ref.Origin, rep.ref.Index, pos); err != nil {
			return err
		}
		if err := r.judgeItem(s, &in, rep, br, pos); err != nil {
			return err
		}
	}
	if !hasAmbiguity(rep) {
		return nil
	}
	return s.exec(`INSERT INTO report_ambiguities(inspected, origin, idx) VALUES (?, ?, ?)`, in.Inspected, rep.ref.Origin, rep.ref.Index)
}

func hasAmbiguity(rep *step) bool {
	return slices.ContainsFunc(ambiguities, func(a string) bool { return rep.field(a) != "" })
}

// judgeItem writes the discrepancy, if any, of the item found at pos of
// report rep, as the database stands.
func (r *Registry) judgeItem(s *session, in *Inspection, rep, br *step, pos int) error {
	why, err := r.discrepancy(s, in, rep, br, rep.n.Items[pos])
	if err != nil {
		return err
	}
	if why == "" {
		return s.exec(`DELETE FROM report_discrepancies WHERE origin = ? AND idx = ? AND pos = ?`, rep.ref.Origin, rep.ref.Index, pos)
	}
	return s.exec(`INSERT INTO report_discrepancies(origin, idx, pos, inspected, reason) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(origin, idx, pos) DO UPDATE SET reason = excluded.reason`, rep.ref.Origin, rep.ref.Index, pos, in.Inspected, why)
}

// rejudge judges again the items found by reports on p's party whose
// state on the report's date p may change: those p states a fact about,
// in reports dated on or after the fact, and, for a correction, those of
// the entry corrected, in every report.
func (r *Registry) rejudge(s *session, p *plan) error {
	from := map[string]string{} // uid → the first report date affected
	if p.corrects != nil {
		uids, err := s.touched(p)
		if err != nil {
			return err
		}
		for _, uid := range uids {
			from[uid] = ""
		}
	}
	for _, f := range p.facts {
		if d, ok := from[f.uid]; !ok || f.effective < d {
			from[f.uid] = f.effective
		}
	}
	uids := make([]string, 0, len(from))
	for uid := range from {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	var found []foundItem
	for _, uid := range uids {
		fs, err := s.foundSince(p.rec.Party, uid, from[uid])
		if err != nil {
			return err
		}
		found = append(found, fs...)
	}
	return r.judgeFound(s, found)
}

// A foundItem is the item found at pos of the report origin#idx.
type foundItem struct {
	origin string
	idx    uint64
	pos    int
}

// foundSince returns where reports dated on or after from found party's
// item uid.
func (s *session) foundSince(party, uid, from string) ([]foundItem, error) {
	rows, err := s.query(`SELECT origin, idx, pos FROM report_items WHERE party = ? AND uid = ? AND date >= ?`, party, uid, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []foundItem
	for rows.Next() {
		var f foundItem
		if err := rows.Scan(&f.origin, &f.idx, &f.pos); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// judgeFound judges the items found again, reading each report and its
// briefing once.
func (r *Registry) judgeFound(s *session, found []foundItem) error {
	slices.SortFunc(found, func(a, b foundItem) int {
		return cmp.Or(cmp.Compare(a.origin, b.origin), cmp.Compare(a.idx, b.idx), cmp.Compare(a.pos, b.pos))
	})
	var rep, br *step
	for _, f := range found {
		if rep == nil || rep.ref.Origin != f.origin || rep.ref.Index != f.idx {
			var err error
			if rep, err = r.stepAt(s, f.origin, f.idx); err != nil {
				return err
			}
			if br, err = r.stepAt(s, rep.n.Answers.Origin, rep.n.Answers.Index); err != nil {
				return err
			}
		}
		in := Inspection{Inspected: br.party, Facility: br.field("facility")}
		if err := r.judgeItem(s, &in, rep, br, f.pos); err != nil {
			return err
		}
	}
	return nil
}

// inspectionFindings returns the findings of the reports on inspections
// of party recorded by now: the discrepancies kept at ingest, and the
// ambiguities still open at now of the reports that record any.
func (r *Registry) inspectionFindings(s *session, party string, now time.Time) ([]Finding, error) {
	out, err := r.discrepancies(s, party, now)
	if err != nil {
		return nil, err
	}
	refs, err := s.refs(`SELECT a.origin, a.idx FROM report_ambiguities a CROSS JOIN entries e ON e.origin = a.origin AND e.idx = a.idx
		WHERE a.inspected = ? AND e.recorded <= ? ORDER BY a.origin, a.idx`, party, fmtTime(now))
	if err != nil {
		return nil, err
	}
	res := resolved{}
	for _, ref := range refs {
		rep, err := r.stepAt(s, ref.Origin, ref.Index)
		if err != nil {
			return nil, err
		}
		br, err := r.stepAt(s, rep.n.Answers.Origin, rep.n.Answers.Index)
		if err != nil {
			return nil, err
		}
		in := Inspection{Inspected: br.party, Facility: br.field("facility")}
		comments, err := r.comments1(s, &in, rep, now)
		if err != nil {
			return nil, err
		}
		if err := r.addAmbiguities(s, &in, rep, comments, res, now); err != nil {
			return nil, err
		}
		out = append(out, openAmbiguities(&in, rep, br)...)
	}
	return out, nil
}

// discrepancies reads the discrepancies of the reports on inspections of
// party recorded by now, in report and found-item order.
func (r *Registry) discrepancies(s *session, party string, now time.Time) ([]Finding, error) {
	rows, err := s.query(`SELECT d.origin, d.idx, d.reason, e.leaf_hash, e.type, e.effective, e.recorded, e.answers_origin, e.answers_idx, b.leaf_hash
		FROM report_discrepancies d CROSS JOIN entries e ON e.origin = d.origin AND e.idx = d.idx
		CROSS JOIN entries b ON b.origin = e.answers_origin AND b.idx = e.answers_idx
		WHERE d.inspected = ? AND e.recorded <= ? ORDER BY d.origin, d.idx, d.pos`, party, fmtTime(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var rep, br body.Ref
		var rh, bh []byte
		var why, typ, eff, rec string
		if err := rows.Scan(&rep.Origin, &rep.Index, &why, &rh, &typ, &eff, &rec, &br.Origin, &br.Index, &bh); err != nil {
			return nil, err
		}
		copy(rep.LeafHash[:], rh)
		copy(br.LeafHash[:], bh)
		out = append(out, Finding{Kind: FindingDiscrepancy, Party: party, Type: typ, Entry: &rep, By: &br,
			Effective: parseDate(eff), Sent: parseTime(rec), Reason: why})
	}
	return out, rows.Err()
}

// refs runs a query that selects entry references (origin, idx).
func (s *session) refs(query string, args ...any) ([]body.Ref, error) {
	rows, err := s.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []body.Ref
	for rows.Next() {
		var ref body.Ref
		if err := rows.Scan(&ref.Origin, &ref.Index); err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, rows.Err()
}

package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"accord/entry/body"
	"accord/internal/treaty"
)

// Kinds of finding from inspection reports.
const (
	// FindingDiscrepancy: what the inspectors found differs from the
	// treaty database (an item not declared at the site, a different
	// warhead count on the designated missile). Against the inspected
	// party.
	FindingDiscrepancy = "inspection_discrepancy"
	// FindingAmbiguity: an ambiguity an inspection report records, not
	// yet resolved. Against the inspected party, until the inspecting
	// party logs its resolution.
	FindingAmbiguity = "open_ambiguity"
)

// An Inspection is one inspection as the logs record it, from its
// report back to the notice of intent: its steps, what the inspected
// party stated in the briefing, what the inspectors found, who
// countersigned the report, its ambiguities, and the findings it
// proves.
type Inspection struct {
	Type         string      `json:"inspection_type"`
	Inspecting   string      `json:"inspecting"`
	Inspected    string      `json:"inspected"`
	Facility     string      `json:"facility"`
	FacilityType string      `json:"facility_type"`
	Steps        []StepEntry `json:"steps"`
	// Briefed are the missiles the briefing states, with their warheads.
	Briefed []body.Item `json:"briefed,omitempty"`
	// Designated is the missile the inspectors designated for the
	// reentry-vehicle inspection, if any.
	Designated string      `json:"designated,omitempty"`
	Report     body.Ref    `json:"report"`
	Confirmed  string      `json:"confirmed"`
	Found      []body.Item `json:"found,omitempty"`
	// Countersigned are the inspected party's acknowledgements and
	// comments of the report; empty while it has not countersigned.
	Countersigned []body.Ref  `json:"countersigned"`
	Ambiguities   []Ambiguity `json:"ambiguities,omitempty"`
	Findings      []Finding   `json:"findings"`
}

// A StepEntry is one step of an inspection: its notification type and
// entry, dated.
type StepEntry struct {
	Step      string      `json:"step"`
	Type      string      `json:"type"`
	Entry     body.Ref    `json:"entry"`
	Effective treaty.Date `json:"effective"`
	Sent      time.Time   `json:"sent"`
}

// An Ambiguity is one a report records, with the inspected party's
// comment and its resolution, if any.
type Ambiguity struct {
	ID         string    `json:"id"`
	Text       string    `json:"text"`
	Comment    string    `json:"comment,omitempty"`
	CommentBy  *body.Ref `json:"comment_entry,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
	ResolvedBy *body.Ref `json:"resolved_by,omitempty"`
}

// Inspections returns the inspections whose reports were recorded by
// now, of party if party is not empty (as inspecting or inspected
// party), in the order the reports were logged.
func (r *Registry) Inspections(ctx context.Context, party string, now time.Time) ([]Inspection, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	all, err := r.inspections(s, now)
	if err != nil {
		return nil, err
	}
	var out []Inspection
	for _, in := range all {
		if party == "" || in.Inspecting == party || in.Inspected == party {
			out = append(out, in)
		}
	}
	return out, nil
}

// inspectionFindings returns the findings of the reports on inspections
// of party recorded by now.
func (r *Registry) inspectionFindings(s *session, party string, now time.Time) ([]Finding, error) {
	all, err := r.inspections(s, now)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, in := range all {
		if in.Inspected == party {
			out = append(out, in.Findings...)
		}
	}
	return out, nil
}

func (r *Registry) inspections(s *session, now time.Time) ([]Inspection, error) {
	var out []Inspection
	for _, nt := range r.t.Notifications {
		if nt.Step != treaty.StepReport {
			continue
		}
		reps, err := r.typed(s, nt.ID, now)
		if err != nil {
			return nil, err
		}
		for _, rep := range reps {
			in, err := r.inspection1(s, rep, now)
			if err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	return out, nil
}

// typed returns the applied notifications of type typ recorded by now.
func (r *Registry) typed(s *session, typ string, now time.Time) ([]*step, error) {
	rows, err := s.query(`SELECT origin, idx FROM entries WHERE kind = 'notification' AND type = ? AND refused IS NULL
		AND recorded <= ? ORDER BY recorded, origin, idx`, typ, fmtTime(now))
	if err != nil {
		return nil, err
	}
	var refs []body.Ref
	for rows.Next() {
		var ref body.Ref
		if err := rows.Scan(&ref.Origin, &ref.Index); err != nil {
			rows.Close()
			return nil, err
		}
		refs = append(refs, ref)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	var out []*step
	for _, ref := range refs {
		st, err := r.stepAt(s, ref.Origin, ref.Index)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// inspection1 assembles the inspection whose report is rep.
func (r *Registry) inspection1(s *session, rep *step, now time.Time) (Inspection, error) {
	br, err := r.stepAt(s, rep.n.Answers.Origin, rep.n.Answers.Index)
	if err != nil {
		return Inspection{}, err
	}
	des, err := r.stepAt(s, br.n.Answers.Origin, br.n.Answers.Index)
	if err != nil {
		return Inspection{}, err
	}
	in := Inspection{Type: rep.field("inspection_type"), Inspecting: rep.party, Inspected: br.party,
		Facility: br.field("facility"), FacilityType: br.field("facility_type"), Briefed: br.n.Items,
		Report: rep.ref, Confirmed: rep.field("confirmed"), Found: rep.n.Items, Countersigned: []body.Ref{}, Findings: []Finding{}}
	if in.Steps, err = r.before(s, des, now); err != nil {
		return in, err
	}
	in.Steps = append(in.Steps, stepEntry(br))
	rvs, err := r.answering(s, rep.ref.Origin, br.ref, treaty.StepRVDesignation)
	if err != nil {
		return in, err
	}
	for _, rv := range rvs {
		in.Designated = rv.field("uid")
		in.Steps = append(in.Steps, stepEntry(rv))
	}
	in.Steps = append(in.Steps, stepEntry(rep))
	if err := r.signatures(s, &in, rep, now); err != nil {
		return in, err
	}
	return in, r.judge(s, &in, rep, br, now)
}

func stepEntry(st *step) StepEntry {
	return StepEntry{Step: st.nt.Step, Type: st.nt.ID, Entry: st.ref, Effective: parseDate(st.effective), Sent: parseTime(st.recorded)}
}

// before returns the steps of the inspecting party's log up to the
// designation: the latest notice of intent and arrival of the same
// inspection type logged before it, and the designation.
func (r *Registry) before(s *session, des *step, now time.Time) ([]StepEntry, error) {
	if err := s.need("entries_by_origin_type"); err != nil {
		return nil, err
	}
	var out []StepEntry
	for _, want := range []string{treaty.StepIntent, treaty.StepArrival} {
		for _, nt := range r.t.Notifications {
			if nt.Step != want {
				continue
			}
			idxs, err := s.indexes(`SELECT max(idx) FROM entries WHERE origin = ? AND type = ? AND idx < ? AND refused IS NULL`,
				des.ref.Origin, nt.ID, des.ref.Index)
			if err != nil {
				return nil, err
			}
			steps, err := r.stepsAt(s, des.ref.Origin, idxs)
			if err != nil {
				return nil, err
			}
			for _, st := range steps {
				if st.field("inspection_type") == des.field("inspection_type") {
					out = append(out, stepEntry(st))
				}
			}
		}
	}
	return append(out, stepEntry(des)), nil
}

// signatures records the inspected party's countersignatures of the
// report (acknowledgements and comments recorded by now), and the
// ambiguities with their comments and resolutions.
func (r *Registry) signatures(s *session, in *Inspection, rep *step, now time.Time) error {
	k := fmtTime(now)
	own := r.origin(in.Inspected)
	acks, err := s.indexes(`SELECT idx FROM acks WHERE origin = ? AND target_origin = ? AND target_idx = ? AND recorded <= ? ORDER BY idx`,
		own, rep.ref.Origin, rep.ref.Index, k)
	if err != nil {
		return err
	}
	for _, idx := range acks {
		in.Countersigned = append(in.Countersigned, body.Ref{Origin: own, Index: idx})
	}
	cs, err := r.answering(s, own, rep.ref, treaty.StepComments)
	if err != nil {
		return err
	}
	var comments *step
	for _, c := range cs {
		if c.recorded <= k {
			in.Countersigned = append(in.Countersigned, c.ref)
			comments = c
		}
	}
	res, err := r.resolutions(s, rep.ref.Origin)
	if err != nil {
		return err
	}
	for _, a := range ambiguities {
		if rep.field(a) != "" {
			in.Ambiguities = append(in.Ambiguities, ambiguity(rep, a, comments, res[resolutionKey(rep.ref.Index, a)], k))
		}
	}
	return nil
}

func ambiguity(rep *step, id string, comments, resolved *step, k string) Ambiguity {
	a := Ambiguity{ID: id, Text: rep.field(id)}
	if comments != nil && comments.field(commentOn(id)) != "" {
		a.Comment, a.CommentBy = comments.field(commentOn(id)), &comments.ref
	}
	if resolved != nil && resolved.recorded <= k {
		a.Resolution, a.ResolvedBy = resolved.field("resolution"), &resolved.ref
	}
	return a
}

// judge adds the report's findings against the inspected party: each
// item found that the database does not hold at the site, each warhead
// count that differs from the briefing or the database, and each
// ambiguity still open.
func (r *Registry) judge(s *session, in *Inspection, rep, br *step, now time.Time) error {
	for _, it := range in.Found {
		why, err := r.discrepancy(s, in, rep, br, it)
		if err != nil {
			return err
		}
		if why != "" {
			in.Findings = append(in.Findings, reportFinding(FindingDiscrepancy, in, rep, br, why))
		}
	}
	for _, a := range in.Ambiguities {
		if a.ResolvedBy != nil {
			continue
		}
		why := fmt.Sprintf("%s of report %s is open: %s", a.ID, rep.ref, a.Text)
		if a.CommentBy != nil {
			why += fmt.Sprintf("; %s comments (%s): %s", in.Inspected, a.CommentBy, a.Comment)
		}
		in.Findings = append(in.Findings, reportFinding(FindingAmbiguity, in, rep, br, why))
	}
	return nil
}

func reportFinding(kind string, in *Inspection, rep, br *step, why string) Finding {
	return Finding{Kind: kind, Party: in.Inspected, Type: rep.nt.ID, Entry: &rep.ref, By: &br.ref,
		Effective: parseDate(rep.effective), Sent: parseTime(rep.recorded), Reason: why}
}

// discrepancy returns why item it, as the report found it, differs from
// the database on the report's date and from the briefing, or "".
func (r *Registry) discrepancy(s *session, in *Inspection, rep, br *step, it body.Item) (string, error) {
	st, _, err := r.stateOn(s, in.Inspected, it.UID, rep.effective)
	if err != nil {
		return "", err
	}
	found := it.UID
	if it.Type != "" {
		found += " (" + it.Type + ")"
	}
	if st == nil || isFinal(r.t, st.Status) {
		return fmt.Sprintf("report %s found %s at %s, which %s had not declared there on %s", rep.ref, found, in.Facility, in.Inspected, rep.effective), nil
	}
	first, _, err := s.firstDeclared(in.Inspected, it.UID)
	if err != nil {
		return "", err
	}
	if st.Facility != in.Facility {
		return fmt.Sprintf("report %s found %s at %s; %s declares it at %s on %s (declared in %s#%d)",
			rep.ref, found, in.Facility, in.Inspected, st.Facility, rep.effective, r.origin(in.Inspected), first), nil
	}
	return warheadDiscrepancy(rep, br, it, st), nil
}

func warheadDiscrepancy(rep, br *step, it body.Item, st *itemState) string {
	if it.Warheads == nil {
		return ""
	}
	w := *it.Warheads
	briefed := -1
	for _, b := range br.n.Items {
		if b.UID == it.UID && b.Warheads != nil {
			briefed = *b.Warheads
		}
	}
	if w == st.Warheads && (briefed < 0 || briefed == w) {
		return ""
	}
	var said []string
	if briefed >= 0 {
		said = append(said, fmt.Sprintf("the briefing %s stated %d", br.ref, briefed))
	}
	said = append(said, fmt.Sprintf("the database holds %d", st.Warheads))
	return fmt.Sprintf("report %s counted %d warheads on %s; %s", rep.ref, w, it.UID, strings.Join(said, " and "))
}

// EntryRef returns the reference, with its leaf hash, of entry idx of
// origin's log as the database holds it; false if it holds none.
func (r *Registry) EntryRef(ctx context.Context, origin string, idx uint64) (body.Ref, bool, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return body.Ref{}, false, err
	}
	defer s.end()
	e, err := s.entry(origin, idx)
	if err != nil || e == nil {
		return body.Ref{}, false, err
	}
	ref := body.Ref{Origin: origin, Index: idx}
	copy(ref.LeafHash[:], e.leafHash)
	return ref, true, nil
}

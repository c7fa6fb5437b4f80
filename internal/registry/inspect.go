package registry

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"accord/entry/body"
	"accord/internal/treaty"
)

// The rules of an inspection's sequence (docs/inspections.md, "The
// sequence").
var (
	// ErrSite: a site designated, or briefed, whose facility type the
	// inspection type may not visit.
	ErrSite = errors.New("site may not be inspected")
	// ErrSequence: an inspection step that does not follow the step it
	// answers, or repeats one.
	ErrSequence = errors.New("inspection step out of sequence")
)

// ambiguities are the fields of an inspection report that each record
// one ambiguity, and the inspected party's comment on each.
var ambiguities = []string{"ambiguity_1", "ambiguity_2", "ambiguity_3"}

func commentOn(ambiguity string) string {
	return "comment_" + strings.TrimPrefix(ambiguity, "ambiguity_")
}

// A step is an applied notification of an inspection step, as the
// database holds it.
type step struct {
	ref       body.Ref
	party     string
	nt        treaty.NotificationType
	effective string
	recorded  string
	n         *body.Notification
}

func (st *step) field(f string) string { return st.n.Fields[f] }

// stepAt returns the applied notification at origin#idx, or nil if there
// is none (missing, refused, or not a notification).
func (r *Registry) stepAt(s *session, origin string, idx uint64) (*step, error) {
	st := &step{ref: body.Ref{Origin: origin, Index: idx}}
	var hash, b []byte
	var typ string
	ok, err := s.row(`SELECT e.leaf_hash, e.party, e.type, e.effective, e.recorded, b.body FROM entries e JOIN bodies b ON b.origin = e.origin AND b.idx = e.idx
		WHERE e.origin = ? AND e.idx = ? AND kind = 'notification' AND refused IS NULL`,
		[]any{origin, idx}, &hash, &st.party, &typ, &st.effective, &st.recorded, &b)
	if err != nil || !ok {
		return nil, err
	}
	copy(st.ref.LeafHash[:], hash)
	if st.n, err = body.ParseNotification(b); err != nil {
		return nil, fmt.Errorf("entry %s: %w", st.ref, err)
	}
	st.nt, _ = r.t.Notification(typ)
	return st, nil
}

// answering returns the applied notifications of log origin, of a type
// with inspection step stepID, that answer the entry target.
func (r *Registry) answering(s *session, origin string, target body.Ref, stepID string) ([]*step, error) {
	rows, err := s.query(`SELECT idx, type FROM entries WHERE origin = ? AND answers_origin = ? AND answers_idx = ?
		AND kind = 'notification' AND refused IS NULL ORDER BY idx`, origin, target.Origin, target.Index)
	if err != nil {
		return nil, err
	}
	var idxs []uint64
	for rows.Next() {
		var idx uint64
		var typ string
		if err := rows.Scan(&idx, &typ); err != nil {
			rows.Close()
			return nil, err
		}
		if nt, ok := r.t.Notification(typ); ok && nt.Step == stepID {
			idxs = append(idxs, idx)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return r.stepsAt(s, origin, idxs)
}

func (r *Registry) stepsAt(s *session, origin string, idxs []uint64) ([]*step, error) {
	var out []*step
	for _, idx := range idxs {
		st, err := r.stepAt(s, origin, idx)
		if err != nil {
			return nil, err
		}
		if st != nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// inspectionStep validates a notification of an inspection step.
func (r *Registry) inspectionStep(s *session, p *plan, n *body.Notification, nt treaty.NotificationType) error {
	if p.corrects != nil {
		return refuse(ErrCorrection, "a %s is not corrected: the inspected party comments on it, or the inspecting party logs a new step", nt.ID)
	}
	switch nt.Step {
	case treaty.StepResolution:
		return r.resolution(s, p, n, nt)
	case treaty.StepExhibition:
		return r.exhibition(s, p, n)
	}
	it, err := r.inspectionType(n)
	if err != nil {
		return err
	}
	if in := n.Fields["inspected"]; in != "" {
		if _, ok := r.t.Party(in); !ok || in == p.rec.Party {
			return refuse(ErrFields, "inspected party %q is not another party to %s", in, r.t.ID)
		}
	}
	switch nt.Step {
	case treaty.StepDesignation:
		return r.designation(n, it)
	case treaty.StepBriefing:
		return r.briefing(s, p, n, nt, it)
	case treaty.StepRVDesignation:
		if !it.ReentryVehicles {
			return refuse(ErrSequence, "a %s has no reentry-vehicle inspection (%s)", it.ID, r.rvClause())
		}
		return r.rvDesignation(s, p, n, nt)
	case treaty.StepReport:
		return r.report(s, p, n, nt)
	case treaty.StepComments:
		return r.comments(s, p, n, nt)
	}
	return nil
}

// exhibition checks an exhibition held: one of the treaty's exhibitions,
// and the items exhibited, if named, the exhibiting party's.
func (r *Registry) exhibition(s *session, p *plan, n *body.Notification) error {
	id := n.Fields["exhibition"]
	if !slices.ContainsFunc(r.t.Exhibitions, func(e treaty.InspectionType) bool { return e.ID == id }) {
		var ids []string
		for _, e := range r.t.Exhibitions {
			ids = append(ids, e.ID)
		}
		return refuse(ErrUnknownType, "%s has no exhibition %q (exhibitions: %s)", r.t.ID, id, strings.Join(ids, ", "))
	}
	for _, it := range n.Items {
		if it.Type != "" || it.Category != "" || it.Status != "" || it.Facility != "" || it.Warheads != nil {
			return refuseItem(ErrFields, it.UID, "an exhibition names the items exhibited by uid only")
		}
		if err := r.exists(s, p, it.UID); err != nil {
			return err
		}
	}
	return nil
}

// inspectionType returns the inspection type a step names.
func (r *Registry) inspectionType(n *body.Notification) (treaty.InspectionType, error) {
	id := n.Fields["inspection_type"]
	i := slices.IndexFunc(r.t.Inspections, func(it treaty.InspectionType) bool { return it.ID == id })
	if i < 0 {
		var ids []string
		for _, it := range r.t.Inspections {
			ids = append(ids, it.ID)
		}
		return treaty.InspectionType{}, refuse(ErrUnknownType, "%s has no inspection type %q (inspection types: %s)", r.t.ID, id, strings.Join(ids, ", "))
	}
	return r.t.Inspections[i], nil
}

// designation refuses a site whose facility type, when the designation
// states it, the inspection type may not visit.
func (r *Registry) designation(n *body.Notification, it treaty.InspectionType) error {
	ft := n.Fields["facility_type"]
	if ft == "" {
		return nil
	}
	return r.mayVisit(it, n.Fields["facility"], ft)
}

func (r *Registry) mayVisit(it treaty.InspectionType, facility, ft string) error {
	if !r.t.HasFacilityType(ft) {
		return refuse(ErrFields, "%s has no facility type %q (facility types: %s)", r.t.ID, ft, r.t.FacilityTypeList())
	}
	if !it.MayVisit(ft) {
		return refuse(ErrSite, "a %s may not visit %s, a facility of type %s: it visits %s (%s)",
			it.ID, facility, ft, strings.Join(it.Facilities, ", "), it.SitesClause())
	}
	return nil
}

// answered returns the step n answers, which must be of the type nt
// answers, for the same inspection type, and not yet answered by a step
// of nt's kind in p's log.
func (r *Registry) answered(s *session, p *plan, n *body.Notification, nt treaty.NotificationType) (*step, error) {
	a := n.Answers
	prev, err := r.stepAt(s, a.Origin, a.Index)
	if err != nil {
		return nil, err
	}
	if prev == nil || prev.nt.ID != nt.Answers || prev.ref.LeafHash != a.LeafHash {
		return nil, refuse(ErrSequence, "a %s answers a %s; %s is not one (or names another leaf hash)", nt.ID, nt.Answers, a)
	}
	if got, want := n.Fields["inspection_type"], prev.field("inspection_type"); got != want {
		return nil, refuse(ErrSequence, "%s is of a %s, not a %s", a, want, got)
	}
	if in := prev.field("inspected"); in != "" && in != p.rec.Party && prev.nt.Step == treaty.StepDesignation {
		return nil, refuse(ErrSequence, "%s designates a site of %s, not of %s", a, in, p.rec.Party)
	}
	done, err := r.answering(s, p.rec.Origin, prev.ref, nt.Step)
	if err != nil {
		return nil, err
	}
	if len(done) > 0 {
		return nil, refuse(ErrSequence, "%s already answers %s with a %s", done[0].ref, a, nt.ID)
	}
	return prev, nil
}

// briefing checks the inspected party's pre-inspection briefing: it
// answers the site's designation, names the same site, a facility type
// the inspection may visit, and states the warheads on each missile it
// lists, which must be declared at the site.
func (r *Registry) briefing(s *session, p *plan, n *body.Notification, nt treaty.NotificationType, it treaty.InspectionType) error {
	des, err := r.answered(s, p, n, nt)
	if err != nil {
		return err
	}
	fac, ft := n.Fields["facility"], n.Fields["facility_type"]
	if want := des.field("facility"); fac != want {
		return refuse(ErrSequence, "%s designates %s, not %s", des.ref, want, fac)
	}
	if want := des.field("facility_type"); want != "" && want != ft {
		return refuse(ErrSequence, "%s designates %s as a facility of type %s, not %s", des.ref, fac, want, ft)
	}
	if err := r.mayVisit(it, fac, ft); err != nil {
		return err
	}
	if len(n.Items) > 0 && !it.ReentryVehicles {
		return refuse(ErrFields, "a %s of a %s states no warheads per missile: a %s has no reentry-vehicle inspection (%s)", nt.ID, it.ID, it.ID, r.rvClause())
	}
	for _, item := range n.Items {
		if err := r.briefed(s, p, fac, item); err != nil {
			return err
		}
	}
	return nil
}

// briefed checks one missile of a briefing: named by uid with its
// warheads, and declared at the site on the briefing's date.
func (r *Registry) briefed(s *session, p *plan, fac string, it body.Item) error {
	if it.Type != "" || it.Category != "" || it.Status != "" || it.Facility != "" || it.Warheads == nil {
		return refuseItem(ErrFields, it.UID, "a briefing names each missile by uid with its warheads, and nothing else")
	}
	d := p.rec.Effective.String()
	st, ref, err := r.stateOn(s, p.rec.Party, it.UID, d)
	switch {
	case err != nil:
		return err
	case ref != nil:
		return ref
	case st == nil:
		return refuseItem(ErrNoSuchItem, it.UID, "it does not exist on %s", d)
	case st.Facility != fac:
		return refuseItem(ErrFacility, it.UID, "it is declared at %s on %s, not at %s", st.Facility, d, fac)
	}
	return nil
}

// rvClause names the inspection types with a reentry-vehicle inspection.
func (r *Registry) rvClause() string {
	var ids []string
	for _, it := range r.t.Inspections {
		if it.ReentryVehicles {
			ids = append(ids, it.ID+": "+it.SitesClause())
		}
	}
	if len(ids) == 0 {
		return r.t.ID + " has none"
	}
	return "only " + strings.Join(ids, "; ")
}

// rvDesignation checks that the inspectors designate one of the missiles
// the briefing states.
func (r *Registry) rvDesignation(s *session, p *plan, n *body.Notification, nt treaty.NotificationType) error {
	br, err := r.answered(s, p, n, nt)
	if err != nil {
		return err
	}
	uid := n.Fields["uid"]
	if !slices.ContainsFunc(br.n.Items, func(it body.Item) bool { return it.UID == uid }) {
		return refuseItem(ErrSequence, uid, "it is not one of the missiles %s states (%s)", br.ref, uidList(br.n.Items))
	}
	return nil
}

func uidList(items []body.Item) string {
	if len(items) == 0 {
		return "none"
	}
	var out []string
	for _, it := range items {
		out = append(out, it.UID)
	}
	return strings.Join(out, ", ")
}

// report checks an inspection report: it answers the briefing, names its
// site, lists what was found by uid (with a type, or the warheads
// counted), and gives the count on the missile designated, if any.
func (r *Registry) report(s *session, p *plan, n *body.Notification, nt treaty.NotificationType) error {
	br, err := r.answered(s, p, n, nt)
	if err != nil {
		return err
	}
	if fac, want := n.Fields["facility"], br.field("facility"); fac != want {
		return refuse(ErrSequence, "%s briefs %s, not %s", br.ref, want, fac)
	}
	for _, it := range n.Items {
		if it.Category != "" || it.Status != "" || it.Facility != "" {
			return refuseItem(ErrFields, it.UID, "a report names what was found by uid, with its type or the warheads counted: its site is the report's")
		}
	}
	rvs, err := r.answering(s, p.rec.Origin, br.ref, treaty.StepRVDesignation)
	if err != nil || len(rvs) == 0 {
		return err
	}
	uid := rvs[0].field("uid")
	if !slices.ContainsFunc(n.Items, func(it body.Item) bool { return it.UID == uid && it.Warheads != nil }) {
		return refuseItem(ErrFields, uid, "the report gives no warhead count for the missile %s designates", rvs[0].ref)
	}
	return nil
}

// comments checks the inspected party's countersignature: it answers a
// report of its site, and comments only on the ambiguities it records.
func (r *Registry) comments(s *session, p *plan, n *body.Notification, nt treaty.NotificationType) error {
	rep, err := r.answered(s, p, n, nt)
	if err != nil {
		return err
	}
	br, err := r.stepAt(s, rep.n.Answers.Origin, rep.n.Answers.Index)
	if err != nil {
		return err
	}
	if br == nil || br.party != p.rec.Party {
		return refuse(ErrSequence, "%s reports on an inspection of another party", rep.ref)
	}
	for _, a := range ambiguities {
		if c := commentOn(a); n.Fields[c] != "" && rep.field(a) == "" {
			return refuse(ErrFields, "%s comments on %s, which %s does not record", c, a, rep.ref)
		}
	}
	return nil
}

// resolution checks that an ambiguity resolved is one an earlier report
// of the same log records, and is not resolved already.
func (r *Registry) resolution(s *session, p *plan, n *body.Notification, nt treaty.NotificationType) error {
	idx, err := strconv.ParseUint(n.Fields["report"], 10, 62)
	if err != nil || idx >= p.rec.Index {
		return refuse(ErrFields, "report %q is not the index of an earlier entry of %s", n.Fields["report"], p.rec.Origin)
	}
	rep, err := r.stepAt(s, p.rec.Origin, idx)
	if err != nil {
		return err
	}
	a := n.Fields["ambiguity"]
	switch {
	case rep == nil || rep.nt.Step != treaty.StepReport:
		return refuse(ErrSequence, "entry %d of %s is not an inspection report", idx, p.rec.Origin)
	case rep.field(a) == "":
		return refuse(ErrFields, "%s records no %s (ambiguities: %s)", rep.ref, a, strings.Join(rep.ambiguities(), ", "))
	}
	done, err := r.resolutions(s, p.rec.Origin)
	if err != nil {
		return err
	}
	if by, ok := done[resolutionKey(idx, a)]; ok {
		return refuse(ErrSequence, "%s of %s was resolved by %s", a, rep.ref, by.ref)
	}
	return nil
}

func (st *step) ambiguities() []string {
	var out []string
	for _, a := range ambiguities {
		if st.field(a) != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

func resolutionKey(report uint64, ambiguity string) string {
	return fmt.Sprintf("%d/%s", report, ambiguity)
}

// resolutions returns the resolutions logged in origin, by report index
// and ambiguity.
func (r *Registry) resolutions(s *session, origin string) (map[string]*step, error) {
	var types []any
	for _, nt := range r.t.Notifications {
		if nt.Step == treaty.StepResolution {
			types = append(types, nt.ID)
		}
	}
	out := map[string]*step{}
	if len(types) == 0 {
		return out, nil
	}
	idxs, err := s.indexes(`SELECT idx FROM entries WHERE origin = ? AND kind = 'notification' AND refused IS NULL
		AND type IN (`+strings.Repeat("?,", len(types)-1)+`?) ORDER BY idx`, append([]any{origin}, types...)...)
	if err != nil {
		return nil, err
	}
	steps, err := r.stepsAt(s, origin, idxs)
	for _, st := range steps {
		if idx, err := strconv.ParseUint(st.field("report"), 10, 62); err == nil {
			out[resolutionKey(idx, st.field("ambiguity"))] = st
		}
	}
	return out, err
}

// indexes runs a query that selects one column of entry indexes.
func (s *session) indexes(query string, args ...any) ([]uint64, error) {
	rows, err := s.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var v sql.NullInt64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if v.Valid {
			out = append(out, uint64(v.Int64))
		}
	}
	return out, rows.Err()
}

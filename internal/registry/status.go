package registry

import (
	"context"
	"fmt"
	"time"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// Horizon is how far ahead Status lists what falls due.
const Horizon = 30 * 24 * time.Hour

// A Status is where one party stands at one time, as known then.
type Status struct {
	Party string    `json:"party"`
	At    time.Time `json:"at"`
	// Verdicts are the engine's verdicts on the party's inventory on the
	// day of At, as known at At.
	Verdicts engine.Result `json:"verdicts"`
	// Counted is what the verdicts count: "items" (the treaty database's
	// items on the day), "types" or "aggregates" (the counts of the
	// party's latest per-type or aggregate declaration, dated
	// Verdicts.Parties[0].Declared), or "" when nothing is declared.
	Counted string `json:"counted"`
	// Inspections are the inspections the party conducted in the current
	// treaty year, against each type's quota.
	Inspections []Quota `json:"inspections"`
	// Upcoming are the notifications and acknowledgements the party owes
	// within Horizon after At.
	Upcoming []Upcoming `json:"upcoming"`
	// Late, Missing and Unacknowledged are the findings of those kinds
	// against the party; Other holds the rest (refused entries,
	// mismatched acknowledgements).
	Late           []Finding `json:"late"`
	Missing        []Finding `json:"missing"`
	Unacknowledged []Finding `json:"unacknowledged"`
	Other          []Finding `json:"other"`
}

// A Quota is one inspection type's use in a treaty year.
type Quota struct {
	Type    string      `json:"type"`
	Year    treaty.Date `json:"treaty_year"` // first day of the treaty year
	Used    int         `json:"used"`
	PerYear int         `json:"per_year"`
}

// An Upcoming is something a party owes soon: a required notification
// (Entry nil) or the acknowledgement of Entry.
type Upcoming struct {
	Type      string      `json:"type"` // notification type, or "acknowledgement"
	Effective treaty.Date `json:"effective,omitzero"`
	Due       time.Time   `json:"due"`
	Entry     *body.Ref   `json:"entry,omitempty"`
}

// Status returns party's status at now under reading ("" for the treaty's
// default reading). It is a pure function of the logs ingested and its
// arguments.
func (r *Registry) Status(ctx context.Context, party string, now time.Time, reading string) (*Status, error) {
	if _, ok := r.t.Party(party); !ok {
		return nil, fmt.Errorf("%s is not a party to %s", party, r.t.ID)
	}
	st := &Status{Party: party, At: now.UTC()}
	day := treaty.DateOf(now)
	decl, err := r.Declaration(ctx, party, day, now)
	if err != nil {
		return nil, err
	}
	var decls []*declaration.Declaration
	switch {
	case decl.Aggregate != nil:
		decls, st.Counted = append(decls, decl), declaration.LevelAggregates
	case len(decl.Types) > 0:
		decls, st.Counted = append(decls, decl), declaration.LevelTypes
	case len(decl.Items) > 0:
		decls, st.Counted = append(decls, decl), declaration.LevelItems
	case len(decl.Warheads) > 0:
		decls, st.Counted = append(decls, decl), declaration.LevelWarheads
	}
	if decls, err = r.withBaselines(ctx, party, day, now, decls); err != nil {
		return nil, err
	}
	if st.Verdicts, err = engine.Evaluate(r.t, day, reading, decls); err != nil {
		return nil, err
	}
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	if st.Inspections, err = r.quotas(s, party, now); err != nil {
		return nil, err
	}
	if st.Upcoming, err = r.upcoming(s, party, now); err != nil {
		return nil, err
	}
	fs, err := r.findings(s, party, now)
	if err != nil {
		return nil, err
	}
	st.sort(fs)
	return st, nil
}

// withBaselines adds to decls party's declaration on the baseline date of
// each freeze that has passed by day, for the engine to take the freeze's
// ceiling from.
func (r *Registry) withBaselines(ctx context.Context, party string, day treaty.Date, now time.Time, decls []*declaration.Declaration) ([]*declaration.Declaration, error) {
	if len(decls) == 0 {
		return decls, nil
	}
	seen := map[treaty.Date]bool{}
	for _, l := range r.t.Limits {
		b := l.Baseline
		if l.Ceiling != nil || b.IsZero() || day.Before(b) || seen[b] || b.Equal(decls[0].AsOf) {
			continue
		}
		seen[b] = true
		d, err := r.Declaration(ctx, party, b, now)
		if err != nil {
			return nil, err
		}
		if d.AsOf.IsZero() || d.AsOf.After(b) {
			continue
		}
		decls = append(decls, d)
	}
	return decls, nil
}

func (st *Status) sort(fs []Finding) {
	st.Late, st.Missing, st.Unacknowledged, st.Other = []Finding{}, []Finding{}, []Finding{}, []Finding{}
	for _, f := range fs {
		switch f.Kind {
		case FindingLate:
			st.Late = append(st.Late, f)
		case FindingMissing:
			st.Missing = append(st.Missing, f)
		case FindingUnacknowledged, FindingLateAck:
			st.Unacknowledged = append(st.Unacknowledged, f)
		default:
			st.Other = append(st.Other, f)
		}
	}
}

func (r *Registry) quotas(s *session, party string, now time.Time) ([]Quota, error) {
	day := treaty.DateOf(now)
	if r.t.Dates.EntryIntoForce.IsZero() || day.Before(r.t.Dates.EntryIntoForce) {
		return []Quota{}, nil
	}
	year := r.t.YearOf(day)
	end := year.Add(treaty.Period{Years: 1})
	out := []Quota{}
	for _, it := range r.t.Inspections {
		q := Quota{Type: it.ID, Year: year, PerYear: it.PerYear}
		if _, err := s.row(`SELECT count(*) FROM inspections WHERE party = ? AND type = ? AND effective >= ? AND effective < ? AND recorded <= ?`,
			[]any{party, it.ID, year.String(), end.String(), fmtTime(now)}, &q.Used); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// upcoming lists what party owes in (now, now+Horizon]: required
// notifications not yet sent (if its log is followed), and
// acknowledgements not yet made.
func (r *Registry) upcoming(s *session, party string, now time.Time) ([]Upcoming, error) {
	out := []Upcoming{}
	for _, req := range r.required(now.Add(Horizon)) {
		if !req.Due.After(now) || r.follows != nil && !r.follows[party] {
			continue
		}
		_, ok, _, err := s.sent(party, req, r.periodic(req.Type), now)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, Upcoming{Type: req.Type, Effective: req.Effective, Due: req.Due})
		}
	}
	acks, err := r.owedAcks(s, party, now)
	if err != nil {
		return nil, err
	}
	return append(out, acks...), nil
}

// owedAcks lists the notifications party received, has not acknowledged,
// and may still acknowledge in time.
func (r *Registry) owedAcks(s *session, party string, now time.Time) ([]Upcoming, error) {
	own := r.origin(party)
	if n, err := s.nextIndex(own); err != nil || n == 0 {
		return nil, err
	}
	k := fmtTime(now)
	rows, err := s.query(`SELECT e.origin, e.idx, e.leaf_hash, e.effective, e.recorded FROM entries e
		WHERE e.kind = 'notification' AND e.party <> ? AND e.recorded <= ? AND e.recorded > ?
		AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.origin = ? AND a.target_origin = e.origin AND a.target_idx = e.idx AND a.recorded <= ?)
		ORDER BY e.recorded, e.origin, e.idx`, party, k, fmtTime(now.Add(-r.window)), own, k)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Upcoming
	for rows.Next() {
		var e body.Ref
		var hash []byte
		var eff, rec string
		if err := rows.Scan(&e.Origin, &e.Index, &hash, &eff, &rec); err != nil {
			return nil, err
		}
		copy(e.LeafHash[:], hash)
		out = append(out, Upcoming{Type: "acknowledgement", Effective: parseDate(eff), Due: parseTime(rec).Add(r.window), Entry: &e})
	}
	return out, rows.Err()
}

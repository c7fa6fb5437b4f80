package registry

import (
	"context"
	"time"

	"accord/entry/body"
	"accord/internal/treaty"
)

// An Exhibition is one exhibition held, a record of its own (no step of
// an inspection, and counted against no quota): what the exhibiting
// party logged, and the other parties' acknowledgements of it.
type Exhibition struct {
	Exhibition string      `json:"exhibition"`
	Party      string      `json:"party"`
	ItemType   string      `json:"item_type"`
	Place      string      `json:"place"`
	Items      []string    `json:"items,omitempty"`
	Entry      body.Ref    `json:"entry"`
	Effective  treaty.Date `json:"effective"`
	// Acknowledged are the other parties' acknowledgements of the entry,
	// recorded by the time asked about.
	Acknowledged []body.Ref `json:"acknowledged"`
}

// Exhibitions returns the exhibitions recorded by now, of party if it is
// not empty, in the order they were logged.
func (r *Registry) Exhibitions(ctx context.Context, party string, now time.Time) ([]Exhibition, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	var out []Exhibition
	for _, nt := range r.t.Notifications {
		if nt.Step != treaty.StepExhibition {
			continue
		}
		held, err := r.typed(s, nt.ID, now)
		if err != nil {
			return nil, err
		}
		for _, st := range held {
			if party != "" && st.party != party {
				continue
			}
			x, err := r.exhibited(s, st, now)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
	}
	return out, nil
}

func (r *Registry) exhibited(s *session, st *step, now time.Time) (Exhibition, error) {
	x := Exhibition{Exhibition: st.field("exhibition"), Party: st.party, ItemType: st.field("item_type"), Place: st.field("place"),
		Entry: st.ref, Effective: parseDate(st.effective), Acknowledged: []body.Ref{}}
	for _, it := range st.n.Items {
		x.Items = append(x.Items, it.UID)
	}
	rows, err := s.query(`SELECT origin, idx FROM acks WHERE target_origin = ? AND target_idx = ? AND recorded <= ? ORDER BY origin, idx`,
		st.ref.Origin, st.ref.Index, fmtTime(now))
	if err != nil {
		return x, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref body.Ref
		if err := rows.Scan(&ref.Origin, &ref.Index); err != nil {
			return x, err
		}
		x.Acknowledged = append(x.Acknowledged, ref)
	}
	return x, rows.Err()
}

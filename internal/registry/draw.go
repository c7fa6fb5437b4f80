package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"accord/draw"
	"accord/entry/body"
	"accord/internal/treaty"
)

// ErrDraw is the rule a draw entry breaks: the protocol of docs/draws.md,
// checked within the party's own log (a commitment per draw id, a
// reveal after it, of the value it hashes, naming the log of the party
// the draw is with). What concerns the other party's log is checked when
// the draw is computed (draw.Check), so that a log's entries are refused
// or not whatever the order in which a node ingests the logs.
var ErrDraw = errors.New("invalid draw entry")

// FindingDrawWithheld is a party's commitment to a draw whose reveal it
// did not log by the draw's reveal-by time, although the other party had
// committed by then: withholding a reveal is the one way left to steer a
// draw (docs/draws.md, "Honest limits").
const FindingDrawWithheld = "draw_withheld"

// A DrawSide is one party's part in a draw, as its log holds it.
type DrawSide struct {
	Party     string
	Commit    body.Ref // its commitment entry
	Committed time.Time
	Terms     *draw.Commit
	Reveal    *body.Ref // its reveal entry, nil if none
	Revealed  time.Time
	Value     [draw.ValueSize]byte
	Peer      draw.Ref // the commitment its reveal names
}

// A commitment entry whose body opens with "draw" is a draw's.
func init() { commitmentKinds["draw"] = (*Registry).drawEntry }

// drawEntry validates a commitment entry whose body is a draw's.
func (r *Registry) drawEntry(s *session, p *plan) error {
	b, err := draw.ParseBody(p.rec.Body)
	if err != nil {
		return refuse(body.ErrMalformed, "%v", err)
	}
	sides, err := r.logDraws(s, p.rec.Origin, p.rec.Index, maxTime)
	if err != nil {
		return err
	}
	if b.Commit != nil {
		return r.drawCommit(p, b.Commit, sides[b.Commit.ID])
	}
	return r.drawReveal(p, b.Reveal, sides[b.Reveal.ID])
}

// maxTime is later than any recorded time.
var maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

func (r *Registry) drawCommit(p *plan, c *draw.Commit, old *DrawSide) error {
	rec := p.rec
	switch _, ok := r.t.Party(c.With); {
	case old != nil:
		return refuse(ErrDraw, "draw %s is already committed as entry %d of %s", c.ID, old.Commit.Index, rec.Origin)
	case !ok || c.With == rec.Party:
		return refuse(ErrDraw, "draw %s is with %q, not another party to %s", c.ID, c.With, r.t.ID)
	case !c.RevealBy.After(rec.Recorded):
		return refuse(ErrDraw, "draw %s: reveal_by %s is not after the commitment, made %s", c.ID, c.RevealBy.Format(draw.TimeLayout), rec.Recorded.Format(time.RFC3339))
	}
	return nil
}

func (r *Registry) drawReveal(p *plan, rv *draw.Reveal, side *DrawSide) error {
	origin := p.rec.Origin
	switch {
	case side == nil:
		return refuse(ErrDraw, "draw %s: no commitment to it earlier in %s: commit before revealing", rv.ID, origin)
	case side.Reveal != nil:
		return refuse(ErrDraw, "draw %s was revealed as entry %d of %s", rv.ID, side.Reveal.Index, origin)
	case draw.HashValue(origin, rv.ID, &rv.Value) != side.Terms.ValueHash:
		return refuse(ErrDraw, "draw %s: the value revealed is not the one committed in entry %d of %s", rv.ID, side.Commit.Index, origin)
	case rv.Peer.Origin != r.origin(side.Terms.With):
		return refuse(ErrDraw, "draw %s: the reveal names a commitment of %s, not of %s, whom the draw is with", rv.ID, rv.Peer.Origin, side.Terms.With)
	}
	return nil
}

// logDraws returns the draws of the log origin, by id, from its applied
// entries before index before and recorded by now.
func (r *Registry) logDraws(s *session, origin string, before uint64, now time.Time) (map[string]*DrawSide, error) {
	rows, err := s.query(`SELECT e.idx, e.leaf_hash, e.party, e.recorded, b.body FROM entries e JOIN bodies b ON b.origin = e.origin AND b.idx = e.idx
		WHERE e.origin = ? AND e.kind = 'commitment' AND e.refused IS NULL AND e.idx < ? AND e.recorded <= ? ORDER BY e.idx`,
		origin, before, fmtTime(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*DrawSide{}
	for rows.Next() {
		var ref body.Ref
		var hash, b []byte
		var party, rec string
		if err := rows.Scan(&ref.Index, &hash, &party, &rec, &b); err != nil {
			return nil, err
		}
		if !draw.Match(b) {
			continue // another undertaking
		}
		ref.Origin = origin
		copy(ref.LeafHash[:], hash)
		addDraw(out, party, ref, parseTime(rec), b)
	}
	return out, rows.Err()
}

// addDraw adds an applied draw entry to sides.
func addDraw(sides map[string]*DrawSide, party string, ref body.Ref, recorded time.Time, b []byte) {
	d, err := draw.ParseBody(b)
	if err != nil {
		return // applied entries parse; a database edited by hand is fsck's
	}
	if c := d.Commit; c != nil {
		sides[c.ID] = &DrawSide{Party: party, Commit: ref, Committed: recorded, Terms: c}
		return
	}
	if side := sides[d.Reveal.ID]; side != nil {
		side.Reveal, side.Revealed, side.Value, side.Peer = &ref, recorded, d.Reveal.Value, d.Reveal.Peer
	}
}

// Draw returns every party's side of draw id as known at now, in the
// order of the treaty's parties: those that committed to it.
func (r *Registry) Draw(ctx context.Context, id string, now time.Time) ([]DrawSide, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	var out []DrawSide
	for _, p := range r.t.Parties {
		sides, err := r.logDraws(s, r.origin(p.ID), 1<<62, now)
		if err != nil {
			return nil, err
		}
		if d := sides[id]; d != nil {
			out = append(out, *d)
		}
	}
	return out, nil
}

// drawFindings finds party's draws withheld: committed, the other party
// committed too by the reveal-by time, and no reveal logged by then.
func (r *Registry) drawFindings(s *session, party string, now time.Time) ([]Finding, error) {
	own, err := r.logDraws(s, r.origin(party), 1<<62, now)
	if err != nil || len(own) == 0 {
		return nil, err
	}
	var out []Finding
	for _, id := range slices.Sorted(maps.Keys(own)) {
		d := own[id]
		if !now.After(d.Terms.RevealBy) || d.Reveal != nil && !d.Revealed.After(d.Terms.RevealBy) {
			continue
		}
		peer, err := r.logDraws(s, r.origin(d.Terms.With), 1<<62, d.Terms.RevealBy)
		if err != nil {
			return nil, err
		}
		if p := peer[id]; p != nil && p.Terms.With == party {
			out = append(out, withheld(party, d, p))
		}
	}
	return out, nil
}

func withheld(party string, d, peer *DrawSide) Finding {
	c := d.Commit
	f := Finding{Kind: FindingDrawWithheld, Party: party, Type: "draw", Entry: &c, Due: d.Terms.RevealBy, Effective: treaty.DateOf(d.Committed)}
	what := fmt.Sprintf("draw %s (%s): %s committed as %s and %s as %s", d.Terms.ID, d.Terms.Purpose, party, c, peer.Party, peer.Commit)
	if d.Reveal == nil {
		f.Reason = fmt.Sprintf("%s; %s has not revealed, due by %s", what, party, d.Terms.RevealBy.Format(time.RFC3339))
		return f
	}
	f.Sent = d.Revealed
	f.Reason = fmt.Sprintf("%s; %s revealed as %s at %s, after the reveal-by time %s", what, party, d.Reveal, d.Revealed.Format(time.RFC3339), d.Terms.RevealBy.Format(time.RFC3339))
	return f
}

// A JointDraw is a draw as the treaty database holds it, known at a
// time: every party's side, in the order of the treaty's parties, and
// the draw computed by draw.Combine once two sides have revealed, or the
// check that failed.
type JointDraw struct {
	ID      string
	Sides   []DrawSide
	Result  *draw.Result // nil until computed
	Problem error        // a *draw.CheckError, or nil
}

// Draws returns every draw the database holds as known at now, by id.
// A draw with one side, or with a side not yet revealed, is listed
// without a result; one whose sides fail a check, with the failure.
func (r *Registry) Draws(ctx context.Context, now time.Time) ([]JointDraw, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	byID := map[string]*JointDraw{}
	for _, p := range r.t.Parties {
		sides, err := r.logDraws(s, r.origin(p.ID), 1<<62, now)
		if err != nil {
			return nil, err
		}
		for id, d := range sides {
			if byID[id] == nil {
				byID[id] = &JointDraw{ID: id}
			}
			byID[id].Sides = append(byID[id].Sides, *d)
		}
	}
	out := make([]JointDraw, 0, len(byID))
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		out = append(out, byID[id].computed())
	}
	return out, nil
}

// computed is d with its result or problem, when two sides revealed.
func (d *JointDraw) computed() JointDraw {
	if len(d.Sides) != 2 || d.Sides[0].Reveal == nil || d.Sides[1].Reveal == nil {
		return *d
	}
	d.Result, d.Problem = draw.Combine(d.Sides[0].logged(), d.Sides[1].logged())
	return *d
}

// logged returns the side as draw.Combine takes it.
func (d *DrawSide) logged() *draw.Logged {
	l := &draw.Logged{Party: d.Party, Commit: d.Terms, CommitRef: draw.Ref{Origin: d.Commit.Origin, Index: d.Commit.Index, LeafHash: d.Commit.LeafHash}}
	if d.Reveal != nil {
		l.Reveal = &draw.Reveal{ID: d.Terms.ID, Peer: d.Peer, Value: d.Value}
		l.RevealIndex, l.Revealed = d.Reveal.Index, d.Revealed
	}
	return l
}

package registry

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"accord/entry/body"
	"accord/escrow"
	"accord/internal/treaty"
)

// ErrEscrow is the rule an escrow entry breaks (docs/escrow.md, "In the
// log"): a commitment that is not its party's of its date, or whose count
// commitments do not open to its total; a reveal of no commitment of the
// party's log before it, of a region it does not have or already
// revealed, or dated before the commitment.
var ErrEscrow = errors.New("invalid escrow entry")

// commitmentKinds validates a commitment-kind entry by its body's first
// member: each kind of body (escrowed declarations here; joint random
// draws, "draw", added by draw.go) is one entry, and a body of no kind
// in it is refused.
var commitmentKinds = map[string]func(*Registry, *session, *plan) error{
	"commitment": (*Registry).escrowEntry, // an escrow commitment or reveal record
}

// commitment validates a commitment-kind entry.
func (r *Registry) commitment(s *session, p *plan) error {
	first, err := firstMember(p.rec.Body)
	if err != nil {
		return refuse(body.ErrMalformed, "a commitment entry's body is not a JSON object with a member: %v", err)
	}
	check, ok := commitmentKinds[first]
	if !ok {
		return refuse(body.ErrMalformed, "a commitment entry's body opens with member %q, of no kind accord knows (kinds open with: %s)",
			first, strings.Join(slices.Sorted(maps.Keys(commitmentKinds)), ", "))
	}
	return check(r, s, p)
}

// firstMember returns the name of the first member of the JSON object b.
func firstMember(b []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return "", fmt.Errorf("no object (%v)", err)
	}
	t, err := d.Token()
	name, ok := t.(string)
	if err != nil || !ok {
		return "", fmt.Errorf("no first member (%v)", err)
	}
	return name, nil
}

// escrowEntry validates an escrow commitment or reveal record.
func (r *Registry) escrowEntry(s *session, p *plan) error {
	b, err := escrow.ParseLogBody(p.rec.Body)
	if err != nil {
		return refuse(body.ErrMalformed, "%v", err)
	}
	if b.Commitment != nil {
		return r.escrowCommitment(s, p, b.Commitment)
	}
	return r.escrowReveal(s, p, b.Reveal)
}

// escrowCommitment checks a logged commitment and plans its rows.
func (r *Registry) escrowCommitment(s *session, p *plan, c *escrow.Commitment) error {
	rec := p.rec
	switch {
	case c.Party != rec.Party:
		return refuse(ErrEscrow, "the commitment is party %s's, in %s's log", c.Party, rec.Party)
	case c.Date != rec.Effective.String():
		return refuse(ErrEscrow, "the commitment is dated %s and its entry is effective %s: a commitment is effective on its date", c.Date, rec.Effective)
	case c.Total > maxWarheads:
		return refuse(ErrEscrow, "the commitment's total %d is above %d, the most accord counts", c.Total, int64(maxWarheads))
	}
	if err := escrow.CheckCommitment(c); err != nil {
		return refuse(ErrEscrow, "%v", err)
	}
	h := c.Hash()
	hash := hex.EncodeToString(h[:])
	if old, ok, err := s.escrowCommitment(rec.Party, hash); err != nil || ok {
		if err != nil {
			return err
		}
		return refuse(ErrEscrow, "the commitment %s is already entry %s#%d", hash[:16], rec.Origin, old.idx)
	}
	p.rows = func(s *session) error { return s.insertCommitment(rec, hash, c) }
	return nil
}

// escrowReveal checks a logged reveal against the party's commitments
// and plans its rows.
func (r *Registry) escrowReveal(s *session, p *plan, lr *escrow.LoggedReveal) error {
	rec := p.rec
	hash := hex.EncodeToString(lr.Commitment[:])
	c, ok, err := s.escrowCommitment(rec.Party, hash)
	switch {
	case err != nil:
		return err
	case !ok:
		return refuse(ErrEscrow, "region %s: commitment %s is not an applied commitment entry of %s before this one", lr.Region, hash[:16], rec.Origin)
	case lr.Count > maxWarheads:
		return refuse(ErrEscrow, "region %s: %d warheads is above %d, the most accord counts", lr.Region, lr.Count, int64(maxWarheads))
	case rec.Effective.String() < c.date:
		return refuse(ErrEscrow, "region %s: the reveal is effective %s, before the date %s of its commitment (entry %s#%d)", lr.Region, rec.Effective, c.date, rec.Origin, c.idx)
	}
	by, found, err := s.escrowRevealed(hash, lr.Region)
	switch {
	case err != nil:
		return err
	case !found:
		return refuse(ErrEscrow, "region %s: the commitment of entry %s#%d has no such region", lr.Region, rec.Origin, c.idx)
	case by != nil:
		return refuse(ErrEscrow, "region %s of the commitment of entry %s#%d was already revealed by entry %s#%d", lr.Region, rec.Origin, c.idx, rec.Origin, *by)
	}
	p.rows = func(s *session) error {
		return s.exec(`UPDATE escrow_regions SET reveal_idx = ?, reveal_effective = ?, reveal_recorded = ?, reveal_count = ?, reveal_hash = ?
			WHERE commitment = ? AND region = ?`, rec.Index, rec.Effective.String(), fmtTime(rec.Recorded), lr.Count, hex.EncodeToString(lr.Hash[:]), hash, lr.Region)
	}
	return nil
}

// A loggedCommitment is what validation reads of an applied commitment.
type loggedCommitment struct {
	idx  uint64
	date string
}

func (s *session) escrowCommitment(party, hash string) (loggedCommitment, bool, error) {
	var c loggedCommitment
	ok, err := s.row(`SELECT idx, date FROM escrow_commitments WHERE party = ? AND hash = ?`, []any{party, hash}, &c.idx, &c.date)
	return c, ok, err
}

// escrowRevealed reports whether the commitment has the region, and the
// index of the entry that revealed it, nil if none.
func (s *session) escrowRevealed(hash, region string) (by *uint64, found bool, err error) {
	found, err = s.row(`SELECT reveal_idx FROM escrow_regions WHERE commitment = ? AND region = ?`, []any{hash, region}, &by)
	return by, found, err
}

func (s *session) insertCommitment(rec *Record, hash string, c *escrow.Commitment) error {
	if err := s.exec(`INSERT INTO escrow_commitments(party, origin, idx, effective, recorded, hash, date, total, capacity, regions)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rec.Party, rec.Origin, rec.Index, rec.Effective.String(), fmtTime(rec.Recorded),
		hash, c.Date, c.Total, c.Capacity, len(c.Regions)); err != nil {
		return err
	}
	for _, rc := range c.Regions {
		if err := s.exec(`INSERT INTO escrow_regions(commitment, region, count) VALUES (?, ?, ?)`, hash, rc.ID, hex.EncodeToString(rc.Count[:])); err != nil {
			return err
		}
	}
	return nil
}

// An EscrowCommitment is a party's applied commitment entry as known at
// a time, with its regions.
type EscrowCommitment struct {
	Party     string      `json:"party"`
	Index     uint64      `json:"index"` // the commitment entry's index in the party's log
	Effective treaty.Date `json:"effective"`
	Recorded  time.Time   `json:"recorded"`
	Hash      string      `json:"hash"` // hex of the commitment's hash, which reveals name
	Date      string      `json:"date"` // the declaration's date, the entry's effective date
	Total     uint64      `json:"total"`
	Capacity  uint32      `json:"capacity"`
	// Book is the treaty database's figure the total is compared with
	// (see [Registry.Escrows]); nil when the party had declared no
	// warheads by Date, as known at Recorded: no data to compare.
	Book    *int64         `json:"book,omitempty"`
	Regions []EscrowRegion `json:"regions"` // sorted by ID
}

// An EscrowRegion is one region of a commitment and, once known, its
// reveal entry.
type EscrowRegion struct {
	ID              string      `json:"id"`
	Count           string      `json:"count"` // hex of the region's Pedersen count commitment
	Revealed        bool        `json:"revealed"`
	RevealIndex     uint64      `json:"reveal_index,omitempty"`
	RevealEffective treaty.Date `json:"reveal_effective,omitzero"`
	RevealCount     uint64      `json:"reveal_count,omitempty"` // the warheads the reveal records
	RevealHash      string      `json:"reveal_hash,omitempty"`  // hex of SHA-256 of the reveal's encoding
}

// Escrows returns party's commitments as known at knownAt, in log order:
// those recorded by then, each region revealed if its reveal entry was
// recorded by then. Book compares each total with the treaty database
// on the commitment's date, as known when it was recorded: the value of
// the treaty's first freeze on the party's warheads, or, with no freeze,
// all its warheads but dismantled ones.
func (r *Registry) Escrows(ctx context.Context, party string, knownAt time.Time) ([]EscrowCommitment, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	cs, err := s.escrows(party, fmtTime(knownAt))
	if err != nil {
		return nil, err
	}
	for i := range cs {
		b, err := r.escrowBook(s, &cs[i])
		if err != nil {
			return nil, err
		}
		if b.declared {
			v := bookFigure(b)
			cs[i].Book = &v
		}
	}
	return cs, nil
}

func (s *session) escrows(party, known string) ([]EscrowCommitment, error) {
	rows, err := s.query(`SELECT idx, effective, recorded, hash, date, total, capacity FROM escrow_commitments
		WHERE party = ? AND recorded <= ? ORDER BY idx`, party, known)
	if err != nil {
		return nil, err
	}
	var out []EscrowCommitment
	for rows.Next() {
		c := EscrowCommitment{Party: party}
		var eff, rec string
		if err := rows.Scan(&c.Index, &eff, &rec, &c.Hash, &c.Date, &c.Total, &c.Capacity); err != nil {
			rows.Close()
			return nil, err
		}
		c.Effective, c.Recorded = parseDate(eff), parseTime(rec)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Regions, err = s.escrowRegions(out[i].Hash, known); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// escrowRegions returns a commitment's regions, with the reveals recorded
// by known.
func (s *session) escrowRegions(hash, known string) ([]EscrowRegion, error) {
	rows, err := s.query(`SELECT region, count,
		CASE WHEN reveal_recorded <= ? THEN reveal_idx END, reveal_effective, reveal_count, reveal_hash
		FROM escrow_regions WHERE commitment = ? ORDER BY region`, known, hash)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []EscrowRegion{}
	for rows.Next() {
		g := EscrowRegion{}
		var idx, count *uint64
		var eff, rh *string
		if err := rows.Scan(&g.ID, &g.Count, &idx, &eff, &count, &rh); err != nil {
			return nil, err
		}
		if idx != nil {
			g.Revealed, g.RevealIndex, g.RevealEffective, g.RevealCount, g.RevealHash = true, *idx, parseDate(*eff), *count, *rh
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Kinds of finding on escrowed declarations (docs/escrow.md, "In the
// treaty database").
const (
	// FindingEscrowTotal: a commitment whose opened total differs from
	// the treaty database's figure on its date.
	FindingEscrowTotal = "escrow_total"
	// FindingEscrowFreeze: a commitment whose opened total is above the
	// party's freeze baseline on a date the freeze is in force.
	FindingEscrowFreeze = "escrow_freeze"
)

// escrowBook folds c's party's warheads on c's date as known when c was
// recorded, with every freeze baseline whose date is before c's fixed.
func (r *Registry) escrowBook(s *session, c *EscrowCommitment) (*book, error) {
	b, err := r.bookOn(s, c.Party, c.Effective, c.Recorded)
	if err != nil {
		return nil, err
	}
	b.fixBaselines(c.Date)
	return b, nil
}

// bookFigure returns what a commitment's total is compared with: the
// value of b's first freeze, or with none, all of b's warheads.
func bookFigure(b *book) int64 {
	if len(b.freezes) > 0 {
		return b.freezes[0].value
	}
	return b.total
}

// escrowFindings returns the findings on party's commitments recorded by
// now.
func (r *Registry) escrowFindings(s *session, party string, now time.Time) ([]Finding, error) {
	cs, err := s.escrows(party, fmtTime(now))
	if err != nil {
		return nil, err
	}
	var out []Finding
	for i := range cs {
		fs, err := r.escrowFinding(s, &cs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// escrowFinding compares c's total with the book on its date; a party
// that had declared no warheads by then has no figure to compare with,
// and no finding.
func (r *Registry) escrowFinding(s *session, c *EscrowCommitment) ([]Finding, error) {
	b, err := r.escrowBook(s, c)
	if err != nil || !b.declared {
		return nil, err
	}
	ref, err := s.ref(r.origin(c.Party), c.Index)
	if err != nil {
		return nil, err
	}
	f := Finding{Party: c.Party, Entry: &ref, Effective: c.Effective, Sent: c.Recorded}
	total := int64(c.Total)
	var out []Finding
	if v := bookFigure(b); total != v {
		f.Kind = FindingEscrowTotal
		f.Reason = fmt.Sprintf("commitment %s#%d opens a total of %d warheads on %s; the treaty database, as known when it was recorded (%s), holds %d (%s) on that date, from %s: difference %+d",
			ref.Origin, ref.Index, total, c.Date, fmtTime(c.Recorded), v, figureName(b), statedFrom(b), total-v)
		out = append(out, f)
	}
	for _, fr := range b.freezes {
		if fr.baseline == nil || !fr.limit.InForce(c.Effective) || !r.t.InForce(c.Effective) || total <= *fr.baseline {
			continue
		}
		f.Kind = FindingEscrowFreeze
		f.Reason = fmt.Sprintf("commitment %s#%d opens a total of %d warheads on %s, above the party's %s freeze baseline of %d (as of %s), in force on that date",
			ref.Origin, ref.Index, total, c.Date, fr.limit.ID, *fr.baseline, fr.limit.Baseline)
		out = append(out, f)
	}
	return out, nil
}

func figureName(b *book) string {
	if len(b.freezes) > 0 {
		return "its " + b.freezes[0].limit.ID
	}
	return "all its warheads but dismantled ones"
}

// statedFrom names the entries the book's figure comes from.
func statedFrom(b *book) string {
	if b.stated == nil {
		return "its warheads declared by UID"
	}
	return fmt.Sprintf("the warhead statement %s and the flows since", b.stated.ref())
}

package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/escrow"
	"accord/internal/confidence"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// A RevealStore is a NodeView that holds the bytes of escrow reveals
// (docs/escrow.md, "On the dashboard"): a log records only a reveal's
// SHA-256. Reveal returns party's reveal whose SHA-256 is hash as stored,
// unchecked, or an error wrapping ErrNotFound if the node does not hold
// it. Without a RevealStore, the escrow page shows every reveal as not
// held. Safe for concurrent use, as NodeView.
type RevealStore interface {
	Reveal(ctx context.Context, party string, hash [32]byte) ([]byte, error)
}

// maxMisdeclared is the largest number of misdeclared regions the escrow
// page gives the confidence for.
const maxMisdeclared = 3

type escrowData struct {
	KnownAt time.Time
	Date    treaty.Date // ?date=: as known at the end of that day; zero for now
	Parties []partyEscrow
}

// partyEscrow is one party's section of the escrow page.
type partyEscrow struct {
	Party       treaty.Party
	Commitments []commitmentView
}

// A commitmentView is one commitment: its regions, the checks run on
// what the node holds, and what the reveals so far establish.
type commitmentView struct {
	registry.EscrowCommitment
	Regions       []regionView
	Opened        int    // regions revealed
	Revealed      uint64 // warheads in them, as their reveals state
	WarheadShare  string // Revealed of Total, in percent
	RegionShare   string // Opened of the regions, in percent
	Checks        []checkView
	Verified      bool // every check ran and passed
	Baseline      *int64
	Confidence    []confidenceView
	CommitmentHex string
}

// A regionView is one region, revealed or not, with its reveal's checks.
type regionView struct {
	registry.EscrowRegion
	Held  bool      // the node holds the reveal's bytes
	Check checkView // the reveal's checks, if revealed
}

// A checkView is the verdict of one or more checks of docs/escrow.md
// ("Checks") on one scope.
type checkView struct {
	Name   string // the check, or the checks run, e.g. "log, tree, order, count, count_commitment"
	Scope  string // what was checked: "commitment", "region west", "revealed regions"
	Ran    bool   // false: not run (a reveal the node does not hold)
	OK     bool
	Failed string // the check that failed, as escrow.CheckError names it
	Detail string
}

// A confidenceView is the probability that a misdeclaration confined to
// Misdeclared regions would lie in a region opened so far.
type confidenceView struct {
	Misdeclared int
	P           float64
	Percent     string
}

// The checks of a reveal held, in the order escrow.CheckBundle runs them.
const revealChecks = "log, tree, order, count, count_commitment"

func (d *Dashboard) escrowPage(r *http.Request) (*view, error) {
	t := d.src.Treaty()
	now := d.src.Now()
	data := &escrowData{KnownAt: now}
	if r.URL.Query().Get("date") != "" {
		date, err := dateParam(r, "date", treaty.DateOf(now))
		if err != nil {
			return nil, err
		}
		if end := date.AddDays(1).Time(); end.Before(now) {
			data.Date, data.KnownAt = date, end.Add(-time.Nanosecond)
		}
	}
	for _, p := range t.Parties {
		pe, err := d.partyEscrow(r.Context(), p, data.KnownAt)
		if err != nil {
			return nil, err
		}
		data.Parties = append(data.Parties, pe)
	}
	// The permalink pins the day: as known at its end, which is now's
	// answer until the day is over.
	date := data.Date
	if date.IsZero() {
		date = treaty.DateOf(now)
	}
	return &view{Page: "escrow", Title: "Escrowed declarations", Query: params("date", date.String()), Data: data, Tables: data.tables}, nil
}

// tables are every commitment's regions, checks and confidence, a row
// per region, check and number of regions misdeclared.
func (e *escrowData) tables() []*table {
	rs := newTable("regions", txt("party"), txt("commitment"), txt("region"), txt("state"), txt("revealed"), num("warheads"), txt("entry"), txt("check"))
	cs := newTable("checks", txt("party"), txt("commitment"), txt("scope"), txt("checks"), txt("verdict"))
	ps := newTable("confidence", txt("party"), txt("commitment"), num("regions_misdeclared"), num("percent"), txt("probability"))
	for _, pe := range e.Parties {
		for _, c := range pe.Commitments {
			id := fmt.Sprintf("%s#%d", pe.Party.ID, c.Index)
			for _, rg := range c.Regions {
				if !rg.Revealed {
					rs.add(pe.Party.ID, id, rg.ID, "hidden", nil, nil, nil, nil)
					continue
				}
				rs.add(pe.Party.ID, id, rg.ID, "open", rg.RevealEffective, rg.RevealCount, fmt.Sprintf("%s#%d", pe.Party.ID, rg.RevealIndex), checkVerdict(rg.Check))
			}
			for _, ch := range c.Checks {
				cs.add(pe.Party.ID, id, ch.Scope, ch.Name, checkVerdict(ch))
			}
			for _, cf := range c.Confidence {
				ps.add(pe.Party.ID, id, cf.Misdeclared, math.Round(1000*cf.P)/10, cf.P)
			}
		}
	}
	return []*table{rs, cs, ps}
}

// checkVerdict says what a check's tag on the page says.
func checkVerdict(c checkView) string {
	switch {
	case c.OK:
		return "verified"
	case c.Ran:
		return "failed: " + c.Failed
	}
	return "not held"
}

// partyEscrow reads one party's commitments as known at knownAt and
// checks what the node holds of them.
func (d *Dashboard) partyEscrow(ctx context.Context, p treaty.Party, knownAt time.Time) (partyEscrow, error) {
	pe := partyEscrow{Party: p}
	cs, err := d.src.Registry().Escrows(ctx, p.ID, knownAt)
	if err != nil {
		return pe, err
	}
	baseline, err := d.warheadBaseline(ctx, p.ID, knownAt)
	if err != nil {
		return pe, err
	}
	v, err := d.logVerifier(ctx, p.ID)
	if err != nil {
		return pe, err
	}
	for _, c := range cs {
		cv, err := d.commitmentView(ctx, v, c, baseline)
		if err != nil {
			return pe, err
		}
		pe.Commitments = append(pe.Commitments, cv)
	}
	return pe, nil
}

// commitmentView lays out one commitment, checks it, and computes the
// shares revealed and the confidence.
func (d *Dashboard) commitmentView(ctx context.Context, v note.Verifier, c registry.EscrowCommitment, baseline *int64) (commitmentView, error) {
	cv := commitmentView{EscrowCommitment: c, Baseline: baseline}
	for _, rg := range c.Regions {
		cv.Regions = append(cv.Regions, regionView{EscrowRegion: rg})
		if rg.Revealed {
			cv.Opened++
			cv.Revealed += rg.RevealCount
		}
	}
	cv.WarheadShare, cv.RegionShare = percent(float64(cv.Revealed), float64(c.Total)), percent(float64(cv.Opened), float64(len(c.Regions)))
	var err error
	if cv.Confidence, err = regionConfidence(len(c.Regions), cv.Opened); err != nil {
		return cv, err
	}
	return cv, d.checkEscrow(ctx, v, &cv)
}

// percent returns a of b in percent, one decimal; "–" if b is 0.
func percent(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*a/b)
}

// regionConfidence returns, for 1 to maxMisdeclared misdeclared regions
// of n, the probability that at least one of them is among the opened
// regions, were the regions opened drawn at random without replacement
// (confidence.Detect: hypergeometric, population n, sample opened).
func regionConfidence(n, opened int) ([]confidenceView, error) {
	var out []confidenceView
	for k := 1; k <= min(maxMisdeclared, n); k++ {
		p, err := confidence.Detect(n, k, opened)
		if err != nil {
			return nil, err
		}
		out = append(out, confidenceView{Misdeclared: k, P: p, Percent: fmt.Sprintf("%.1f%%", 100*p)})
	}
	return out, nil
}

// logVerifier returns the verifier key of party's log.
func (d *Dashboard) logVerifier(ctx context.Context, party string) (note.Verifier, error) {
	logs, err := d.src.Logs(ctx)
	if err != nil {
		return nil, err
	}
	origin := entry.Origin(d.src.Treaty().ID, party)
	for _, l := range logs {
		if l.Origin == origin {
			return note.NewVerifier(l.VKey)
		}
	}
	return nil, fmt.Errorf("no verifier key for log %s", origin)
}

// warheadBaseline returns party's baseline under the treaty's first
// freeze on its warheads, as known at knownAt, or nil if it has none.
func (d *Dashboard) warheadBaseline(ctx context.Context, party string, knownAt time.Time) (*int64, error) {
	fs := freezes(d.src.Treaty())
	if len(fs) == 0 {
		return nil, nil
	}
	evs, err := d.src.Registry().WarheadEvents(ctx, party, knownAt)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		if p := pointOf(ev, fs[0].ID); p != nil && p.Baseline != nil {
			return p.Baseline, nil
		}
	}
	return nil, nil
}

// checkEscrow runs the checks of docs/escrow.md on what the node holds
// of cv's commitment: its entry, proven in the party's log by a receipt
// from the node's copy, and its total opening (log, total:
// escrow.CheckCommitment); each revealed region whose bytes the node
// holds (logChecks then escrow.CheckReveal: log, tree, order, count,
// count_commitment); the reveals that passed, together (uid, hidden:
// escrow.Verify); and the total against the freeze baseline (freeze).
func (d *Dashboard) checkEscrow(ctx context.Context, v note.Verifier, cv *commitmentView) error {
	e, b, err := d.loggedBody(ctx, v, cv.Party, cv.Index)
	if err != nil && !isCheck(err) {
		return err
	}
	var c *escrow.Commitment
	if err == nil {
		c, err = loggedCommitment(e, b, cv.Index)
	}
	if err == nil {
		err = escrow.CheckCommitment(c)
	}
	cv.Checks = append(cv.Checks, verdict("log, total", "commitment", err))
	if err != nil {
		return nil
	}
	good, err := d.checkReveals(ctx, v, c, cv)
	if err != nil {
		return err
	}
	all, err := escrow.Verify(c, good...)
	cv.Checks = append(cv.Checks, verdict("uid, hidden", fmt.Sprintf("%d revealed regions together", len(good)), err))
	if err == nil && cv.Baseline != nil {
		cv.Checks = append(cv.Checks, verdict("freeze", "total against the baseline", all.CheckFreeze(uint64(max(0, *cv.Baseline)))))
	}
	cv.Verified = !slices.ContainsFunc(cv.Checks, func(c checkView) bool { return !c.OK })
	return nil
}

// loggedCommitment returns the commitment entry e (index) with body b
// holds, failing the check log unless it is the party's commitment of
// the entry's effective date.
func loggedCommitment(e *entry.Entry, b *escrow.LogBody, index uint64) (*escrow.Commitment, error) {
	switch {
	case b == nil || b.Commitment == nil:
		return nil, &escrow.CheckError{Check: "log", Detail: fmt.Sprintf("entry %d is not an escrow commitment", index)}
	case b.Commitment.Party != e.Party || b.Commitment.Date != e.Effective.Format(time.DateOnly):
		return nil, &escrow.CheckError{Check: "log", Detail: fmt.Sprintf("entry %d of %s, effective %s, commits for %s on %s", index, e.Party, e.Effective.Format(time.DateOnly), b.Commitment.Party, b.Commitment.Date)}
	}
	return b.Commitment, nil
}

// checkReveals checks each revealed region of cv, in log order, and
// returns the reveals that passed.
func (d *Dashboard) checkReveals(ctx context.Context, v note.Verifier, c *escrow.Commitment, cv *commitmentView) ([]*escrow.Reveal, error) {
	order := make([]int, 0, len(cv.Regions))
	for i, rg := range cv.Regions {
		if rg.Revealed {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(cv.Regions[a].RevealIndex, cv.Regions[b].RevealIndex) })
	var good []*escrow.Reveal
	for _, i := range order {
		rg := &cv.Regions[i]
		r, err := d.checkReveal(ctx, v, c, cv.Party, rg)
		if err != nil {
			return nil, err
		}
		cv.Checks = append(cv.Checks, rg.Check)
		if r != nil {
			good = append(good, r)
		}
	}
	return good, nil
}

// checkReveal checks one revealed region of c, if the node holds its
// bytes, and returns the reveal if every check passed.
func (d *Dashboard) checkReveal(ctx context.Context, v note.Verifier, c *escrow.Commitment, party string, rg *regionView) (*escrow.Reveal, error) {
	scope := "region " + rg.ID
	raw, err := d.revealBytes(ctx, party, rg.RevealHash)
	if errors.Is(err, ErrNotFound) {
		rg.Check = checkView{Name: revealChecks, Scope: scope, Detail: "not run: this node does not hold the reveal's bytes yet"}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rg.Held = true
	_, b, err := d.loggedBody(ctx, v, party, rg.RevealIndex)
	if err != nil && !isCheck(err) {
		return nil, err
	}
	var r *escrow.Reveal
	if err == nil {
		r, err = loggedReveal(c, b, raw, rg.RevealIndex)
	}
	if err == nil {
		err = escrow.CheckReveal(c, r)
	}
	rg.Check = verdict(revealChecks, scope, err)
	if err != nil {
		return nil, nil
	}
	return r, nil
}

// loggedReveal returns the reveal raw, failing the check log unless b, the
// body of entry index, records a reveal of c whose SHA-256 is raw's and
// whose region and count are the reveal's.
func loggedReveal(c *escrow.Commitment, b *escrow.LogBody, raw []byte, index uint64) (*escrow.Reveal, error) {
	if b == nil || b.Reveal == nil || b.Reveal.Commitment != c.Hash() {
		return nil, &escrow.CheckError{Check: "log", Detail: fmt.Sprintf("entry %d records no reveal of this commitment", index)}
	}
	lr := b.Reveal
	if sha256.Sum256(raw) != lr.Hash {
		return nil, &escrow.CheckError{Check: "log", Region: lr.Region, Detail: fmt.Sprintf("the reveal held is not the one entry %d records", index)}
	}
	r, err := escrow.ParseReveal(raw)
	if err != nil {
		return nil, err
	}
	if r.Region != lr.Region || r.Count != lr.Count {
		return nil, &escrow.CheckError{Check: "log", Region: lr.Region, Detail: fmt.Sprintf("the reveal opens %s with %d warheads, entry %d records %s with %d", r.Region, r.Count, index, lr.Region, lr.Count)}
	}
	return r, nil
}

// loggedBody returns party's entry index, proven by a receipt from the
// node's copy of the log checked with v, and its escrow body (nil if the
// entry is not an escrow entry). An entry the receipt does not prove is a
// failed check log (an *escrow.CheckError), not an error of the page.
func (d *Dashboard) loggedBody(ctx context.Context, v note.Verifier, party string, index uint64) (*entry.Entry, *escrow.LogBody, error) {
	rc, err := d.receiptOf(ctx, party, index)
	if err != nil {
		return nil, nil, err
	}
	e, _, err := entry.CheckReceipt(rc, v, nil)
	if err == nil && rc.Index != index {
		err = fmt.Errorf("the receipt is for entry %d", rc.Index)
	}
	if err != nil {
		return nil, nil, &escrow.CheckError{Check: "log", Detail: fmt.Sprintf("entry %d is not proven in %s's log: %v", index, party, err)}
	}
	if e.Kind != entry.Commitment {
		return e, nil, nil
	}
	b, _ := escrow.ParseLogBody(e.Body)
	return e, b, nil
}

// revealBytes returns the bytes of party's reveal named by its hex hash.
func (d *Dashboard) revealBytes(ctx context.Context, party, hexHash string) ([]byte, error) {
	store, ok := d.src.(RevealStore)
	var h [32]byte
	if n, err := hex.Decode(h[:], []byte(hexHash)); !ok || err != nil || n != len(h) {
		return nil, fmt.Errorf("%w: reveal %s of %s", ErrNotFound, hexHash, party)
	}
	return store.Reveal(ctx, party, h)
}

// receiptOf returns the receipt of party's entry index.
func (d *Dashboard) receiptOf(ctx context.Context, party string, index uint64) (*entry.Receipt, error) {
	b, err := d.src.Proof(ctx, entry.Origin(d.src.Treaty().ID, party), index)
	if err != nil {
		return nil, err
	}
	return entry.ParseReceipt(b)
}

// isCheck reports whether err is a failed check.
func isCheck(err error) bool {
	var ce *escrow.CheckError
	return errors.As(err, &ce)
}

// verdict is the view of checks named name on scope that ended with err:
// passed if nil, else failed, naming the check that failed.
func verdict(name, scope string, err error) checkView {
	c := checkView{Name: name, Scope: scope, Ran: true, OK: err == nil}
	var ce *escrow.CheckError
	switch {
	case errors.As(err, &ce):
		c.Failed, c.Detail = ce.Check, ce.Error()
	case err != nil:
		c.Failed, c.Detail = "log", err.Error()
	}
	return c
}

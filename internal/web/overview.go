package web

import (
	"net/http"
	"slices"
	"time"

	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/treaty"
)

// A readingView is one reading's results on the overview.
type readingView struct {
	ID, Name, Note, HeldBy, Anchor string
	// Columns are the limits that bind any party shown, in treaty order;
	// each party's Cells follow them, one per column.
	Columns []columnView
	Parties []partyView
}

// A columnView is one limit's column: its header names the limit whose
// numbers the column holds.
type columnView struct {
	ID, Name, Anchor string
}

type partyView struct {
	Party, Name string
	// DataOf is the date of the party's latest full statement of holdings
	// on or before the date shown (zero if it made none).
	DataOf treaty.Date
	// Stale is set when DataOf is older than the latest scheduled data
	// exchange on or before the date shown: the numbers are of old data.
	Stale     bool
	Exchange  treaty.Date // that exchange
	Suspended bool
	Cells     []*limitView // by column; nil where the limit does not bind the party
}

type limitView struct {
	engine.LimitResult
	Anchor string
	Terms  []termView
	// NoBaseline is set for a freeze without the party's baseline: its
	// ceiling is unknown, not 0.
	NoBaseline bool
}

type termView struct {
	engine.Term
	Anchor string
}

type overviewData struct {
	Date      treaty.Date
	KnownAt   time.Time
	Phase     string
	InForce   bool
	Reading   string
	Readings  []readingView
	Exchanges []treaty.Date // recent data-exchange dates with data, for quick links
	// Breaches are every freeze breach as known at KnownAt, whatever the
	// date shown: each is an alert.
	Breaches []breachView
}

func (d *Dashboard) overview(r *http.Request) (*view, error) {
	data, err := d.overviewOf(r)
	if err != nil {
		return nil, err
	}
	q := params("date", data.Date.String(), "reading", data.Reading)
	return &view{Page: "overview", Title: "Overview", Query: q, Data: data, Tables: data.tables}, nil
}

// tables is the overview's counts: a row per reading, party and limit
// that binds it.
func (o *overviewData) tables() []*table {
	t := newTable("counts", txt("as_of"), txt("reading"), txt("party"), txt("limit"), num("value"), num("ceiling"), num("margin"), txt("verdict"), txt("data_of"), txt("stale"))
	for _, rv := range o.Readings {
		for _, pv := range rv.Parties {
			for _, c := range pv.Cells {
				if c == nil {
					continue
				}
				var ceiling, margin any = c.Limit, nil
				if c.NoBaseline {
					ceiling = nil
				}
				if c.Verdict == engine.Met || c.Verdict == engine.Exceeded {
					margin = c.Margin
				}
				t.add(o.Date, rv.ID, pv.Party, c.ID, c.Value, ceiling, margin, c.Verdict, pv.DataOf, pv.Stale)
			}
		}
	}
	return []*table{t}
}

func (d *Dashboard) overviewOf(r *http.Request) (*overviewData, error) {
	t := d.src.Treaty()
	now, err := d.counts.sync(r.Context())
	if err != nil {
		return nil, err
	}
	stated, err := d.counts.statedDates(r.Context(), now)
	if err != nil {
		return nil, err
	}
	def := factsheet.Latest(t, stated, treaty.DateOf(now))
	if def.IsZero() {
		def = treaty.DateOf(now)
	}
	date, err := dateParam(r, "date", def)
	if err != nil {
		return nil, err
	}
	only, err := d.readingParam(r)
	if err != nil {
		return nil, err
	}
	readings := t.ReadingIDs()
	if only != "" {
		readings = []string{only}
	}
	results, knownAt, err := d.counts.evaluate(r.Context(), date, readings)
	if err != nil {
		return nil, err
	}
	data := overviewData{Date: date, KnownAt: knownAt, Phase: t.Phase(date), InForce: t.InForce(date), Reading: only}
	for _, res := range results {
		data.Readings = append(data.Readings, d.readingView(res, stated))
	}
	if data.Breaches, err = d.breaches(r.Context(), knownAt); err != nil {
		return nil, err
	}
	ex := withData(t, stated, factsheet.Exchanges(t, treaty.DateOf(knownAt)))
	data.Exchanges = slices.Clone(ex[max(0, len(ex)-8):])
	slices.Reverse(data.Exchanges)
	return &data, nil
}

func (d *Dashboard) readingView(res engine.Result, stated map[string][]treaty.Date) readingView {
	t := d.src.Treaty()
	rv := readingView{ID: res.Reading, Name: "The treaty's rules as written", Anchor: "limits"}
	if i := slices.IndexFunc(t.Readings, func(x treaty.Reading) bool { return x.ID == res.Reading }); i >= 0 {
		x := t.Readings[i]
		rv.Name, rv.Note, rv.HeldBy, rv.Anchor = x.Name, x.Note, x.HeldBy, readingAnchor(x.ID)
	}
	rv.Columns = columns(t, res)
	for _, pr := range res.Parties {
		rv.Parties = append(rv.Parties, d.partyView(res, pr, rv.Columns, stated[pr.Party]))
	}
	return rv
}

// columns returns the limits that bind any party of res, in treaty order.
func columns(t *treaty.Treaty, res engine.Result) []columnView {
	var out []columnView
	for _, l := range t.Limits {
		if slices.ContainsFunc(res.Parties, func(pr engine.PartyResult) bool { return limitResult(&pr, l.ID) != nil }) {
			out = append(out, columnView{ID: l.ID, Name: l.Name, Anchor: limitAnchor(l.ID)})
		}
	}
	return out
}

// partyView lays one party's results out under cols, and dates its data.
func (d *Dashboard) partyView(res engine.Result, pr engine.PartyResult, cols []columnView, stated []treaty.Date) partyView {
	t := d.src.Treaty()
	p, _ := t.Party(pr.Party)
	pv := partyView{Party: pr.Party, Name: p.Name, Suspended: pr.Suspended, Exchange: factsheet.LastExchange(t, res.AsOf)}
	pv.DataOf, _ = factsheet.Current(t, stated, res.AsOf)
	pv.Stale = pv.DataOf.Before(pv.Exchange)
	for _, c := range cols {
		lr := limitResult(&pr, c.ID)
		if lr == nil {
			pv.Cells = append(pv.Cells, nil)
			continue
		}
		lv := &limitView{LimitResult: *lr, Anchor: limitAnchor(lr.ID)}
		if l, ok := t.Limit(lr.ID); ok && l.Ceiling == nil && lr.Verdict == engine.NoData {
			lv.NoBaseline = true
		}
		for _, term := range lr.Terms {
			lv.Terms = append(lv.Terms, termView{Term: term, Anchor: ruleAnchor(t, lr.ID, res.Reading, term)})
		}
		pv.Cells = append(pv.Cells, lv)
	}
	return pv
}

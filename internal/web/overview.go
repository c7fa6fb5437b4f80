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
	Parties                        []partyView
}

type partyView struct {
	Party, Name string
	Declared    treaty.Date
	Suspended   bool
	Limits      []limitView
}

type limitView struct {
	engine.LimitResult
	Anchor string
	Terms  []termView
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
	Exchanges []treaty.Date // recent data-exchange dates, for quick links
}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request) error {
	t := d.src.Treaty()
	date, err := dateParam(r, "date", treaty.DateOf(d.src.Now()))
	if err != nil {
		return err
	}
	only, err := d.readingParam(r)
	if err != nil {
		return err
	}
	readings := t.ReadingIDs()
	if only != "" {
		readings = []string{only}
	}
	results, knownAt, err := d.counts.evaluate(r.Context(), date, readings)
	if err != nil {
		return err
	}
	data := overviewData{Date: date, KnownAt: knownAt, Phase: t.Phase(date), InForce: t.InForce(date), Reading: only}
	for _, res := range results {
		data.Readings = append(data.Readings, d.readingView(res))
	}
	ex := factsheet.Exchanges(t, treaty.DateOf(knownAt))
	data.Exchanges = ex[max(0, len(ex)-8):]
	slices.Reverse(data.Exchanges)
	return d.render(w, r, http.StatusOK, "overview", "Overview", data)
}

func (d *Dashboard) readingView(res engine.Result) readingView {
	t := d.src.Treaty()
	rv := readingView{ID: res.Reading, Name: "The treaty's rules as written", Anchor: "limits"}
	if i := slices.IndexFunc(t.Readings, func(x treaty.Reading) bool { return x.ID == res.Reading }); i >= 0 {
		x := t.Readings[i]
		rv.Name, rv.Note, rv.HeldBy, rv.Anchor = x.Name, x.Note, x.HeldBy, readingAnchor(x.ID)
	}
	for _, pr := range res.Parties {
		p, _ := t.Party(pr.Party)
		pv := partyView{Party: pr.Party, Name: p.Name, Declared: pr.Declared, Suspended: pr.Suspended}
		for _, lr := range pr.Limits {
			lv := limitView{LimitResult: lr, Anchor: limitAnchor(lr.ID)}
			for _, term := range lr.Terms {
				lv.Terms = append(lv.Terms, termView{Term: term, Anchor: ruleAnchor(t, lr.ID, res.Reading, term)})
			}
			pv.Limits = append(pv.Limits, lv)
		}
		rv.Parties = append(rv.Parties, pv)
	}
	return rv
}

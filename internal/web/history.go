package web

import (
	"html/template"
	"net/http"
	"slices"

	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/treaty"
)

type chartView struct {
	Limit  treaty.Limit
	Anchor string
	SVG    template.HTML
}

type historyCell struct {
	Party, Limit string
	Value        int
	Known        bool
	Verdict      string
	Anchor       string
}

type historyRow struct {
	Date  treaty.Date
	Cells []historyCell // party by party, limit by limit
}

type historyData struct {
	Reading   string
	Effective treaty.Date // when the first limit took effect
	Charts    []chartView
	Parties   []treaty.Party
	Limits    []treaty.Limit
	Rows      []historyRow
	Dates     int
}

// historyDates returns the dates the history shows: entry into force,
// every data-exchange date and the day each limit takes effect, up to
// until.
func historyDates(t *treaty.Treaty, until treaty.Date) []treaty.Date {
	ds := factsheet.Exchanges(t, until)
	for _, l := range t.Limits {
		if !l.Effective.IsZero() && !l.Effective.After(until) && !l.Effective.Before(t.Dates.EntryIntoForce) {
			ds = append(ds, l.Effective)
		}
	}
	slices.SortFunc(ds, treaty.Date.Compare)
	return slices.CompactFunc(ds, treaty.Date.Equal)
}

func (d *Dashboard) history(w http.ResponseWriter, r *http.Request) error {
	reading, err := d.readingParam(r)
	if err != nil {
		return err
	}
	if reading == "" {
		reading = treaty.DefaultReading
	}
	data, err := d.historyData(r, reading)
	if err != nil {
		return err
	}
	return d.render(w, r, http.StatusOK, "history", "History", data)
}

func (d *Dashboard) historyData(r *http.Request, reading string) (*historyData, error) {
	ctx := r.Context()
	t := d.src.Treaty()
	now, err := d.counts.sync(ctx)
	if err != nil {
		return nil, err
	}
	until := treaty.DateOf(now)
	if exp := t.Expiry(); !exp.IsZero() && exp.Before(until) {
		until = exp
	}
	stated, err := d.counts.statedDates(ctx, now)
	if err != nil {
		return nil, err
	}
	dates := withData(t, stated, historyDates(t, until))
	decls, err := d.counts.prefetch(ctx, dates, now)
	if err != nil {
		return nil, err
	}
	data := &historyData{Reading: reading, Parties: t.Parties, Dates: len(dates)}
	for _, l := range t.Limits {
		if l.Ceiling != nil {
			data.Limits = append(data.Limits, l)
		}
	}
	values := map[string]map[string]*series{} // by limit, by party
	for _, day := range dates {
		res, err := engine.Evaluate(t, day, reading, decls[day])
		if err != nil {
			return nil, err
		}
		row := historyRow{Date: day}
		for _, p := range t.Parties {
			_, current := factsheet.Current(t, stated[p.ID], day)
			pr := partyResult(res, p.ID)
			for _, l := range data.Limits {
				c := historyCell{Party: p.ID, Limit: l.ID, Anchor: limitAnchor(l.ID)}
				if lr := limitResult(pr, l.ID); current && lr != nil {
					c.Value, c.Known, c.Verdict = lr.Value, true, lr.Verdict
					s := seriesOf(values, l.ID, p.ID)
					s.Dates, s.Values = append(s.Dates, day), append(s.Values, lr.Value)
				}
				row.Cells = append(row.Cells, c)
			}
		}
		data.Rows = append(data.Rows, row)
	}
	partyIndex := map[string]int{}
	for i, p := range t.Parties {
		partyIndex[p.ID] = i
	}
	for _, l := range data.Limits {
		if data.Effective.IsZero() || l.Effective.Before(data.Effective) {
			data.Effective = l.Effective
		}
		var ss []series
		for _, p := range t.Parties {
			if s := values[l.ID][p.ID]; s != nil {
				ss = append(ss, *s)
			}
		}
		svg, err := chartSVG(l.Name, *l.Ceiling, l.Effective, dates, ss, partyIndex)
		if err != nil {
			return nil, err
		}
		data.Charts = append(data.Charts, chartView{Limit: l, Anchor: limitAnchor(l.ID), SVG: svg})
	}
	slices.Reverse(data.Rows) // the table reads newest first
	return data, nil
}

// withData keeps the dates on which some party's data is current.
func withData(t *treaty.Treaty, stated map[string][]treaty.Date, dates []treaty.Date) []treaty.Date {
	return slices.DeleteFunc(dates, func(d treaty.Date) bool {
		for _, p := range t.Parties {
			if _, ok := factsheet.Current(t, stated[p.ID], d); ok {
				return false
			}
		}
		return true
	})
}

func seriesOf(m map[string]map[string]*series, limit, party string) *series {
	if m[limit] == nil {
		m[limit] = map[string]*series{}
	}
	if m[limit][party] == nil {
		m[limit][party] = &series{Party: party}
	}
	return m[limit][party]
}

func partyResult(res engine.Result, party string) *engine.PartyResult {
	for i := range res.Parties {
		if res.Parties[i].Party == party {
			return &res.Parties[i]
		}
	}
	return nil
}

func limitResult(pr *engine.PartyResult, id string) *engine.LimitResult {
	if pr == nil {
		return nil
	}
	for i := range pr.Limits {
		if pr.Limits[i].ID == id {
			return &pr.Limits[i]
		}
	}
	return nil
}

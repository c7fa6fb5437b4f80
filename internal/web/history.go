package web

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/i18n"
	"accord/internal/treaty"
)

type chartView struct {
	Limit  treaty.Limit
	Anchor string
	YLabel string
	SVG    template.HTML
	Marks  []mark // the events marked on the chart, numbered from 1
	figure figure
}

type historyCell struct {
	Party, Limit string `json:"-"`
	Value        int    `json:"value"`
	Known        bool   `json:"-"`
	Binds        bool   `json:"-"`
	Verdict      string `json:"verdict"`
	Interpolated bool   `json:"interpolated,omitempty"`
	Anchor       string `json:"-"`
}

type historyRow struct {
	Date  treaty.Date
	Cells []historyCell // party by party, limit by limit
}

type historyData struct {
	Reading      string
	Effective    treaty.Date // when the first limit took effect
	Charts       []chartView
	Parties      []treaty.Party
	Limits       []treaty.Limit
	Rows         []historyRow
	Dates        int
	Interpolated bool // some number shown is interpolated
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

func (d *Dashboard) history(r *http.Request) (*view, error) {
	data, err := d.historyOf(r)
	if err != nil {
		return nil, err
	}
	v := &view{Page: "history", Title: "History", Query: params("reading", data.Reading), Data: data, Tables: data.tables}
	for _, c := range data.Charts {
		v.Figures = append(v.Figures, c.figure)
	}
	return v, nil
}

// tables are the history's table as shown, a column per party and
// limit, and its series, a row per party, limit and date with data.
func (h *historyData) tables() []*table {
	wide := newTable("history-table", txt("as_of"))
	for _, p := range h.Parties {
		for _, l := range h.Limits {
			wide.Columns = append(wide.Columns, num(p.ID+" "+l.ID))
		}
	}
	for _, row := range h.Rows {
		vals := []any{row.Date}
		for _, c := range row.Cells {
			if c.Known && c.Binds {
				vals = append(vals, c.Value)
			} else {
				vals = append(vals, nil)
			}
		}
		wide.add(vals...)
	}
	long := newTable("series", txt("as_of"), txt("party"), txt("limit"), num("value"), txt("verdict"), txt("interpolated"), txt("reading"))
	for _, p := range h.points() {
		long.add(p.AsOf, p.Party, p.Limit, p.Value, p.Verdict, p.Interpolated, h.Reading)
	}
	return []*table{wide, long}
}

// historyOf reads the reading a request asks for and its history.
func (d *Dashboard) historyOf(r *http.Request) (*historyData, error) {
	reading, err := d.readingParam(r)
	if err != nil {
		return nil, err
	}
	if reading == "" {
		reading = treaty.DefaultReading
	}
	return d.historyData(r, reading)
}

// charted returns the limits the history shows: every limit with a
// ceiling or a freeze, in treaty order.
func charted(t *treaty.Treaty) []treaty.Limit {
	var out []treaty.Limit
	for _, l := range t.Limits {
		if l.Ceiling != nil || !l.Baseline.IsZero() {
			out = append(out, l)
		}
	}
	return out
}

// computeHistory counts every party on every date the history shows,
// under reading, and draws the charts (historyData caches it).
func (d *Dashboard) computeHistory(r *http.Request, reading string) (*historyData, error) {
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
	data := &historyData{Reading: reading, Parties: t.Parties, Dates: len(dates), Limits: charted(t)}
	values := map[string]map[string]*series{} // by limit, by party
	ceilings := map[string]map[string]int{}   // a freeze's ceiling, by limit, by party
	for _, day := range dates {
		res, err := engine.Evaluate(t, day, reading, decls[day])
		if err != nil {
			return nil, err
		}
		row := historyRow{Date: day}
		for _, p := range t.Parties {
			_, current := factsheet.Current(t, stated[p.ID], day)
			interpolated := d.src.Interpolated(p.ID, day)
			pr := partyResult(res, p.ID)
			for _, l := range data.Limits {
				c := historyCell{Party: p.ID, Limit: l.ID, Anchor: limitAnchor(l.ID), Binds: l.Binds(p.ID)}
				if lr := limitResult(pr, l.ID); current && lr != nil && lr.Verdict != engine.NoData {
					c.Value, c.Known, c.Verdict, c.Interpolated = lr.Value, true, lr.Verdict, interpolated
					data.Interpolated = data.Interpolated || interpolated
					s := seriesOf(values, l.ID, p.ID)
					s.add(day, lr.Value, interpolated)
					if l.Ceiling == nil {
						setCeiling(ceilings, l.ID, p.ID, lr.Limit)
					}
				}
				row.Cells = append(row.Cells, c)
			}
		}
		data.Rows = append(data.Rows, row)
	}
	l, _ := langOf(r)
	if err := d.drawCharts(l, data, dates, until, values, ceilings); err != nil {
		return nil, err
	}
	slices.Reverse(data.Rows) // the table reads newest first
	return data, nil
}

// drawCharts draws one chart per limit, with every party the limit
// binds, its words in l.
func (d *Dashboard) drawCharts(l *i18n.Lang, data *historyData, dates []treaty.Date, until treaty.Date, values map[string]map[string]*series, ceilings map[string]map[string]int) error {
	t := d.src.Treaty()
	partyIndex, names := map[string]int{}, map[string]string{}
	for i, p := range t.Parties {
		partyIndex[p.ID], names[p.ID] = i, p.Name
	}
	var marks []mark
	if len(dates) > 0 {
		marks = marksOf(t, dates[0], until)
	}
	for _, lim := range data.Limits {
		if data.Effective.IsZero() || lim.Effective.Before(data.Effective) {
			data.Effective = lim.Effective
		}
		spec := chartSpec{Limit: lim, Ticks: dates, Marks: marks, Until: lastMark(marks), PartyIndex: partyIndex, YLabel: yLabel(lim), Ceilings: ceilings[lim.ID], Lang: l, Names: names}
		for _, p := range t.Parties {
			if s := values[lim.ID][p.ID]; s != nil {
				spec.Series = append(spec.Series, *s)
			}
		}
		fig, err := chartSVG(spec)
		if err != nil {
			return err
		}
		fig.ID, fig.Title = lim.ID, lim.Name
		data.Charts = append(data.Charts, chartView{Limit: lim, Anchor: limitAnchor(lim.ID), YLabel: spec.YLabel, SVG: fig.SVG, Marks: marks, figure: fig})
	}
	return nil
}

// lastMark returns the date of the last mark, or zero.
func lastMark(ms []mark) treaty.Date {
	if len(ms) == 0 {
		return treaty.Date{}
	}
	return ms[len(ms)-1].Date
}

// yLabel names what a limit counts, for its chart's value axis.
func yLabel(l treaty.Limit) string {
	for _, r := range l.Count {
		if r.Measure == "warheads" || strings.Contains(r.Category, "warhead") {
			return "Warheads"
		}
	}
	return "Missiles, launchers and bombers"
}

func setCeiling(m map[string]map[string]int, limit, party string, v int) {
	if m[limit] == nil {
		m[limit] = map[string]int{}
	}
	m[limit][party] = v
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

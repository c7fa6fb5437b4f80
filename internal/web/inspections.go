package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-analyze/charts/chartdraw"

	"accord/internal/confidence"
	"accord/internal/i18n"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// DefaultMisdeclared is the share of items, in percent, whose
// misdeclaration the confidence chart weighs unless ?misdeclared= says
// otherwise.
const DefaultMisdeclared = 5.0

// rvCategory is the category of the confidence chart: the warheads on
// deployed missiles, sampled by reentry-vehicle inspections.
const rvCategory = "warheads per deployed missile"

type inspectionsData struct {
	Year        treaty.Date   // the first day of the treaty year shown
	Years       []treaty.Date // every treaty year with a report
	KnownAt     time.Time
	Misdeclared float64 // percent
	Quotas      []quotaView
	Inspections []inspectionView
	Exhibitions []registry.Exhibition
	Confidence  []campaignView
}

// A quotaView is one party's use of one inspection type in the year.
type quotaView struct {
	Party   string
	Type    string
	Used    int
	PerYear int
}

// An inspectionView is one inspection of the year.
type inspectionView struct {
	registry.Inspection
	Start, End treaty.Date // the first step's and the report's effective dates
}

// A campaignView is one inspected party's confidence campaign, to the
// end of the year shown.
type campaignView struct {
	Party treaty.Party
	Index int
	Steps []confidence.Step // in the year shown
	Final float64           // after the last inspection to the end of the year
	Count int               // inspections in the campaign to the end of the year
	SVG   template.HTML
	// figure is the chart, on the first campaign only: every party's line.
	figure *figure
}

func (d *Dashboard) inspections(r *http.Request) (*view, error) {
	t := d.src.Treaty()
	now := d.src.Now()
	pct, err := percentParam(r, "misdeclared", DefaultMisdeclared)
	if err != nil {
		return nil, err
	}
	all, err := inspectionsOf(d.src.Registry()).read(r.Context(), d.counts, d.src)
	if err != nil {
		return nil, err
	}
	data := &inspectionsData{KnownAt: now, Misdeclared: pct, Years: yearsOf(t, all)}
	if data.Year, err = yearParam(r, t, data.Years, now); err != nil {
		return nil, err
	}
	if err := d.fillInspections(r.Context(), data, all); err != nil {
		return nil, err
	}
	q := params("year", strconv.Itoa(data.Year.Year()), "misdeclared", strconv.FormatFloat(pct, 'f', -1, 64))
	v := &view{Page: "inspections", Title: "Inspections", Query: q, Data: data, Tables: data.tables}
	if len(data.Confidence) > 0 && data.Confidence[0].figure != nil {
		f := *data.Confidence[0].figure
		f.ID = "confidence"
		f.Title = "Probability that a misdeclaration of " + strconv.FormatFloat(pct, 'f', -1, 64) + "% of the deployed missiles' warhead loadings would have been found"
		v.Figures = append(v.Figures, f)
	}
	return v, nil
}

// tables are the year's quotas, confidence campaigns, inspections and
// exhibitions.
func (in *inspectionsData) tables() []*table {
	year := in.Year
	qs := newTable("quotas", txt("treaty_year"), txt("party"), txt("inspection_type"), num("used"), num("quota"))
	for _, q := range in.Quotas {
		qs.add(year, q.Party, q.Type, q.Used, q.PerYear)
	}
	cs := newTable("campaign", txt("inspected"), txt("report"), num("N"), num("k"), num("n"), num("detect"), num("so_far"), txt("misdeclared_percent"))
	for _, c := range in.Confidence {
		for _, st := range c.Steps {
			cs.add(c.Party.ID, st.Date, st.Population, st.Misdeclared, st.Sample, st.Detect, st.CategoryCumulative, in.Misdeclared)
		}
	}
	is := newTable("inspections", txt("inspection_type"), txt("inspecting"), txt("inspected"), txt("facility"), txt("facility_type"), txt("start"), txt("end"), txt("designated"), txt("confirmed"), txt("steps"), txt("countersigned"), txt("findings"), txt("report"))
	for _, v := range in.Inspections {
		is.add(v.Type, v.Inspecting, v.Inspected, v.Facility, v.FacilityType, v.Start, v.End, v.Designated, v.Confirmed, len(v.Steps), len(v.Countersigned), len(v.Findings), v.Report)
	}
	xs := newTable("exhibitions", txt("effective"), txt("exhibition"), txt("party"), txt("item_type"), txt("place"), txt("entry"))
	for _, x := range in.Exhibitions {
		xs.add(x.Effective, x.Exhibition, x.Party, x.ItemType, x.Place, x.Entry)
	}
	return []*table{qs, cs, is, xs}
}

// An inspectionCache keeps the inspections the treaty database
// assembles from the reports, which takes seconds on a full database
// (every step is read back), under the counter's key: an entry ingested
// or a new day empties it. Every dashboard over one treaty database
// shares its cache (inspectionsOf): a node has one database, so the
// caches a process keeps are as many as the databases it opened.
type inspectionCache struct {
	mu  sync.Mutex
	key string
	all []registry.Inspection
}

// caches holds the inspection cache of each treaty database.
var caches sync.Map // *registry.Registry → *inspectionCache

// inspectionsOf returns the inspection cache of reg.
func inspectionsOf(reg *registry.Registry) *inspectionCache {
	c, _ := caches.LoadOrStore(reg, &inspectionCache{})
	return c.(*inspectionCache)
}

// read returns every inspection as known now.
func (c *inspectionCache) read(ctx context.Context, counts *counter, src NodeView) ([]registry.Inspection, error) {
	key, now, err := counts.state(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == key {
		return c.all, nil
	}
	all, err := src.Registry().Inspections(ctx, "", now)
	if err != nil {
		return nil, err
	}
	c.key, c.all = key, all
	return all, nil
}

// fillInspections fills the year's quotas, inspections, exhibitions and
// the confidence campaigns from all the reports.
func (d *Dashboard) fillInspections(ctx context.Context, data *inspectionsData, all []registry.Inspection) error {
	t := d.src.Treaty()
	used := map[[2]string]int{}
	for _, in := range all {
		v := inspectionOf(in)
		if t.YearOf(v.Start) == data.Year {
			data.Inspections = append(data.Inspections, v)
			used[[2]string{in.Inspecting, in.Type}]++
		}
	}
	for _, p := range t.Parties {
		for _, it := range t.Inspections {
			data.Quotas = append(data.Quotas, quotaView{Party: p.ID, Type: it.ID, Used: used[[2]string{p.ID, it.ID}], PerYear: it.PerYear})
		}
	}
	xs, err := d.src.Registry().Exhibitions(ctx, "", data.KnownAt)
	if err != nil {
		return err
	}
	for _, x := range xs {
		if t.YearOf(x.Effective) == data.Year {
			data.Exhibitions = append(data.Exhibitions, x)
		}
	}
	data.Confidence, err = campaigns(t, all, data.Year.Add(treaty.Period{Years: 1}), data.Misdeclared)
	return err
}

// inspectionOf dates an inspection by its steps.
func inspectionOf(in registry.Inspection) inspectionView {
	v := inspectionView{Inspection: in}
	for _, st := range in.Steps {
		if v.Start.IsZero() || st.Effective.Before(v.Start) {
			v.Start = st.Effective
		}
		if st.Step == treaty.StepReport {
			v.End = st.Effective
		}
	}
	return v
}

// yearsOf returns the treaty years with a report, in order.
func yearsOf(t *treaty.Treaty, all []registry.Inspection) []treaty.Date {
	seen := map[treaty.Date]bool{}
	var out []treaty.Date
	for _, in := range all {
		if y := t.YearOf(inspectionOf(in).Start); !seen[y] {
			seen[y] = true
			out = append(out, y)
		}
	}
	slices.SortFunc(out, treaty.Date.Compare)
	return out
}

// yearParam reads ?year=YYYY, the treaty year that begins in YYYY;
// by default the last year with a report, or the year of now.
func yearParam(r *http.Request, t *treaty.Treaty, years []treaty.Date, now time.Time) (treaty.Date, error) {
	s := strings.TrimSpace(r.URL.Query().Get("year"))
	eif := t.Dates.EntryIntoForce
	if s == "" {
		if len(years) > 0 {
			return years[len(years)-1], nil
		}
		return t.YearOf(treaty.DateOf(now)), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || eif.IsZero() || y < eif.Year() || y > eif.Year()+1000 {
		return treaty.Date{}, badRequest("year %q is not a treaty year of %s: a year from %d, the treaty year that begins in it", s, t.ID, eif.Year())
	}
	return eif.Add(treaty.Period{Years: y - eif.Year()}), nil
}

// percentParam reads a percentage in (0, 100], or def if absent.
func percentParam(r *http.Request, name string, def float64) (float64, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0 && v <= 100) {
		return 0, badRequest("%s %q is not a percentage above 0 and at most 100", name, s)
	}
	return v, nil
}

// campaigns returns, for each inspected party, the confidence campaign
// of the reentry-vehicle inspections of it before end (rvSamples), with
// the steps of end's treaty year, and draws the chart.
func campaigns(t *treaty.Treaty, all []registry.Inspection, end treaty.Date, pct float64) ([]campaignView, error) {
	var out []campaignView
	for i, p := range t.Parties {
		steps, err := confidence.Campaign(rvSamples(all, p.ID, end, pct))
		if err != nil {
			return nil, fmt.Errorf("confidence of the inspections of %s: %w", p.ID, err)
		}
		cv := campaignView{Party: p, Index: i, Count: len(steps)}
		if len(steps) > 0 {
			cv.Final = steps[len(steps)-1].CategoryCumulative
		}
		for _, st := range steps {
			if t.YearOf(st.Date) == t.YearOf(end.AddDays(-1)) {
				cv.Steps = append(cv.Steps, st)
			}
		}
		out = append(out, cv)
	}
	return out, drawConfidence(out, all, t, end, pct)
}

// rvSamples returns the reentry-vehicle inspections of party reported
// before end as samples: one missile (n = 1, the one designated) from
// the N the briefing states at the base, of which k = ⌈pct·N/100⌉ would
// be misdeclared.
func rvSamples(all []registry.Inspection, party string, end treaty.Date, pct float64) []confidence.Inspection {
	var out []confidence.Inspection
	for _, in := range all {
		v := inspectionOf(in)
		if in.Inspected == party && in.Designated != "" && v.End.Before(end) && len(in.Briefed) > 0 {
			n := len(in.Briefed)
			out = append(out, confidence.Inspection{Date: v.End, Category: rvCategory, Population: n, Misdeclared: misdeclared(n, pct), Sample: 1})
		}
	}
	return out
}

// misdeclared is ⌈pct·n/100⌉: at least one item when pct > 0.
func misdeclared(n int, pct float64) int {
	return min(n, int(math.Ceil(pct*float64(n)/100-1e-9)))
}

// drawConfidence draws one chart of every party's cumulative probability
// of detection, in percent, over time, into the first view that has a
// campaign (the page shows it once).
func drawConfidence(cs []campaignView, all []registry.Inspection, t *treaty.Treaty, end treaty.Date, pct float64) error {
	var series []chartdraw.Series
	var first treaty.Date
	var desc []string
	for _, c := range cs {
		pts, err := cumulative(t, all, c.Party.ID, end, pct)
		if err != nil {
			return err
		}
		if len(pts.XValues) == 0 {
			continue
		}
		if d := treaty.DateOf(pts.XValues[0]); first.IsZero() || d.Before(first) {
			first = d
		}
		color := partyColors[c.Index%len(partyColors)]
		pts.Name, pts.YAxis = c.Party.ID, chartdraw.YAxisSecondary
		pts.Style = chartdraw.Style{StrokeColor: color, StrokeWidth: 2, StrokeDashArray: partyDashes[c.Index%len(partyDashes)], DotColor: color, DotWidth: 2}
		series = append(series, pts)
		last := pts.YValues[len(pts.YValues)-1]
		desc = append(desc, fmt.Sprintf("%s: %.1f%% after %d inspections.", c.Party.Name, last, len(pts.YValues)))
	}
	if len(series) == 0 {
		return nil
	}
	ticks := yearTicks(first, end)
	lo, hi := ticks[0].Time(), ticks[len(ticks)-1].Time()
	var labels []chartdraw.Tick
	for _, d := range ticks {
		labels = append(labels, chartdraw.Tick{Value: float64(d.Time().UnixNano()), Label: d.Time().Format("Jan 2006")})
	}
	a := chartText{ID: "svg-confidence", Title: "Chart of each party's cumulative probability of detection, in percent, over time.", Desc: strings.Join(desc, " ")}
	fig, err := drawChart(i18n.English(), a, "Probability of detection (%)", labels, gridLines(ticks), lo, hi, 0, 100, series)
	cs[0].SVG, cs[0].figure = fig.SVG, &fig
	return err
}

// cumulative returns the party's cumulative probability, in percent,
// after each of its reentry-vehicle inspections before end.
func cumulative(t *treaty.Treaty, all []registry.Inspection, party string, end treaty.Date, pct float64) (chartdraw.TimeSeries, error) {
	steps, err := confidence.Campaign(rvSamples(all, party, end, pct))
	var ts chartdraw.TimeSeries
	for _, st := range steps {
		ts.XValues, ts.YValues = append(ts.XValues, st.Date.Time()), append(ts.YValues, 100*st.CategoryCumulative)
	}
	return ts, err
}

// yearTicks returns the first day of every year from from's to the one
// after end's.
func yearTicks(from, end treaty.Date) []treaty.Date {
	var out []treaty.Date
	for y := from.Year(); y <= end.Year()+1 && len(out) < 1000; y++ {
		out = append(out, treaty.DateOf(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
	return out
}

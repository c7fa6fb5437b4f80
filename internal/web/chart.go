package web

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-analyze/charts/chartdraw"
	"github.com/go-analyze/charts/chartdraw/drawing"

	"accord/internal/factsheet"
	"accord/internal/i18n"
	"accord/internal/treaty"
)

// Chart geometry, in SVG units; the charts scale to the page's width.
const (
	chartWidth  = 960
	chartHeight = 320
)

// partyColors are the lines of each party, in treaty order: dark blue and
// dark red as the State Department's charts, then colours distinct in
// grey print.
var partyColors = []drawing.Color{
	{R: 0x1f, G: 0x4e, B: 0x8c, A: 255},
	{R: 0xb2, G: 0x22, B: 0x22, A: 255},
	{R: 0x2e, G: 0x7d, B: 0x32, A: 255},
	{R: 0x6a, G: 0x1b, B: 0x9a, A: 255},
}

// partyDashes are the lines of each party, in treaty order, so that they
// differ in grey print and to a reader who cannot tell the colours
// apart: solid, long dashes, short dashes, dash-dot. The legend's
// swatches (style.css, .swatch.party-N) draw the same.
var partyDashes = [][]float64{nil, {10, 4}, {3, 3}, {10, 3, 2, 3}}

var (
	inkColor   = drawing.Color{R: 0x1b, G: 0x1f, B: 0x24, A: 255}
	muteColor  = drawing.Color{R: 0x57, G: 0x60, B: 0x6a, A: 255}
	gridColor  = drawing.Color{R: 0xd8, G: 0xdd, B: 0xe3, A: 255}
	limitColor = drawing.Color{R: 0x1b, G: 0x1f, B: 0x24, A: 255}
	markColor  = drawing.Color{R: 0xb0, G: 0x6d, B: 0x00, A: 255}
	eventColor = drawing.Color{R: 0x00, G: 0x6d, B: 0x77, A: 255} // a colour of its own, to find the marks
	white      = drawing.Color{R: 255, G: 255, B: 255, A: 255}
	hollowFill = drawing.Color{R: 254, G: 254, B: 254, A: 255} // the centre of a hollow marker, not the background's white
)

// A series is one party's values of one limit on the dates it had data;
// Interpolated marks the values that are not stated figures.
type series struct {
	Party        string
	Dates        []treaty.Date
	Values       []int
	Interpolated []bool
}

func (s *series) add(d treaty.Date, v int, interpolated bool) {
	s.Dates, s.Values, s.Interpolated = append(s.Dates, d), append(s.Values, v), append(s.Interpolated, interpolated)
}

// A mark is an event of the treaty marked on every chart by a numbered
// vertical line: a pause of inspections, an extension, a suspension.
type mark struct {
	N           int
	Date        treaty.Date
	Party, What string
	Note, Cite  string
}

// Label is what the chart writes next to the mark's line.
func (m mark) Label() string { return strconv.Itoa(m.N) }

// marksOf returns the treaty's events and agreed extensions from from to
// to, in date order, numbered from 1: they come from the treaty's
// definition, so that a corrected date there moves the mark.
func marksOf(t *treaty.Treaty, from, to treaty.Date) []mark {
	var out []mark
	for _, e := range t.Events {
		out = append(out, mark{Date: e.Date, Party: e.Party, What: strings.ReplaceAll(e.Kind, "_", " "), Note: e.Note, Cite: e.Cite})
	}
	for _, x := range t.Dates.Extensions {
		out = append(out, mark{Date: x.Agreed, What: "extension by " + x.Period.String(), Note: "The parties agreed to extend the treaty by " + x.Period.String() + ".", Cite: x.Cite})
	}
	out = slices.DeleteFunc(out, func(m mark) bool { return m.Date.Before(from) || m.Date.After(to) })
	slices.SortStableFunc(out, func(a, b mark) int { return a.Date.Compare(b.Date) })
	for i := range out {
		out[i].N = i + 1
	}
	return out
}

// A chartSpec is everything one limit's chart shows.
type chartSpec struct {
	Limit  treaty.Limit
	YLabel string
	Ticks  []treaty.Date // the dates with data, each a tick
	Until  treaty.Date   // the last day drawn: the last event marked, if after the last tick
	Series []series
	// Ceilings are, for a freeze, each party's own ceiling.
	Ceilings   map[string]int
	Marks      []mark
	PartyIndex map[string]int
	Lang       *i18n.Lang
	Names      map[string]string // each party's name, for the chart's description
}

func (s chartSpec) color(party string) drawing.Color {
	return partyColors[s.PartyIndex[party]%len(partyColors)]
}

func (s chartSpec) dashes(party string) []float64 {
	return partyDashes[s.PartyIndex[party]%len(partyDashes)]
}

// text is what a screen reader announces of the chart: what it shows,
// and for each party its latest and first values.
func (s chartSpec) text() chartText {
	l, name := s.Lang, s.Lang.Term(s.Limit.Name)
	a := chartText{ID: "svg-" + s.Limit.ID, Title: l.T("Chart of %s: %s over time against the limit.", name, translated(l, s.YLabel))}
	var desc []string
	for _, sr := range s.Series {
		n := len(sr.Values) - 1
		desc = append(desc, l.T("%s: %s on %s, from %s on %s; %d values.", l.Term(s.Names[sr.Party]),
			l.Num(int64(sr.Values[n])), l.Date(sr.Dates[n].Time()), l.Num(int64(sr.Values[0])), l.Date(sr.Dates[0].Time()), n+1))
	}
	if s.Limit.Ceiling != nil {
		desc = append(desc, l.T("Limit %s from %s.", l.Num(int64(*s.Limit.Ceiling)), l.Date(s.Limit.Effective.Time())))
	} else {
		desc = append(desc, l.T("Each party's own freeze baseline."))
	}
	a.Desc = strings.Join(desc, " ")
	return a
}

// chartSVG draws one limit's values over time (its legend is the page's,
// in HTML, with the list of the numbered events): a line per party with a
// dot per value (hollow where the value is interpolated), the ceiling as
// a dashed line from the date it takes effect (for a freeze, one per
// party in its colour), a vertical marker on that date, a numbered
// dotted line on each event of the treaty, and a tick on every
// data-exchange date.
func chartSVG(s chartSpec) (figure, error) {
	if len(s.Ticks) == 0 {
		return figure{}, nil
	}
	if s.Lang == nil {
		s.Lang = i18n.English()
	}
	last := s.Ticks[len(s.Ticks)-1]
	if s.Until.After(last) {
		last = s.Until
	}
	lo, hi := s.Ticks[0].Time().AddDate(0, -2, 0), last.Time().AddDate(0, 2, 0)
	top := 0.0
	var out []chartdraw.Series
	for _, sr := range s.Series {
		ts, hollow, max := s.partySeries(sr)
		top = math.Max(top, max)
		out = append(out, ts...)
		out = append(out, hollow...)
	}
	limits, max := s.ceilingSeries(hi)
	top = niceCeil(math.Max(top, max) * 1.12)
	out = append(out, limits...)
	out = append(out, s.effectiveSeries(top)...)
	out = append(out, s.markSeries(top)...)
	return drawChart(s.Lang, s.text(), translated(s.Lang, s.YLabel), timeTicks(s.Lang, s.Ticks), gridLines(s.Ticks), lo, hi, 0, top, out)
}

// chartText is what a screen reader announces of a chart: the SVG's
// <title> and <desc>, by which role="img" and aria-labelledby name it.
// ID is unique on the page.
type chartText struct{ ID, Title, Desc string }

// accessible gives svg, as the renderer writes it, a role, a title and
// a description that name it to a screen reader.
func accessible(svg string, a chartText) string {
	open, rest, ok := strings.Cut(svg, ">")
	if !ok {
		return svg
	}
	esc := template.HTMLEscapeString
	return open + ` role="img" aria-labelledby="` + a.ID + `-title ` + a.ID + `-desc">` +
		`<title id="` + a.ID + `-title">` + esc(a.Title) + `</title><desc id="` + a.ID + `-desc">` + esc(a.Desc) + `</desc>` + rest
}

// renderChart draws series over time from lo to hi, with ticks and grid
// lines (chartdraw spans the time axis over the ticks) and a value axis
// from bottom to top on the left, its numbers in l, and returns the SVG
// with presentation attributes in place of style attributes, named by
// a to a screen reader.
func renderChart(l *i18n.Lang, a chartText, yLabel string, ticks []chartdraw.Tick, grid []chartdraw.GridLine, lo, hi time.Time, bottom, top float64, series []chartdraw.Series) (template.HTML, error) {
	f, err := drawChart(l, a, yLabel, ticks, grid, lo, hi, bottom, top, series)
	return f.SVG, err
}

// drawChart draws the chart renderChart does, and keeps it to be drawn
// again as PNG.
func drawChart(l *i18n.Lang, a chartText, yLabel string, ticks []chartdraw.Tick, grid []chartdraw.GridLine, lo, hi time.Time, bottom, top float64, series []chartdraw.Series) (figure, error) {
	c := &chartdraw.Chart{
		Width: chartWidth, Height: chartHeight,
		Background: chartdraw.Style{Padding: chartdraw.Box{Top: 28, Left: 16, Right: 24, Bottom: 12, IsSet: true}},
		XAxis: chartdraw.XAxis{
			Range: &chartdraw.ContinuousRange{Min: float64(lo.UnixNano()), Max: float64(hi.UnixNano())},
			Ticks: ticks,
			Style: chartdraw.Style{StrokeColor: muteColor, StrokeWidth: 1,
				FontStyle: chartdraw.FontStyle{FontSize: 9, FontColor: muteColor}, TextRotationDegrees: 45},
			GridMajorStyle: chartdraw.Style{StrokeColor: gridColor, StrokeWidth: 0.5},
			GridLines:      grid,
		},
		// The value axis is on the left, as the State Department draws it:
		// chartdraw's secondary axis.
		YAxis: chartdraw.YAxis{Style: chartdraw.Style{Hidden: true}, Range: &chartdraw.ContinuousRange{Min: bottom, Max: top}},
		YAxisSecondary: chartdraw.YAxis{
			Name:           yLabel,
			NameStyle:      chartdraw.Style{FontStyle: chartdraw.FontStyle{FontSize: 9, FontColor: inkColor}},
			Range:          &chartdraw.ContinuousRange{Min: bottom, Max: top},
			ValueFormatter: func(v any) string { f, _ := v.(float64); return l.Num(int64(math.Round(f))) },
			Style:          chartdraw.Style{StrokeColor: muteColor, StrokeWidth: 1, FontStyle: chartdraw.FontStyle{FontSize: 9, FontColor: muteColor}},
			GridMajorStyle: chartdraw.Style{StrokeColor: gridColor, StrokeWidth: 0.5},
		},
		Series: series,
	}
	var b bytes.Buffer
	if err := c.Render(chartdraw.SVG, &b); err != nil {
		return figure{}, fmt.Errorf("drawing %s: %w", a.ID, err)
	}
	// The SVG is drawn here, from numbers and treaty text that the
	// renderer escapes, and accessible escapes what it adds.
	return figure{SVG: template.HTML(accessible(presentational(b.String()), a)), chart: c}, nil
}

// styleAttr is a style attribute of the renderer's SVG.
var styleAttr = regexp.MustCompile(`style="([^"]*)"`)

// presentational turns every style attribute of svg into SVG
// presentation attributes (style="stroke:red;fill:none" into stroke="red"
// fill="none"), which the dashboard's Content-Security-Policy allows
// without 'unsafe-inline': the renderer writes only presentation
// properties (stroke, fill, stroke-width, stroke-dasharray, font-size,
// font-family) into them.
func presentational(svg string) string {
	return styleAttr.ReplaceAllStringFunc(svg, func(attr string) string {
		var out []string
		for decl := range strings.SplitSeq(styleAttr.FindStringSubmatch(attr)[1], ";") {
			k, v, ok := strings.Cut(decl, ":")
			if k = strings.TrimSpace(k); ok && k != "" {
				out = append(out, k+`="`+strings.TrimSpace(v)+`"`)
			}
		}
		return strings.Join(out, " ")
	})
}

// partySeries returns a party's line with its dots, the hollow markers
// of its interpolated values, and its highest value.
func (s chartSpec) partySeries(sr series) (line, hollow []chartdraw.Series, top float64) {
	col := s.color(sr.Party)
	ts := chartdraw.TimeSeries{Name: sr.Party, YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{
		StrokeColor: col, StrokeWidth: 2.5, StrokeDashArray: s.dashes(sr.Party), DotColor: col, DotWidth: 3,
	}}
	var outer, inner chartdraw.TimeSeries
	for i, d := range sr.Dates {
		x, y := d.Time(), float64(sr.Values[i])
		ts.XValues, ts.YValues = append(ts.XValues, x), append(ts.YValues, y)
		top = math.Max(top, y)
		if sr.Interpolated[i] {
			outer.XValues, outer.YValues = append(outer.XValues, x), append(outer.YValues, y)
		}
	}
	if len(ts.XValues) == 1 { // a line needs two points
		ts.XValues, ts.YValues = append(ts.XValues, ts.XValues[0]), append(ts.YValues, ts.YValues[0])
	}
	if len(ts.XValues) == 0 {
		return nil, nil, 0
	}
	line = []chartdraw.Series{ts}
	if len(outer.XValues) > 0 {
		// A hollow marker: a ring in the party's colour, its centre white.
		inner.XValues, inner.YValues = outer.XValues, outer.YValues
		outer.Style = chartdraw.Style{DotColor: col, DotWidth: 5}
		inner.Style = chartdraw.Style{DotColor: hollowFill, DotWidth: 3}
		outer.Name, inner.Name = sr.Party+" (interpolated)", ""
		outer.YAxis, inner.YAxis = chartdraw.YAxisSecondary, chartdraw.YAxisSecondary
		hollow = []chartdraw.Series{outer, inner}
	}
	return line, hollow, top
}

// ceilingSeries returns the dashed ceiling lines and the highest.
func (s chartSpec) ceilingSeries(hi time.Time) ([]chartdraw.Series, float64) {
	l := s.Limit
	if l.Effective.IsZero() {
		return nil, 0
	}
	dashed := func(name string, col drawing.Color, v float64) chartdraw.Series {
		return chartdraw.TimeSeries{Name: name, YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: col, StrokeWidth: 1.5, StrokeDashArray: []float64{6, 4}},
			XValues: []time.Time{l.Effective.Time(), hi}, YValues: []float64{v, v}}
	}
	if l.Ceiling != nil {
		return []chartdraw.Series{dashed("Limit "+factsheet.Thousands(*l.Ceiling), limitColor, float64(*l.Ceiling))}, float64(*l.Ceiling)
	}
	var out []chartdraw.Series
	top := 0.0
	for _, sr := range s.Series {
		if v, ok := s.Ceilings[sr.Party]; ok {
			out = append(out, dashed(sr.Party+" freeze "+factsheet.Thousands(v), s.color(sr.Party), float64(v)))
			top = math.Max(top, float64(v))
		}
	}
	return out, top
}

// effectiveSeries marks the day the limit takes effect.
func (s chartSpec) effectiveSeries(top float64) []chartdraw.Series {
	e := s.Limit.Effective
	if e.IsZero() || e.Before(s.Ticks[0]) || e.Equal(s.Ticks[0]) {
		return nil
	}
	return []chartdraw.Series{chartdraw.TimeSeries{Name: "Limits in effect " + factsheet.LongDate(e), YAxis: chartdraw.YAxisSecondary,
		Style:   chartdraw.Style{StrokeColor: markColor, StrokeWidth: 1.5, StrokeDashArray: []float64{2, 3}},
		XValues: []time.Time{e.Time(), e.Time()}, YValues: []float64{0, top}}}
}

// markSeries draws each event as a dotted vertical line numbered at its
// top; the page lists what each number is.
func (s chartSpec) markSeries(top float64) []chartdraw.Series {
	if len(s.Marks) == 0 {
		return nil
	}
	labels := chartdraw.AnnotationSeries{YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{
		StrokeColor: eventColor, FillColor: white, FontStyle: chartdraw.FontStyle{FontSize: 8, FontColor: inkColor}, StrokeWidth: 1}}
	var out []chartdraw.Series
	for i, m := range s.Marks {
		// Labels step down in threes, so that close events stay legible.
		y := top * (0.95 - 0.08*float64(i%3))
		x := float64(m.Date.Time().UnixNano())
		out = append(out, chartdraw.TimeSeries{YAxis: chartdraw.YAxisSecondary,
			Style:   chartdraw.Style{StrokeColor: eventColor, StrokeWidth: 1, StrokeDashArray: []float64{1, 2}},
			XValues: []time.Time{m.Date.Time(), m.Date.Time()}, YValues: []float64{0, y}})
		labels.Annotations = append(labels.Annotations, chartdraw.Value2{XValue: x, YValue: y, Label: m.Label()})
	}
	return append(out, labels)
}

// timeTicks labels each date, except one within 45 days of the next:
// the day the limits took effect falls just before a data exchange.
func timeTicks(l *i18n.Lang, ds []treaty.Date) []chartdraw.Tick {
	var out []chartdraw.Tick
	for i, d := range ds {
		if i+1 < len(ds) && ds[i+1].Before(d.AddDays(45)) {
			continue
		}
		out = append(out, chartdraw.Tick{Value: float64(d.Time().UnixNano()), Label: l.MonthYear(d.Time())})
	}
	return out
}

func gridLines(ds []treaty.Date) []chartdraw.GridLine {
	var out []chartdraw.GridLine
	for _, d := range ds {
		out = append(out, chartdraw.GridLine{Value: float64(d.Time().UnixNano())})
	}
	return out
}

// niceCeil rounds v up to a round number for the top of an axis.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	step := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*step >= v {
			return m * step
		}
	}
	return 10 * step
}

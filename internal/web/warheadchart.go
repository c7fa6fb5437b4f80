package web

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/go-analyze/charts/chartdraw"
	"github.com/go-analyze/charts/chartdraw/drawing"

	"accord/internal/i18n"
	"accord/internal/treaty"
)

var (
	breachColor = drawing.Color{R: 0xb4, G: 0x23, B: 0x18, A: 255}
	windowFill  = drawing.Color{R: 0xb0, G: 0x6d, B: 0x00, A: 0x1f} // the freeze in force: a light band
	noLine      = drawing.Color{R: 255, G: 255, B: 255, A: 0}       // no line: a series of dots only
)

// A freezeSpec is everything one party's freeze chart shows.
type freezeSpec struct {
	Lang   *i18n.Lang // the language of its title and description; nil: English
	Freeze freezeView
	Party  string
	Color  drawing.Color
	Events []eventView
}

// A freezePoint is the party's value under the freeze after one event.
type freezePoint struct {
	Date   treaty.Date
	Value  float64
	Breach bool
	Label  string
}

// points returns the value after each event that has one, in date order.
func (s freezeSpec) points() []freezePoint {
	var out []freezePoint
	for _, ev := range s.Events {
		if p := pointOf(ev.WarheadEvent, s.Freeze.Limit.ID); p != nil {
			label := fmt.Sprintf("breach, %s#%d", partyOf(ev.Entry.Origin), ev.Entry.Index)
			out = append(out, freezePoint{Date: ev.Effective, Value: float64(p.Value), Breach: p.Breach, Label: label})
		}
	}
	return out
}

// freezeChartSVG draws a party's value under a freeze after each of its
// warhead events, as a step line with a dot per event; the baseline as a
// dashed line from the baseline date; the freeze's in-force window as a
// shaded band; and each breach as a ring labelled with its entry. It
// returns "" when the party has no event, and the value the axis starts
// at.
func freezeChartSVG(s freezeSpec) (figure, int64, error) {
	pts := s.points()
	if len(pts) == 0 {
		return figure{}, 0, nil
	}
	f := s.Freeze
	dates := []treaty.Date{f.Limit.Baseline}
	values := []float64{}
	for _, p := range pts {
		dates, values = append(dates, p.Date), append(values, p.Value)
	}
	if f.Baseline != nil {
		values = append(values, float64(*f.Baseline))
	}
	bottom, top := valueRange(slices.Min(values), slices.Max(values))
	dates = append(dates, slices.DeleteFunc([]treaty.Date{f.From, f.Until}, treaty.Date.IsZero)...)
	slices.SortFunc(dates, treaty.Date.Compare)
	ticks := quarters(dates[0], dates[len(dates)-1])
	lo, hi := ticks[0].Time(), ticks[len(ticks)-1].Time()
	var out []chartdraw.Series
	out = append(out, s.windowSeries(top, hi)...)
	out = append(out, s.baselineSeries(hi)...)
	out = append(out, s.valueSeries(pts, hi)...)
	out = append(out, breachSeries(pts)...)
	var labels []chartdraw.Tick
	for _, d := range ticks {
		labels = append(labels, chartdraw.Tick{Value: float64(d.Time().UnixNano()), Label: d.Time().Format("Jan 2006")})
	}
	fig, err := drawChart(i18n.English(), s.text(pts), "Warheads", labels, gridLines(ticks), lo, hi, bottom, top, out)
	return fig, int64(bottom), err
}

// text is what a screen reader announces of the chart.
func (s freezeSpec) text(pts []freezePoint) chartText {
	l, f := s.Lang, s.Freeze
	if l == nil {
		l = i18n.English()
	}
	first, last := pts[0], pts[len(pts)-1]
	baseline := l.T("no data")
	if f.Baseline != nil {
		baseline = l.Num(*f.Baseline)
	}
	breaches := 0
	for _, p := range pts {
		if p.Breach {
			breaches++
		}
	}
	return chartText{ID: "svg-freeze-" + s.Party + "-" + f.Limit.ID,
		Title: l.T("%s after each warhead event against its freeze baseline.", s.Party+": "+l.Term(f.Limit.Name)),
		Desc: l.T("%d events, from %s on %s to %s on %s; baseline %s; %d breaches.", len(pts), l.Num(int64(first.Value)), l.Date(first.Date.Time()),
			l.Num(int64(last.Value)), l.Date(last.Date.Time()), baseline, breaches)}
}

// valueRange returns the value axis of a freeze chart whose values run
// from lo to hi: close around them, so that a breach of a few warheads
// shows, and not from 0 unless they come near it.
func valueRange(lo, hi float64) (bottom, top float64) {
	pad := math.Max(math.Max((hi-lo)/2, hi*0.02), 5)
	unit := math.Pow(10, math.Floor(math.Log10(pad)))
	return math.Max(0, math.Floor((lo-pad)/unit)*unit), math.Ceil((hi+pad)/unit) * unit
}

// quarters returns the first day of every quarter from the one before
// from's to the one after to's, the time axis of a freeze chart.
func quarters(from, to treaty.Date) []treaty.Date {
	t := from.Time()
	d := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	var out []treaty.Date
	for ; len(out) == 0 || !d.After(to.Time()); d = d.AddDate(0, 3, 0) {
		out = append(out, treaty.DateOf(d))
	}
	return append(out, treaty.DateOf(d))
}

// windowSeries shades the days the freeze is in force.
func (s freezeSpec) windowSeries(top float64, hi time.Time) []chartdraw.Series {
	f := s.Freeze
	if f.From.IsZero() {
		return nil
	}
	end := hi
	if !f.Until.IsZero() {
		end = f.Until.AddDays(1).Time() // to the end of its last day
	}
	return []chartdraw.Series{chartdraw.TimeSeries{Name: "in force", YAxis: chartdraw.YAxisSecondary,
		Style:   chartdraw.Style{StrokeColor: markColor, StrokeWidth: 0.5, FillColor: windowFill},
		XValues: []time.Time{f.From.Time(), end}, YValues: []float64{top, top}}}
}

// baselineSeries draws the baseline, dashed, from the baseline date.
func (s freezeSpec) baselineSeries(hi time.Time) []chartdraw.Series {
	f := s.Freeze
	if f.Baseline == nil {
		return nil
	}
	v := float64(*f.Baseline)
	return []chartdraw.Series{chartdraw.TimeSeries{Name: "baseline", YAxis: chartdraw.YAxisSecondary,
		Style:   chartdraw.Style{StrokeColor: limitColor, StrokeWidth: 1.5, StrokeDashArray: []float64{6, 4}},
		XValues: []time.Time{f.Limit.Baseline.Time(), hi}, YValues: []float64{v, v}}}
}

// valueSeries draws the value as steps (it holds until the next event)
// to the end of the chart, and a dot on each event.
func (s freezeSpec) valueSeries(pts []freezePoint, hi time.Time) []chartdraw.Series {
	line := chartdraw.TimeSeries{Name: s.Party, YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: s.Color, StrokeWidth: 2.5}}
	dots := chartdraw.TimeSeries{Name: s.Party + " events", YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: noLine, StrokeWidth: 1, DotColor: s.Color, DotWidth: 3}}
	for i, p := range pts {
		if i > 0 {
			line.XValues, line.YValues = append(line.XValues, p.Date.Time()), append(line.YValues, pts[i-1].Value)
		}
		line.XValues, line.YValues = append(line.XValues, p.Date.Time()), append(line.YValues, p.Value)
		dots.XValues, dots.YValues = append(dots.XValues, p.Date.Time()), append(dots.YValues, p.Value)
	}
	line.XValues, line.YValues = append(line.XValues, hi), append(line.YValues, pts[len(pts)-1].Value)
	return []chartdraw.Series{line, dots}
}

// breachSeries rings each breach and labels it with its entry.
func breachSeries(pts []freezePoint) []chartdraw.Series {
	outer := chartdraw.TimeSeries{Name: "breach", YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: noLine, StrokeWidth: 1, DotColor: breachColor, DotWidth: 7}}
	inner := chartdraw.TimeSeries{YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: noLine, StrokeWidth: 1, DotColor: hollowFill, DotWidth: 3}}
	labels := chartdraw.AnnotationSeries{YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{
		StrokeColor: breachColor, FillColor: white, FontStyle: chartdraw.FontStyle{FontSize: 8, FontColor: breachColor}, StrokeWidth: 1}}
	for _, p := range pts {
		if !p.Breach {
			continue
		}
		outer.XValues, outer.YValues = append(outer.XValues, p.Date.Time()), append(outer.YValues, p.Value)
		labels.Annotations = append(labels.Annotations, chartdraw.Value2{XValue: float64(p.Date.Time().UnixNano()), YValue: p.Value, Label: p.Label})
	}
	if len(outer.XValues) == 0 {
		return nil
	}
	inner.XValues, inner.YValues = outer.XValues, outer.YValues
	return []chartdraw.Series{outer, inner, labels}
}

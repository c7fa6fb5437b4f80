package web

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"time"

	"github.com/go-analyze/charts/chartdraw"
	"github.com/go-analyze/charts/chartdraw/drawing"

	"accord/internal/factsheet"
	"accord/internal/treaty"
)

// Chart geometry, in SVG units; the charts scale to the page's width.
const (
	chartWidth  = 960
	chartHeight = 300
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

var (
	inkColor   = drawing.Color{R: 0x1b, G: 0x1f, B: 0x24, A: 255}
	muteColor  = drawing.Color{R: 0x57, G: 0x60, B: 0x6a, A: 255}
	gridColor  = drawing.Color{R: 0xd8, G: 0xdd, B: 0xe3, A: 255}
	limitColor = drawing.Color{R: 0x1b, G: 0x1f, B: 0x24, A: 255}
	markColor  = drawing.Color{R: 0xb0, G: 0x6d, B: 0x00, A: 255}
)

// A series is one party's values of one limit on the dates it had data.
type series struct {
	Party  string
	Dates  []treaty.Date
	Values []int
}

// chartSVG draws one limit's values over time: a line per party, the
// ceiling as a dashed line from the date it takes effect, a vertical
// marker on that date, and a tick on every data-exchange date.
func chartSVG(title string, ceiling int, effective treaty.Date, ticks []treaty.Date, ss []series, partyIndex map[string]int) (template.HTML, error) {
	if len(ticks) == 0 {
		return "", nil
	}
	lo, hi := ticks[0].Time().AddDate(0, -2, 0), ticks[len(ticks)-1].Time().AddDate(0, 2, 0)
	top := float64(ceiling)
	var chartSeries []chartdraw.Series
	for _, s := range ss {
		ts := chartdraw.TimeSeries{Name: s.Party, YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{
			StrokeColor: partyColors[partyIndex[s.Party]%len(partyColors)], StrokeWidth: 2.5,
			DotColor: partyColors[partyIndex[s.Party]%len(partyColors)], DotWidth: 3,
		}}
		for i, d := range s.Dates {
			ts.XValues = append(ts.XValues, d.Time())
			ts.YValues = append(ts.YValues, float64(s.Values[i]))
			top = math.Max(top, float64(s.Values[i]))
		}
		if len(ts.XValues) == 1 { // a line needs two points
			ts.XValues, ts.YValues = append(ts.XValues, ts.XValues[0]), append(ts.YValues, ts.YValues[0])
		}
		if len(ts.XValues) > 0 {
			chartSeries = append(chartSeries, ts)
		}
	}
	top = niceCeil(top * 1.08)
	if ceiling > 0 && !effective.IsZero() {
		chartSeries = append(chartSeries,
			chartdraw.TimeSeries{Name: fmt.Sprintf("Limit %s", factsheet.Thousands(ceiling)), YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: limitColor, StrokeWidth: 1.5, StrokeDashArray: []float64{6, 4}},
				XValues: []time.Time{effective.Time(), hi}, YValues: []float64{float64(ceiling), float64(ceiling)}},
			chartdraw.TimeSeries{Name: "Limits in effect " + factsheet.LongDate(effective), YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: markColor, StrokeWidth: 1.5, StrokeDashArray: []float64{2, 3}},
				XValues: []time.Time{effective.Time(), effective.Time()}, YValues: []float64{0, top}})
	}
	c := chartdraw.Chart{
		Title:      title,
		TitleStyle: chartdraw.Style{FontStyle: chartdraw.FontStyle{FontSize: 13, FontColor: inkColor}},
		Width:      chartWidth, Height: chartHeight,
		Background: chartdraw.Style{Padding: chartdraw.Box{Top: 40, Left: 16, Right: 24, Bottom: 12, IsSet: true}},
		XAxis: chartdraw.XAxis{
			Range: &chartdraw.ContinuousRange{Min: float64(lo.UnixNano()), Max: float64(hi.UnixNano())},
			Ticks: timeTicks(ticks),
			Style: chartdraw.Style{StrokeColor: muteColor, StrokeWidth: 1,
				FontStyle: chartdraw.FontStyle{FontSize: 8, FontColor: muteColor}, TextRotationDegrees: 45},
			GridMajorStyle: chartdraw.Style{StrokeColor: gridColor, StrokeWidth: 0.5},
			GridLines:      gridLines(ticks),
		},
		// The value axis is on the left, as the State Department draws it:
		// chartdraw's secondary axis.
		YAxis: chartdraw.YAxis{Style: chartdraw.Style{Hidden: true}, Range: &chartdraw.ContinuousRange{Min: 0, Max: top}},
		YAxisSecondary: chartdraw.YAxis{
			Range:          &chartdraw.ContinuousRange{Min: 0, Max: top},
			ValueFormatter: func(v any) string { f, _ := v.(float64); return factsheet.Thousands(int(math.Round(f))) },
			Style:          chartdraw.Style{StrokeColor: muteColor, StrokeWidth: 1, FontStyle: chartdraw.FontStyle{FontSize: 9, FontColor: muteColor}},
			GridMajorStyle: chartdraw.Style{StrokeColor: gridColor, StrokeWidth: 0.5},
		},
		Series: chartSeries,
	}
	c.Elements = []chartdraw.Renderable{chartdraw.LegendThin(&c, chartdraw.Style{FontStyle: chartdraw.FontStyle{FontSize: 9, FontColor: inkColor}})}
	var b bytes.Buffer
	if err := c.Render(chartdraw.SVG, &b); err != nil {
		return "", fmt.Errorf("drawing %s: %w", title, err)
	}
	// The SVG is drawn here, from numbers and treaty text that the
	// renderer escapes.
	return template.HTML(b.String()), nil
}

// timeTicks labels each date, except one within 45 days of the next:
// the day the limits took effect falls just before a data exchange.
func timeTicks(ds []treaty.Date) []chartdraw.Tick {
	var out []chartdraw.Tick
	for i, d := range ds {
		if i+1 < len(ds) && ds[i+1].Before(d.AddDays(45)) {
			continue
		}
		out = append(out, chartdraw.Tick{Value: float64(d.Time().UnixNano()), Label: d.Time().Format("Jan 2006")})
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

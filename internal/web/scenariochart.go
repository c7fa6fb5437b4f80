package web

import (
	"fmt"
	"html/template"
	"math"

	"github.com/go-analyze/charts/chartdraw"

	"accord/internal/i18n"
	"accord/internal/scenario"
	"accord/internal/treaty"
)

// overTimeChart draws a party's upload potential on each date of pts:
// the warheads New START counts (solid), and the potential's low end
// (dashed) and high end (dotted), so the lines differ by dash as well as
// by weight. It draws nothing for fewer than two points.
func overTimeChart(party string, pts []scenario.Point, index int) (template.HTML, error) {
	if len(pts) < 2 {
		return "", nil
	}
	col := partyColors[index%len(partyColors)]
	var dates []treaty.Date
	counted := chartdraw.TimeSeries{Name: party + " counted", YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: inkColor, StrokeWidth: 2, DotColor: inkColor, DotWidth: 2.5}}
	low := chartdraw.TimeSeries{Name: party + " potential, low", YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: col, StrokeWidth: 2.5, StrokeDashArray: []float64{6, 4}, DotColor: col, DotWidth: 3}}
	high := chartdraw.TimeSeries{Name: party + " potential, high", YAxis: chartdraw.YAxisSecondary, Style: chartdraw.Style{StrokeColor: col, StrokeWidth: 2.5, StrokeDashArray: []float64{1.5, 3}, DotColor: col, DotWidth: 3}}
	top := 0.0
	for _, p := range pts {
		d := treaty.MustDate(p.AsOf)
		dates = append(dates, d)
		x := d.Time()
		counted.XValues, counted.YValues = append(counted.XValues, x), append(counted.YValues, float64(p.Counted))
		low.XValues, low.YValues = append(low.XValues, x), append(low.YValues, float64(p.Low))
		high.XValues, high.YValues = append(high.XValues, x), append(high.YValues, float64(p.High))
		top = math.Max(top, float64(p.High))
	}
	lo, hi := dates[0].Time().AddDate(0, -2, 0), dates[len(dates)-1].Time().AddDate(0, 2, 0)
	a := chartText{ID: "svg-upload-" + party, Title: "Chart of " + party + "'s warheads counted and its upload potential, low and high, over time.",
		Desc: fmt.Sprintf("On %s: %d counted, %d to %d with upload.", pts[len(pts)-1].AsOf, pts[len(pts)-1].Counted, pts[len(pts)-1].Low, pts[len(pts)-1].High)}
	return renderChart(i18n.English(), a, "Warheads", timeTicks(i18n.English(), dates), gridLines(dates), lo, hi, 0, niceCeil(top*1.12), []chartdraw.Series{counted, low, high})
}

// UploadChartSVG draws a party's upload potential over time as the
// scenarios page draws it, as a standalone SVG document, for accord
// scenario --chart. It returns nil for fewer than two points.
func UploadChartSVG(party string, pts []scenario.Point) ([]byte, error) {
	svg, err := overTimeChart(party, pts, 0)
	if err != nil || svg == "" {
		return nil, err
	}
	return []byte(svg), nil
}

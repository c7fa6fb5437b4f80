package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-analyze/charts/chartdraw"

	"accord/entry/body"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// Everything the dashboard shows leaves as data (docs/dashboard.md,
// "Everything as data"): a page's URL with format=csv or format=json added answers
// one of its tables (table=, by default the first), and with format=svg
// or format=png one of its charts (chart=, by default the first). The
// query's other parameters are the view's, so that a download and the
// page it came from show the same numbers; a page's permalink is its URL
// with every parameter of its view set, defaults included.
//
// A JSON download is an object: the page, the view's query, the table,
// the treaty definition's id and version (treaty.Treaty.Version, the
// definition's own "version:", raised on every change of it), the head
// of every log the treaty database was computed from (registry.Heads:
// each log's origin, the number of its entries ingested and the RFC 6962
// root hash of those, base64 as in a signed checkpoint), the columns and
// the rows. A CSV download is the bare table, its first line the
// columns.

// maxDownloadRows bounds the rows of one download: a table longer than
// that is refused with a 400 that says how to narrow the query, not cut
// short. A variable for the tests.
var maxDownloadRows = 50000

// headsAttempts bounds the times a JSON download is computed again when
// the treaty database ingests entries while it is computed, so that its
// checkpoints are the ones its rows came from.
const headsAttempts = 3

// Formats a page's URL answers besides HTML.
var tableFormats, chartFormats = []string{"csv", "json"}, []string{"svg", "png"}

// A column is one column of a table as downloaded.
type column struct {
	Name string
	// Num is set on the columns whose values the page shows in its
	// numeric cells (td.num), in the same order: the tests compare them.
	Num bool
}

// txt and num name a column.
func txt(name string) column { return column{Name: name} }
func num(name string) column { return column{Name: name, Num: true} }

// A table is one table of a page, as data. Values are strings, numbers,
// booleans or nil (an empty cell); add converts dates and times.
type table struct {
	ID      string // the page's table's HTML id (or its prefix), the table= parameter
	Columns []column
	Rows    [][]any
}

func newTable(id string, cols ...column) *table { return &table{ID: id, Columns: cols} }

// add appends a row, one value per column: a treaty.Date is written
// YYYY-MM-DD, a time.Time in RFC 3339 (UTC), a zero date or time and a
// nil pointer as an empty cell.
func (t *table) add(vals ...any) {
	row := make([]any, len(vals))
	for i, v := range vals {
		row[i] = cellValue(v)
	}
	t.Rows = append(t.Rows, row)
}

func cellValue(v any) any {
	switch x := v.(type) {
	case treaty.Date:
		if x.IsZero() {
			return nil
		}
		return x.String()
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC().Format(time.RFC3339)
	case *int:
		if x == nil {
			return nil
		}
		return *x
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case *uint64:
		if x == nil {
			return nil
		}
		return *x
	case *body.Ref:
		if x == nil {
			return nil
		}
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return v
}

// titleHeight is the band a downloaded chart's title takes above it.
const titleHeight = 22

// A figure is one chart of a page: its SVG for the page, and the chart
// itself, drawn again as PNG when asked.
type figure struct {
	ID    string
	Title string // the title a downloaded image carries; the page's is in HTML
	SVG   template.HTML
	chart *chartdraw.Chart
}

// titled returns the chart as downloaded: with its title above it, since
// the page's title, legend and caption do not go with the image.
func (f figure) titled() *chartdraw.Chart {
	c := *f.chart
	c.Title = f.Title
	c.TitleStyle = chartdraw.Style{FontStyle: chartdraw.FontStyle{FontSize: 11, FontColor: inkColor}, Padding: chartdraw.Box{Top: 8, IsSet: true}}
	// Above the plot, which keeps its size and so its ticks.
	c.Height, c.Background.Padding.Top = c.Height+titleHeight, c.Background.Padding.Top+titleHeight
	c.Elements = append(slices.Clip(c.Elements), key(&c))
	return &c
}

// key draws, in a row above the plot, each named series' stroke (its
// colour and dash, or its dot) and name: the page's legend is HTML.
func key(c *chartdraw.Chart) chartdraw.Renderable {
	return func(r chartdraw.Renderer, plot chartdraw.Box, _ chartdraw.Style) {
		font := c.GetFont()
		if font == nil {
			font = chartdraw.GetDefaultFont()
		}
		r.SetFont(font)
		r.SetFontSize(8)
		r.SetFontColor(inkColor)
		x, y := plot.Left, plot.Top-titleHeight/2-4
		for _, sr := range c.Series {
			st := sr.GetStyle()
			if sr.GetName() == "" || x > plot.Right-80 {
				continue
			}
			if st.StrokeWidth == 0 || st.StrokeColor.A == 0 { // dots only: a ring
				r.SetStrokeColor(st.DotColor)
				r.SetFillColor(hollowFill)
				r.SetStrokeWidth(2)
				r.Circle(4, x+8, y)
				r.FillStroke()
			} else {
				r.SetStrokeColor(st.StrokeColor)
				r.SetStrokeWidth(2)
				r.SetStrokeDashArray(st.StrokeDashArray)
				r.MoveTo(x, y)
				r.LineTo(x+16, y)
				r.Stroke()
				r.SetStrokeDashArray(nil)
			}
			r.Text(sr.GetName(), x+20, y+3)
			x += 20 + r.MeasureText(sr.GetName()).Width() + 14
		}
	}
}

// A view is what a page's handler computes: its template and title, the
// parameters that fix what it shows, its data, its tables and charts.
type view struct {
	Page  string
	Title string
	// Query is the view's state: every parameter that changes what the
	// page shows, defaults resolved (the date shown, not "today"), so
	// that the permalink shows the same view tomorrow.
	Query   url.Values
	Data    any
	Tables  func() []*table // nil: the page has no table
	Figures []figure
}

// params builds a view's query from name, value pairs, leaving out the
// empty values.
func params(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// page serves a page built by build: as HTML, or as the data a format=
// parameter asks for.
func (d *Dashboard) page(build func(*http.Request) (*view, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		format, err := formatParam(r)
		if err != nil {
			return err
		}
		switch {
		case format == "":
			v, err := build(r)
			if err != nil {
				return err
			}
			return d.render(w, r.WithContext(context.WithValue(r.Context(), viewKey{}, v)), http.StatusOK, v.Page, v.Title, v.Data)
		case slices.Contains(tableFormats, format):
			return d.downloadTable(w, r, format, build)
		}
		v, err := build(r)
		if err != nil {
			return err
		}
		return d.downloadFigure(w, r, format, v)
	}
}

// viewKey carries a page's view to render, for its links.
type viewKey struct{}

// formatParam checks format=, table= and chart=: each at most once, a
// format the page can answer, table= only with a table's format and
// chart= only with a chart's.
func formatParam(r *http.Request) (string, error) {
	q := r.URL.Query()
	for _, k := range []string{"format", "table", "chart"} {
		if len(q[k]) > 1 {
			return "", badRequest("%s= is given %d times; give it once", k, len(q[k]))
		}
	}
	f := q.Get("format")
	switch {
	case f == "" && (q.Has("table") || q.Has("chart")):
		return "", badRequest("table= and chart= go with format=csv, json, svg or png")
	case f == "" || f == "html":
		return "", nil
	case slices.Contains(tableFormats, f) && q.Has("chart"):
		return "", badRequest("chart= goes with format=svg or png, not %s", f)
	case slices.Contains(chartFormats, f) && q.Has("table"):
		return "", badRequest("table= goes with format=csv or json, not %s", f)
	case slices.Contains(tableFormats, f) || slices.Contains(chartFormats, f):
		return f, nil
	}
	return "", badRequest("format %q is not one of csv, json, svg, png", f)
}

// pick returns the table the request names, by default the first.
func (v *view) pick(id string) (*table, error) {
	var ts []*table
	if v.Tables != nil {
		ts = v.Tables()
	}
	if len(ts) == 0 {
		return nil, &httpError{http.StatusNotFound, "the " + v.Page + " page shows no table"}
	}
	if id == "" {
		return ts[0], nil
	}
	var ids []string
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
		ids = append(ids, t.ID)
	}
	return nil, badRequest("the %s page has no table %q (tables: %s)", v.Page, id, strings.Join(ids, ", "))
}

// downloadTable answers a table as CSV or JSON. A JSON download carries
// the heads of the logs, read before and after the table: if they moved,
// the table is computed again.
func (d *Dashboard) downloadTable(w http.ResponseWriter, r *http.Request, format string, build func(*http.Request) (*view, error)) error {
	for range headsAttempts {
		before, err := d.heads(r.Context())
		if err != nil {
			return err
		}
		v, err := build(r)
		if err != nil {
			return err
		}
		t, err := v.pick(r.URL.Query().Get("table"))
		if err != nil {
			return err
		}
		if len(t.Rows) > maxDownloadRows {
			return badRequest("the table %s has %d rows, more than the %d a download carries: narrow the query (a party, a date, a search)", t.ID, len(t.Rows), maxDownloadRows)
		}
		name := fileName(v, t.ID, d.src.Now(), format)
		if format == "csv" {
			return writeCSV(w, name, t)
		}
		after, err := d.heads(r.Context())
		if err != nil {
			return err
		}
		if slices.Equal(before, after) {
			return d.writeJSON(w, name, v, t, after)
		}
	}
	return &httpError{http.StatusServiceUnavailable, "the treaty database ingested entries each time the table was computed; try again"}
}

// fileName names a download after its page, table or chart, and the
// date it shows (today if the view has none).
func fileName(v *view, part string, now time.Time, ext string) string {
	date := v.Query.Get("date")
	if date == "" {
		date = treaty.DateOf(now).String()
	}
	name := v.Page
	if part != "" && part != v.Page {
		name += "-" + part
	}
	return safeName(name) + "-" + safeName(date) + "." + ext
}

// safeName keeps letters, digits, '-' and '_' of s, for a file name in a
// header.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

func writeCSV(w http.ResponseWriter, name string, t *table) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	var head []string
	for _, c := range t.Columns {
		head = append(head, c.Name)
	}
	cw.Write(head)
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = csvValue(v)
		}
		cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return download(w, "text/csv; charset=utf-8", name, b.Bytes())
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// A checkpoint is a log's head in a JSON download.
type checkpoint struct {
	Party  string `json:"party"`
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Hash   string `json:"hash"`
}

// A headCache keeps the logs' heads under the registry's positions (how
// far it has ingested each log): a root hash reads every leaf hash of its
// log, the positions one row per log, and the heads change only when the
// positions do.
type headCache struct {
	mu    sync.Mutex
	key   string
	heads []checkpoint
}

// heads reads the head of every log the treaty database has ingested.
func (d *Dashboard) heads(ctx context.Context) ([]checkpoint, error) {
	reg := d.src.Registry()
	key, err := reg.Positions(ctx)
	if err != nil {
		return nil, err
	}
	c := &d.headCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.heads != nil && c.key == key {
		return c.heads, nil
	}
	hs, err := reg.Heads(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]checkpoint, 0, len(hs))
	for _, h := range hs {
		out = append(out, checkpointOf(h))
	}
	// Heads read after Positions: if an entry came in between, they are
	// newer than key, and the next call reads them again.
	c.key, c.heads = key, out
	return out, nil
}

func checkpointOf(h registry.Head) checkpoint {
	return checkpoint{Party: h.Party, Origin: h.Origin, Size: h.Size, Hash: h.Root.String()}
}

func (d *Dashboard) writeJSON(w http.ResponseWriter, name string, v *view, t *table, heads []checkpoint) error {
	query := map[string]string{}
	for k := range v.Query {
		query[k] = v.Query.Get(k)
	}
	var cols []string
	for _, c := range t.Columns {
		cols = append(cols, c.Name)
	}
	rows := t.Rows
	if rows == nil {
		rows = [][]any{}
	}
	tr := d.src.Treaty()
	b, err := json.MarshalIndent(map[string]any{
		"page": v.Page, "query": query, "table": t.ID,
		"treaty":      map[string]any{"id": tr.ID, "version": tr.Version},
		"checkpoints": heads, "columns": cols, "rows": rows,
	}, "", " ")
	if err != nil {
		return err
	}
	return download(w, "application/json", name, append(b, '\n'))
}

// downloadFigure answers one chart as SVG or PNG.
func (d *Dashboard) downloadFigure(w http.ResponseWriter, r *http.Request, format string, v *view) error {
	id := r.URL.Query().Get("chart")
	var ids []string
	for _, f := range v.Figures {
		if f.chart == nil || (id != "" && f.ID != id) {
			ids = append(ids, f.ID)
			continue
		}
		name := fileName(v, f.ID, d.src.Now(), format)
		var b bytes.Buffer
		if format == "svg" {
			if err := f.titled().Render(chartdraw.SVG, &b); err != nil {
				return fmt.Errorf("drawing %s as SVG: %w", f.ID, err)
			}
			return download(w, "image/svg+xml", name, []byte(presentational(b.String())))
		}
		if err := f.titled().Render(chartdraw.PNG, &b); err != nil {
			return fmt.Errorf("drawing %s as PNG: %w", f.ID, err)
		}
		return download(w, "image/png", name, b.Bytes())
	}
	if len(ids) == 0 {
		return &httpError{http.StatusNotFound, "the " + v.Page + " page shows no chart with these parameters"}
	}
	return badRequest("the %s page has no chart %q (charts: %s)", v.Page, id, strings.Join(ids, ", "))
}

// download answers b as a file to save.
func download(w http.ResponseWriter, contentType, name string, b []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err := w.Write(b)
	return err
}

// Links are a table's download links on its page.
type Links struct {
	Table, CSV, JSON string
}

// ChartLinks are a chart's download links on its page.
type ChartLinks struct {
	Chart, SVG, PNG string
}

// linkTo returns the page's URL with its view's query and extra.
func (p page) linkTo(extra ...string) string {
	if p.view == nil {
		return ""
	}
	q := url.Values{}
	for k, vs := range p.view.Query {
		q[k] = vs
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	if len(q) == 0 {
		return p.path
	}
	return p.path + "?" + q.Encode()
}

// Permalink is the page's canonical URL: its path and every parameter
// of its view.
func (p page) Permalink() string { return p.linkTo() }

// Links returns the download links of the page's table id.
func (p page) Links(id string) Links {
	return Links{Table: id, CSV: p.linkTo("format", "csv", "table", id), JSON: p.linkTo("format", "json", "table", id)}
}

// ChartLinks returns the download links of the page's chart id.
func (p page) ChartLinks(id string) ChartLinks {
	return ChartLinks{Chart: id, SVG: p.linkTo("format", "svg", "chart", id), PNG: p.linkTo("format", "png", "chart", id)}
}

// failData answers a download's error: a JSON object for JSON, a line of
// text for the others.
func failData(w http.ResponseWriter, status int, format, msg string) {
	if format == "json" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

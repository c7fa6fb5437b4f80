// Package web is the dashboard of an accord node: server-rendered HTML
// pages, SVG charts and the public fact sheets, for a treaty office on a
// laptop or on paper. Templates, the stylesheet and everything else are
// embedded in the binary; no page needs JavaScript.
//
// Every number shown is computed when asked, by engine.Evaluate on the
// treaty database's declarations (registry.Declaration), and links to the
// clause of the treaty that produced it (/treaty#limit-…, #rule-…). The
// data comes through a NodeView (view.go); the dashboard never writes.
//
// Who sees what: the public fact sheets (/factsheet.csv, .json, .html)
// and the stylesheet are served to anyone; every other page only to a
// request Config.Authorize accepts (on a node, the operator's session:
// package server). Treaty data is confidential between the parties,
// aggregates are public (DESIGN.md, "Trust model"). Every response
// carries SecurityHeaders.
//
// Routes:
//
//	GET /                          overview: counts, limits, verdicts, margins on a date, under each reading
//	GET /history                   the aggregates over time against the limits, as charts and a table
//	GET /history.{csv,json}        the same series, to download (?reading=)
//	GET /warheads                  each party's warheads against its freeze baseline at every event, breakdown, flows, findings
//	GET /escrow                    each party's escrowed declarations: regions open and hidden, checks, confidence
//	GET /inspections               each treaty year's inspections against the quotas, their reports, confidence
//	GET /notifications             deadlines, late and missing notifications, acknowledgements
//	GET /database                  facilities and items, with search
//	GET /items/{party}/{uid}       one item's full history
//	GET /entries/{party}/{index}   one entry with its inclusion proof, checked
//	GET /proofs/{party}/{index}    the entry's receipt (c2sp.org/tlog-proof), to check offline
//	GET /logs                      each log's size, checkpoint, cosignatures, evidence
//	GET /treaty                    the treaty's clauses, each with an anchor
//	GET|POST /scenarios            one party's holdings under every 2020 option, upload potential (?format=csv|json)
//	GET /compare                   treaty definitions side by side, clause by clause (?treaties=a,b&date=)
//	GET /factsheet.{csv,json,html} the public fact sheet (?date=)
//
// Every page with a table also answers ?format=csv and ?format=json
// (&table=), and every page with a chart ?format=svg and ?format=png
// (&chart=), on its own URL with its own parameters; every page links
// its permalink (download.go).
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/factsheet"
	"accord/internal/i18n"
	"accord/internal/treaty"
)

//go:embed templates/*.html static/*
var files embed.FS

// Config configures the dashboard.
type Config struct {
	// View is the node whose data every page shows. Required.
	View NodeView
	// Authorize reports whether a request may see the parties' data: every
	// page but the public fact sheet. Nil refuses every such request, so
	// that a dashboard exposed by mistake shows only what is public; a
	// node passes its operator's session check; AllowAll is for tests.
	Authorize func(*http.Request) bool
	// Logger receives one line per failed request; nil discards.
	Logger *slog.Logger
}

// AllowAll authorizes every request.
func AllowAll(*http.Request) bool { return true }

// A Dashboard serves the pages. It is safe for concurrent use.
type Dashboard struct {
	src    NodeView
	auth   func(*http.Request) bool
	log    *slog.Logger
	pages  map[string]map[string]*template.Template // by language, by name
	counts *counter
	hist   historyCache
	mux    *http.ServeMux
	// headCache keeps the logs' heads for JSON downloads (download.go).
	headCache headCache
}

// New returns the dashboard of cfg.View.
func New(cfg Config) (*Dashboard, error) {
	if cfg.View == nil {
		return nil, errors.New("web: no view of a node")
	}
	d := &Dashboard{src: cfg.View, auth: cfg.Authorize, log: cfg.Logger, counts: newCounter(cfg.View)}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.auth == nil {
		d.auth = func(*http.Request) bool { return false }
	}
	var err error
	if d.pages, err = parsePages(); err != nil {
		return nil, err
	}
	d.routes()
	return d, nil
}

// Warm reads, for the history page, every party's declaration on every
// data-exchange date, which takes seconds on a full treaty database; a
// node calls it after it starts and after it ingests new entries, so that
// the first visitor does not wait. It is safe to call concurrently with
// requests.
func (d *Dashboard) Warm(ctx context.Context) error {
	r, err := http.NewRequestWithContext(ctx, "GET", "/history", nil)
	if err != nil {
		return err
	}
	_, err = d.historyData(r, treaty.DefaultReading)
	return err
}

// SecurityHeaders are set on every response of the dashboard: no script
// runs and nothing loads from elsewhere (the pages need no JavaScript;
// the charts' SVG uses presentation attributes, not inline styles; the
// standalone fact sheet's one inline stylesheet is allowed by its hash),
// no other site may frame a page, no URL (a login link, a query) leaks
// in a Referer, and no response is sniffed as another type.
var SecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; style-src 'self' " + factsheet.StyleHash + "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "no-referrer",
	"X-Content-Type-Options":  "nosniff",
}

// SetSecurityHeaders sets SecurityHeaders on h, for a page served beside
// the dashboard's (a login page, say).
func SetSecurityHeaders(h http.Header) {
	for k, v := range SecurityHeaders {
		h.Set(k, v)
	}
}

// ServeHTTP serves the dashboard.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SetSecurityHeaders(w.Header())
	// A fact sheet answers a bad lang in the format asked (pages.go).
	if err := checkLang(r); err != nil && !strings.HasPrefix(r.URL.Path, "/factsheet.") {
		d.fail(w, r, err)
		return
	}
	d.mux.ServeHTTP(w, r)
}

// A Route is one route the dashboard serves, for a server that mounts
// it (package server lists them in its OpenAPI document).
type Route struct {
	Pattern string // ServeMux pattern, "GET /history"
	// Public routes are served to anyone: the fact sheets and the
	// stylesheet. Every other route only to a request Config.Authorize
	// accepts.
	Public bool
}

// Routes lists the routes a Dashboard serves.
func Routes() []Route {
	var out []Route
	for _, h := range (&Dashboard{}).handlers() {
		out = append(out, h.Route)
	}
	return out
}

type handler struct {
	Route
	fn func(http.ResponseWriter, *http.Request) error
}

// handlers is the dashboard's route table.
func (d *Dashboard) handlers() []handler {
	hs := []handler{{Route{"GET /static/{file...}", true}, d.static}}
	for _, format := range factsheet.Formats {
		hs = append(hs, handler{Route{"GET /factsheet." + format, true}, func(w http.ResponseWriter, r *http.Request) error {
			d.factsheet(w, r, format)
			return nil
		}})
	}
	for _, p := range []struct {
		pattern string
		fn      func(http.ResponseWriter, *http.Request) error
	}{
		{"GET /{$}", d.page(d.overview)},
		{"GET /history", d.page(d.history)},
		{"GET /history.csv", d.historyCSV},
		{"GET /history.json", d.historyJSON},
		{"GET /warheads", d.page(d.warheads)},
		{"GET /escrow", d.page(d.escrowPage)},
		{"GET /inspections", d.page(d.inspections)},
		{"GET /notifications", d.page(d.notifications)},
		{"GET /database", d.page(d.database)},
		{"GET /items/{party}/{uid}", d.page(d.item)},
		{"GET /entries/{party}/{index}", d.entry},
		{"GET /proofs/{party}/{index}", d.proof},
		{"GET /logs", d.page(d.logs)},
		{"GET /treaty", d.treaty},
		{"GET /scenarios", d.scenarios},
		{"POST /scenarios", d.scenarios},
		{"GET /compare", d.compare},
	} {
		hs = append(hs, handler{Route{p.pattern, false}, p.fn})
	}
	return hs
}

func (d *Dashboard) routes() {
	m := http.NewServeMux()
	for _, h := range d.handlers() {
		if h.Public {
			m.HandleFunc(h.Pattern, func(w http.ResponseWriter, r *http.Request) { h.fn(w, r) })
		} else {
			m.HandleFunc(h.Pattern, d.guard(h.fn))
		}
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, &httpError{http.StatusNotFound, "no such page"})
	})
	d.mux = m
}

// static serves the embedded stylesheet.
func (d *Dashboard) static(w http.ResponseWriter, r *http.Request) error {
	http.ServeFileFS(w, r, staticFiles, r.PathValue("file"))
	return nil
}

var staticFiles, _ = fs.Sub(files, "static")

// guard serves h to authorized requests, and reports its error.
func (d *Dashboard) guard(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !d.auth(r) {
			d.fail(w, r, &httpError{http.StatusUnauthorized, "this page shows the parties' treaty data and needs authorization; the public fact sheet is open to all"})
			return
		}
		if err := h(w, r); err != nil {
			d.fail(w, r, err)
		}
	}
}

// An httpError is an error with the status to answer.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// statusOf returns the HTTP status that answers err.
func statusOf(err error) int {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status >= 500 {
		// The cause goes to the log, not to the visitor: it may name
		// files, queries or templates.
		d.log.ErrorContext(r.Context(), "serving page", "path", r.URL.Path, "err", err)
		msg = "the page could not be shown; the dashboard's log says why"
	}
	w.Header().Set("Cache-Control", "no-store")
	if f := r.URL.Query().Get("format"); slices.Contains(tableFormats, f) || slices.Contains(chartFormats, f) {
		failData(w, status, f, msg) // a download's error is not a page
		return
	}
	d.render(w, r, status, "error", "Error", map[string]any{"Status": status, "StatusText": http.StatusText(status), "Message": msg})
}

// page is what every template receives.
type page struct {
	Lang   *i18n.Lang
	Langs  []langLink // the same page in every language
	Title  string
	Nav    string // the current section
	Banner string // NodeView.Simulated
	Treaty *treaty.Treaty
	// Warheads is set when the treaty has a warhead category: the
	// navigation links to the warheads page.
	Warheads bool
	Now      time.Time
	Authed   bool
	Elapsed  func() string
	Data     any

	view *view  // the page's view: its query, for the permalink and downloads
	path string // the page's path, escaped
}

// render executes the page template name with data.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) error {
	start := time.Now()
	l, carry := langOf(r)
	p := page{Lang: l, Langs: langLinks(r, l), Title: translated(l, title), Nav: name, Banner: d.src.Simulated(), Treaty: d.src.Treaty(), Warheads: hasWarheads(d.src.Treaty()), Now: d.src.Now(), Authed: d.auth(r), Data: data,
		Elapsed: func() string { return time.Since(start).Round(time.Millisecond).String() }, path: r.URL.EscapedPath()}
	p.view, _ = r.Context().Value(viewKey{}).(*view)
	if p.view == nil && status == http.StatusOK {
		p.view = &view{Page: name} // a page whose path is all its state: /treaty, /entries/USA/12
	}
	var b bytes.Buffer
	if err := d.pages[l.Code][name].ExecuteTemplate(&b, "base", p); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	if carry {
		b = *bytes.NewBuffer(localize(b.Bytes(), l))
	}
	w.Header().Set("Content-Language", l.Code)
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

// dateParam reads the query parameter name as a date, or def if absent.
func dateParam(r *http.Request, name string, def treaty.Date) (treaty.Date, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return def, nil
	}
	dt, err := treaty.ParseDate(s)
	switch {
	case err != nil && dateShape.MatchString(s):
		return def, badRequest("%s %s: no such day", name, s)
	case err != nil:
		return def, badRequest("%s %q is not a date like 2020-09-01", name, s)
	}
	return dt, nil
}

// dateShape is the shape of a date, YYYY-MM-DD, whether the day exists
// or not.
var dateShape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// partyParam checks a party id from the path or query.
func (d *Dashboard) partyParam(id string) (treaty.Party, error) {
	p, ok := d.src.Treaty().Party(id)
	if !ok {
		return p, &httpError{http.StatusNotFound, fmt.Sprintf("%s is not a party to %s", id, d.src.Treaty().ID)}
	}
	return p, nil
}

// readingParam checks a reading id; empty means every reading.
func (d *Dashboard) readingParam(r *http.Request) (string, error) {
	id := r.URL.Query().Get("reading")
	if id == "" {
		return "", nil
	}
	for _, x := range d.src.Treaty().ReadingIDs() {
		if x == id {
			return id, nil
		}
	}
	return "", badRequest("%s has no reading %q (readings: %s)", d.src.Treaty().ID, id, strings.Join(d.src.Treaty().ReadingIDs(), ", "))
}

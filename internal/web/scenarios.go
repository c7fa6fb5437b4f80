package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/scenario"
	"accord/internal/treaty"
)

// maxScenarioForm bounds a POST to /scenarios: a change file of at most
// scenario.MaxChangeSize, pasted or uploaded, and the form's other
// fields and multipart framing.
const maxScenarioForm = 2*scenario.MaxChangeSize + 16<<10

// A scenarioQuery is what the scenarios page is asked: the party's
// holdings on a date, changed by a change file (an example's, pasted or
// uploaded), with a loading rate.
type scenarioQuery struct {
	Date    treaty.Date
	Party   string
	Example string // the example chosen, if the change is one
	Change  string // the change file's text; empty for the holdings as declared
	Name    string // what errors call the change file
	Rate    int
}

// values are the query's parameters, as a permalink carries them.
func (q scenarioQuery) values() url.Values {
	v := url.Values{"date": {q.Date.String()}, "party": {q.Party}}
	switch {
	case q.Example != "":
		v.Set("example", q.Example)
	case q.Change != "":
		v.Set("change", q.Change)
	}
	if q.Rate > 0 {
		v.Set("rate", strconv.Itoa(q.Rate))
	}
	return v
}

// scenarioCell is one option's result for one limit.
type scenarioCell struct {
	Option   string
	Present  bool // the option has the limit
	Party    bool // the party is a party to the option
	NoLimits bool // "no treaty"
	Known    bool // the value and ceiling are known
	Tightest bool // the limit the party would breach first under the option
	CanAdd   int
	engine.LimitResult
}

// A scenarioRow is one limit across the options.
type scenarioRow struct {
	Limit string
	Name  string
	Cells []scenarioCell
}

type optionView struct {
	scenario.Outcome
	Version      int
	Hypothetical bool
}

type scenariosData struct {
	Query     scenarioQuery
	Examples  []scenario.Example
	Parties   []treaty.Party
	KnownAt   time.Time
	Error     string // the change file's problem, one line
	Report    *scenario.Report
	Options   []optionView
	Rows      []scenarioRow
	Facts     map[string]scenario.Fact
	Chart     template.HTML
	Permalink string
}

func (d *Dashboard) scenarios(w http.ResponseWriter, r *http.Request) error {
	q, err := d.scenarioQuery(w, r)
	if err != nil {
		return err
	}
	data, status, err := d.scenariosData(r, q)
	if err != nil {
		return err
	}
	if f := r.URL.Query().Get("format"); f != "" {
		if data.Report == nil {
			return badRequest("%s", data.Error)
		}
		return d.scenarioDownload(w, r, data, f)
	}
	return d.render(w, r, status, "scenarios", "Scenarios", data)
}

// scenarioQuery reads the page's parameters: from the query of a GET,
// or the form of a POST (which may upload the change file).
func (d *Dashboard) scenarioQuery(w http.ResponseWriter, r *http.Request) (scenarioQuery, error) {
	t := d.src.Treaty()
	form := r.URL.Query()
	var upload []byte
	var uploadName string
	if r.Method == http.MethodPost {
		var err error
		if form, upload, uploadName, err = postedScenario(w, r); err != nil {
			return scenarioQuery{}, err
		}
	}
	date, err := formDate(form, "date", treaty.DateOf(d.src.Now()))
	if err != nil {
		return scenarioQuery{}, err
	}
	q := scenarioQuery{Date: date, Party: form.Get("party"), Name: "change"}
	if q.Party == "" {
		q.Party = t.Parties[0].ID
	}
	if _, err := d.partyParam(q.Party); err != nil {
		return q, err
	}
	if s := form.Get("rate"); s != "" {
		if q.Rate, err = strconv.Atoi(s); err != nil || q.Rate < 1 || q.Rate > 10000 {
			return q, badRequest("rate %q is not a number of missiles or bombers a month from 1 to 10000", s)
		}
	}
	return q, q.setChange(form, upload, uploadName)
}

// setChange takes the change file from an upload, the pasted text or an
// example, in that order.
func (q *scenarioQuery) setChange(form url.Values, upload []byte, uploadName string) error {
	switch {
	case len(upload) > 0:
		q.Change, q.Name = string(upload), uploadName
	case strings.TrimSpace(form.Get("change")) != "":
		q.Change = form.Get("change")
	case form.Get("example") != "":
		e, ok := scenario.LookupExample(form.Get("example"))
		if !ok {
			return badRequest("example %q: no such example change file", form.Get("example"))
		}
		q.Example, q.Change, q.Name = e.Name, string(e.YAML), e.Name+".yaml"
	}
	if len(q.Change) > scenario.MaxChangeSize {
		return badRequest("%s: larger than %d bytes", q.Name, scenario.MaxChangeSize)
	}
	return nil
}

// postedScenario reads a POSTed form, bounded, and the uploaded change
// file if there is one.
func postedScenario(w http.ResponseWriter, r *http.Request) (url.Values, []byte, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxScenarioForm)
	if err := r.ParseMultipartForm(maxScenarioForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, nil, "", badRequest("the form is larger than %d bytes, or not a form", maxScenarioForm)
	}
	if r.MultipartForm == nil {
		if err := r.ParseForm(); err != nil {
			return nil, nil, "", badRequest("the form is larger than %d bytes, or not a form", maxScenarioForm)
		}
	}
	f, h, err := r.FormFile("upload")
	if errors.Is(err, http.ErrMissingFile) {
		return r.PostForm, nil, "", nil
	} else if err != nil {
		return nil, nil, "", badRequest("upload: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, scenario.MaxChangeSize+1))
	if err != nil {
		return nil, nil, "", badRequest("upload: %v", err)
	}
	name := h.Filename
	if name == "" || len(name) > 100 || strings.ContainsAny(name, "\r\n/\\") {
		name = "upload.yaml"
	}
	if len(b) > scenario.MaxChangeSize {
		return nil, nil, "", badRequest("%s: larger than %d bytes", name, scenario.MaxChangeSize)
	}
	return r.PostForm, b, name, nil
}

// scenariosData compares the options for the query. A change file that
// does not parse or apply is no error of the page: it is shown, with the
// form, and answered 400.
func (d *Dashboard) scenariosData(r *http.Request, q scenarioQuery) (*scenariosData, int, error) {
	data := &scenariosData{Query: q, Examples: scenario.Examples(), Parties: d.src.Treaty().Parties, Facts: scenario.Facts()}
	data.Permalink = "/scenarios?" + q.values().Encode()
	var change *scenario.Change
	if q.Change != "" {
		c, err := scenario.ParseChange(q.Name, []byte(q.Change))
		if err != nil {
			data.Error = err.Error()
			return data, http.StatusBadRequest, nil
		}
		change = c
	}
	decls, series, knownAt, err := d.scenarioDeclarations(r, q)
	if err != nil {
		return nil, 0, err
	}
	data.KnownAt = knownAt
	rep, err := scenario.Compare(decls, q.Party, q.Date, change, q.Rate)
	if err != nil {
		data.Error = err.Error()
		return data, http.StatusBadRequest, nil
	}
	rep.OverTime = scenario.OverTime(decls, q.Party, series)
	data.Report = rep
	if err := data.sideBySide(); err != nil {
		return nil, 0, err
	}
	data.Chart, err = overTimeChart(q.Party, rep.OverTime, d.partyIndex(q.Party))
	return data, http.StatusOK, err
}

// scenarioDeclarations reads the party's declarations from the treaty
// database as known now: on the date, on every freeze's baseline date,
// and on the history's dates up to the date, which it returns.
func (d *Dashboard) scenarioDeclarations(r *http.Request, q scenarioQuery) ([]*declaration.Declaration, []treaty.Date, time.Time, error) {
	ctx := r.Context()
	t := d.src.Treaty()
	now, err := d.counts.sync(ctx)
	if err != nil {
		return nil, nil, now, err
	}
	stated, err := d.counts.statedDates(ctx, now)
	if err != nil {
		return nil, nil, now, err
	}
	series := withData(t, stated, historyDates(t, seriesEnd(t, q.Date, now)))
	bases, err := scenario.Baselines()
	if err != nil {
		return nil, nil, now, err
	}
	// Read every date at once, in parallel, into the counter's cache.
	if _, err := d.counts.prefetch(ctx, slices.Concat([]treaty.Date{q.Date}, bases, series), now); err != nil {
		return nil, nil, now, err
	}
	decls, err := scenario.Gather(q.Date, series, func(x treaty.Date) (*declaration.Declaration, error) {
		return d.counts.declaration(ctx, q.Party, x, now)
	})
	return decls, series, now, err
}

// sideBySide lays the report's outcomes out as one row per limit, one
// column per option, the limits in the order the options first name
// them.
func (data *scenariosData) sideBySide() error {
	var ids, names []string
	for _, o := range data.Report.Outcomes {
		v := optionView{Outcome: o}
		if o.Option != scenario.NoTreaty {
			t, err := treaty.Builtin(o.Option)
			if err != nil {
				return err
			}
			v.Version, v.Hypothetical = t.Version, t.Hypothetical
		}
		data.Options = append(data.Options, v)
		for _, l := range o.Limits {
			if !slices.Contains(ids, l.ID) {
				ids, names = append(ids, l.ID), append(names, l.Name)
			}
		}
	}
	for i, id := range ids {
		row := scenarioRow{Limit: id, Name: names[i]}
		for _, o := range data.Report.Outcomes {
			row.Cells = append(row.Cells, cellOf(o, id))
		}
		data.Rows = append(data.Rows, row)
	}
	return nil
}

func cellOf(o scenario.Outcome, limit string) scenarioCell {
	c := scenarioCell{Option: o.Option, Party: o.Party, NoLimits: o.Option == scenario.NoTreaty}
	for _, l := range o.Limits {
		if l.ID == limit {
			c.Present, c.LimitResult, c.Tightest = true, l, l.ID == o.Tightest
			c.CanAdd, c.Known = scenario.Headroom(l)
		}
	}
	return c
}

// optionTitle names an option for a column header.
func optionTitle(o scenario.Outcome) string {
	if o.Title == "" {
		return o.Option
	}
	return fmt.Sprintf("%s (%s)", o.Title, o.Option)
}

// formDate reads a date from a form's values as dateParam reads it from
// a query.
func formDate(form url.Values, name string, def treaty.Date) (treaty.Date, error) {
	r := &http.Request{URL: &url.URL{RawQuery: url.Values{name: {form.Get(name)}}.Encode()}}
	return dateParam(r, name, def)
}

// scenarioDownload answers one of the page's tables as data: table=
// options (the default), upload or overtime.
func (d *Dashboard) scenarioDownload(w http.ResponseWriter, r *http.Request, data *scenariosData, format string) error {
	q := queryMap(data.Query.values())
	tb := scenTable{Page: "scenarios", Date: data.Query.Date.String(), Query: q}
	switch table := r.URL.Query().Get("table"); table {
	case "", "options":
		tb.Name, tb.Columns, tb.Rows = "options", optionColumns, optionRows(data)
	case "upload":
		tb.Name, tb.Columns, tb.Rows = "upload", uploadColumns, uploadRows(data.Report.Upload)
	case "overtime":
		tb.Name, tb.Columns = "overtime", overTimeColumns
		for _, p := range data.Report.OverTime {
			tb.Rows = append(tb.Rows, []any{p.AsOf, p.Party, p.Declared, p.Counted, p.Low, p.High})
		}
	default:
		return badRequest("table %q is not options, upload or overtime", table)
	}
	tb.Query["table"] = tb.Name
	return d.writeScenTable(w, r, tb, format)
}

var (
	optionColumns   = []string{"option", "definition_version", "limit", "value", "ceiling", "margin", "can_add", "verdict", "tightest"}
	uploadColumns   = []string{"type", "category", "deployed", "counted", "reserve", "load_low", "load_high", "potential_low", "potential_high", "months", "sources"}
	overTimeColumns = []string{"as_of", "party", "declared", "counted", "potential_low", "potential_high"}
)

// optionRows are the options table's rows: one per option and limit, and
// one for an option with no limit for the party ("not_a_party",
// "no_limits"). An unknown number is empty.
func optionRows(data *scenariosData) [][]any {
	var rows [][]any
	for _, o := range data.Options {
		switch {
		case o.Option == scenario.NoTreaty:
			rows = append(rows, []any{o.Option, "", "", "", "", "", "", "no_limits", ""})
			continue
		case !o.Party:
			rows = append(rows, []any{o.Option, o.Version, "", "", "", "", "", "not_a_party", ""})
			continue
		}
		for _, l := range o.Limits {
			add, ok := scenario.Headroom(l)
			if !ok {
				rows = append(rows, []any{o.Option, o.Version, l.ID, "", "", "", "", l.Verdict, false})
				continue
			}
			rows = append(rows, []any{o.Option, o.Version, l.ID, l.Value, l.Limit, l.Margin, add, l.Verdict, l.ID == o.Tightest})
		}
	}
	return rows
}

func uploadRows(u scenario.Potential) [][]any {
	var rows [][]any
	for _, r := range u.Rows {
		var low, high, months any = "", "", ""
		sources := ""
		if r.Known {
			low, high = r.Low, r.High
			var urls []string
			for _, s := range scenario.Facts()[r.Type].Sources {
				urls = append(urls, s.URL)
			}
			sources = strings.Join(urls, " ")
		}
		if u.Rate > 0 {
			months = r.Months
		}
		rows = append(rows, []any{r.Type, r.Category, r.Deployed, r.Counted, r.Reserve, low, high, r.PotentialLow, r.PotentialHigh, months, sources})
	}
	return rows
}

// span is "n" or "low–high", with thousands separated.
func span(low, high int) string {
	if low == high {
		return factsheet.Thousands(low)
	}
	return factsheet.Thousands(low) + "–" + factsheet.Thousands(high)
}

// seriesEnd is the last date a series over time may reach: d, but not
// past today or the treaty's expiry, as the history's.
func seriesEnd(t *treaty.Treaty, d treaty.Date, now time.Time) treaty.Date {
	if today := treaty.DateOf(now); today.Before(d) {
		d = today
	}
	if exp := t.Expiry(); !exp.IsZero() && exp.Before(d) {
		d = exp
	}
	return d
}

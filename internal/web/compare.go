package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/treaty"
)

// Bounds on the comparison page's treaties.
const (
	minCompared = 2
	maxCompared = 6
)

// A compareCell is what one definition says on one row: lines of text,
// and the clause it cites.
type compareCell struct {
	Lines []string
	Cite  string
}

// A compareRow is one clause across the definitions.
type compareRow struct {
	Item  string
	Cells []compareCell
}

// A compareTopic is a group of rows: limits, counting rules,
// verification, duration, scope, parties.
type compareTopic struct {
	ID, Name string
	Rows     []compareRow
}

// A dateCell is one treaty's verdict on one party's limit on the date.
type dateCell struct {
	Treaty  string
	Present bool // the treaty has the limit and it binds the party
	Known   bool // a value was counted
	engine.LimitResult
}

// A dateRow is one party's limit across the definitions on the date.
type dateRow struct {
	Party, Limit string
	Cells        []dateCell
}

type compareData struct {
	Date      treaty.Date
	KnownAt   time.Time
	IDs       []string
	Treaties  []*treaty.Treaty
	Available []string
	Phases    []string // each treaty's phase on Date
	Topics    []compareTopic
	OnDate    []dateRow
	Permalink string
}

func (d *Dashboard) compare(w http.ResponseWriter, r *http.Request) error {
	ts, err := d.compareTreaties(r.URL.Query().Get("treaties"))
	if err != nil {
		return err
	}
	date, err := dateParam(r, "date", treaty.DateOf(d.src.Now()))
	if err != nil {
		return err
	}
	data := &compareData{Date: date, Treaties: ts, Available: d.comparable()}
	for _, t := range ts {
		data.IDs = append(data.IDs, t.ID)
		data.Phases = append(data.Phases, t.Phase(date))
	}
	data.Permalink = "/compare?" + url.Values{"treaties": {strings.Join(data.IDs, ",")}, "date": {date.String()}}.Encode()
	data.Topics = compareTopics(ts)
	if data.OnDate, data.KnownAt, err = d.onDate(r, ts, date); err != nil {
		return err
	}
	if f := r.URL.Query().Get("format"); f != "" {
		return d.compareDownload(w, r, data, f)
	}
	return d.render(w, r, http.StatusOK, "compare", "Compare treaties", data)
}

// comparable lists the definitions the page can compare: the node's own
// treaty and every built-in one.
func (d *Dashboard) comparable() []string {
	own := d.src.Treaty().ID
	return append([]string{own}, slices.DeleteFunc(treaty.BuiltinIDs(), func(id string) bool { return id == own })...)
}

// compareTreaties reads the treaties parameter: two to six ids, each the
// node's treaty or a built-in one, none twice. Empty means every one.
func (d *Dashboard) compareTreaties(param string) ([]*treaty.Treaty, error) {
	ids := d.comparable()
	if strings.TrimSpace(param) != "" {
		ids = strings.Split(param, ",")
	}
	if len(ids) < minCompared || len(ids) > maxCompared {
		return nil, badRequest("treaties: give %d to %d treaty ids separated by commas, not %d (treaties: %s)", minCompared, maxCompared, len(ids), strings.Join(d.comparable(), ", "))
	}
	var out []*treaty.Treaty
	for i, id := range ids {
		id = strings.TrimSpace(id)
		if slices.Contains(ids[:i], id) {
			return nil, badRequest("treaties: %q is named twice", id)
		}
		if id == d.src.Treaty().ID {
			out = append(out, d.src.Treaty())
			continue
		}
		t, err := treaty.Builtin(id)
		if err != nil {
			return nil, badRequest("treaties: %q is not a treaty this node knows (treaties: %s)", id, strings.Join(d.comparable(), ", "))
		}
		out = append(out, t)
	}
	return out, nil
}

// compareTopics lays the definitions side by side, topic by topic.
func compareTopics(ts []*treaty.Treaty) []compareTopic {
	return []compareTopic{
		{ID: "limits", Name: "Limits", Rows: limitRows(ts, limitClause)},
		{ID: "counting", Name: "Counting rules", Rows: append(limitRows(ts, countClause), row(ts, "Readings", readingsClause))},
		{ID: "verification", Name: "Verification", Rows: []compareRow{
			row(ts, "Inspections", inspectionsClause), row(ts, "Exhibitions", exhibitionsClause),
			row(ts, "Notifications", notificationsClause), row(ts, "Data exchange", exchangeClause),
			row(ts, "Acknowledgement", ackClause), row(ts, "Telemetry", telemetryClause),
		}},
		{ID: "duration", Name: "Duration", Rows: []compareRow{
			row(ts, "Signature", func(t *treaty.Treaty) compareCell { return dateCellOf(t.Dates.Signature, "") }),
			row(ts, "Entry into force", func(t *treaty.Treaty) compareCell { return dateCellOf(t.Dates.EntryIntoForce, "") }),
			row(ts, "Term", termClause), row(ts, "Extension", extensionClause),
			row(ts, "Expiry", func(t *treaty.Treaty) compareCell { return dateCellOf(t.Expiry(), "") }),
			row(ts, "Withdrawal notice", withdrawalClause),
		}},
		{ID: "scope", Name: "Scope", Rows: []compareRow{
			row(ts, "Binding", bindingClause), row(ts, "Categories", categoriesClause),
			row(ts, "Statuses", statusesClause), row(ts, "Facility types", facilitiesClause),
		}},
		{ID: "parties", Name: "Parties", Rows: []compareRow{row(ts, "Parties", partiesClause)}},
	}
}

// row is one row with clause's cell for every treaty.
func row(ts []*treaty.Treaty, item string, clause func(*treaty.Treaty) compareCell) compareRow {
	r := compareRow{Item: item}
	for _, t := range ts {
		r.Cells = append(r.Cells, clause(t))
	}
	return r
}

// limitRows is one row per limit id any treaty has, in the order they
// first appear, with clause's cell where the treaty has the limit.
func limitRows(ts []*treaty.Treaty, clause func(treaty.Limit) compareCell) []compareRow {
	var ids []string
	for _, t := range ts {
		for _, l := range t.Limits {
			if !slices.Contains(ids, l.ID) {
				ids = append(ids, l.ID)
			}
		}
	}
	var out []compareRow
	for _, id := range ids {
		r := compareRow{Item: id}
		for _, t := range ts {
			l, ok := t.Limit(id)
			if !ok {
				r.Cells = append(r.Cells, compareCell{Lines: []string{"–"}})
				continue
			}
			r.Cells = append(r.Cells, clause(l))
		}
		out = append(out, r)
	}
	return out
}

func limitClause(l treaty.Limit) compareCell {
	c := compareCell{Lines: []string{l.Name}, Cite: l.Cite}
	if l.Ceiling != nil {
		c.Lines = append(c.Lines, "ceiling "+factsheet.Thousands(*l.Ceiling))
	} else {
		c.Lines = append(c.Lines, "freeze at each party's level of "+l.Baseline.String())
	}
	when := "from " + l.Effective.String()
	if !l.Until.IsZero() {
		when += " to " + l.Until.String()
	}
	c.Lines = append(c.Lines, when)
	bound := "binds every party"
	if len(l.Parties) > 0 {
		bound = "binds " + strings.Join(l.Parties, ", ")
	}
	if l.Binding != "" {
		bound += "; " + l.Binding + "ly binding"
	}
	return compareCell{Lines: append(c.Lines, bound), Cite: c.Cite}
}

func countClause(l treaty.Limit) compareCell {
	c := compareCell{Cite: l.Cite}
	for _, r := range l.Count {
		c.Lines = append(c.Lines, ruleText(r))
	}
	return c
}

// ruleText says a counting rule in words: "icbm deployed, non_deployed:
// warheads".
func ruleText(r treaty.Rule) string {
	s := r.Category + " " + strings.Join(r.Statuses, ", ")
	if len(r.Types) > 0 {
		s += " (" + strings.Join(r.Types, ", ") + ")"
	}
	switch {
	case r.Measure == treaty.MeasureWarheads:
		s += ": warheads emplaced"
	case r.Weight > 1:
		s += fmt.Sprintf(": %d each", r.Weight)
	default:
		s += ": items"
	}
	return s
}

func readingsClause(t *treaty.Treaty) compareCell {
	c := compareCell{Lines: []string{"default: the rules as written"}}
	for _, r := range t.Readings {
		line := r.ID + ": " + r.Name
		if r.HeldBy != "" {
			line += " (held by " + r.HeldBy + ")"
		}
		c.Lines = append(c.Lines, line)
	}
	return c
}

func inspectionsClause(t *treaty.Treaty) compareCell {
	c := compareCell{Cite: t.Year.Cite}
	for _, it := range t.Inspections {
		c.Lines = append(c.Lines, fmt.Sprintf("%s: %d a treaty year", it.Name, it.PerYear))
	}
	return none(c)
}

func exhibitionsClause(t *treaty.Treaty) compareCell {
	var c compareCell
	for _, it := range t.Exhibitions {
		c.Lines = append(c.Lines, it.Name)
	}
	return none(c)
}

func notificationsClause(t *treaty.Treaty) compareCell {
	var c compareCell
	if n := len(t.Notifications); n > 0 {
		c.Lines = append(c.Lines, fmt.Sprintf("%d types", n))
		for _, nt := range t.Notifications {
			c.Lines = append(c.Lines, nt.ID)
		}
	}
	return none(c)
}

func exchangeClause(t *treaty.Treaty) compareCell {
	x := t.DataExchange
	if x == nil {
		return none(compareCell{})
	}
	return compareCell{Lines: []string{"as of " + strings.Join(x.AsOf, " and ") + " each year", "within " + x.Within.String(), "by " + x.Notification}, Cite: x.Cite}
}

func ackClause(t *treaty.Treaty) compareCell {
	if t.Acknowledgement == nil {
		return none(compareCell{})
	}
	return compareCell{Lines: []string{"within " + t.Acknowledgement.Within.String()}, Cite: t.Acknowledgement.Cite}
}

func telemetryClause(t *treaty.Treaty) compareCell {
	if t.Telemetry == nil {
		return none(compareCell{})
	}
	return compareCell{Lines: []string{fmt.Sprintf("up to %d launches a year", t.Telemetry.LaunchesPerYear)}, Cite: t.Telemetry.Cite}
}

func termClause(t *treaty.Treaty) compareCell {
	if t.Dates.Duration.IsZero() {
		return compareCell{Lines: []string{"indefinite"}, Cite: t.Dates.Cite}
	}
	return compareCell{Lines: []string{t.Dates.Duration.String() + " from entry into force"}, Cite: t.Dates.Cite}
}

func extensionClause(t *treaty.Treaty) compareCell {
	var c compareCell
	if x := t.Dates.Extension; x != nil {
		c.Lines, c.Cite = append(c.Lines, "at most "+x.Max.String()), x.Cite
	}
	for _, x := range t.Dates.Extensions {
		c.Lines = append(c.Lines, "extended by "+x.Period.String()+", agreed "+x.Agreed.String())
	}
	return none(c)
}

func withdrawalClause(t *treaty.Treaty) compareCell {
	if t.Dates.WithdrawalNotice.IsZero() {
		return none(compareCell{})
	}
	return compareCell{Lines: []string{t.Dates.WithdrawalNotice.String()}}
}

func bindingClause(t *treaty.Treaty) compareCell {
	c := compareCell{Lines: []string{t.Binding}, Cite: t.Cite}
	if t.Hypothetical {
		c.Lines = append(c.Lines, "hypothetical: agreed by no state")
	}
	return c
}

func categoriesClause(t *treaty.Treaty) compareCell {
	var c compareCell
	for _, cat := range t.Categories {
		line := cat.Name
		if cat.Warhead {
			line += " (warheads)"
		}
		c.Lines = append(c.Lines, line)
	}
	return c
}

func statusesClause(t *treaty.Treaty) compareCell {
	var c compareCell
	for _, s := range t.Statuses {
		c.Lines = append(c.Lines, s.ID)
	}
	return c
}

func facilitiesClause(t *treaty.Treaty) compareCell {
	return none(compareCell{Lines: []string{fmt.Sprintf("%d types", len(t.FacilityTypes))}})
}

func partiesClause(t *treaty.Treaty) compareCell {
	var c compareCell
	for _, p := range t.Parties {
		c.Lines = append(c.Lines, p.Name+" ("+p.ID+")")
	}
	return c
}

func dateCellOf(d treaty.Date, cite string) compareCell {
	if d.IsZero() {
		return none(compareCell{})
	}
	return compareCell{Lines: []string{d.String()}, Cite: cite}
}

// none says "none" for a cell with nothing in it.
func none(c compareCell) compareCell {
	if len(c.Lines) == 0 || c.Lines[0] == "0 types" {
		c.Lines = []string{"none"}
	}
	return c
}

// onDate evaluates every treaty on date over the node's declarations (as
// known now), and returns one row per party of the node's treaty and
// limit id, across the treaties.
func (d *Dashboard) onDate(r *http.Request, ts []*treaty.Treaty, date treaty.Date) ([]dateRow, time.Time, error) {
	ctx := r.Context()
	now, err := d.counts.sync(ctx)
	if err != nil {
		return nil, now, err
	}
	dates := []treaty.Date{date}
	for _, t := range ts {
		dates = append(dates, baselines(t)...)
	}
	byDate, err := d.counts.prefetch(ctx, dates, now)
	if err != nil {
		return nil, now, err
	}
	var results []engine.Result
	for _, t := range ts {
		decls := slices.Clone(byDate[date])
		for _, b := range baselines(t) {
			decls = append(decls, byDate[b]...)
		}
		decls = slices.DeleteFunc(decls, func(x *declaration.Declaration) bool { _, ok := t.Party(x.Party); return !ok })
		res, err := engine.Evaluate(t, date, treaty.DefaultReading, decls)
		if err != nil {
			return nil, now, fmt.Errorf("%s: %w", t.ID, err)
		}
		results = append(results, res)
	}
	return dateRows(d.src.Treaty(), ts, results), now, nil
}

func dateRows(own *treaty.Treaty, ts []*treaty.Treaty, results []engine.Result) []dateRow {
	var out []dateRow
	for _, p := range own.Parties {
		for _, id := range limitIDs(ts) {
			row := dateRow{Party: p.ID, Limit: id}
			for i, t := range ts {
				c := dateCell{Treaty: t.ID}
				if lr := limitResult(partyResult(results[i], p.ID), id); lr != nil {
					c.Present, c.Known, c.LimitResult = true, lr.Verdict != engine.NoData && lr.Note == "", *lr
				} else if l, ok := t.Limit(id); ok && l.Binds(p.ID) {
					if _, party := t.Party(p.ID); party {
						c.Present, c.LimitResult = true, engine.LimitResult{ID: id, Verdict: engine.NoData}
					}
				}
				row.Cells = append(row.Cells, c)
			}
			out = append(out, row)
		}
	}
	return out
}

func limitIDs(ts []*treaty.Treaty) []string {
	var ids []string
	for _, t := range ts {
		for _, l := range t.Limits {
			if !slices.Contains(ids, l.ID) {
				ids = append(ids, l.ID)
			}
		}
	}
	return ids
}

// compareDownload answers the clauses (table=clauses, the default) or
// the verdicts on the date (table=date) as data.
func (d *Dashboard) compareDownload(w http.ResponseWriter, r *http.Request, data *compareData, format string) error {
	q := map[string]string{"treaties": strings.Join(data.IDs, ","), "date": data.Date.String()}
	tb := scenTable{Page: "compare", Date: data.Date.String(), Query: q}
	switch table := r.URL.Query().Get("table"); table {
	case "", "clauses":
		tb.Name, tb.Columns = "clauses", append([]string{"topic", "item"}, data.IDs...)
		for _, tp := range data.Topics {
			for _, rw := range tp.Rows {
				rec := []any{tp.ID, rw.Item}
				for _, c := range rw.Cells {
					rec = append(rec, strings.Join(c.Lines, "; "))
				}
				tb.Rows = append(tb.Rows, rec)
			}
		}
	case "date":
		tb.Name, tb.Columns = "date", []string{"treaty", "definition_version", "party", "limit", "value", "ceiling", "margin", "verdict"}
		tb.Rows = dateTableRows(data)
	default:
		return badRequest("table %q is not clauses or date", table)
	}
	tb.Query["table"] = tb.Name
	return d.writeScenTable(w, r, tb, format)
}

func dateTableRows(data *compareData) [][]any {
	var rows [][]any
	for _, rw := range data.OnDate {
		for i, c := range rw.Cells {
			if !c.Present {
				continue
			}
			v := data.Treaties[i].Version
			if !c.Known {
				rows = append(rows, []any{c.Treaty, v, rw.Party, rw.Limit, "", "", "", c.Verdict})
				continue
			}
			rows = append(rows, []any{c.Treaty, v, rw.Party, rw.Limit, c.Value, c.Limit, c.Margin, c.Verdict})
		}
	}
	return rows
}

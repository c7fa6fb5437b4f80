package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"accord/entry/body"
	"accord/internal/engine"
	"accord/internal/i18n"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// warheadFindings are the kinds of finding the warheads page lists.
var warheadFindings = []string{registry.FindingBalance, registry.FindingFreezeBreach, registry.FindingDeployedMismatch}

type warheadsData struct {
	Date    treaty.Date
	KnownAt time.Time
	Party   string // the party asked for, or "" for every party
	Parties []partyWarheads
}

// partyWarheads is one party's section of the warheads page.
type partyWarheads struct {
	Party    treaty.Party
	Index    int   // the party's place in the treaty, for its colour
	Total    int64 // on Date, in every category and status but dismantled
	Declared bool  // the party had stated or changed warheads by Date
	Freezes  []freezeView
	Statuses []balanceView // by category and status, on Date
	Sites    []balanceView // by site, category and status, on Date
	Events   []eventView   // every warhead event, in date order
	Findings []findingView
}

// A balanceView is one row of a breakdown.
type balanceView struct {
	Site, Category, Status string
	Count, PerItem         int64
}

// An eventView is one row of the flows table.
type eventView struct {
	registry.WarheadEvent
	Lots   []string // each lot in words
	Breach bool     // the event took the party above a freeze baseline
}

// A freezeView is one freeze limit for one party: its chart and its
// state on the page's date.
type freezeView struct {
	Limit    treaty.Limit
	Anchor   string
	Baseline *int64 // nil: no baseline, so no data
	From     treaty.Date
	Until    treaty.Date // the last day the freeze is in force
	Value    int64       // on the page's date
	Verdict  string      // the freeze on the page's date, an engine verdict
	SVG      template.HTML
	Bottom   int64 // the value the chart's axis starts at
	Breaches []eventView
	figure   figure
}

// hasWarheads reports whether the treaty has a warhead category.
func hasWarheads(t *treaty.Treaty) bool {
	return slices.ContainsFunc(t.Categories, func(c treaty.Category) bool { return c.Warhead })
}

// freezes returns the treaty's freeze limits that count warheads.
func freezes(t *treaty.Treaty) []treaty.Limit {
	var out []treaty.Limit
	for _, l := range t.Limits {
		if l.Ceiling == nil && !l.Baseline.IsZero() && slices.ContainsFunc(l.Count, func(r treaty.Rule) bool { return t.WarheadCategory(r.Category) }) {
			out = append(out, l)
		}
	}
	return out
}

func (d *Dashboard) warheads(r *http.Request) (*view, error) {
	t := d.src.Treaty()
	if !hasWarheads(t) {
		return nil, &httpError{http.StatusNotFound, fmt.Sprintf("%s declares no warheads: it has no warhead category", t.ID)}
	}
	now := d.src.Now()
	// By default, today, or the treaty's last day in force if it has
	// expired.
	def := treaty.DateOf(now)
	if exp := t.Expiry(); !exp.IsZero() && !def.Before(exp) {
		def = exp.AddDays(-1)
	}
	date, err := dateParam(r, "date", def)
	if err != nil {
		return nil, err
	}
	data := &warheadsData{Date: date, KnownAt: now, Party: r.URL.Query().Get("party")}
	if data.Party != "" {
		if _, err := d.partyParam(data.Party); err != nil {
			return nil, err
		}
	}
	for _, p := range t.Parties {
		if data.Party != "" && p.ID != data.Party {
			continue
		}
		lang, _ := langOf(r)
		pw, err := d.partyWarheads(r.Context(), lang, p, date, now)
		if err != nil {
			return nil, err
		}
		data.Parties = append(data.Parties, pw)
	}
	v := &view{Page: "warheads", Title: "Warheads", Query: params("date", date.String(), "party", data.Party), Data: data,
		Tables: func() []*table { return data.tables(t) }}
	for _, pw := range data.Parties {
		for _, f := range pw.Freezes {
			if f.figure.chart != nil {
				v.Figures = append(v.Figures, f.figure)
			}
		}
	}
	return v, nil
}

// tables are the breakdowns on the page's date, the flows and the
// findings, of every party shown, a column per party.
func (wd *warheadsData) tables(t *treaty.Treaty) []*table {
	st := newTable("by-status", txt("party"), txt("date"), txt("category"), txt("status"), num("warheads"), num("per_item"))
	si := newTable("by-site", txt("party"), txt("date"), txt("site"), txt("category"), txt("status"), num("warheads"), num("per_item"))
	fl := newTable("flows", txt("party"), txt("effective"), txt("notification"), txt("effect"), txt("lots"), num("total"))
	fz := freezes(t)
	for _, l := range fz {
		fl.Columns = append(fl.Columns, num(l.ID+" value"), num(l.ID+" baseline"), txt(l.ID+" breach"))
	}
	fl.Columns = append(fl.Columns, txt("entry"))
	fs := newTable("findings", txt("party"), txt("kind"), txt("finding"), txt("effective"), txt("reason"), txt("entry"))
	for _, pw := range wd.Parties {
		id := pw.Party.ID
		for _, b := range pw.Statuses {
			st.add(id, wd.Date, b.Category, b.Status, b.Count, b.PerItem)
		}
		for _, b := range pw.Sites {
			si.add(id, wd.Date, b.Site, b.Category, b.Status, b.Count, b.PerItem)
		}
		for _, ev := range pw.Events {
			row := []any{id, ev.Effective, ev.Type, ev.Effect, strings.Join(ev.Lots, "; "), ev.Total}
			for _, l := range fz {
				if p := pointOf(ev.WarheadEvent, l.ID); p != nil {
					row = append(row, p.Value, p.Baseline, p.Breach)
				} else {
					row = append(row, nil, nil, nil)
				}
			}
			fl.add(append(row, ev.Entry)...)
		}
		for _, f := range pw.Findings {
			fs.add(id, f.Kind, findingKind(f.Kind), f.Effective, f.Reason, f.Entry)
		}
	}
	return []*table{st, si, fl, fs}
}

// partyWarheads reads one party's warheads as known at now.
func (d *Dashboard) partyWarheads(ctx context.Context, lang *i18n.Lang, p treaty.Party, date treaty.Date, now time.Time) (partyWarheads, error) {
	reg := d.src.Registry()
	pw := partyWarheads{Party: p, Index: d.partyIndex(p.ID) % len(partyColors)}
	evs, err := reg.WarheadEvents(ctx, p.ID, now)
	if err != nil {
		return pw, err
	}
	bs, err := reg.Balances(ctx, p.ID, date, now)
	if err != nil {
		return pw, err
	}
	pw.Sites, pw.Statuses, pw.Total = breakdown(bs)
	for _, ev := range evs {
		pw.Declared = pw.Declared || !ev.Effective.After(date)
		pw.Events = append(pw.Events, eventOf(ev))
	}
	if pw.Freezes, err = d.freezeViews(lang, p.ID, pw.Events, date); err != nil {
		return pw, err
	}
	fs, err := reg.Findings(ctx, p.ID, now)
	if err != nil {
		return pw, err
	}
	for _, f := range fs {
		if slices.Contains(warheadFindings, f.Kind) {
			pw.Findings = append(pw.Findings, findingView{Finding: f, Anchor: notificationAnchor(f.Type)})
		}
	}
	return pw, nil
}

// breakdown sums balances by category and status, and returns them with
// the balances by site and the total.
func breakdown(bs []registry.Balance) (sites, statuses []balanceView, total int64) {
	byStatus := map[[2]string]*balanceView{}
	for _, b := range bs {
		sites = append(sites, balanceView{Site: b.Site, Category: b.Category, Status: b.Status, Count: b.Count, PerItem: b.PerItem})
		k := [2]string{b.Category, b.Status}
		if byStatus[k] == nil {
			byStatus[k] = &balanceView{Category: b.Category, Status: b.Status}
		}
		byStatus[k].Count += b.Count
		byStatus[k].PerItem += b.PerItem
		total += b.Count
	}
	for _, v := range byStatus {
		statuses = append(statuses, *v)
	}
	slices.SortFunc(statuses, func(a, b balanceView) int {
		return strings.Compare(a.Category+"\x00"+a.Status, b.Category+"\x00"+b.Status)
	})
	return sites, statuses, total
}

func eventOf(ev registry.WarheadEvent) eventView {
	v := eventView{WarheadEvent: ev}
	for _, l := range ev.Lots {
		v.Lots = append(v.Lots, lotText(ev.Effect, l))
	}
	v.Breach = slices.ContainsFunc(ev.Freezes, func(p registry.FreezePoint) bool { return p.Breach })
	return v
}

// lotText says what one lot of an event states or moves.
func lotText(effect string, l body.Lot) string {
	what := fmt.Sprintf("%d %s %s at %s", l.Count, l.Status, l.Category, l.Site)
	switch effect {
	case "transfer":
		return what + " to " + l.ToSite
	case "recategorise", "item":
		var to []string
		for _, c := range [][2]string{{l.ToSite, l.Site}, {l.ToCategory, l.Category}, {l.ToStatus, l.Status}} {
			if c[0] != "" && c[0] != c[1] {
				to = append(to, c[0])
			}
		}
		if len(to) > 0 {
			return what + " to " + strings.Join(to, ", ")
		}
	}
	return what
}

// freezeViews lays out each freeze for a party: its chart over every
// event, its baseline and its state on date.
func (d *Dashboard) freezeViews(lang *i18n.Lang, party string, evs []eventView, date treaty.Date) ([]freezeView, error) {
	t := d.src.Treaty()
	var out []freezeView
	for _, l := range freezes(t) {
		if !l.Binds(party) {
			continue
		}
		fv := freezeView{Limit: l, Anchor: limitAnchor(l.ID), From: l.Effective, Until: l.Until, Verdict: engine.NoData}
		if last := t.Expiry().AddDays(-1); !t.Expiry().IsZero() && (fv.Until.IsZero() || last.Before(fv.Until)) {
			fv.Until = last // the expiry is the first day out of force
		}
		for _, ev := range evs {
			p := pointOf(ev.WarheadEvent, l.ID)
			if p == nil {
				continue
			}
			if p.Baseline != nil {
				fv.Baseline = p.Baseline
			}
			if p.Breach {
				fv.Breaches = append(fv.Breaches, ev)
			}
			if !ev.Effective.After(date) {
				fv.Value, fv.Verdict = p.Value, freezeVerdict(t, l, *p, date)
			}
		}
		fig, bottom, err := freezeChartSVG(freezeSpec{Lang: lang, Freeze: fv, Party: party, Color: partyColors[d.partyIndex(party)%len(partyColors)], Events: evs})
		if err != nil {
			return nil, err
		}
		fig.ID, fig.Title = party+"-"+l.ID, party+": "+l.Name
		fv.SVG, fv.Bottom, fv.figure = fig.SVG, bottom, fig
		out = append(out, fv)
	}
	return out, nil
}

// pointOf returns an event's point of the freeze limit, or nil.
func pointOf(ev registry.WarheadEvent, limit string) *registry.FreezePoint {
	for i := range ev.Freezes {
		if ev.Freezes[i].Limit == limit {
			return &ev.Freezes[i]
		}
	}
	return nil
}

// freezeVerdict is the freeze's verdict on date, after the event whose
// point p is: no baseline is no data, never met.
func freezeVerdict(t *treaty.Treaty, l treaty.Limit, p registry.FreezePoint, date treaty.Date) string {
	switch {
	case !t.InForce(date):
		return engine.TreatyNotInForce
	case !l.InForce(date):
		return engine.NotInForce
	case p.Baseline == nil:
		return engine.NoData
	case p.Value > *p.Baseline:
		return engine.Exceeded
	}
	return engine.Met
}

func (d *Dashboard) partyIndex(party string) int {
	return max(0, slices.IndexFunc(d.src.Treaty().Parties, func(p treaty.Party) bool { return p.ID == party }))
}

// A breachView is a freeze breach the overview highlights.
type breachView struct {
	Party, PartyName string
	Limit            treaty.Limit
	Effective        treaty.Date
	Entry            body.Ref
	Type             string
	Value, Baseline  int64
}

// breaches returns every freeze breach as known at now, party by party
// in treaty order, each in date order.
func (d *Dashboard) breaches(ctx context.Context, now time.Time) ([]breachView, error) {
	t := d.src.Treaty()
	if !hasWarheads(t) {
		return nil, nil
	}
	var out []breachView
	for _, p := range t.Parties {
		evs, err := d.src.Registry().WarheadEvents(ctx, p.ID, now)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			for _, fp := range ev.Freezes {
				if !fp.Breach || fp.Baseline == nil {
					continue
				}
				l, _ := t.Limit(fp.Limit)
				out = append(out, breachView{Party: p.ID, PartyName: p.Name, Limit: l, Effective: ev.Effective, Entry: ev.Entry, Type: ev.Type, Value: fp.Value, Baseline: *fp.Baseline})
			}
		}
	}
	return out, nil
}

package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"accord/internal/declaration"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// maxItemsShown bounds the items listed on one page of the database.
const maxItemsShown = 200

type facilityView struct {
	registry.Facility
	Items int
}

type databaseData struct {
	Party      treaty.Party
	Parties    []treaty.Party
	Date       treaty.Date
	Q          string
	Facility   string
	Facilities []facilityView
	Items      []declaration.Item
	Matched    int
	Total      int
	Limit      int
	Exact      bool               // Q names an item that exists at some time, shown or not
	matched    []declaration.Item // every item matched, for the download
}

// tables are the facilities, and every item matched (not only the first
// maxItemsShown the page lists).
func (db *databaseData) tables() []*table {
	fs := newTable("facilities", txt("party"), txt("date"), txt("facility"), num("items"))
	for _, f := range db.Facilities {
		fs.add(db.Party.ID, db.Date, f.ID, f.Items)
	}
	its := newTable("items", txt("party"), txt("date"), txt("uid"), txt("type"), txt("category"), txt("status"), txt("facility"), num("warheads"))
	for _, it := range db.matched {
		its.add(db.Party.ID, db.Date, it.UID, it.Type, it.Category, it.Status, it.Facility, it.Warheads)
	}
	return []*table{its, fs}
}

func (d *Dashboard) database(r *http.Request) (*view, error) {
	data, err := d.databaseOf(r)
	if err != nil {
		return nil, err
	}
	q := params("party", data.Party.ID, "date", data.Date.String(), "q", data.Q, "facility", data.Facility)
	return &view{Page: "database", Title: "Treaty database", Query: q, Data: data, Tables: data.tables}, nil
}

func (d *Dashboard) databaseOf(r *http.Request) (*databaseData, error) {
	ctx := r.Context()
	t := d.src.Treaty()
	q := r.URL.Query()
	pid := q.Get("party")
	if pid == "" {
		pid = t.Parties[0].ID
	}
	p, err := d.partyParam(pid)
	if err != nil {
		return nil, err
	}
	date, err := dateParam(r, "date", treaty.DateOf(d.src.Now()))
	if err != nil {
		return nil, err
	}
	data := databaseData{Party: p, Parties: t.Parties, Date: date, Q: strings.TrimSpace(q.Get("q")), Facility: q.Get("facility"), Limit: maxItemsShown}
	now, err := d.counts.sync(ctx)
	if err != nil {
		return nil, err
	}
	decl, err := d.counts.declaration(ctx, p.ID, date, now)
	if err != nil {
		return nil, err
	}
	fs, err := d.src.Registry().Facilities(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	for _, it := range decl.Items {
		at[it.Facility]++
	}
	for _, f := range fs {
		data.Facilities = append(data.Facilities, facilityView{Facility: f, Items: at[f.ID]})
	}
	data.Total = len(decl.Items)
	needle := strings.ToLower(data.Q)
	for _, it := range decl.Items {
		if data.Facility != "" && it.Facility != data.Facility {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(it.UID+" "+it.Type+" "+it.Category+" "+it.Status+" "+it.Facility), needle) {
			continue
		}
		data.Matched++
		data.matched = append(data.matched, it)
		if len(data.Items) < maxItemsShown {
			data.Items = append(data.Items, it)
		}
	}
	if data.Q != "" {
		h, err := d.src.Registry().History(ctx, p.ID, data.Q)
		if err != nil {
			return nil, err
		}
		data.Exact = len(h) > 0
	}
	return &data, nil
}

type factView struct {
	registry.Fact
	Change string
	Party  string
}

type itemData struct {
	Party   treaty.Party
	UID     string
	Current map[string]string
	Facts   []factView
}

func (d *Dashboard) item(r *http.Request) (*view, error) {
	p, err := d.partyParam(r.PathValue("party"))
	if err != nil {
		return nil, err
	}
	uid := r.PathValue("uid")
	h, err := d.src.Registry().History(r.Context(), p.ID, uid)
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%w: %s declared no item %s", ErrNotFound, p.ID, uid)
	}
	data := itemData{Party: p, UID: uid, Current: map[string]string{}}
	for _, f := range h {
		data.Facts = append(data.Facts, factView{Fact: f, Change: describe(f), Party: p.ID})
		if f.CorrectedBy != nil {
			continue
		}
		for k, v := range map[string]string{"type": f.Type, "category": f.Category, "status": f.Status, "facility": f.Facility} {
			if v != "" {
				data.Current[k] = v
			}
		}
		if f.Warheads != nil {
			data.Current["warheads"] = fmt.Sprint(*f.Warheads)
		}
	}
	return &view{Page: "item", Title: uid, Query: url.Values{}, Data: data, Tables: data.tables}, nil
}

// tables is the item's history, every fact in the order it took effect.
func (it *itemData) tables() []*table {
	t := newTable("item-history", txt("party"), txt("uid"), txt("effective"), txt("recorded"), txt("type"), txt("category"), txt("status"), txt("facility"), txt("moved_from"), txt("warheads"), txt("change"), txt("entry"), txt("corrected_by"))
	for _, f := range it.Facts {
		var by any
		if f.CorrectedBy != nil {
			by = *f.CorrectedBy
		}
		t.add(it.Party.ID, it.UID, f.Effective, f.Recorded, f.Type, f.Category, f.Status, f.Facility, f.MovedFrom, f.Warheads, f.Change, f.Entry, by)
	}
	return []*table{t}
}

// describe says in words what a fact changed.
func describe(f registry.Fact) string {
	var parts []string
	if f.Type != "" && f.Category != "" {
		parts = append(parts, fmt.Sprintf("%s (%s)", f.Type, f.Category))
	}
	if f.Status != "" {
		parts = append(parts, f.Status)
	}
	switch {
	case f.MovedFrom != "":
		parts = append(parts, fmt.Sprintf("moved from %s to %s", f.MovedFrom, f.Facility))
	case f.Facility != "":
		parts = append(parts, "at "+f.Facility)
	}
	if f.Warheads != nil {
		parts = append(parts, fmt.Sprintf("%d warheads", *f.Warheads))
	}
	if len(parts) == 0 {
		return "named"
	}
	return strings.Join(parts, ", ")
}

package web

import (
	"fmt"
	"net/http"
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
	Exact      bool // Q names an item that exists at some time, shown or not
}

func (d *Dashboard) database(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t := d.src.Treaty()
	q := r.URL.Query()
	pid := q.Get("party")
	if pid == "" {
		pid = t.Parties[0].ID
	}
	p, err := d.partyParam(pid)
	if err != nil {
		return err
	}
	date, err := dateParam(r, "date", treaty.DateOf(d.src.Now()))
	if err != nil {
		return err
	}
	data := databaseData{Party: p, Parties: t.Parties, Date: date, Q: strings.TrimSpace(q.Get("q")), Facility: q.Get("facility"), Limit: maxItemsShown}
	now, err := d.counts.sync(ctx)
	if err != nil {
		return err
	}
	decl, err := d.counts.declaration(ctx, p.ID, date, now)
	if err != nil {
		return err
	}
	fs, err := d.src.Registry().Facilities(ctx, p.ID)
	if err != nil {
		return err
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
		if len(data.Items) < maxItemsShown {
			data.Items = append(data.Items, it)
		}
	}
	if data.Q != "" {
		h, err := d.src.Registry().History(ctx, p.ID, data.Q)
		if err != nil {
			return err
		}
		data.Exact = len(h) > 0
	}
	return d.render(w, r, http.StatusOK, "database", "Treaty database", data)
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

func (d *Dashboard) item(w http.ResponseWriter, r *http.Request) error {
	p, err := d.partyParam(r.PathValue("party"))
	if err != nil {
		return err
	}
	uid := r.PathValue("uid")
	h, err := d.src.Registry().History(r.Context(), p.ID, uid)
	if err != nil {
		return err
	}
	if len(h) == 0 {
		return fmt.Errorf("%w: %s declared no item %s", ErrNotFound, p.ID, uid)
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
	return d.render(w, r, http.StatusOK, "item", uid, data)
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

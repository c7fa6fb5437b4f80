package web

import (
	"net/http"

	"accord/internal/factsheet"
	"accord/internal/registry"
	"accord/internal/treaty"
)

type logView struct {
	LogHealth
	Ingested uint64
}

func (d *Dashboard) logs(w http.ResponseWriter, r *http.Request) error {
	ls, err := d.src.Logs(r.Context())
	if err != nil {
		return err
	}
	var data []logView
	for _, l := range ls {
		n, err := d.src.Registry().NextIndex(r.Context(), l.Origin)
		if err != nil {
			return err
		}
		data = append(data, logView{LogHealth: l, Ingested: n})
	}
	return d.render(w, r, http.StatusOK, "logs", "Logs", data)
}

type treatyData struct {
	T            *treaty.Treaty
	Expiry       treaty.Date
	Phase        string
	InspectionOf map[string]int
}

func (d *Dashboard) treaty(w http.ResponseWriter, r *http.Request) error {
	t := d.src.Treaty()
	return d.render(w, r, http.StatusOK, "treaty", t.ShortTitle, treatyData{T: t, Expiry: t.Expiry(), Phase: t.Phase(treaty.DateOf(d.src.Now()))})
}

// factsheet serves the public fact sheet on ?date= (by default the latest
// data-exchange date), to anyone.
func (d *Dashboard) factsheet(w http.ResponseWriter, r *http.Request, format string) {
	t := d.src.Treaty()
	now, err := d.counts.sync(r.Context())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	stated, err := d.counts.statedDates(r.Context(), now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	date, err := dateParam(r, "date", factsheet.Latest(t, stated, treaty.DateOf(now)))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	sheet, err := factsheet.ComputeWith(r.Context(), t, stated, d.counts.declaration, date, now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", factsheet.ContentType(format))
	if err := sheet.Write(w, format); err != nil {
		d.log.ErrorContext(r.Context(), "writing fact sheet", "err", err)
	}
}

var _ = registry.OnTime

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"accord/internal/factsheet"
	"accord/internal/treaty"
)

type logView struct {
	LogHealth
	Ingested uint64
	// Unverified counts the signatures on the checkpoint that are neither
	// the log's own nor a cosignature the node verified.
	Unverified int
}

// signatureLines counts the signature lines of a signed note.
func signatureLines(signed []byte) int {
	_, sigs, ok := strings.Cut(string(signed), "\n\n")
	if !ok {
		return 0
	}
	return strings.Count(sigs, "\u2014 ")
}

func (d *Dashboard) logs(r *http.Request) (*view, error) {
	ls, err := d.src.Logs(r.Context())
	if err != nil {
		return nil, err
	}
	var data []logView
	for _, l := range ls {
		n, err := d.src.Registry().NextIndex(r.Context(), l.Origin)
		if err != nil {
			return nil, err
		}
		v := logView{LogHealth: l, Ingested: n}
		if len(l.Checkpoint) > 0 {
			v.Unverified = max(0, signatureLines(l.Checkpoint)-1-len(l.Cosigners))
		}
		data = append(data, v)
	}
	return &view{Page: "logs", Title: "Logs", Query: url.Values{}, Data: data, Tables: func() []*table { return logsTables(data) }}, nil
}

// logsTables is one row per log: its latest checkpoint (size and root
// hash, from the signed note), how much of it the treaty database holds,
// its witnesses and evidence.
func logsTables(ls []logView) []*table {
	t := newTable("logs", txt("party"), txt("origin"), num("size"), txt("checkpoint_hash"), txt("checkpoint_time"), num("ingested"), txt("cosigners"), num("unverified_signatures"), txt("evidence"), txt("vkey"))
	for _, l := range ls {
		var cos, ev []string
		for _, c := range l.Cosigners {
			cos = append(cos, c.Name)
		}
		for _, e := range l.Evidence {
			ev = append(ev, e.Kind+" "+e.File)
		}
		t.add(l.Party, l.Origin, l.Size, checkpointHash(l.Checkpoint), l.CheckpointTime, l.Ingested, strings.Join(cos, " "), l.Unverified, strings.Join(ev, " "), l.VKey)
	}
	return []*table{t}
}

// checkpointHash returns the root hash line of a checkpoint
// (c2sp.org/tlog-checkpoint: origin, size, hash), or "".
func checkpointHash(cp []byte) string {
	lines := strings.SplitN(string(cp), "\n", 4)
	if len(lines) < 4 {
		return ""
	}
	return lines[2]
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
// data-exchange date), to anyone. Its errors are in its own format: a
// line of text for CSV, an object for JSON, a page for HTML.
func (d *Dashboard) factsheet(w http.ResponseWriter, r *http.Request, format string) {
	if err := checkLang(r); err != nil {
		d.failSheet(w, r, format, err)
		return
	}
	sheet, err := d.sheet(r)
	if err != nil {
		d.failSheet(w, r, format, err)
		return
	}
	sheet.Simulated = d.src.Simulated()
	l, carry := langOf(r)
	sheet.Lang = l.Code
	for _, f := range factsheet.Formats {
		u := "/factsheet." + f + "?date=" + sheet.AsOf.String()
		if carry && f == "html" {
			u += "&lang=" + l.Code
		}
		sheet.Links = append(sheet.Links, factsheet.Link{Format: strings.ToUpper(f), URL: u})
	}
	var b bytes.Buffer
	if err := sheet.Write(&b, format); err != nil {
		d.failSheet(w, r, format, err)
		return
	}
	w.Header().Set("Content-Type", factsheet.ContentType(format))
	if format == "html" {
		w.Header().Set("Content-Language", l.Code)
	}
	w.Write(b.Bytes())
}

// sheet computes the fact sheet a request asks for.
func (d *Dashboard) sheet(r *http.Request) (*factsheet.Sheet, error) {
	t := d.src.Treaty()
	now, err := d.counts.sync(r.Context())
	if err != nil {
		return nil, err
	}
	stated, err := d.counts.statedDates(r.Context(), now)
	if err != nil {
		return nil, err
	}
	date, err := dateParam(r, "date", factsheet.Latest(t, stated, treaty.DateOf(now)))
	if err != nil {
		return nil, err
	}
	return factsheet.ComputeWith(r.Context(), t, stated, d.counts.declaration, factsheet.SheetDate(t, date), now)
}

// failSheet answers a fact sheet's error in the sheet's format.
func (d *Dashboard) failSheet(w http.ResponseWriter, r *http.Request, format string, err error) {
	status := statusOf(err)
	if status >= 500 {
		d.log.ErrorContext(r.Context(), "serving fact sheet", "path", r.URL.Path, "err", err)
		err = errors.New("the fact sheet could not be computed; the node's log says why")
	}
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintln(w, err)
	case "json":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
	default:
		d.fail(w, r, err)
	}
}

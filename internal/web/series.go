package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"

	"accord/internal/treaty"
)

// A point is one value of the history's series, as downloaded.
type point struct {
	AsOf         treaty.Date `json:"as_of"`
	Party        string      `json:"party"`
	Limit        string      `json:"limit"`
	Value        int         `json:"value"`
	Verdict      string      `json:"verdict"`
	Interpolated bool        `json:"interpolated"`
}

// points lists the history's known values, oldest first.
func (h *historyData) points() []point {
	var out []point
	for i := len(h.Rows) - 1; i >= 0; i-- {
		for _, c := range h.Rows[i].Cells {
			if c.Known {
				out = append(out, point{h.Rows[i].Date, c.Party, c.Limit, c.Value, c.Verdict, c.Interpolated})
			}
		}
	}
	return out
}

// historyCSV serves the history's series as CSV: one row per party,
// limit and date with data.
func (d *Dashboard) historyCSV(w http.ResponseWriter, r *http.Request) error {
	h, err := d.historyOf(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"as_of", "party", "limit", "value", "verdict", "interpolated", "reading"})
	for _, p := range h.points() {
		cw.Write([]string{p.AsOf.String(), p.Party, p.Limit, strconv.Itoa(p.Value), p.Verdict, strconv.FormatBool(p.Interpolated), h.Reading})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return download(w, "text/csv; charset=utf-8", "history-"+h.Reading+".csv", b.Bytes())
}

// historyJSON serves the same series as JSON.
func (d *Dashboard) historyJSON(w http.ResponseWriter, r *http.Request) error {
	h, err := d.historyOf(r)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(map[string]any{"treaty": d.src.Treaty().ID, "reading": h.Reading, "points": h.points()}, "", "  ")
	if err != nil {
		return err
	}
	return download(w, "application/json", "history-"+h.Reading+".json", append(b, '\n'))
}

package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// A scenTable is one table of the scenarios or comparison page as data:
// the page's URL with format=csv or format=json (and table= where the page
// has several) answers it, as every table of the dashboard does (issue
// 18's download convention, docs/dashboard.md).
type scenTable struct {
	Page    string            // the page's path without its slash: "scenarios"
	Name    string            // the table, for the file's name: "options"
	Date    string            // the date the table is of, for the file's name
	Query   map[string]string // the view's parameters
	Columns []string
	Rows    [][]any
}

// A checkpointRef names a log checkpoint a download was computed from.
type checkpointRef struct {
	Party  string `json:"party"`
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Hash   string `json:"hash"` // the root hash, base64 as in the checkpoint
}

// queryMap flattens query values to their first value each.
func queryMap(v url.Values) map[string]string {
	m := map[string]string{}
	for k := range v {
		m[k] = v.Get(k)
	}
	return m
}

// checkpoints lists the checkpoint of every log the node holds.
func (d *Dashboard) checkpoints(ctx context.Context) ([]checkpointRef, error) {
	logs, err := d.src.Logs(ctx)
	if err != nil {
		return nil, err
	}
	out := []checkpointRef{}
	for _, l := range logs {
		lines := strings.SplitN(string(l.Checkpoint), "\n", 4)
		hash := ""
		if len(lines) >= 3 {
			if _, err := base64.StdEncoding.DecodeString(lines[2]); err == nil {
				hash = lines[2]
			}
		}
		out = append(out, checkpointRef{Party: l.Party, Origin: l.Origin, Size: l.Size, Hash: hash})
	}
	return out, nil
}

// writeScenTable answers the table in format, csv or json.
func (d *Dashboard) writeScenTable(w http.ResponseWriter, r *http.Request, tb scenTable, format string) error {
	name := fmt.Sprintf("%s-%s-%s.%s", tb.Page, tb.Name, tb.Date, format)
	switch format {
	case "csv":
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		cw.Write(tb.Columns)
		for _, row := range tb.Rows {
			rec := make([]string, len(row))
			for i, c := range row {
				rec[i] = fmt.Sprint(c)
			}
			cw.Write(rec)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return download(w, "text/csv; charset=utf-8", name, b.Bytes())
	case "json":
		cps, err := d.checkpoints(r.Context())
		if err != nil {
			return err
		}
		t := d.src.Treaty()
		b, err := json.MarshalIndent(map[string]any{
			"page": tb.Page, "query": tb.Query,
			"treaty":      map[string]any{"id": t.ID, "version": t.Version},
			"checkpoints": cps, "columns": tb.Columns, "rows": tb.Rows,
		}, "", "  ")
		if err != nil {
			return err
		}
		return download(w, "application/json", name, append(b, '\n'))
	}
	return badRequest("format %q is not csv or json", format)
}

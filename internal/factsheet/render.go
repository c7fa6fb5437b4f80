package factsheet

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"accord/internal/i18n"
	"accord/internal/treaty"
)

// Formats Write accepts.
var Formats = []string{"csv", "json", "html"}

// contentTypes are the media types of Formats, for serving a sheet.
var contentTypes = map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8"}

// CheckFormat returns a *FormatError unless format is one of Formats.
func CheckFormat(format string) error {
	if _, ok := contentTypes[format]; !ok {
		return &FormatError{Format: format}
	}
	return nil
}

// ContentType returns the media type of format, one of Formats.
func ContentType(format string) string { return contentTypes[format] }

// WriteCSV writes the sheet as CSV: a header "as_of,party,<limit id>…"
// and a row per party with current data, as testdata/newstart-aggregates.csv;
// a cell is empty where the limit does not bind the party.
func (s *Sheet) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"as_of", "party"}
	for _, l := range s.Limits {
		head = append(head, l.ID)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range s.Rows {
		row := []string{s.AsOf.String(), r.Party}
		for _, l := range s.Limits {
			v, ok := r.Value(l.ID)
			if !ok {
				row = append(row, "") // the limit does not bind the party
				continue
			}
			row = append(row, strconv.Itoa(v))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the sheet as indented JSON.
func (s *Sheet) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

//go:embed templates/factsheet.html
var htmlText string

// htmlTemplates are the page in each language (i18n.Codes).
var htmlTemplates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, code := range i18n.Codes {
		l, _ := i18n.Get(code)
		out[code] = template.Must(template.New("factsheet").Funcs(htmlFuncs(l)).Parse(htmlText))
	}
	return out
}()

// htmlFuncs are the page's functions, printing in l.
func htmlFuncs(l *i18n.Lang) template.FuncMap {
	return template.FuncMap{
		"lang": func() string { return l.Code },
		"t":    func(key string, args ...any) template.HTML { return message(l, key, args) },
		"term": l.Term,
		"num":  func(n int) string { return l.Num(int64(n)) },
		"value": func(r Row, id string) (string, error) {
			v, ok := r.Value(id)
			if !ok {
				return "", nil
			}
			return l.Num(int64(v)), nil
		},
		"date": func(d treaty.Date) string {
			if d.IsZero() {
				return ""
			}
			return l.Date(d.Time())
		},
		"time": func(t time.Time) string { return l.Date(t.UTC()) + ", " + t.UTC().Format("15:04") + " UTC" },
		"join": func(s []string) string { return strings.Join(s, ", ") },
		"effective": func(ls []Limit) string {
			var out []string
			for _, x := range ls {
				out = append(out, l.Date(x.Effective.Time())+" ("+x.Cite+")")
			}
			return strings.Join(out, "; ")
		},
	}
}

// message prints a message of the catalog, whose text is trusted, with
// every string argument escaped: as the page's own text, so that the
// English page reads byte for byte as before it had translations.
func message(l *i18n.Lang, key string, args []any) template.HTML {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = template.HTMLEscapeString(s)
		}
	}
	return template.HTML(l.T(key, args...))
}

// StyleHash is the Content-Security-Policy source ('sha256-…') of the
// stylesheet the HTML page inlines, for a server that serves the page
// under a policy without 'unsafe-inline'. The stylesheet is static text
// of the template, so every page inlines the same one.
var StyleHash = styleHash(htmlText)

func styleHash(page string) string {
	_, rest, _ := strings.Cut(page, "<style>")
	css, _, _ := strings.Cut(rest, "</style>")
	h := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// WriteHTML writes the sheet as a standalone, printable HTML page, in
// the language s.Lang (English if empty).
func (s *Sheet) WriteHTML(w io.Writer) error {
	tmpl, ok := htmlTemplates[s.Lang]
	if !ok {
		tmpl = htmlTemplates[i18n.Codes[0]]
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, s); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Write writes the sheet in format, one of Formats.
func (s *Sheet) Write(w io.Writer, format string) error {
	switch format {
	case "csv":
		return s.WriteCSV(w)
	case "json":
		return s.WriteJSON(w)
	case "html":
		return s.WriteHTML(w)
	}
	return &FormatError{Format: format}
}

// A FormatError reports an unknown output format.
type FormatError struct{ Format string }

func (e *FormatError) Error() string {
	return strconv.Quote(e.Format) + " is not one of " + strings.Join(Formats, ", ")
}

// Thousands writes n with commas between groups of three digits, as the
// fact sheets print numbers: 1,550.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

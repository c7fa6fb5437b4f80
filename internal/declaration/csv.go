package declaration

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"accord/internal/treaty"
)

// Columns of the CSV levels. A column in "required" must be present;
// "optional" ones may be.
var (
	itemColumns     = columns{required: []string{"party", "uid", "type", "category", "status"}, optional: []string{"as_of", "facility", "warheads"}}
	typeColumns     = columns{required: []string{"party", "type", "category", "status", "count"}, optional: []string{"as_of", "warheads"}}
	warheadColumns  = columns{required: []string{"party", "site", "category", "status", "count"}, optional: []string{"as_of"}}
	aggregateFixed  = []string{"as_of", "party"}
	aggregateAnnote = []string{"source", "note"}
)

type columns struct{ required, optional []string }

// csvFile is a CSV declaration being read.
type csvFile struct {
	name   string
	r      *csv.Reader
	header map[string]int // column name → index
	names  []string
}

func loadCSV(c *checker, name string, in io.Reader) (*Set, error) {
	f := &csvFile{name: name, r: csv.NewReader(in)}
	f.r.Comment = '#'
	f.r.ReuseRecord = true
	head, err := f.r.Read()
	if err != nil {
		return nil, f.readError(err)
	}
	f.names = slices.Clone(head)
	f.header = map[string]int{}
	for i, h := range f.names {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		f.names[i] = h
		if _, dup := f.header[h]; dup {
			return nil, f.headerError(i, "duplicate column %q", h)
		}
		f.header[h] = i
	}
	level, err := f.level(c.t)
	if err != nil {
		return nil, err
	}
	return f.rows(c, level)
}

func (f *csvFile) readError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: f.name, Line: pe.Line, Column: pe.Column, Msg: pe.Err.Error()}
	}
	if err == io.EOF {
		return &Error{File: f.name, Msg: "no header line"}
	}
	return &Error{File: f.name, Msg: err.Error()}
}

func (f *csvFile) headerError(i int, format string, args ...any) error {
	line, col := f.r.FieldPos(i)
	return &Error{File: f.name, Line: line, Column: col, Field: f.names[i], Msg: fmt.Sprintf(format, args...)}
}

// level tells the file's level of detail from its header, and checks that
// every column is known.
func (f *csvFile) level(t *treaty.Treaty) (string, error) {
	var level string
	var cols columns
	switch {
	case f.has("uid"):
		level, cols = LevelItems, itemColumns
	case f.has("site"):
		level, cols = LevelWarheads, warheadColumns
	case f.has("count"):
		level, cols = LevelTypes, typeColumns
	default:
		level = LevelAggregates
		cols = columns{required: aggregateFixed, optional: aggregateAnnote}
		for _, l := range t.Limits {
			cols.optional = append(cols.optional, l.ID)
		}
	}
	for i, h := range f.names {
		if !slices.Contains(cols.required, h) && !slices.Contains(cols.optional, h) {
			return "", f.headerError(i, "unknown column %q in a declaration of %s (columns: %s)", h, level, strings.Join(append(slices.Clone(cols.required), cols.optional...), ", "))
		}
	}
	for _, req := range cols.required {
		if !f.has(req) {
			return "", &Error{File: f.name, Line: 1, Field: req, Msg: fmt.Sprintf("missing column %q in a declaration of %s", req, level)}
		}
	}
	return level, nil
}

func (f *csvFile) has(col string) bool { _, ok := f.header[col]; return ok }

func (f *csvFile) rows(c *checker, level string) (*Set, error) {
	s := &Set{}
	for n := 0; ; n++ {
		rec, err := f.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, f.readError(err)
		}
		if n >= MaxRows {
			return nil, &Error{File: f.name, Msg: fmt.Sprintf("more than %d rows", MaxRows)}
		}
		line, _ := f.r.FieldPos(0)
		r := row{file: f.name, line: line, column: func(field string) int {
			if i, ok := f.header[field]; ok {
				_, col := f.r.FieldPos(i)
				return col
			}
			return 0
		}}
		if err := f.row(c, r, level, rec, s); err != nil {
			return nil, err
		}
	}
	if s.rows() == 0 {
		return nil, &Error{File: f.name, Line: 1, Column: 1, Msg: "no rows after the header"}
	}
	return s, nil
}

func (f *csvFile) get(rec []string, col string) string {
	if i, ok := f.header[col]; ok {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

func (f *csvFile) row(c *checker, r row, level string, rec []string, s *Set) error {
	asOf, err := parseDate(r, f.get(rec, "as_of"))
	if err != nil {
		return err
	}
	switch level {
	case LevelItems:
		it := Item{AsOf: asOf, Party: f.get(rec, "party"), UID: f.get(rec, "uid"), Type: f.get(rec, "type"),
			Category: f.get(rec, "category"), Status: f.get(rec, "status"), Facility: f.get(rec, "facility")}
		if it.Warheads, err = f.optInt(r, rec, "warheads"); err != nil {
			return err
		}
		if err := c.item(r, it); err != nil {
			return err
		}
		s.Items = append(s.Items, it)
	case LevelTypes:
		tc := TypeCount{AsOf: asOf, Party: f.get(rec, "party"), Type: f.get(rec, "type"),
			Category: f.get(rec, "category"), Status: f.get(rec, "status")}
		if tc.Count, err = atoi(r, "count", f.get(rec, "count")); err != nil {
			return err
		}
		if tc.Warheads, err = f.optInt(r, rec, "warheads"); err != nil {
			return err
		}
		if err := c.typeCount(r, tc); err != nil {
			return err
		}
		s.Types = append(s.Types, tc)
	case LevelWarheads:
		return f.warhead(c, r, asOf, rec, s)
	default:
		a := Aggregate{AsOf: asOf, Party: f.get(rec, "party"), Values: map[string]int{},
			Source: f.get(rec, "source"), Note: f.get(rec, "note")}
		for _, l := range c.t.Limits {
			if v := f.get(rec, l.ID); v != "" {
				if a.Values[l.ID], err = atoi(r, l.ID, v); err != nil {
					return err
				}
			}
		}
		if err := c.aggregate(r, a); err != nil {
			return err
		}
		s.Aggregates = append(s.Aggregates, a)
	}
	return nil
}

func (f *csvFile) optInt(r row, rec []string, col string) (int, error) {
	v := f.get(rec, col)
	if v == "" {
		return 0, nil
	}
	return atoi(r, col, v)
}

func (f *csvFile) warhead(c *checker, r row, asOf treaty.Date, rec []string, s *Set) error {
	w := Warhead{AsOf: asOf, Party: f.get(rec, "party"), Site: f.get(rec, "site"),
		Category: f.get(rec, "category"), Status: f.get(rec, "status")}
	var err error
	if w.Count, err = atoi(r, "count", f.get(rec, "count")); err != nil {
		return err
	}
	if err := c.warhead(r, w); err != nil {
		return err
	}
	s.Warheads = append(s.Warheads, w)
	return nil
}

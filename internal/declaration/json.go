package declaration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"accord/internal/treaty"
)

// jsonFile is a JSON declaration being read. It walks the top-level object
// by tokens so that every row's error can name its line.
type jsonFile struct {
	name string
	data []byte
	dec  *json.Decoder
	c    *checker
	asOf treaty.Date // the document's default as_of
}

func loadJSON(c *checker, name string, in io.Reader) (*Set, error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	f := &jsonFile{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data)), c: c}
	s := &Set{}
	if err := f.object(s); err != nil {
		return nil, err
	}
	if s.rows() == 0 {
		return nil, &Error{File: name, Line: 1, Column: 1, Msg: "no rows: give items, types, aggregates or warheads"}
	}
	return s, nil
}

func (f *jsonFile) errAt(offset int64, field, format string, args ...any) *Error {
	line := 1 + bytes.Count(f.data[:min(int(offset), len(f.data))], []byte("\n"))
	col := int(offset) - bytes.LastIndexByte(f.data[:min(int(offset), len(f.data))], '\n')
	return &Error{File: f.name, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (f *jsonFile) syntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return f.errAt(se.Offset, "", "%v", se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return f.errAt(te.Offset, te.Field, "%s: want %s, got %s", te.Field, te.Type, te.Value)
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return f.errAt(int64(len(f.data)), "", "unexpected end of JSON")
	}
	return f.errAt(f.dec.InputOffset(), "", "%v", err)
}

func (f *jsonFile) object(s *Set) error {
	if err := f.delim('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for f.dec.More() {
		off := f.dec.InputOffset()
		tok, err := f.dec.Token()
		if err != nil {
			return f.syntax(err)
		}
		k, _ := tok.(string)
		if seen[k] {
			return f.errAt(off, k, "duplicate key %q", k)
		}
		seen[k] = true
		if err := f.member(k, off, s); err != nil {
			return err
		}
	}
	if err := f.delim('}'); err != nil {
		return err
	}
	if _, err := f.dec.Token(); err != io.EOF {
		return f.errAt(f.dec.InputOffset(), "", "unexpected data after the top-level object")
	}
	return nil
}

func (f *jsonFile) member(k string, off int64, s *Set) error {
	switch k {
	case "as_of":
		if s.rows() > 0 {
			return f.errAt(off, "as_of", "as_of must come before the rows it applies to")
		}
		if err := f.dec.Decode(&f.asOf); err != nil {
			return f.syntax(err)
		}
		return f.c.date(row{file: f.name, line: f.errAt(off, "", "").Line}, f.asOf)
	case "items":
		return f.array(k, func(r row, raw []byte) error { return f.item(r, raw, s) })
	case "types":
		return f.array(k, func(r row, raw []byte) error { return f.typeCount(r, raw, s) })
	case "aggregates":
		return f.array(k, func(r row, raw []byte) error { return f.aggregate(r, raw, s) })
	case "warheads":
		return f.array(k, func(r row, raw []byte) error { return f.warhead(r, raw, s) })
	}
	return f.errAt(off, k, "unknown key %q (keys: as_of, items, types, aggregates, warheads)", k)
}

func (f *jsonFile) delim(want json.Delim) error {
	tok, err := f.dec.Token()
	if err != nil {
		return f.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return f.errAt(f.dec.InputOffset(), "", "expected %q", string(want))
	}
	return nil
}

func (f *jsonFile) array(field string, each func(row, []byte) error) error {
	if err := f.delim('['); err != nil {
		return err
	}
	for i := 0; f.dec.More(); i++ {
		if i >= MaxRows {
			return f.errAt(f.dec.InputOffset(), field, "more than %d rows", MaxRows)
		}
		var raw json.RawMessage
		off := f.dec.InputOffset()
		if err := f.dec.Decode(&raw); err != nil {
			return f.syntax(err)
		}
		start := off + int64(bytes.IndexByte(f.data[off:], '{'))
		e := f.errAt(start, "", "")
		r := row{file: f.name, line: e.Line, column: func(string) int { return e.Column }}
		if err := each(r, raw); err != nil {
			return err
		}
	}
	return f.delim(']')
}

func (f *jsonFile) strict(r row, raw []byte, v any) error {
	if err := exactKeys(r, raw, v); err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return r.errorf(te.Field, "%s: want %s, got %s", te.Field, te.Type, te.Value)
		}
		return r.errorf("", "%v", err)
	}
	return nil
}

func (f *jsonFile) dated(d treaty.Date) treaty.Date {
	if d.IsZero() {
		return f.asOf
	}
	return d
}

func (f *jsonFile) item(r row, raw []byte, s *Set) error {
	var it Item
	if err := f.strict(r, raw, &it); err != nil {
		return err
	}
	it.AsOf = f.dated(it.AsOf)
	if err := f.c.item(r, it); err != nil {
		return err
	}
	s.Items = append(s.Items, it)
	return nil
}

func (f *jsonFile) typeCount(r row, raw []byte, s *Set) error {
	var tc TypeCount
	if err := f.strict(r, raw, &tc); err != nil {
		return err
	}
	tc.AsOf = f.dated(tc.AsOf)
	if err := f.c.typeCount(r, tc); err != nil {
		return err
	}
	s.Types = append(s.Types, tc)
	return nil
}

func (f *jsonFile) aggregate(r row, raw []byte, s *Set) error {
	var a Aggregate
	if err := f.strict(r, raw, &a); err != nil {
		return err
	}
	a.AsOf = f.dated(a.AsOf)
	if a.Values == nil {
		a.Values = map[string]int{}
	}
	if err := f.c.aggregate(r, a); err != nil {
		return err
	}
	s.Aggregates = append(s.Aggregates, a)
	return nil
}

func (f *jsonFile) warhead(r row, raw []byte, s *Set) error {
	var w Warhead
	if err := f.strict(r, raw, &w); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil || keys["count"] == nil || string(keys["count"]) == "null" {
		return r.errorf("count", "count is missing: give the number of warheads (0 for none)")
	}
	w.AsOf = f.dated(w.AsOf)
	if err := f.c.warhead(r, w); err != nil {
		return err
	}
	s.Warheads = append(s.Warheads, w)
	return nil
}

// exactKeys refuses a row whose keys are not exactly the field names of
// v (encoding/json matches them case-insensitively) or that repeats a key
// (encoding/json keeps the last): a signed declaration must mean one
// thing.
func exactKeys(r row, raw []byte, v any) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return r.errorf("", "a row must be a JSON object")
	}
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		known[strings.Split(t.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	for k := range m {
		if !known[k] {
			return r.errorf(k, "unknown field %q", k)
		}
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.Token()
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return r.errorf("", "%v", err)
		}
		k, _ := tok.(string)
		if seen[k] {
			return r.errorf(k, "duplicate field %q", k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return r.errorf(k, "%v", err)
		}
	}
	return nil
}

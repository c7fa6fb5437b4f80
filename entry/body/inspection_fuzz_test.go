package body

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseInspection checks that ParseInspection never panics, refuses
// only with ErrMalformed, and that what it accepts has an id for its type,
// reads the same members a reader that matches member names exactly
// reads, and survives encoding and parsing again unchanged.
func FuzzParseInspection(f *testing.F) {
	for _, b := range []string{
		`{"inspection_type":"type_one"}`,
		`{"inspected":"RUS","inspection_type":"type_two"}`,
		`{"facility":"Malmstrom AFB","inspected":"USA","inspection_type":"RVI","items":[{"uid":"MM3-0001","warheads":1}],"team":["a","b"]}`,
		`{"inspection_type":"type_one","inspection_type":"type_two"}`,
		`{"inspection_type":"has space"}`,
		`{"inspection_type":""}`,
		`{"inspection_type":1}`,
		`{"inspected":null,"inspection_type":"x"}`,
		`{"inspection_type":"caf\u00e9"}`,
		` {"inspection_type":"x"} `,
		`[]`,
		`null`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseInspection(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !ident.MatchString(r.Type) {
			t.Fatalf("accepted inspection_type %q, not an id", r.Type)
		}
		if typ, inspected, ok := exactMembers(b); ok && (typ != r.Type || inspected != r.Inspected) {
			t.Fatalf("read type %q, inspected %q; the members named exactly so are %q, %q:\n%q", r.Type, r.Inspected, typ, inspected, b)
		}
		c, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ParseInspection(c)
		if err != nil || *r2 != *r {
			t.Fatalf("re-encoded record %s parses to %+v, %v; want %+v", c, r2, err, *r)
		}
	})
}

// exactMembers returns the string values of the members named exactly
// "inspection_type" and "inspected" in the JSON object b (the last of
// each; null reads as empty), and false if b is not an object or either
// member is there but not a string or null.
func exactMembers(b []byte) (typ, inspected string, ok bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return "", "", false
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return "", "", false
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return "", "", false
		}
		s, isString := v.(string)
		if !isString && v != nil {
			if k := tok.(string); k == "inspection_type" || k == "inspected" {
				return "", "", false
			}
			continue
		}
		switch tok.(string) {
		case "inspection_type":
			typ = s
		case "inspected":
			inspected = s
		}
	}
	return typ, inspected, true
}

package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects in a body, so that
// decoding untrusted input cannot recurse without limit.
const maxDepth = 64

// integer matches a JSON number that is an integer literal without a
// fraction or an exponent.
var integer = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// CanonicalJSON returns the canonical form of the JSON object b, as the
// body of an entry must be encoded (see docs/formats.md):
//   - no insignificant whitespace;
//   - object members sorted by key, compared as UTF-8 bytes; duplicate
//     keys are an error;
//   - strings escaped as Go's encoding/json does with HTML escaping off:
//     '"', '\\' and control characters escaped, everything else literal
//     UTF-8 except U+2028 and U+2029;
//   - integer literals kept digit for digit ("-0" becomes "0"); any other
//     number written as encoding/json writes the float64 it denotes.
//
// Invalid UTF-8, trailing data, nesting deeper than 64 levels and a top
// level that is not an object are errors.
func CanonicalJSON(b []byte) ([]byte, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("body is not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("body is not a JSON object")
	}
	var buf bytes.Buffer
	if err := canonObject(d, &buf, 1); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("body has data after its JSON object")
	}
	return buf.Bytes(), nil
}

// canonValue reads one JSON value from d and writes its canonical form.
func canonValue(d *json.Decoder, buf *bytes.Buffer, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("body nests deeper than %d levels", maxDepth)
	}
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return canonArray(d, buf, depth+1)
		}
		return canonObject(d, buf, depth+1)
	case string:
		writeString(buf, t)
	case json.Number:
		return writeNumber(buf, t)
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case nil:
		buf.WriteString("null")
	}
	return nil
}

func canonArray(d *json.Decoder, buf *bytes.Buffer, depth int) error {
	buf.WriteByte('[')
	for i := 0; d.More(); i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := canonValue(d, buf, depth); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
	_, err := d.Token() // the closing ']'
	return err
}

type member struct{ key, value string }

func canonObject(d *json.Decoder, buf *bytes.Buffer, depth int) error {
	var members []member
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("body: %w", err)
		}
		key := tok.(string) // the decoder only yields strings as object keys
		if seen[key] {
			return fmt.Errorf("body has duplicate key %q", key)
		}
		seen[key] = true
		var v bytes.Buffer
		if err := canonValue(d, &v, depth); err != nil {
			return err
		}
		members = append(members, member{key, v.String()})
	}
	if _, err := d.Token(); err != nil { // the closing '}'
		return fmt.Errorf("body: %w", err)
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	buf.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, m.key)
		buf.WriteByte(':')
		buf.WriteString(m.value)
	}
	buf.WriteByte('}')
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	e := json.NewEncoder(buf)
	e.SetEscapeHTML(false)
	_ = e.Encode(s) // encoding a string cannot fail
	buf.Truncate(buf.Len() - 1)
}

func writeNumber(buf *bytes.Buffer, n json.Number) error {
	s := string(n)
	if integer.MatchString(s) {
		if s == "-0" {
			s = "0"
		}
		buf.WriteString(s)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("body number %s is out of range", s)
	}
	if f == 0 {
		f = 0 // no negative zero
	}
	b, _ := json.Marshal(f) // finite, so it cannot fail
	buf.Write(b)
	return nil
}

package office

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"accord/internal/treaty"
)

// An InputError is input the office refuses before any rule of the
// treaty database reads it: a file or request that is not well formed, a
// date outside the treaty's life, or rows of another party. Nothing is
// appended. The CLI exits 2 on it; the API answers 400, or 403 if
// OtherParty.
type InputError struct {
	Err error
	// OtherParty is set when the input speaks for another party than the
	// node's.
	OtherParty bool
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErrorf(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...)}
}

func otherParty(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...), OtherParty: true}
}

// A Given value is one a surface gives apart from the file or body (a
// flag, a query parameter), with the name its errors call it by, as the
// user wrote it: "--effective", "?type=". The zero Given gives nothing.
type Given struct{ Name, Value string }

func (g Given) String() string {
	if len(g.Name) > 0 && g.Name[len(g.Name)-1] == '=' {
		return g.Name + g.Value
	}
	return g.Name + " " + g.Value
}

// date parses a given date; a zero Given is the zero date.
func (g Given) date() (treaty.Date, error) {
	if g.Value == "" {
		return treaty.Date{}, nil
	}
	d, err := treaty.ParseDate(g.Value)
	if err != nil {
		return d, inputErrorf("%s: %w", g.Name, err)
	}
	return d, nil
}

// maxDepth bounds the nesting of a JSON input, as entry bodies are
// bounded, so that reading it cannot recurse without limit.
const maxDepth = 64

// StrictJSON refuses JSON that encoding/json would silently resolve:
// invalid UTF-8 and an escaped lone surrogate (both of which it replaces
// with U+FFFD), a key given twice in one object (where the last wins),
// and data after the first value. Whatever an office reads as JSON passes
// it first, so what is signed is what the user wrote.
func StrictJSON(data []byte) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("byte %d is not valid UTF-8", invalidUTF8(data)+1)
	}
	if i := loneSurrogate(data); i >= 0 {
		return fmt.Errorf("byte %d escapes half of a UTF-16 surrogate pair, which is not a character", i+1)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	if err := strictValue(d, data, 1); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value, at byte %d", d.InputOffset()+1)
	}
	return nil
}

func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// loneSurrogate returns the offset of a \u escape in a JSON string that
// is half of a surrogate pair without its other half, or -1.
func loneSurrogate(b []byte) int {
	inString, pending := false, -1 // pending: offset of a high surrogate awaiting its low half
	for i := 0; i < len(b); i++ {
		switch {
		case !inString:
			inString = b[i] == '"'
		case b[i] == '"':
			if pending >= 0 {
				return pending
			}
			inString = false
		case b[i] == '\\' && i+1 < len(b) && b[i+1] == 'u' && i+6 <= len(b):
			r, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
			high, low := err == nil && r >= 0xd800 && r < 0xdc00, err == nil && r >= 0xdc00 && r < 0xe000
			if low && pending < 0 {
				return i
			}
			if !low && pending >= 0 {
				return pending
			}
			pending = -1
			if high {
				pending = i
			}
			i += 5
		case b[i] == '\\':
			if pending >= 0 {
				return pending
			}
			i++ // the escaped character
		default:
			if pending >= 0 {
				return pending
			}
		}
	}
	return -1
}

func strictValue(d *json.Decoder, data []byte, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("JSON nests deeper than %d levels", maxDepth)
	}
	tok, err := d.Token()
	if err != nil {
		return jsonError(err)
	}
	switch tok {
	case json.Delim('['):
		for d.More() {
			if err := strictValue(d, data, depth+1); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		if err := strictMembers(d, data, depth); err != nil {
			return err
		}
	default:
		return nil
	}
	_, err = d.Token() // the closing delimiter
	return jsonError(err)
}

// strictMembers reads an object's members, refusing a key given twice.
func strictMembers(d *json.Decoder, data []byte, depth int) error {
	seen := map[string]bool{}
	for d.More() {
		off := d.InputOffset() // before the comma, if any, and the key
		k, err := d.Token()
		if err != nil {
			return jsonError(err)
		}
		key := k.(string) // the decoder yields only strings as keys
		if seen[key] {
			return fmt.Errorf("duplicate key %q at byte %d", key, off+int64(bytes.IndexByte(data[off:], '"'))+1)
		}
		seen[key] = true
		if err := strictValue(d, data, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func jsonError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of JSON")
	}
	return err
}

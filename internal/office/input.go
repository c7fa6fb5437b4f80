package office

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// invalid UTF-8 (which it replaces with U+FFFD), a key given twice in one
// object (where the last wins), and data after the first value. Whatever
// an office reads as JSON passes it first, so what is signed is what the
// user wrote.
func StrictJSON(data []byte) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("byte %d is not valid UTF-8", invalidUTF8(data)+1)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	if err := strictValue(d, 1); err != nil {
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

func strictValue(d *json.Decoder, depth int) error {
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
			if err := strictValue(d, depth+1); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		seen := map[string]bool{}
		for d.More() {
			off := d.InputOffset()
			k, err := d.Token()
			if err != nil {
				return jsonError(err)
			}
			key := k.(string) // the decoder yields only strings as keys
			if seen[key] {
				return fmt.Errorf("duplicate key %q at byte %d", key, off+1)
			}
			seen[key] = true
			if err := strictValue(d, depth+1); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = d.Token() // the closing delimiter
	return jsonError(err)
}

func jsonError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of JSON")
	}
	return err
}

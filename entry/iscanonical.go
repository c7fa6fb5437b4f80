package entry

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// IsCanonical reports whether b is exactly CanonicalJSON(b): the check
// every entry body passes when an entry is decoded. It reads b once
// without building anything for the common shapes (ASCII keys, strings
// without escapes, integers) and falls back to CanonicalJSON for a string
// with an escape or a number that is not an integer literal.
func IsCanonical(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	c := canonScanner{b: b}
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	if !c.value(1) || c.i != len(b) {
		return false
	}
	return !c.slow || canonicalSlow(b)
}

// canonicalSlow is IsCanonical the long way.
func canonicalSlow(b []byte) bool {
	c, err := CanonicalJSON(b)
	return err == nil && bytes.Equal(c, b)
}

// canonScanner walks a body that must be canonical. slow is set when a
// part of it could only be judged by canonicalising the whole body.
type canonScanner struct {
	b    []byte
	i    int
	slow bool
}

func (c *canonScanner) peek() byte {
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

// value scans one value at nesting depth; depth counts the arrays and
// objects it is in, including itself if it is one.
func (c *canonScanner) value(depth int) bool {
	if depth > maxDepth+1 {
		return false // CanonicalJSON refuses it
	}
	switch ch := c.peek(); {
	case ch == '{':
		return c.object(depth)
	case ch == '[':
		return c.array(depth)
	case ch == '"':
		_, _, ok := c.str()
		return ok
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(c.b[c.i:], []byte(lit)) {
			c.i += len(lit)
			return true
		}
	}
	return false
}

func (c *canonScanner) object(depth int) bool {
	c.i++ // '{'
	if c.peek() == '}' {
		c.i++
		return true
	}
	var prev string
	prevEscaped := false
	for n := 0; ; n++ {
		if c.peek() != '"' {
			return false
		}
		key, escaped, ok := c.str()
		if !ok || c.peek() != ':' {
			return false
		}
		switch {
		case escaped || prevEscaped:
			// Only CanonicalJSON can order an escaped key.
		case n > 0 && key <= prev:
			return false
		}
		prev, prevEscaped = key, escaped
		c.i++ // ':'
		if !c.value(depth + 1) {
			return false
		}
		switch c.peek() {
		case ',':
			c.i++
		case '}':
			c.i++
			return true
		default:
			return false
		}
	}
}

func (c *canonScanner) array(depth int) bool {
	c.i++ // '['
	if c.peek() == ']' {
		c.i++
		return true
	}
	for {
		if !c.value(depth + 1) {
			return false
		}
		switch c.peek() {
		case ',':
			c.i++
		case ']':
			c.i++
			return true
		default:
			return false
		}
	}
}

// str scans a string and returns its content. A string with an escape
// sets slow (CanonicalJSON judges the escape) and is returned raw, with
// escaped set.
func (c *canonScanner) str() (s string, escaped, ok bool) {
	c.i++ // '"'
	start := c.i
	for c.i < len(c.b) {
		switch ch := c.b[c.i]; {
		case ch == '"':
			s := string(c.b[start:c.i])
			c.i++
			if escaped {
				c.slow = true
				return s, true, true
			}
			if strings.Contains(s, "\u2028") || strings.Contains(s, "\u2029") {
				return "", false, false // written escaped
			}
			return s, false, true
		case ch == '\\':
			escaped = true
			c.i += 2
		case ch < 0x20:
			return "", false, false
		default:
			c.i++
		}
	}
	return "", false, false
}

// number scans a number: an integer literal other than -0 is canonical;
// any other number is judged by CanonicalJSON.
func (c *canonScanner) number() bool {
	start := c.i
	for c.i < len(c.b) && strings.IndexByte("+-0123456789.eE", c.b[c.i]) >= 0 {
		c.i++
	}
	if isInteger(c.b[start:c.i]) {
		return string(c.b[start:c.i]) != "-0"
	}
	var n json.Number
	if json.Unmarshal(c.b[start:c.i], &n) != nil {
		return false
	}
	c.slow = true
	return true
}

// isInteger reports whether b is an integer literal: -?(0|[1-9][0-9]*).
func isInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	switch {
	case len(b) == 0:
		return false
	case b[0] == '0':
		return len(b) == 1
	}
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
}

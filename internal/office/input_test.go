package office

import (
	"strings"
	"testing"
)

// TestStrictJSON checks that StrictJSON accepts what encoding/json reads
// faithfully and refuses, with the offending byte, what it would
// silently resolve.
func TestStrictJSON(t *testing.T) {
	for _, ok := range []string{
		`{}`, ` {"a":1} `, `{"a":{"a":[{"a":1},{"a":2}]},"b":"\u00e9\ud83d\ude00\\ud800"}`, `{"s":"\"\\u"}`, `[1,2]`, `"x"`,
		`{"a":"` + "\uFFFD" + `"}`, `{"a":"\ufffd"}`,
	} {
		if err := StrictJSON([]byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"a":1,"a":2}`, `duplicate key "a" at byte 8`},
		{`{"a":{"b":1,"c":2,"b":3}}`, `duplicate key "b" at byte 19`},
		{`[{"a":1},{"a":1,"a":1}]`, `duplicate key "a"`},
		{`{"a":"x` + "\xff" + `"}`, "byte 8 is not valid UTF-8"},
		{`{"a":"\ud800"}`, "byte 7 escapes half of a UTF-16 surrogate pair"},
		{`{"a":"x\udc00"}`, "byte 8 escapes half"},
		{`{"a":"\ud800\u0041"}`, "byte 7 escapes half"},
		{`{"a":"\ud800x"}`, "byte 7 escapes half"},
		{`{"\ud800":1}`, "byte 3 escapes half"},
		{`{"a":1} {"a":2}`, "data after the JSON value"},
		{`{"a":1`, "unexpected end of JSON"},
		{strings.Repeat("[", 65) + strings.Repeat("]", 65), "nests deeper than 64"},
	} {
		err := StrictJSON([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
}

package entry

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCanonicalJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, `{}`},
		{` { "b" : [ 1 , 2 ] , "a" : null } `, `{"a":null,"b":[1,2]}`},
		{`{"z":{"y":1,"x":2},"é":true,"e":false}`, `{"e":false,"z":{"x":2,"y":1},"é":true}`},
		{`{"n":-0,"m":1.0,"f":1e2,"g":0.1,"h":123456789012345678901234567890}`, `{"f":100,"g":0.1,"h":123456789012345678901234567890,"m":1,"n":0}`},
		{`{"s":"<&>\u00e9\n\u2028\/"}`, `{"s":"<&>é\n\u2028/"}`},
	}
	for _, tt := range tests {
		got, err := CanonicalJSON([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("CanonicalJSON(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestCanonicalJSONRefuses(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `"x"`, `{"a":1,"a":2}`, `{"a":1} {}`, `{"a":1e400}`, "{\"a\":\"\xff\"}",
		`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, `{"a":}`, `{"a":1`,
	} {
		if got, err := CanonicalJSON([]byte(in)); err == nil {
			t.Errorf("CanonicalJSON(%q) = %s, want an error", in, got)
		}
	}
}

// FuzzCanonicalJSON checks that canonicalisation keeps the meaning of its
// input and is idempotent.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"b":[1,2.50,{"c":null}],"a":"\u00e9"}`, `{"x":-0.0e-0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := CanonicalJSON(b)
		if err != nil {
			return
		}
		again, err := CanonicalJSON(c)
		if err != nil || !bytes.Equal(again, c) {
			t.Fatalf("not idempotent: %s -> %s -> %s, %v", b, c, again, err)
		}
		var x, y any
		if json.Unmarshal(b, &x) != nil || json.Unmarshal(c, &y) != nil || !reflect.DeepEqual(x, y) {
			t.Fatalf("meaning changed: %s -> %s", b, c)
		}
	})
}

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

func TestIsCanonical(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{`{}`, true},
		{`{"a":null,"b":[1,2]}`, true},
		{`{"b":[1,2],"a":null}`, false},
		{`{"a":1,"a":1}`, false},
		{`{"a":-0}`, false},
		{`{"a":0,"b":-12,"c":[true,false,{}]}`, true},
		{`{"a":1.5,"b":100}`, true},
		{`{"a":1.50}`, false},
		{`{"a":1e2}`, false},
		{`{"a":01}`, false},
		{`{"s":"<&>é\n\u2028/"}`, true},
		{`{"s":"\u00e9"}`, false},
		{"{\"s\":\"\u2028\"}", false},
		{"{\"s\":\"\t\"}", false},
		{`{"s":"\t\u0001\b"}`, true},
		{`{"\n":1,"a":2}`, true},
		{`{"a":2,"\n":1}`, false},
		{`{"é":1,"z":2}`, false},
		{`{"z":2,"é":1}`, true},
		{` {}`, false},
		{`{} `, false},
		{`{"a" :1}`, false},
		{`[]`, false},
		{"{\"a\":\"\xff\"}", false},
		{`{"a":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`, true},
		{`{"a":` + strings.Repeat("[", 63) + "1" + strings.Repeat("]", 63) + `}`, true},
		{`{"a":` + strings.Repeat("[", 64) + "1" + strings.Repeat("]", 64) + `}`, false},
	} {
		if got := IsCanonical([]byte(tt.in)); got != tt.want {
			t.Errorf("IsCanonical(%s) = %v, want %v", tt.in, got, tt.want)
		}
		if got := canonicalSlow([]byte(tt.in)); got != tt.want {
			t.Errorf("CanonicalJSON(%s) == input is %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzIsCanonical checks IsCanonical against canonicalising the long way.
func FuzzIsCanonical(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":null,"b":[1,2.5,{"c":"d"}]}`, `{"\n":1,"a":"\u0001"}`, `{"a":-0}`, `{"z":2,"é":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := IsCanonical(b), canonicalSlow(b); got != want {
			t.Fatalf("IsCanonical(%q) = %v; CanonicalJSON says %v", b, got, want)
		}
	})
}

package declaration

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"accord/internal/treaty"
)

func newstart(t testing.TB) *treaty.Treaty {
	t.Helper()
	tr, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestJSONRoundTrip checks that a Set written with encoding/json loads
// back unchanged, for files of every level.
func TestJSONRoundTrip(t *testing.T) {
	tr := newstart(t)
	for _, name := range []string{"newstart-aggregates.csv", "us-2020-09-01-types.csv"} {
		s, err := LoadFile(tr, filepath.Join("..", "..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Load(tr, name+".json", bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: reloading its JSON: %v", name, err)
		}
		if !reflect.DeepEqual(s, back) {
			t.Errorf("%s: JSON round trip changed the set", name)
		}
	}
}

// TestBadInput checks that each kind of bad row is refused with an error
// naming its line and field.
func TestBadInput(t *testing.T) {
	tr := newstart(t)
	const items = "party,uid,type,category,status,facility,warheads\n"
	tests := []struct {
		name, in    string
		line        int
		field, text string
	}{
		{"category", items + "USA,A,MM-III,icbn,deployed,,1\n", 2, "category", "unknown category"},
		{"status", items + "USA,A,MM-III,icbm,retired,,1\n", 2, "status", "unknown status"},
		{"party", items + "GBR,A,MM-III,icbm,deployed,,1\n", 2, "party", "unknown party"},
		{"uid", items + "USA,A,MM-III,icbm,deployed,,1\nUSA,A,MM-III,icbm,deployed,,1\n", 3, "uid", "duplicate uid"},
		{"empty uid", items + "USA,,MM-III,icbm,deployed,,1\n", 2, "uid", "uid is empty"},
		{"warheads", items + "USA,A,MM-III,icbm,deployed,,-1\n", 2, "warheads", "negative"},
		{"warheads number", items + "USA,A,MM-III,icbm,deployed,,one\n", 2, "warheads", "not a whole number"},
		{"count", "party,type,category,status,count\nUSA,MM-III,icbm,deployed,-2\n", 2, "count", "negative"},
		{"duplicate type", "party,type,category,status,count\nUSA,MM-III,icbm,deployed,2\nUSA,MM-III,icbm,deployed,2\n", 3, "type", "duplicate row"},
		{"early", "as_of,party,warheads\n2001-01-01,USA,1\n", 2, "as_of", "before treaty newstart was signed"},
		{"bad date", "as_of,party,warheads\n2020-02-30,USA,1\n", 2, "as_of", "invalid date"},
		{"no date", "as_of,party,warheads\n,USA,1\n", 2, "as_of", "needs its as_of"},
		{"limit", "as_of,party,warheads\n2020-03-01,USA,-1\n", 2, "warheads", "negative"},
		{"duplicate aggregate", "as_of,party,warheads\n2020-03-01,USA,1\n2020-03-01,USA,2\n", 3, "as_of", "duplicate aggregate"},
		{"column", "as_of,party,silos\n", 1, "silos", "unknown column"},
		{"missing column", "party,uid,type,status\n", 1, "category", "missing column"},
		{"json key", `{"itemz": []}`, 1, "itemz", "unknown key"},
		{"json field", "{\"items\": [\n{\"party\": \"USA\", \"uid\": \"A\", \"colour\": 1}]}", 2, "colour", "unknown field"},
		{"json type", "{\"types\": [\n{\"party\": \"USA\", \"count\": \"many\"}]}", 2, "count", "want int"},
		{"json trailing", `{"items": []} {}`, 1, "", "after the top-level object"},
		{"mixed", "{\"as_of\": \"2020-03-01\", \"types\": [{\"party\": \"USA\", \"type\": \"T\", \"category\": \"icbm\", \"status\": \"deployed\", \"count\": 1}],\n\"aggregates\": [{\"party\": \"USA\", \"values\": {\"warheads\": 1}}]}", 2, "as_of", "has a pre-counted aggregate and item or type rows (first on line 1)"},
		{"json case", "{\"types\": [\n{\"PARTY\": \"USA\", \"type\": \"T\", \"category\": \"icbm\", \"status\": \"deployed\", \"count\": 5}]}", 2, "PARTY", "unknown field"},
		{"json duplicate", "{\"types\": [\n{\"party\": \"USA\", \"type\": \"T\", \"category\": \"icbm\", \"status\": \"deployed\", \"count\": 5, \"count\": 900}]}", 2, "count", "duplicate field"},
		{"huge", "party,type,category,status,count\nUSA,MM-III,icbm,deployed,9223372036854775807\n", 2, "count", "more than 1000000000"},
		{"plus", "party,type,category,status,count\nUSA,MM-III,icbm,deployed,+5\n", 2, "count", "not a whole number"},
		{"header only", "party,type,category,status,count\n", 1, "", "no rows"},
		{"empty", "  \n", 0, "", "file is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load(tr, "in", strings.NewReader(tc.in))
			if s != nil {
				t.Errorf("Load returned a set with its error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a located *Error", err)
			}
			if e.File != "in" || e.Line != tc.line || e.Field != tc.field || !strings.Contains(e.Msg, tc.text) {
				t.Errorf("got %q (line %d, field %q), want line %d, field %q, text %q", err, e.Line, e.Field, tc.line, tc.field, tc.text)
			}
		})
	}
}

// TestAcrossFiles checks that rows are validated against each other
// across the files of one check.
func TestAcrossFiles(t *testing.T) {
	tr := newstart(t)
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	types := write("types.csv", "as_of,party,type,category,status,count\n2020-03-01,USA,MM-III,icbm_launcher,deployed,900\n")
	agg := write("agg.csv", "as_of,party,launchers\n2020-03-01,USA,100\n")
	tests := []struct {
		files []string
		want  string
	}{
		{[]string{types, types}, "types.csv:2:16: type: duplicate row for USA MM-III icbm_launcher deployed (first on line 2)"},
		{[]string{agg, types}, "agg.csv:2:1: as_of: USA on 2020-03-01 has a pre-counted aggregate and item or type rows (first at " + types + ":2): they cannot be added up"},
	}
	for _, tc := range tests {
		s, err := LoadFiles(tr, tc.files...)
		if s != nil || err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("LoadFiles(%v) = %v, want error ending %q", tc.files, err, tc.want)
		}
	}
}

// FuzzLoad checks that Load never panics, and that whatever it accepts
// survives a JSON round trip unchanged.
func FuzzLoad(f *testing.F) {
	tr := newstart(f)
	for _, name := range []string{"newstart-aggregates.csv", "us-2020-09-01-types.csv"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("party,uid,type,category,status,facility,warheads\nUSA,A,MM-III,icbm,deployed,F,1\n"))
	f.Add([]byte(`{"as_of":"2020-09-01","items":[{"party":"USA","uid":"A","type":"T","category":"icbm","status":"deployed","warheads":1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load(tr, "fuzz", bytes.NewReader(data))
		if err != nil {
			if s != nil {
				t.Fatal("a set returned with an error")
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Load(tr, "fuzz.json", bytes.NewReader(out))
		if err != nil {
			t.Fatalf("accepted input does not reload from its JSON: %v\n%s", err, out)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(out, again) {
			t.Fatalf("JSON round trip not stable:\n%s\n%s", out, again)
		}
	})
}

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

	"accord/entry/body"
	"accord/internal/treaty"
)

func newstart(t testing.TB) *treaty.Treaty { return builtin(t, "newstart") }

func builtin(t testing.TB, id string) *treaty.Treaty {
	t.Helper()
	tr, err := treaty.Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestJSONRoundTrip checks that a Set written with encoding/json loads
// back unchanged, for files of every level.
func TestJSONRoundTrip(t *testing.T) {
	for _, tc := range []struct{ treaty, name string }{
		{"newstart", "newstart-aggregates.csv"}, {"newstart", "us-2020-09-01-types.csv"},
		{"us-freeze-2020", "us-2020-10-20-warheads.csv"},
	} {
		tr, name := builtin(t, tc.treaty), tc.name
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
		{"mixed", "{\"as_of\": \"2020-03-01\", \"types\": [{\"party\": \"USA\", \"type\": \"T\", \"category\": \"icbm\", \"status\": \"deployed\", \"count\": 1}],\n\"aggregates\": [{\"party\": \"USA\", \"values\": {\"warheads\": 1}}]}", 2, "as_of", "has a pre-counted aggregate and item, type or warhead rows (first on line 1)"},
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
		{[]string{agg, types}, "agg.csv:2:1: as_of: USA on 2020-03-01 has a pre-counted aggregate and item, type or warhead rows (first at " + types + ":2): they cannot be added up"},
	}
	for _, tc := range tests {
		s, err := LoadFiles(tr, tc.files...)
		if s != nil || err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("LoadFiles(%v) = %v, want error ending %q", tc.files, err, tc.want)
		}
	}
}

// FuzzLoad checks that Load never panics, under New START and under a
// freeze with warhead categories; that whatever it accepts survives a
// JSON round trip unchanged; and that its warhead rows make lots a signed
// warhead statement can carry.
func FuzzLoad(f *testing.F) {
	treaties := []*treaty.Treaty{newstart(f), builtin(f, "us-freeze-2020")}
	for _, name := range []string{"newstart-aggregates.csv", "us-2020-09-01-types.csv", "us-2020-10-20-warheads.csv"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("party,uid,type,category,status,facility,warheads\nUSA,A,MM-III,icbm,deployed,F,1\n"))
	f.Add([]byte(`{"as_of":"2020-09-01","items":[{"party":"USA","uid":"A","type":"T","category":"icbm","status":"deployed","warheads":1}]}`))
	f.Add([]byte("party,site,category,status,count\nUSA,Kings Bay (GA),warhead,non_deployed,0\n"))
	f.Add([]byte(`{"as_of":"2020-10-20","warheads":[{"party":"RUS","site":"Site 1","category":"nonstrategic_warhead","status":"retired","count":7}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tr := range treaties {
			fuzzLoad(t, tr, data)
		}
	})
}

func fuzzLoad(t *testing.T, tr *treaty.Treaty, data []byte) {
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
		t.Fatalf("%s: accepted input does not reload from its JSON: %v\n%s", tr.ID, err, out)
	}
	again, _ := json.Marshal(back)
	if !bytes.Equal(out, again) {
		t.Fatalf("%s: JSON round trip not stable:\n%s\n%s", tr.ID, out, again)
	}
	for lots := s.Lots(); len(lots) > 0; lots = lots[min(len(lots), 4096):] {
		n := body.Notification{Type: "warhead_data", Stock: lots[:min(len(lots), 4096)]}
		if _, err := n.Encode(); err != nil {
			t.Fatalf("%s: accepted warhead rows make a malformed statement: %v", tr.ID, err)
		}
	}
}

// TestWarheads checks that warheads counted per site load from CSV and
// JSON alike, join their party's declaration of the same date, and
// become the lots of a warhead statement.
func TestWarheads(t *testing.T) {
	tr := builtin(t, "us-freeze-2020")
	const csv = "as_of,party,site,category,status,count\n" +
		"2020-10-20,USA,F.E. Warren AFB,warhead,deployed,400\n" +
		"2020-10-20,USA,Pantex,nonstrategic_warhead,retired,0\n"
	const json = `{"as_of": "2020-10-20", "warheads": [
		{"party": "USA", "site": "F.E. Warren AFB", "category": "warhead", "status": "deployed", "count": 400},
		{"party": "USA", "site": "Pantex", "category": "nonstrategic_warhead", "status": "retired", "count": 0}]}`
	const types = "as_of,party,type,category,status,count,warheads\n2020-10-20,USA,Minuteman III,icbm,deployed,400,400\n"
	d := treaty.MustDate("2020-10-20")
	want := []Warhead{
		{AsOf: d, Party: "USA", Site: "F.E. Warren AFB", Category: "warhead", Status: "deployed", Count: 400},
		{AsOf: d, Party: "USA", Site: "Pantex", Category: "nonstrategic_warhead", Status: "retired", Count: 0},
	}
	for _, in := range []string{csv, json} {
		r := NewReader(tr)
		if err := r.Read("warheads", strings.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		if err := r.Read("types.csv", strings.NewReader(types)); err != nil {
			t.Fatal(err)
		}
		s, err := r.Set()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Warheads, want) {
			t.Errorf("warheads %+v, want %+v", s.Warheads, want)
		}
		decls := s.Declarations(tr)
		if len(decls) != 1 || !reflect.DeepEqual(decls[0].Warheads, want) || len(decls[0].Types) != 1 {
			t.Errorf("declarations %+v: want one of USA on %s with the warheads and the type row", decls, d)
		}
		if got := s.Dates(); len(got) != 1 || !got[0].Equal(d) {
			t.Errorf("dates %v, want [%s]", got, d)
		}
		lots := []body.Lot{{Category: "warhead", Count: 400, Site: "F.E. Warren AFB", Status: "deployed"}, {Category: "nonstrategic_warhead", Count: 0, Site: "Pantex", Status: "retired"}}
		if got := s.Lots(); !reflect.DeepEqual(got, lots) {
			t.Errorf("lots %+v, want %+v", got, lots)
		}
	}
}

// TestBadWarheads checks that each kind of bad warhead row is refused,
// with the whole file, by an error naming its line and field.
func TestBadWarheads(t *testing.T) {
	tr := builtin(t, "us-freeze-2020")
	const head = "as_of,party,site,category,status,count\n"
	const good = "2020-10-20,USA,Pantex,warhead,retired,10\n"
	jsonRow := func(row string) string { return "{\"as_of\": \"2020-10-20\", \"warheads\": [\n" + row + "]}" }
	tests := []struct {
		name, in    string
		line        int
		field, text string
	}{
		{"not a warhead category", head + good + "2020-10-20,USA,Minot AFB,icbm,deployed,400\n", 3, "category", `category "icbm" is not a warhead category in treaty us-freeze-2020 (warhead categories: warhead, nonstrategic_warhead)`},
		{"unknown category", head + "2020-10-20,USA,Pantex,warheads,retired,1\n" + good, 2, "category", "not a warhead category"},
		{"unknown status", head + "2020-10-20,USA,Pantex,warhead,stored,1\n", 2, "status", `unknown status "stored"`},
		{"dismantled", head + good + "2020-10-20,USA,Pantex,warhead,dismantled,5\n", 3, "status", "a dismantled warhead is out of every count"},
		{"negative", head + "2020-10-20,USA,Pantex,warhead,retired,-1\n", 2, "count", "count -1 is negative"},
		{"too many", head + "2020-10-20,USA,Pantex,warhead,retired,1000000001\n", 2, "count", "more than 1000000000"},
		{"no count", head + "2020-10-20,USA,Pantex,warhead,retired,\n", 2, "count", "not a whole number"},
		{"empty site", head + "2020-10-20,USA,,warhead,retired,1\n", 2, "site", "site is empty"},
		{"site syntax", head + "2020-10-20,USA,\"Kings Bay, GA\",warhead,deployed,1\n", 2, "site", `site "Kings Bay, GA" is not a site name`},
		{"site spaces", head + "2020-10-20,USA,Kings  Bay,warhead,deployed,1\n", 2, "site", "is not a site name"},
		{"site control", head + "2020-10-20,USA,\"Pan\ttex\",warhead,retired,1\n", 2, "site", "control character"},
		{"party", head + "2020-10-20,CHN,Pantex,warhead,retired,1\n", 2, "party", `unknown party "CHN"`},
		{"early", head + "2001-01-01,USA,Pantex,warhead,retired,1\n", 2, "as_of", "before treaty us-freeze-2020 was signed"},
		{"duplicate", head + good + "2020-10-20,USA,Pantex,warhead,retired,12\n", 3, "site", "duplicate row for USA Pantex warhead retired (first on line 2)"},
		{"column", "as_of,party,site,category,status,count,warheads\n" + good, 1, "warheads", `unknown column "warheads" in a declaration of warheads`},
		{"missing column", "as_of,party,site,category,count\n", 1, "status", `missing column "status" in a declaration of warheads`},
		{"json count missing", jsonRow(`{"party": "USA", "site": "Pantex", "category": "warhead", "status": "retired"}`), 2, "count", "count is missing"},
		{"json count null", jsonRow(`{"party": "USA", "site": "Pantex", "category": "warhead", "status": "retired", "count": null}`), 2, "count", "count is missing"},
		{"json site named count", jsonRow(`{"party": "USA", "site": "count", "category": "warhead", "status": "retired"}`), 2, "count", "count is missing"},
		{"json field", jsonRow(`{"party": "USA", "site": "Pantex", "category": "warhead", "status": "retired", "count": 1, "uid": "W1"}`), 2, "uid", `unknown field "uid"`},
		{"json type", jsonRow(`{"party": "USA", "site": "Pantex", "category": "warhead", "status": "retired", "count": "1"}`), 2, "count", "want int"},
		{"json dismantled", jsonRow(`{"party": "USA", "site": "Pantex", "category": "warhead", "status": "dismantled", "count": 1}`), 2, "status", "out of every count"},
		{"json aggregate", "{\"as_of\": \"2020-10-20\", \"warheads\": [{\"party\": \"USA\", \"site\": \"Pantex\", \"category\": \"warhead\", \"status\": \"retired\", \"count\": 1}],\n\"aggregates\": [{\"party\": \"USA\", \"values\": {\"total_warheads\": 1}}]}", 2, "as_of", "has a pre-counted aggregate and item, type or warhead rows (first on line 1)"},
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

package treaty

import (
	"errors"
	"strings"
	"testing"
)

func TestBuiltins(t *testing.T) {
	for _, id := range []string{"newstart", "newstart-freeze-2020", "trilateral-draft", "us-freeze-2020"} {
		tr, err := Builtin(id)
		if err != nil {
			t.Fatalf("Builtin(%q): %v", id, err)
		}
		if tr.ID != id {
			t.Errorf("Builtin(%q).ID = %q", id, tr.ID)
		}
	}
}

// TestLoadErrors checks that each kind of bad definition is refused with
// the file, line, column and field of the problem.
func TestLoadErrors(t *testing.T) {
	const head = "id: x\nversion: 1\ntitle: X\nbinding: legal\nparties: [{id: AAA, name: A}]\ndates: {signature: 2020-01-01, entry_into_force: 2020-02-01}\ncategories: [{id: icbm, name: ICBM}]\nstatuses: [{id: deployed, name: D}]\n"
	limit := func(body string) string {
		return head + "limits:\n  - id: l\n    effective: 2020-02-01\n" + body
	}
	tests := []struct {
		name, in string
		line     int
		field    string
		text     string
	}{
		{"unknown category", limit("    ceiling: 1\n    count: [{category: silo, status: [deployed]}]\n"), 13, "limits[0].count[0].category", `unknown category "silo"`},
		{"unknown status", limit("    ceiling: 1\n    count: [{category: icbm, status: [gone]}]\n"), 13, "limits[0].count[0].status[0]", `unknown status "gone"`},
		{"negative ceiling", limit("    ceiling: -1\n    count: [{category: icbm, status: [deployed]}]\n"), 12, "limits[0].ceiling", "negative"},
		{"no ceiling", limit("    count: [{category: icbm, status: [deployed]}]\n"), 10, "limits[0]", "needs a ceiling or a baseline"},
		{"both", limit("    ceiling: 1\n    baseline: 2020-02-01\n    count: [{category: icbm, status: [deployed]}]\n"), 13, "limits[0].baseline", "both a ceiling and a baseline"},
		{"no rules", limit("    ceiling: 1\n"), 10, "limits[0].count", "counts nothing"},
		{"party", limit("    ceiling: 1\n    parties: [ZZZ]\n    count: [{category: icbm, status: [deployed]}]\n"), 13, "limits[0].parties[0]", `unknown party "ZZZ"`},
		{"measure", limit("    ceiling: 1\n    count: [{category: icbm, status: [deployed], measure: tons}]\n"), 13, "limits[0].count[0].measure", "measure must be"},
		{"duplicate limit", head + "limits:\n  - {id: l, ceiling: 1, effective: 2020-02-01, count: [{category: icbm, status: [deployed]}]}\n  - {id: l, ceiling: 1, effective: 2020-02-01, count: [{category: icbm, status: [deployed]}]}\n", 11, "limits[1].id", "duplicate limit"},
		{"bad date", "id: x\nversion: 1\ndates: {signature: 2020-13-01}\n", 3, "", "invalid date"},
		{"bad period", "id: x\nversion: 1\ndates: {duration: 10 years}\n", 3, "", "invalid period"},
		{"bad deadline", head + "notifications: [{id: n, due: tomorrow, effect: event}]\n", 9, "", "invalid deadline"},
		{"unknown field", head + "limitz: []\n", 9, "", `unknown field "limitz"`},
		{"eif before signature", "id: x\nversion: 1\ntitle: X\nbinding: legal\nparties: [{id: AAA, name: A}]\ndates: {signature: 2020-01-01, entry_into_force: 2019-02-01}\ncategories: [{id: icbm, name: ICBM}]\nstatuses: [{id: deployed, name: D}]\n", 6, "dates.entry_into_force", "before signature"},
		{"unknown base", "base: nosuch\n" + head, 1, "base", "unknown base treaty"},
		{"syntax", "id: [x\n", 1, "", ""},
		{"missing cite", head + "limits:\n  - {id: l, ceiling: 1, effective: 2020-02-01, count: [{category: icbm, status: [deployed], cite: III}]}\n", 10, "limits[0].cite", "a citation is required"},
		{"late extension", "id: x\nversion: 1\ntitle: X\nbinding: legal\ncite: T\nparties: [{id: AAA, name: A}]\ndates: {signature: 2020-01-01, entry_into_force: 2020-02-01, duration: 1y, extension: {max: 5y, cite: E}, extensions: [{agreed: 2022-01-01, period: 1y, cite: X}], cite: D}\n", 7, "dates.extensions[0].agreed", "after the term it extends ended (2021-02-01)"},
		{"events order", head + "events: [{date: 2021-01-01, kind: note, cite: a}, {date: 2020-06-01, kind: note, cite: b}]\n", 9, "events[1].date", "events must be in date order"},
		{"inherited", "base: newstart\nid: x\nparties: [{id: USA, name: U}]\n", 1, "events[1].party", "inherited from base newstart"},
		{"unknown facility type", head + "facility_types: [{id: icbm_base, name: B, cite: c}]\ninspections:\n  - {id: t1, per_year: 1, facilities: [icbm_base, silo], cite: c}\n", 11, "inspections[0].facilities[1]", `unknown facility type "silo" (facility types: icbm_base)`},
		{"no facility types", head + "inspections: [{id: t1, per_year: 1, facilities: [icbm_base], cite: c}]\n", 9, "inspections[0].facilities[0]", `unknown facility type "icbm_base" (facility types: none: define them in facility_types)`},
		{"facility twice", head + "facility_types: [{id: b, cite: c}]\ninspections: [{id: t1, facilities: [b, b], cite: c}]\n", 10, "inspections[0].facilities[1]", `facility type "b" is listed twice`},
		{"facility type cite", head + "facility_types: [{id: b}]\n", 9, "facility_types[0].cite", "a citation is required"},
		{"facility type id", head + "facility_types: [{id: b, cite: c}, {id: b, cite: d}]\n", 9, "facility_types[1].id", `duplicate facility type id "b"`},
		{"exhibition quota", head + "exhibitions:\n  - {id: e, per_year: 2, cite: c}\n", 10, "exhibitions[0].per_year", "an exhibition has no yearly quota"},
		{"exhibition id", head + "inspections: [{id: e, per_year: 1, cite: c}]\nexhibitions: [{id: e, cite: c}]\n", 10, "exhibitions[0].id", `exhibition "e" has the id of an inspection type`},
		{"exhibition facility", head + "exhibitions: [{id: e, facilities: [depot], cite: c}]\n", 9, "exhibitions[0].facilities[0]", `unknown facility type "depot"`},
		{"inherited inspections", "base: newstart\nid: x\nfacility_types: [{id: depot, name: D, cite: c}]\n", 1, "inspections[0].facilities[0]", `unknown facility type "icbm_base" (facility types: depot) (in inspections, inherited from base newstart)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Load("t.yaml", []byte(tc.in))
			if tr != nil {
				t.Error("Load returned a treaty with its error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %v is not an ErrorList", err)
			}
			e := list[0]
			for _, x := range list {
				if x.Field == tc.field {
					e = x
					break
				}
			}
			if e.File != "t.yaml" || e.Line != tc.line || e.Column == 0 || e.Field != tc.field || !strings.Contains(e.Msg, tc.text) {
				t.Errorf("got %q (line %d col %d field %q), want line %d field %q text %q", e, e.Line, e.Column, e.Field, tc.line, tc.field, tc.text)
			}
		})
	}
}

// TestBuiltinDates pins the dates the engine depends on.
func TestBuiltinDates(t *testing.T) {
	tests := []struct {
		id, expiry string
	}{
		{"newstart", "2026-02-05"},
		{"newstart-freeze-2020", "2022-02-05"},
		{"trilateral-draft", "2026-02-05"},
	}
	for _, tc := range tests {
		tr, err := Builtin(tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Expiry().String(); got != tc.expiry {
			t.Errorf("%s expires %s, want %s", tc.id, got, tc.expiry)
		}
	}
	ns, _ := Builtin("newstart")
	if !ns.Suspended("RUS", MustDate("2023-02-28")) || ns.Suspended("RUS", MustDate("2023-02-27")) || ns.Suspended("USA", MustDate("2024-01-01")) {
		t.Error("Russia's suspension of 28 February 2023 not applied exactly")
	}
	w, err := Load("w.yaml", []byte("base: newstart\nid: w\nevents: [{date: 2019-01-01, party: USA, kind: withdrawal, cite: notice}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Expiry(); got != MustDate("2019-04-01") || w.InForce(MustDate("2019-04-01")) || !w.InForce(MustDate("2019-03-31")) || w.Phase(MustDate("2020-01-01")) != "terminated by withdrawal" {
		t.Errorf("withdrawal on 2019-01-01 with 3 months' notice: expiry %s, phase %s", got, w.Phase(MustDate("2020-01-01")))
	}
	if got := ns.YearOf(MustDate("2020-02-04")); got != MustDate("2019-02-05") {
		t.Errorf("treaty year of 2020-02-04 starts %s", got)
	}
	if !ns.CanChange("non_deployed", "deployed") || ns.CanChange("eliminated", "deployed") {
		t.Error("lifecycle transitions wrong")
	}
}

// FuzzLoad checks that Load never panics and that what it accepts is
// valid enough to evaluate: every rule names a known category and status.
func FuzzLoad(f *testing.F) {
	entries, _ := builtinFS.ReadDir("treaties")
	for _, e := range entries {
		data, _ := builtinFS.ReadFile("treaties/" + e.Name())
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Load("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || tr != nil {
				t.Fatalf("error %v: not an ErrorList, or a treaty returned with it", err)
			}
			return
		}
		for _, l := range tr.Limits {
			for _, r := range l.Count {
				if !tr.HasCategory(r.Category) || !tr.HasStatus(r.Statuses[0]) {
					t.Fatalf("accepted a rule with unknown names: %+v", r)
				}
			}
		}
	})
}

// TestParseDateErrors: a date in the right format that does not exist
// says so, instead of asking for the format it is in.
func TestParseDateErrors(t *testing.T) {
	for in, want := range map[string]string{
		"2020-02-30": `invalid date "2020-02-30": the day does not exist: February 2020 has 29 days`,
		"2021-02-29": `invalid date "2021-02-29": the day does not exist: February 2021 has 28 days`,
		"2020-04-31": `invalid date "2020-04-31": the day does not exist: April 2020 has 30 days`,
		"2020-00-10": `invalid date "2020-00-10": there is no month 00`,
		"2020-13-01": `invalid date "2020-13-01": there is no month 13`,
		"2020-01-00": `invalid date "2020-01-00": the day does not exist: January 2020 has 31 days`,
		"2020/02/03": `invalid date "2020/02/03": want YYYY-MM-DD`,
		"20-02-2020": `invalid date "20-02-2020": want YYYY-MM-DD`,
		"2020-+1-01": `invalid date "2020-+1-01": want YYYY-MM-DD`,
		"tomorrow":   `invalid date "tomorrow": want YYYY-MM-DD`,
	} {
		if _, err := ParseDate(in); err == nil || err.Error() != want {
			t.Errorf("ParseDate(%q) = %v, want %s", in, err, want)
		}
	}
	if d, err := ParseDate("2020-02-29"); err != nil || d.String() != "2020-02-29" {
		t.Errorf("2020-02-29: %v %v", d, err)
	}
}

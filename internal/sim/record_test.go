package sim

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// TestTableOfRecord checks that the repository's reference files are the
// table of record, not copies that can drift: testdata/newstart-
// aggregates.csv is the embedded aggregates byte for byte, every
// published row and per-type figure has a source, and every count in
// testdata/us-2020-09-01-types.csv is the per-type table's.
func TestTableOfRecord(t *testing.T) {
	b, err := os.ReadFile("../../testdata/newstart-aggregates.csv")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != aggregatesCSV {
		t.Error("testdata/newstart-aggregates.csv differs from internal/sim/aggregates.csv, the table of record: copy it over")
	}
	pub, err := Published()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pub {
		if p.Source == "" {
			t.Errorf("aggregates %s %s: no source", p.Date, p.Party)
		}
	}
	types := mustTypes(t)
	for _, tc := range types {
		if tc.Source == "" {
			t.Errorf("per-type %s %s %s: no source", tc.Date, tc.Type, tc.Status)
		}
	}
	checkTypesFile(t, "../../testdata/us-2020-09-01-types.csv", types)
}

// longNames are the type names testdata/us-2020-09-01-types.csv uses
// where the fact sheets abbreviate.
var longNames = map[string]string{"Minuteman III": "MM-III"}

func checkTypesFile(t *testing.T, path string, types []TypeCount) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	record := map[string]int{}
	for _, tc := range types {
		record[fmt.Sprint(tc.Date, tc.Party, tc.Type, tc.Category, tc.Status)] = tc.Count
	}
	for _, row := range rows[1:] {
		typ := row[2]
		if long, ok := longNames[typ]; ok {
			typ = long
		}
		key := fmt.Sprint(treaty.MustDate(row[0]), row[1], typ, row[3], row[4])
		want, ok := record[key]
		if n, _ := strconv.Atoi(row[5]); !ok || n != want {
			t.Errorf("%s: %s %s %s %s count %s, table of record has %d (found %v)", path, row[0], row[2], row[3], row[4], row[5], want, ok)
		}
	}
}

// TestPerTypeUS checks the simulated US holdings against every per-type
// figure the table of record marks calibrated, for two seeds.
func TestPerTypeUS(t *testing.T) {
	types := mustTypes(t)
	for _, seed := range []uint64{1, 2} {
		w := world(t, NewSTART, seed)
		checked := 0
		for _, tc := range types {
			if !tc.Calibrated {
				continue
			}
			n := 0
			for _, it := range w.HoldingsAt(tc.Party, tc.Date) {
				if it.Type == tc.Type && it.Category == tc.Category && it.Status == tc.Status {
					n++
				}
			}
			if n != tc.Count {
				t.Errorf("seed %d: %s %s %s %s %s = %d, published %d (%s)", seed, tc.Date, tc.Party, tc.Type, tc.Category, tc.Status, n, tc.Count, tc.Source)
			}
			checked++
		}
		if checked == 0 {
			t.Fatal("no calibrated per-type figure")
		}
	}
}

func mustTypes(t *testing.T) []TypeCount {
	t.Helper()
	types, err := PublishedTypes()
	if err != nil {
		t.Fatal(err)
	}
	return types
}

// TestNoWarheadOnlyChanges checks Protocol Part Four, Section II.3:
// changes in data on warheads are reported only in the six-month update,
// so no 5-day change notification changes nothing but an item's
// warheads.
func TestNoWarheadOnlyChanges(t *testing.T) {
	w := world(t, NewSTART, 1)
	known := map[string]declaration.Item{}
	bad := 0
	for _, e := range w.Events {
		if e.Type != changeInData && e.Type != convComplete && e.Type != initialData && e.Type != sixMonth {
			continue
		}
		for _, it := range e.Items {
			was, ok := known[it.UID]
			if e.Type == changeInData && ok && was.Warheads != it.Warheads &&
				was.Status == it.Status && was.Facility == it.Facility && was.Type == it.Type {
				bad++
			}
			known[it.UID] = it
		}
	}
	if bad > 0 {
		t.Errorf("%d items in change_in_data notifications change only their warheads", bad)
	}
}

// TestSilence checks the events of 2023: after its suspension (28 Feb)
// Russia sends only launch notifications, and still sends them; the
// United States sends everything but its 1 March 2023 data until 1 June
// 2023, then only launch notifications.
func TestSilence(t *testing.T) {
	w := world(t, NewSTART, 1)
	rus, usa := treaty.MustDate("2023-02-28"), treaty.MustDate("2023-06-01")
	launches := map[string]int{}
	usBetween := 0
	for _, e := range w.Events {
		silent := (e.Party == "RUS" && !e.Effective.Before(rus)) || (e.Party == "USA" && !e.Effective.Before(usa))
		if silent && e.Type != launch {
			t.Errorf("%s sent %s effective %s after falling silent", e.Party, e.Type, e.Effective)
		}
		if silent {
			launches[e.Party]++
		}
		if e.Party == "USA" && !e.Effective.Before(rus) && e.Effective.Before(usa) && e.Type != launch {
			usBetween++
		}
	}
	if launches["RUS"] == 0 || launches["USA"] == 0 {
		t.Errorf("launch notifications after silence: %v, want some from each party (1988 agreement)", launches)
	}
	if usBetween == 0 {
		t.Error("the United States sent no notification between 28 February and 1 June 2023")
	}
}

// TestNoProductionInspection checks that no inspection goes to a
// production facility (New START has none; START's monitoring at
// Votkinsk ended with START).
func TestNoProductionInspection(t *testing.T) {
	w := world(t, NewSTART, 1)
	kind := map[string]string{}
	for _, f := range w.Facilities {
		kind[f.ID] = f.Kind
	}
	for _, e := range w.Events {
		if e.Type == siteDesignate && kind[e.Fields["facility"]] == Production {
			t.Errorf("%s effective %s inspects production facility %s", e.Type, e.Effective, e.Fields["facility"])
		}
	}
}

// TestB1BConverted checks that the B-1B is converted to non-nuclear
// armaments in 2011 (its conversion exhibited in March 2011), not
// eliminated, and that Russia's reading of 2022 does not count it.
func TestB1BConverted(t *testing.T) {
	w := world(t, NewSTART, 1)
	for _, e := range w.Events {
		for _, it := range e.Items {
			if it.Type == "B-1B" && it.Status == "eliminated" {
				t.Fatalf("%s effective %s eliminates B-1B %s", e.Type, e.Effective, it.UID)
			}
		}
	}
	n := 0
	for _, it := range w.HoldingsAt("USA", treaty.MustDate("2011-12-31")) {
		if it.Type == "B-1B" {
			if it.Status != "converted" {
				t.Errorf("B-1B %s is %s at the end of 2011, want converted", it.UID, it.Status)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no B-1B held at the end of 2011")
	}
}

// TestVolume checks the simulated volume against the public record: at
// least as many notifications as published before each date, and no more
// than a quarter more, for two seeds.
func TestVolume(t *testing.T) {
	vols, err := PublishedVolumes()
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{1, 2} {
		w := world(t, NewSTART, seed)
		for _, v := range vols {
			n := 0
			for _, e := range w.Events {
				if e.Effective.Before(v.Date) {
					n++
				}
			}
			if n < v.MoreThan || n > v.MoreThan*5/4 {
				t.Errorf("seed %d: %d notifications before %s, published more than %d (%s)", seed, n, v.Date, v.MoreThan, v.Source)
			}
		}
	}
}

// TestWithheldData checks that the United States' data as of 1 March
// 2023, which it did not provide to Russia and published itself, says so,
// and that Russia acknowledges none of it.
func TestWithheldData(t *testing.T) {
	w := world(t, NewSTART, 1)
	found := false
	for _, e := range w.Events {
		if e.Party == "USA" && e.Type == sixMonth && e.Effective.String() == "2023-03-01" {
			found = true
			if !strings.Contains(e.Note, "not provided to the other party") {
				t.Errorf("US data as of 2023-03-01: note %q does not say it was not provided", e.Note)
			}
			if len(e.Acks) > 0 {
				t.Errorf("US data as of 2023-03-01 acknowledged by %v", e.Acks)
			}
		}
	}
	if !found {
		t.Error("no US data as of 2023-03-01")
	}
}

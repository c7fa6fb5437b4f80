package sim

import (
	"slices"
	"strings"
	"testing"

	"accord/entry/body"
	"accord/internal/treaty"
)

// TestInspectedKinds checks that every facility kind an inspection type
// visits in the simulation is a facility type of the treaty that the
// type may visit, so that the designation can state it and the treaty
// database checks it.
func TestInspectedKinds(t *testing.T) {
	ns, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	for typ, kinds := range inspectedKinds {
		i := slices.IndexFunc(ns.Inspections, func(it treaty.InspectionType) bool { return it.ID == typ })
		if i < 0 {
			t.Fatalf("inspection type %s is not newstart's", typ)
		}
		for _, k := range kinds {
			if !ns.HasFacilityType(k) || !ns.Inspections[i].MayVisit(k) {
				t.Errorf("a %s may not visit a %s under newstart", typ, k)
			}
		}
	}
}

// TestInspectionQuotas checks the calibration: each party uses its full
// quota of 10 Type One and 8 Type Two inspections in every treaty year
// before the pause, 252 in all by 5 February 2018 as the State
// Department counted, a share in the year the pause cuts short, and
// none after it.
func TestInspectionQuotas(t *testing.T) {
	w := world(t, NewSTART, 1)
	type key struct {
		by, typ string
		year    treaty.Date
	}
	used := map[key]int{}
	by2018 := 0
	for _, e := range w.Events {
		if e.Type != siteDesignate {
			continue
		}
		used[key{e.Party, e.Fields["inspection_type"], w.Treaty.YearOf(e.Effective)}]++
		if e.Effective.Before(treaty.MustDate("2018-02-05")) {
			by2018++
		}
	}
	if by2018 != 252 {
		t.Errorf("%d inspections before 5 February 2018, want 252", by2018)
	}
	for _, p := range w.Parties {
		for y := w.Treaty.Dates.EntryIntoForce; y.Before(treaty.MustDate("2020-02-05")); y = y.Add(treaty.Period{Years: 1}) {
			if n1, n2 := used[key{p, "type_one", y}], used[key{p, "type_two", y}]; n1 != 10 || n2 != 8 {
				t.Errorf("%s in the treaty year from %s: %d Type One and %d Type Two, want 10 and 8", p, y, n1, n2)
			}
		}
		if n := used[key{p, "type_one", treaty.MustDate("2020-02-05")}] + used[key{p, "type_two", treaty.MustDate("2020-02-05")}]; n != 2 {
			t.Errorf("%s: %d inspections in the treaty year the pause cut short, want 2", p, n)
		}
	}
}

// TestInspectionSequence checks each inspection's steps: the designation
// states the site's facility type and the inspected party; the briefing
// answers it, by the inspected party, and states each deployed missile at
// a Type One base with its warheads; the missile designated is one of
// them; the report answers the briefing and counts on that missile the
// warheads the world holds; each answer is sent after what it answers,
// within its deadline counted from then, and acknowledged by the other
// party after it.
func TestInspectionSequence(t *testing.T) {
	w := world(t, NewSTART, 1)
	kind := map[string]string{}
	for _, f := range w.Facilities {
		kind[f.ID] = f.Kind
	}
	byID := map[string]*Event{}
	steps := map[string]int{}
	defer func() {
		if steps[siteDesignate] != 328 || steps[briefing] != 328 || steps[inspReport] != 328 || steps[rvDesignate] == 0 {
			t.Errorf("steps %v, want 328 designations, briefings and reports, and reentry-vehicle designations", steps)
		}
	}()
	for i := range w.Events {
		e := &w.Events[i]
		steps[e.Type]++
		if e.ID != "" {
			byID[e.ID] = e
		}
		if e.Type == siteDesignate && (e.Fields["facility_type"] != kind[e.Fields["facility"]] || e.Fields["inspected"] == e.Party) {
			t.Fatalf("designation %s of %s states %s, inspected %s", e.Effective, e.Fields["facility"], e.Fields["facility_type"], e.Fields["inspected"])
		}
		if e.Answers == "" {
			continue
		}
		a := byID[e.Answers]
		if a == nil || a.Party == e.Party {
			t.Fatalf("%s %s answers %q, not another party's earlier step", e.Type, e.Effective, e.Answers)
		}
		if !e.Sent.After(a.Sent) || e.Sent.After(e.Due) || len(e.Acks) != 1 || !e.Acks[0].Sent.After(e.Sent) {
			t.Fatalf("%s %s sent %s after %s sent %s, due %s, acks %v", e.Type, e.Effective, e.Sent, a.Type, a.Sent, e.Due, e.Acks)
		}
		checkStep(t, w, e, a)
	}
}

// checkStep checks one answering step e against the step a it answers.
func checkStep(t *testing.T, w *World, e, a *Event) {
	t.Helper()
	inspected := a.Party // the briefing's
	if e.Type == briefing {
		inspected = e.Party
	}
	held := map[string]int{}
	for _, it := range w.HoldingsAt(inspected, e.Effective) {
		if it.Status == "deployed" && it.Facility == a.Fields["facility"] {
			held[it.UID] = it.Warheads
		}
	}
	switch e.Type {
	case briefing:
		if e.Fields["facility"] != a.Fields["facility"] || e.Fields["facility_type"] != a.Fields["facility_type"] {
			t.Fatalf("briefing %s names %s, the designation %s", e.Effective, e.Fields["facility"], a.Fields["facility"])
		}
		for _, it := range e.Stated {
			if w, ok := held[it.UID]; !ok || it.Warheads == nil || *it.Warheads != w {
				t.Fatalf("briefing %s states %s, not a deployed missile at %s with its warheads", e.Effective, it.UID, e.Fields["facility"])
			}
		}
	case rvDesignate:
		if !slices.ContainsFunc(a.Stated, func(b body.Item) bool { return b.UID == e.Fields["uid"] }) {
			t.Fatalf("rv designation %s names %s, not a missile briefed", e.Effective, e.Fields["uid"])
		}
	case inspReport:
		for _, it := range e.Stated {
			if it.Warheads != nil && *it.Warheads != held[it.UID] {
				t.Fatalf("report %s counts %d on %s, the world holds %d", e.Effective, *it.Warheads, it.UID, held[it.UID])
			}
		}
	}
}

// TestInspectionsOneAtATime checks that each party's inspections do not
// overlap: in the order it sends them, its notices of intent and its
// reports alternate, so that the treaty database finds each inspection's
// notice of intent as the last one before its designation.
func TestInspectionsOneAtATime(t *testing.T) {
	w := world(t, NewSTART, 1)
	for _, p := range w.Parties {
		var steps []Event
		for _, e := range w.Events {
			if e.Party == p && (e.Type == intentInspect || e.Type == inspReport) {
				steps = append(steps, e)
			}
		}
		slices.SortStableFunc(steps, func(a, b Event) int { return a.Sent.Compare(b.Sent) })
		for i, e := range steps {
			if want := []string{intentInspect, inspReport}[i%2]; e.Type != want {
				t.Fatalf("%s's step %d, sent %s, is a %s, want a %s", p, i, e.Sent, e.Type, want)
			}
		}
	}
}

// TestExhibitions checks the exhibitions of March 2011: the B-1B's
// conversion to non-nuclear armaments and the B-2A by the United States,
// the RS-24 by Russia, each acknowledged by the other party.
func TestExhibitions(t *testing.T) {
	w := world(t, NewSTART, 1)
	var got []string
	for _, e := range w.Events {
		if e.Type == exhibitionHeld && len(e.Acks) == 1 && e.Effective.String()[:7] == "2011-03" {
			got = append(got, e.Party+" "+e.Fields["exhibition"]+" "+e.Fields["item_type"])
		}
	}
	want := "USA exhibition_nonnuclear_bomber B-1B, USA exhibition B-2A, RUS exhibition RS-24"
	if s := strings.Join(got, ", "); s != want {
		t.Errorf("exhibitions %s, want %s", s, want)
	}
}

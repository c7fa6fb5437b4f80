package treaty

import (
	"errors"
	"strings"
	"testing"
)

// TestStepErrors checks that a notification type's optional fields and
// inspection step are refused, with the line and field, when they are
// not valid.
func TestStepErrors(t *testing.T) {
	const head = "id: x\nversion: 1\ntitle: X\nbinding: legal\nparties: [{id: AAA, name: A}]\ndates: {signature: 2020-01-01, entry_into_force: 2020-02-01}\ncategories: [{id: icbm, name: ICBM}]\nstatuses: [{id: deployed, name: D}]\n"
	for _, tc := range []struct {
		name, in, field, text string
	}{
		{"optional twice", "notifications: [{id: n, due: effective + 1d, effect: event, fields: [a], optional: [b, b], cite: c}]\n",
			"notifications[0].optional[1]", `field "b" is listed twice`},
		{"optional and required", "notifications: [{id: n, due: effective + 1d, effect: event, fields: [a], optional: [a], cite: c}]\n",
			"notifications[0].optional[0]", `field "a" is listed twice`},
		{"optional stock", "notifications: [{id: n, due: effective + 1d, effect: event, optional: [stock], cite: c}]\n",
			"notifications[0].optional[0]", "stock lots are never optional"},
		{"unknown step", "notifications: [{id: n, due: effective + 1d, effect: event, fields: [inspection_type], inspection_step: visit, cite: c}]\n",
			"notifications[0].inspection_step", `inspection_step must be one of intent, arrival, designation, briefing, rv_designation, report, comments, resolution, exhibition, not "visit"`},
		{"exhibition without its id", "notifications: [{id: n, due: effective + 1d, effect: event, fields: [place], inspection_step: exhibition, cite: c}]\n",
			"notifications[0].fields", "a notification of an exhibition carries field exhibition"},
		{"step without inspection type", "notifications: [{id: n, due: effective + 1d, effect: event, fields: [facility], inspection_step: designation, cite: c}]\n",
			"notifications[0].fields", "a notification of inspection step designation carries field inspection_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(head+tc.in))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %v is not an ErrorList", err)
			}
			for _, e := range list {
				if e.Field == tc.field && strings.Contains(e.Msg, tc.text) && e.Line == 9 {
					return
				}
			}
			t.Errorf("got %v; want line 9 field %q text %q", err, tc.field, tc.text)
		})
	}
}

// TestSequenceData checks New START's inspection sequence: one type per
// step, each answering the step before it where it answers one.
func TestSequenceData(t *testing.T) {
	tr, err := Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	byStep := map[string]NotificationType{}
	for _, nt := range tr.Notifications {
		if nt.Step != "" {
			if _, dup := byStep[nt.Step]; dup {
				t.Errorf("step %s has two types", nt.Step)
			}
			byStep[nt.Step] = nt
		}
	}
	for step, answers := range map[string]string{
		StepBriefing: StepDesignation, StepRVDesignation: StepBriefing, StepReport: StepBriefing, StepComments: StepReport,
	} {
		if got := byStep[step].Answers; got != byStep[answers].ID || byStep[step].Due.Anchor != "received" {
			t.Errorf("%s answers %q (due %v), want %q from its receipt", step, got, byStep[step].Due, byStep[answers].ID)
		}
	}
	if len(byStep) != len(InspectionSteps) {
		t.Errorf("%d steps defined, want %d", len(byStep), len(InspectionSteps))
	}
	for _, id := range []string{"type_one", "type_two"} {
		it, _ := tr.Inspection(id)
		if !strings.HasPrefix(it.SitesClause(), "Article XI.") {
			t.Errorf("%s: sites clause %q", id, it.SitesClause())
		}
	}
}

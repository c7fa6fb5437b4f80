package treaty

import (
	"regexp"
	"strings"
	"testing"
)

// TestNewSTARTCitations checks the clauses the public record pins down:
// the data notifications are Protocol Part Four, Section II, paragraphs
// 1-3 (not Section I, the general provisions); no clause cites Section I
// for a notification; "training" is not cited as a treaty definition; and
// the rules without a source say so.
func TestNewSTARTCitations(t *testing.T) {
	ns := mustBuiltin(t, "newstart")
	for id, want := range map[string]string{
		"initial_data":     "Part Four, Section II.1",
		"six_month_update": "Part Four, Section II.2",
		"change_in_data":   "Part Four, Section II.3",
	} {
		nt, ok := ns.Notification(id)
		if !ok || !strings.Contains(nt.Cite, want) {
			t.Errorf("%s cites %q, want %s", id, nt.Cite, want)
		}
	}
	sectionOne := regexp.MustCompile(`Part Four, Section I(\.|\b[^IV])`)
	for _, nt := range ns.Notifications {
		if sectionOne.MatchString(nt.Cite) {
			t.Errorf("%s cites Part Four Section I (general provisions): %q", nt.ID, nt.Cite)
		}
	}
	if sectionOne.MatchString(ns.DataExchange.Cite) {
		t.Errorf("data_exchange cites Part Four Section I: %q", ns.DataExchange.Cite)
	}
	if st, _ := ns.Status("training"); strings.Contains(st.Cite, "Part One") || !strings.Contains(st.Cite, "Not a status in the treaty") {
		t.Errorf("training cites %q: the treaty has no training silo", st.Cite)
	}
	for _, id := range []string{"telemetry_incomplete", "telemetry_reply"} {
		if nt, _ := ns.Notification(id); !strings.Contains(nt.Cite, "no source") {
			t.Errorf("%s cites %q, want its deadline marked as having no source", id, nt.Cite)
		}
	}
	if !strings.Contains(ns.Acknowledgement.Cite, "working rule") {
		t.Errorf("acknowledgement cites %q, want it marked as accord's working rule", ns.Acknowledgement.Cite)
	}
}

// TestNewSTARTEvents checks the dated events of 2020-2023 against the
// public record (the sources are in each event's cite).
func TestNewSTARTEvents(t *testing.T) {
	ns := mustBuiltin(t, "newstart")
	want := []struct{ date, party, kind string }{
		{"2020-03-29", "", "inspections_paused"},
		{"2022-08-08", "RUS", "inspections_paused"},
		{"2023-02-21", "RUS", "note"},
		{"2023-02-28", "RUS", "suspension"},
		{"2023-03-01", "USA", "data_withheld"},
		{"2023-06-01", "USA", "notifications_withheld"},
	}
	if len(ns.Events) != len(want) {
		t.Fatalf("%d events, want %d", len(ns.Events), len(want))
	}
	for i, w := range want {
		e := ns.Events[i]
		if e.Date.String() != w.date || e.Party != w.party || e.Kind != w.kind {
			t.Errorf("event %d = %s %q %s, want %s %q %s", i, e.Date, e.Party, e.Kind, w.date, w.party, w.kind)
		}
		if e.Cite == "" {
			t.Errorf("event %d (%s) has no source", i, e.Date)
		}
	}
}

func mustBuiltin(t *testing.T, id string) *Treaty {
	t.Helper()
	tr, err := Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

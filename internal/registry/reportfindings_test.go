package registry

import (
	"slices"
	"strings"
	"testing"

	"accord/entry/body"
)

// TestDiscrepancyFollowsTheDatabase checks that a report's discrepancies,
// kept at ingest, follow what the database holds on the report's date as
// it changes after the report: a change of status notified late and
// dated before the report makes one, its correction takes it away, and a
// change dated after the report changes nothing. At each step the
// findings equal those of the inspection assembled from its steps.
func TestDiscrepancyFollowsTheDatabase(t *testing.T) {
	n := newTestNode(t)
	base(t, n)
	inspect(n, briefed("M1", 1, "M2", 1))
	const now = "2011-07-10T00:00:00Z"
	check := func(step string, want ...string) {
		t.Helper()
		got := kinds(t, n, FindingDiscrepancy, now)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: discrepancies\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		ins, err := n.reg.Inspections(n.ctx, "USA", mustTime(now))
		must(t, err)
		var assembled []string
		for _, f := range ins[0].Findings {
			if f.Kind == FindingDiscrepancy {
				assembled = append(assembled, f.Reason)
			}
		}
		if !slices.Equal(got, assembled) {
			t.Fatalf("%s: discrepancies kept %q, assembled %q", step, got, assembled)
		}
	}
	check("as declared")
	late := n.mustSend("USA", "2011-05-25", "2011-06-05T00:00:00Z", &body.Notification{Type: "change_in_data",
		Items: []body.Item{{UID: "M2", Status: "non_deployed", Warheads: wh(0)}}})
	check("after a late change dated before the report",
		"report accord/newstart/RUS#4 counted 1 warheads on M2; the briefing accord/newstart/USA#2 stated 1 and the database holds 0")
	n.mustSend("USA", "2011-05-25", "2011-06-06T00:00:00Z", &body.Notification{Type: "change_in_data",
		Items: []body.Item{{UID: "M4", Status: "deployed", Warheads: wh(1)}}, Corrects: refOf(late)})
	check("after its correction")
	n.mustSend("USA", "2011-06-20", "2011-06-20T00:00:00Z", &body.Notification{Type: "change_in_data",
		Items: []body.Item{{UID: "M2", Status: "non_deployed", Warheads: wh(0)}}})
	check("after a change dated after the report")
}

package server

import (
	"strings"
	"testing"
)

// TestHugeCount sends, through the operator API, the notification that
// once turned a violation into "met" on the public fact sheet: two items
// of 9223372036854775807 warheads each. It is refused as malformed (422) and
// nothing is appended; the fact sheet of the date counts what was
// declared before.
func TestHugeCount(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	usa.sendNotifications("newstart")
	size := usa.size()
	for _, w := range []string{"9223372036854775807", "1000000001", "-1"} {
		resp := usa.notify(`{"type":"change_in_data","effective":"2011-06-01","items":[` +
			`{"uid":"USA-M1","status":"deployed","warheads":` + w + `},{"uid":"USA-M2","status":"deployed","warheads":` + w + `}]}`)
		if resp.StatusCode != 422 || !strings.Contains(string(resp.Body), "is not between 0 and 1000000000") {
			t.Errorf("warheads %s: %s %s", w, resp.Status, resp.Body)
		}
	}
	if got := usa.size(); got != size {
		t.Fatalf("the log grew from %d to %d entries", size, got)
	}
	sheet, err := usa.do("GET", "factsheet?as_of=2011-09-01&format=csv", "", "")
	if err != nil || sheet.StatusCode != 200 || strings.Contains(string(sheet.Body), ",-") {
		t.Fatalf("fact sheet: %v %s %s", err, sheet.Status, sheet.Body)
	}
}

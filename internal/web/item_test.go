package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"accord/entry"
	"accord/internal/registry"
)

var entryLinkRe = regexp.MustCompile(`<a class="entry" href="(/entries/[A-Z]+/\d+)">([^<]+)</a>`)

// TestItemHistory follows items to their history and each history row to
// its entry: every fact of registry.History is shown, and every entry's
// proof verifies, on the page and offline from the downloaded receipt.
func TestItemHistory(t *testing.T) {
	srv := newServer(t, world.View())
	ctx := context.Background()
	// An ICBM launcher converted or eliminated has the longest history;
	// take the first item of each party with a status change.
	for _, party := range []string{"USA", "RUS"} {
		items, err := world.Reg.Inventory(ctx, party, world.Treaty.Dates.EntryIntoForce, world.Clock)
		if err != nil {
			t.Fatal(err)
		}
		var uid string
		var hist []registry.Fact
		for _, it := range items {
			h, err := world.Reg.History(ctx, party, it.UID)
			if err != nil {
				t.Fatal(err)
			}
			if statuses(h) >= 2 {
				uid, hist = it.UID, h
				break
			}
		}
		if uid == "" {
			t.Fatalf("%s: no item changes status", party)
		}
		body := mustGet(t, srv, fmt.Sprintf("/items/%s/%s", party, uid))
		links := entryLinkRe.FindAllStringSubmatch(body, -1)
		if len(links) != len(hist) {
			t.Fatalf("%s %s: page shows %d facts, the registry holds %d", party, uid, len(links), len(hist))
		}
		for i, f := range hist {
			if links[i][2] != f.Entry.String() {
				t.Errorf("%s %s fact %d: links %s, want %s", party, uid, i, links[i][2], f.Entry)
			}
			if f.Status != "" && !strings.Contains(body, fmt.Sprintf(`data-status="%s"`, f.Status)) {
				t.Errorf("%s %s: status %s not shown", party, uid, f.Status)
			}
		}
		for _, l := range links[:min(3, len(links))] {
			page := mustGet(t, srv, l[1])
			if !strings.Contains(page, `<p class="verified ok" id="verified"><strong>Verified.</strong>`) {
				t.Errorf("%s: proof not verified on the page\n%s", l[1], excerpt(page))
			}
			rc := mustGet(t, srv, strings.Replace(l[1], "/entries/", "/proofs/", 1))
			r, err := entry.ParseReceipt([]byte(rc))
			if err != nil {
				t.Fatal(err)
			}
			e, _, err := entry.CheckReceipt(r, world.Logs[party].Verifier, nil)
			if err != nil {
				t.Errorf("%s: receipt does not verify offline: %v", l[1], err)
				continue
			}
			if e.Party != party {
				t.Errorf("%s: receipt of a %s entry", l[1], e.Party)
			}
		}
		t.Logf("%s %s: %d facts, %d status changes", party, uid, len(hist), statuses(hist))
	}
}

func statuses(h []registry.Fact) int {
	n, last := 0, ""
	for _, f := range h {
		if f.Status != "" && f.Status != last {
			n, last = n+1, f.Status
		}
	}
	return n
}

package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"accord/entry"
	"accord/entry/body"
	"accord/escrow"
)

var escrowSecret = sha256.Sum256([]byte("registry test escrow secret"))

// escrowDecl returns party's escrowed declaration of date: east holds
// deployed warheads at Base A, north stored ones at Depot B, west retired
// ones at Plant C (warheadNode's statement is 400, 300, 100).
func escrowDecl(party, date string, east, north, west uint32) *escrow.Declaration {
	region := func(id, site string, c escrow.Category, n uint32) escrow.Region {
		return escrow.Region{ID: id, Entries: []escrow.Entry{{Site: site, Counts: map[escrow.Category]uint32{c: n}}}}
	}
	return &escrow.Declaration{Party: party, Date: date, Regions: []escrow.Region{
		region("east", "Base-A", escrow.DeployedStrategic, east),
		region("north", "Depot-B", escrow.NondeployedStrategic, north),
		region("west", "Plant-C", escrow.Retired, west),
	}}
}

func commit(t *testing.T, d *escrow.Declaration) (*escrow.Commitment, *escrow.Opening) {
	t.Helper()
	c, o, err := escrow.Commit(&escrowSecret, d)
	if err != nil {
		t.Fatal(err)
	}
	return c, o
}

func commitmentBody(c *escrow.Commitment) []byte {
	return (&escrow.LogBody{Commitment: c}).Marshal()
}

// revealBody returns the log body of region's reveal, and the reveal.
func revealBody(t *testing.T, o *escrow.Opening, region string) ([]byte, *escrow.Reveal) {
	t.Helper()
	r, err := o.Reveal(region)
	if err != nil {
		t.Fatal(err)
	}
	return (&escrow.LogBody{Reveal: escrow.LogReveal(r)}).Marshal(), r
}

func mustLog(t *testing.T, n *testNode, party, eff, recorded string, b []byte) Record {
	t.Helper()
	rec, err := n.sendRaw(party, entry.Commitment, eff, recorded, b)
	if err != nil {
		t.Fatalf("%s escrow entry effective %s: %v", party, eff, err)
	}
	return rec
}

// escrowDump returns every row of the database, the escrow tables'
// included.
func escrowDump(t *testing.T, r *Registry) string {
	t.Helper()
	return dump(t, r) + escrowRows(t, r)
}

// escrowRows returns every row of the escrow tables.
func escrowRows(t *testing.T, r *Registry) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"escrow_commitments", "escrow_regions"} {
		rows, err := r.db.Query(`SELECT * FROM ` + table + ` ORDER BY 1, 2`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

// escrowNode is warheadNode with the United States' commitment to its
// statement logged (entry 1, 20 October 2020) and its east region
// revealed (entry 2, 1 November 2020).
func escrowNode(t *testing.T) (*testNode, *escrow.Commitment, *escrow.Opening) {
	n := warheadNode(t)
	c, o := commit(t, escrowDecl("USA", "2020-10-20", 400, 300, 100))
	mustLog(t, n, "USA", "2020-10-20", "2020-10-21T00:00:01Z", commitmentBody(c))
	east, _ := revealBody(t, o, "east")
	mustLog(t, n, "USA", "2020-11-01", "2020-11-01T10:00:00Z", east)
	return n, c, o
}

// TestEscrowRefusals: every escrow entry the treaty database refuses,
// with the rule and the reason; refused by Check, and as a peer's entry
// kept refused with no other effect.
func TestEscrowRefusals(t *testing.T) {
	later, laterOpening := commit(t, escrowDecl("USA", "2020-11-01", 400, 300, 100))
	rus, _ := commit(t, escrowDecl("RUS", "2020-10-20", 1, 2, 3))
	open := *later
	open.Total++
	huge := *later
	huge.Total = maxWarheads + 1
	c0 := commitmentBody(later)
	for _, tc := range []struct {
		name  string
		party string
		eff   string
		body  func(*escrow.Commitment, *escrow.Opening) []byte
		rule  error
		text  string
	}{
		{"empty object", "USA", "2020-11-02", func(*escrow.Commitment, *escrow.Opening) []byte { return []byte(`{}`) },
			body.ErrMalformed, "not a JSON object with a member"},
		{"unknown kind", "USA", "2020-11-02", func(*escrow.Commitment, *escrow.Opening) []byte { return []byte(`{"lottery":{"seed":"00"}}`) },
			body.ErrMalformed, `opens with member "lottery", of no kind accord knows (kinds open with: commitment, draw)`},
		{"commitment not base64", "USA", "2020-11-02", func(*escrow.Commitment, *escrow.Opening) []byte {
			return []byte(`{"commitment":"!!","escrow":"commitment"}`)
		}, body.ErrMalformed, "commitment is not base64"},
		{"another party's commitment", "USA", "2020-10-20", func(*escrow.Commitment, *escrow.Opening) []byte { return commitmentBody(rus) },
			ErrEscrow, "the commitment is party RUS's, in USA's log"},
		{"dated another day", "USA", "2020-11-02", func(*escrow.Commitment, *escrow.Opening) []byte { return c0 },
			ErrEscrow, "the commitment is dated 2020-11-01 and its entry is effective 2020-11-02"},
		{"total that does not open", "USA", "2020-11-01", func(*escrow.Commitment, *escrow.Opening) []byte { return commitmentBody(&open) },
			ErrEscrow, "do not open to the total 801"},
		{"total past the bound", "USA", "2020-11-01", func(*escrow.Commitment, *escrow.Opening) []byte { return commitmentBody(&huge) },
			ErrEscrow, "the most accord counts"},
		{"commitment logged twice", "USA", "2020-10-20", func(c *escrow.Commitment, _ *escrow.Opening) []byte { return commitmentBody(c) },
			ErrEscrow, "is already entry accord/us-freeze-2020/USA#1"},
		{"reveal of a commitment not logged", "USA", "2020-11-02", func(*escrow.Commitment, *escrow.Opening) []byte {
			b, _ := revealBody(t, laterOpening, "west")
			return b
		}, ErrEscrow, "region west: commitment " + hashHex(later)[:16] + " is not an applied commitment entry of accord/us-freeze-2020/USA before this one"},
		{"reveal of another party's commitment", "RUS", "2020-11-02", func(_ *escrow.Commitment, o *escrow.Opening) []byte {
			b, _ := revealBody(t, o, "west")
			return b
		}, ErrEscrow, "is not an applied commitment entry of accord/us-freeze-2020/RUS"},
		{"region the commitment has not", "USA", "2020-11-02", func(_ *escrow.Commitment, o *escrow.Opening) []byte {
			r, _ := o.Reveal("west")
			lr := escrow.LogReveal(r)
			lr.Region = "south"
			return (&escrow.LogBody{Reveal: lr}).Marshal()
		}, ErrEscrow, "region south: the commitment of entry accord/us-freeze-2020/USA#1 has no such region"},
		{"region revealed twice", "USA", "2020-11-02", func(_ *escrow.Commitment, o *escrow.Opening) []byte {
			b, _ := revealBody(t, o, "east")
			return b
		}, ErrEscrow, "region east of the commitment of entry accord/us-freeze-2020/USA#1 was already revealed by entry accord/us-freeze-2020/USA#2"},
		{"reveal before the commitment's date", "USA", "2020-10-19", func(_ *escrow.Commitment, o *escrow.Opening) []byte {
			b, _ := revealBody(t, o, "north")
			return b
		}, ErrEscrow, "region north: the reveal is effective 2020-10-19, before the date 2020-10-20 of its commitment (entry accord/us-freeze-2020/USA#1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, c, o := escrowNode(t)
			before := escrowDump(t, n.reg)
			b := tc.body(c, o)
			_, err := n.sendRaw(tc.party, entry.Commitment, tc.eff, tc.eff+"T12:00:00Z", b)
			if !errors.Is(err, tc.rule) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v\nwant %v containing %q", err, tc.rule, tc.text)
			}
			if escrowDump(t, n.reg) != before {
				t.Fatal("a refused entry changed the database")
			}
			checkPeerRefused(t, n, tc.party, tc.eff, b)
		})
	}
}

// checkPeerRefused applies the entry as a peer's, which is kept refused
// and changes no escrow row.
func checkPeerRefused(t *testing.T, n *testNode, party, eff string, b []byte) {
	t.Helper()
	before := escrowRows(t, n.reg)
	rec := n.record(party, entry.Commitment, eff, eff+"T12:00:00Z", b)
	n.logs[party] = append(n.logs[party], rec)
	if err := n.reg.Apply(n.ctx, rec); err != nil {
		t.Fatal(err)
	}
	fs := findingsOf(t, n, party, FindingRefused)
	if len(fs) != 1 || fs[0].Entry.Index != rec.Index {
		t.Fatalf("refused findings %+v, want entry %d", fs, rec.Index)
	}
	if escrowRows(t, n.reg) != before {
		t.Fatal("a refused peer entry changed the escrow tables")
	}
}

func hashHex(c *escrow.Commitment) string {
	h := c.Hash()
	return hex.EncodeToString(h[:])
}

// TestEscrowTables: a commitment and two reveals, as the API returns
// them and as the tables hold them.
func TestEscrowTables(t *testing.T) {
	n, c, o := escrowNode(t)
	westBody, west := revealBody(t, o, "west")
	mustLog(t, n, "USA", "2021-01-10", "2021-01-10T09:00:00Z", westBody)
	_, east := revealBody(t, o, "east")
	got, err := n.reg.Escrows(n.ctx, "USA", mustTime("2030-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	rh := func(r *escrow.Reveal) string { h := sha256.Sum256(r.Marshal()); return hex.EncodeToString(h[:]) }
	cc := func(i int) string { return hex.EncodeToString(c.Regions[i].Count[:]) }
	want := fmt.Sprintf(`[{"party":"USA","index":1,"effective":"2020-10-20","recorded":"2020-10-21T00:00:01Z","hash":"%s","date":"2020-10-20","total":800,"capacity":%d,"book":800,"regions":[`+
		`{"id":"east","count":"%s","revealed":true,"reveal_index":2,"reveal_effective":"2020-11-01","reveal_count":400,"reveal_hash":"%s"},`+
		`{"id":"north","count":"%s","revealed":false},`+
		`{"id":"west","count":"%s","revealed":true,"reveal_index":3,"reveal_effective":"2021-01-10","reveal_count":100,"reveal_hash":"%s"}]}]`,
		hashHex(c), c.Capacity, cc(0), rh(east), cc(1), cc(2), rh(west))
	if g := compactJSON(t, got); g != want {
		t.Fatalf("Escrows:\n%s\nwant:\n%s", g, want)
	}
	d := escrowRows(t, n.reg)
	for _, row := range []string{
		fmt.Sprintf("escrow_commitments [USA accord/us-freeze-2020/USA 1 2020-10-20 2020-10-21T00:00:01.000000000Z %s 2020-10-20 800 %d 3]", hashHex(c), c.Capacity),
		fmt.Sprintf("escrow_regions [%s north %s <nil> <nil> <nil> <nil> <nil>]", hashHex(c), cc(1)),
		fmt.Sprintf("escrow_regions [%s west %s 3 2021-01-10 2021-01-10T09:00:00.000000000Z 100 %s]", hashHex(c), cc(2), rh(west)),
	} {
		if !strings.Contains(d, row+"\n") {
			t.Errorf("no row %s in\n%s", row, d)
		}
	}
}

func compactJSON(t *testing.T, v any) string {
	return strings.Join(strings.Fields(mustJSON(t, v)), "")
}

// TestEscrowKnownAt: what the database knew of the commitment and its
// reveals at each time.
func TestEscrowKnownAt(t *testing.T) {
	n, _, o := escrowNode(t)
	west, _ := revealBody(t, o, "west")
	mustLog(t, n, "USA", "2021-01-10", "2021-01-10T09:00:00Z", west)
	for _, tc := range []struct{ at, want string }{
		{"2020-10-21T00:00:00Z", "no commitment"},
		{"2020-10-21T00:00:01Z", "east:false north:false west:false"},
		{"2020-11-01T10:00:00Z", "east:true north:false west:false"},
		{"2021-01-10T08:59:59Z", "east:true north:false west:false"},
		{"2021-01-10T09:00:00Z", "east:true north:false west:true"},
	} {
		cs, err := n.reg.Escrows(n.ctx, "USA", mustTime(tc.at))
		if err != nil {
			t.Fatal(err)
		}
		got := "no commitment"
		if len(cs) > 0 {
			var parts []string
			for _, g := range cs[0].Regions {
				parts = append(parts, fmt.Sprintf("%s:%v", g.ID, g.Revealed))
			}
			got = strings.Join(parts, " ")
		}
		if got != tc.want {
			t.Errorf("known at %s: %s, want %s", tc.at, got, tc.want)
		}
	}
}

// TestEscrowRebuild: the escrow tables are a pure function of the logs,
// refused escrow entries included, one entry at a time or in one batch.
func TestEscrowRebuild(t *testing.T) {
	n, _, o := escrowNode(t)
	west, _ := revealBody(t, o, "west")
	mustLog(t, n, "USA", "2021-01-10", "2021-01-10T09:00:00Z", west)
	checkPeerRefused(t, n, "USA", "2021-01-11", west) // revealed twice
	rus, ro := commit(t, escrowDecl("RUS", "2020-10-20", 10, 20, 30))
	mustLog(t, n, "RUS", "2020-10-20", "2020-10-22T00:00:00Z", commitmentBody(rus))
	north, _ := revealBody(t, ro, "north")
	mustLog(t, n, "RUS", "2021-02-01", "2021-02-01T00:00:00Z", north)
	want := escrowDump(t, n.reg)
	for _, batch := range []int{1, 100} {
		reg := n.open(filepath.Join(t.TempDir(), "rebuilt.db"))
		for _, party := range []string{"RUS", "USA"} {
			log := n.logs[party]
			for i := 0; i < len(log); i += batch {
				if err := reg.Apply(n.ctx, log[i:min(i+batch, len(log))]...); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := escrowDump(t, reg); got != want {
			t.Fatalf("rebuilt in batches of %d:\n%s\nwant:\n%s", batch, got, want)
		}
	}
}

// TestEscrowTotalFinding: a commitment whose total differs from the
// warheads the treaty database holds on its date, as known when it was
// recorded, is a finding naming both entries; with no warheads declared
// there is nothing to compare; a total above the freeze baseline while
// the freeze is in force is a finding of its own.
func TestEscrowTotalFinding(t *testing.T) {
	n := warheadNode(t) // 800 on 2020-10-20, recorded 2020-10-21
	c, _ := commit(t, escrowDecl("USA", "2020-10-20", 400, 290, 100))
	mustLog(t, n, "USA", "2020-10-20", "2020-10-21T00:00:01Z", commitmentBody(c))
	fs := findingsOf(t, n, "USA", FindingEscrowTotal)
	want := "commitment accord/us-freeze-2020/USA#1 opens a total of 790 warheads on 2020-10-20; the treaty database, as known when it was recorded (2020-10-21T00:00:01.000000000Z), holds 800 (its total_warheads) on that date, from the warhead statement accord/us-freeze-2020/USA#0 and the flows since: difference -10"
	if len(fs) != 1 || fs[0].Reason != want || fs[0].Entry.Index != 1 {
		t.Fatalf("escrow_total findings %+v\nwant one: %s", fs, want)
	}
	// A statement recorded after the commitment does not change what was
	// known when it was made.
	n.mustSend("USA", "2020-10-20", "2020-10-25T00:00:00Z", stockOf("warhead_produced", lot("Depot B", "warhead", "non_deployed", 10)))
	if fs := findingsOf(t, n, "USA", FindingEscrowTotal); len(fs) != 1 || !strings.Contains(fs[0].Reason, "difference -10") {
		t.Fatalf("after a later statement: %+v", fs)
	}
	// An agreeing commitment is no finding; one above the baseline while
	// the freeze is in force is, and disagrees with the book too.
	ok, _ := commit(t, escrowDecl("USA", "2020-12-01", 400, 310, 100))
	mustLog(t, n, "USA", "2020-12-01", "2020-12-02T00:00:00Z", commitmentBody(ok))
	early, _ := commit(t, escrowDecl("USA", "2021-01-15", 400, 320, 100)) // the freeze is in force from 2021-02-05
	mustLog(t, n, "USA", "2021-01-15", "2021-01-16T00:00:00Z", commitmentBody(early))
	over, _ := commit(t, escrowDecl("USA", "2021-03-01", 400, 320, 100))
	mustLog(t, n, "USA", "2021-03-01", "2021-03-02T00:00:00Z", commitmentBody(over))
	if fs := findingsOf(t, n, "USA", FindingEscrowTotal); len(fs) != 3 || fs[1].Entry.Index != 4 || fs[2].Entry.Index != 5 || !strings.Contains(fs[2].Reason, "holds 810") {
		t.Fatalf("escrow_total findings %+v, want entries 1, 4 and 5", fs)
	}
	fz := findingsOf(t, n, "USA", FindingEscrowFreeze)
	want = "commitment accord/us-freeze-2020/USA#5 opens a total of 820 warheads on 2021-03-01, above the party's total_warheads freeze baseline of 810 (as of 2020-10-20), in force on that date"
	if len(fz) != 1 || fz[0].Reason != want {
		t.Fatalf("escrow_freeze findings %+v\nwant: %s", fz, want)
	}
	// Russia declared no warheads: no figure to compare, no finding.
	rus, _ := commit(t, escrowDecl("RUS", "2020-10-20", 1, 2, 3))
	mustLog(t, n, "RUS", "2020-10-20", "2020-10-21T00:00:00Z", commitmentBody(rus))
	cs, err := n.reg.Escrows(n.ctx, "RUS", mustTime("2030-01-01T00:00:00Z"))
	if err != nil || len(cs) != 1 || cs[0].Book != nil {
		t.Fatalf("Russia's commitments %+v, %v; want one with no book", cs, err)
	}
	if fs := findingsOf(t, n, "RUS", FindingEscrowTotal); len(fs) != 0 {
		t.Fatalf("a finding without data: %+v", fs)
	}
}

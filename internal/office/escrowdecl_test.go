package office

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"accord/escrow"
)

// newFreezeOffice is newTestOffice for a USA node under us-freeze-2020,
// whose treaty has warhead categories.
func newFreezeOffice(t *testing.T) *Office {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "usa")
	initNode(t, ctx, dir, "us-freeze-2020", "USA")
	o, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(ctx) })
	now := time.Date(2020, 10, 20, 12, 0, 0, 0, time.UTC)
	o.Clock = func() time.Time { now = now.Add(time.Minute); return now }
	return o
}

// warheadRows is a synthetic warhead declaration (test data, not public
// figures): every category and status, a row of 0, and a warhead item.
const warheadRows = `as_of,party,site,category,status,count
2020-10-20,USA,Base A,warhead,deployed,40
2020-10-20,USA,Base A,warhead,non_deployed,5
2020-10-20,USA,Depot (B),nonstrategic_warhead,non_deployed,30
2020-10-20,USA,Depot (B),nonstrategic_warhead,deployed,0
2020-10-20,USA,Forward C,nonstrategic_warhead,deployed,20
2020-10-20,USA,Plant D,warhead,retired,7
2020-10-20,USA,Plant D,nonstrategic_warhead,retired,3
`

// TestEscrowWarheadDeclaration reads a warhead declaration file into the
// declaration to commit to: (category, status) to escrow categories,
// retired summed across categories, rows of 0 left out, sites to the
// regions given or each to its own, items of a warhead category as
// warhead entries; and refuses what cannot be escrowed, naming it.
func TestEscrowWarheadDeclaration(t *testing.T) {
	o := newFreezeOffice(t)
	regions := map[string]string{"Base A": "north", "Depot (B)": "north", "Forward C": "abroad", "Plant D": "south"}
	d, err := o.ReadEscrowDeclaration("w.csv", []byte(warheadRows), regions)
	if err != nil {
		t.Fatal(err)
	}
	want := []escrow.Region{
		{ID: "north", Entries: []escrow.Entry{
			{Site: "Base A", Counts: map[escrow.Category]uint32{escrow.DeployedStrategic: 40, escrow.NondeployedStrategic: 5}},
			{Site: "Depot (B)", Counts: map[escrow.Category]uint32{escrow.NonstrategicStored: 30}}}},
		{ID: "abroad", Entries: []escrow.Entry{{Site: "Forward C", Counts: map[escrow.Category]uint32{escrow.NonstrategicDeployed: 20}}}},
		{ID: "south", Entries: []escrow.Entry{{Site: "Plant D", Counts: map[escrow.Category]uint32{escrow.Retired: 10}}}},
	}
	if d.Party != "USA" || d.Date != "2020-10-20" || !reflect.DeepEqual(d.Regions, want) {
		t.Fatalf("got %+v", d)
	}
	c := mustCommitDecl(t, o, d)
	if c.Commitment.Total != 105 || len(c.Commitment.Regions) != 3 {
		t.Fatalf("committed %d warheads in %d regions", c.Commitment.Total, len(c.Commitment.Regions))
	}
	own, err := o.ReadEscrowDeclaration("w.csv", []byte(warheadRows), nil)
	if err != nil || len(own.Regions) != 4 || own.Regions[1].ID != "Depot-B" {
		t.Fatalf("one region per site: %v, %+v", err, own)
	}
	items := `{"items":[{"as_of":"2020-10-20","party":"USA","uid":"W88-1","type":"W88","category":"warhead","status":"deployed","facility":"Base A","warheads":0}]}`
	it, err := o.ReadEscrowDeclaration("i.json", []byte(items), nil)
	if err != nil || !reflect.DeepEqual(it.Regions, []escrow.Region{{ID: "Base-A", Entries: []escrow.Entry{{Site: "Base A", UID: "W88-1", Category: escrow.DeployedStrategic}}}}) {
		t.Fatalf("an item: %v, %+v", err, it)
	}
	for name, tc := range map[string]struct {
		file    string
		regions map[string]string
		want    string
	}{
		"unmapped site": {warheadRows, map[string]string{"Base A": "north"}, `w.csv: site "Depot (B)" is in no region of the --regions file`},
		"one region id": {warheadRows + "2020-10-20,USA,Depot B,warhead,retired,1\n", nil, `w.csv: sites "Depot (B)" and "Depot B" both make region Depot-B: map them with --regions`},
		"other party":   {strings.ReplaceAll(warheadRows, ",USA,", ",RUS,"), nil, `w.csv: declares party "RUS", but this is USA's node`},
		"two dates":     {warheadRows + "2020-10-21,USA,Base A,warhead,retired,1\n", nil, `w.csv: an escrowed declaration is as of one date, given by as_of; the rows give 2`},
		"only zeros":    {"as_of,party,site,category,status,count\n2020-10-20,USA,Base A,warhead,deployed,0\n", nil, `w.csv: no warheads to escrow (dismantled and empty rows are not escrowed)`},
		"types":         {"as_of,party,type,category,status,count\n2020-10-20,USA,MM-III,icbm,deployed,1\n", nil, `w.csv: holds type or aggregate rows`},
		"regions given": {escrowDeclaration, map[string]string{"x": "y"}, `w.csv: --regions is for a warhead declaration file`},
		"after expiry":  {strings.ReplaceAll(warheadRows, "2020-10-20", "2027-10-20"), nil, "w.csv: "},
	} {
		_, err := o.ReadEscrowDeclaration("w.csv", []byte(tc.file), tc.regions)
		var in *InputError
		if !errors.As(err, &in) || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want a one-line *InputError %q", name, err, tc.want)
		}
	}
}

func mustCommitDecl(t *testing.T, o *Office, d *escrow.Declaration) *Committed {
	t.Helper()
	c, err := o.Commit(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEscrowRegionsFile reads the site,region file and refuses, naming
// the line, what is not one.
func TestEscrowRegionsFile(t *testing.T) {
	m, err := ReadEscrowRegions("r.csv", []byte("site,region\nF.E. Warren AFB,plains\nKings Bay,east\n"))
	if err != nil || len(m) != 2 || m["F.E. Warren AFB"] != "plains" {
		t.Fatalf("got %v, %v", m, err)
	}
	for bad, want := range map[string]string{
		"region,site\nA,b\n":      `r.csv:1: the header is "region,site", want "site,region"`,
		"site,region\nA,b\nA,c\n": `r.csv:3: site: "A" is already in region b`,
		"site,region\nA,b c\n":    `r.csv:2: region: "b c" is not an id`,
		"site,region\nA,b,c\n":    `r.csv: record on line 2: wrong number of fields`,
		"site,region\n":           `r.csv: no sites`,
	} {
		_, err := ReadEscrowRegions("r.csv", []byte(bad))
		if !errors.As(err, new(*InputError)) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", bad, err, want)
		}
	}
}

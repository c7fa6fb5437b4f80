package escrow

import (
	"encoding/hex"
	"testing"
)

// vectorCases returns every test vector by name. Each names the verdict
// and the check that must fail by hand: the vectors test the code, the
// code does not write their answers.
func vectorCases(t testing.TB) map[string]*vector {
	cases := map[string]*vector{}
	for _, add := range []func(testing.TB, map[string]*vector){
		positiveCases, treeCases, countCases, revealCases, encodingCases, flowCases, evidenceCases,
	} {
		add(t, cases)
	}
	return cases
}

func u64(n uint64) *uint64 { return &n }

func positiveCases(t testing.TB, m map[string]*vector) {
	b := newBuilder(t, sample(), cheat{})
	v := b.vector("every region revealed; the total 405 is at the baseline 405", "", b.reveal("central"), b.reveal("east"), b.reveal("west"))
	v.Baseline = u64(405)
	m["ok-full-cycle"] = v
	m["ok-partial"] = b.vector("one region revealed, two still hidden", "", b.reveal("west"))
	m["ok-commitment-only"] = b.vector("the commitment alone: its total opens", "")
	d := &Declaration{Party: "RUS", Date: "2020-10-20", Regions: []Region{
		{ID: "ural", Entries: []Entry{{Site: "site-12", Counts: map[Category]uint32{NondeployedStrategic: 300, NonstrategicStored: 700}}}},
		{ID: "kola", Entries: []Entry{{Site: "gadzhiyevo", Counts: map[Category]uint32{DeployedStrategic: 400}}, {Site: "gadzhiyevo", UID: "R-0001", Category: DeployedStrategic}}},
		{ID: "far-east", Entries: []Entry{{Site: "rybachiy", Counts: map[Category]uint32{DeployedStrategic: 200}}}},
		{ID: "volga", Entries: nil},
	}}
	r := newBuilder(t, d, cheat{})
	m["ok-default-capacity"] = r.vector("capacity 0 pads each of four regions (one empty) to 8 leaves", "", r.reveal("far-east"), r.reveal("kola"), r.reveal("ural"), r.reveal("volga"))
	one := &Declaration{Party: "CHN", Date: "2020-10-20", Capacity: 1, Regions: []Region{{ID: "all", Entries: []Entry{{Site: "s", Counts: map[Category]uint32{Retired: 3}}}}}}
	o := newBuilder(t, one, cheat{})
	m["ok-one-leaf"] = o.vector("one region of capacity 1: no path, a one-leaf subtree", "", o.reveal("all"))
}

func treeCases(t testing.TB, m map[string]*vector) {
	b := newBuilder(t, sample(), cheat{})
	r := b.reveal("east")
	r.Leaves[0].Salt[0] ^= 1
	m["fail-wrong-salt"] = b.vector("a salt changed", "tree", r)

	east, west := b.reveal("east"), b.reveal("west")
	west.Leaves[3], west.Count = east.Leaves[0], west.Count+east.Leaves[0].Entry.Warheads()
	m["fail-leaf-moved-between-regions"] = b.vector("east's first leaf, with its salt, moved into west's padding", "tree", west)

	r = b.reveal("west")
	r.Leaves[3].Entry = Entry{Site: "kirtland", UID: "W80-0001", Category: Retired}
	r.Count++
	m["fail-entry-added-after-commitment"] = b.vector("a warhead put in a padding leaf after the commitment", "tree", r)

	r = b.reveal("west")
	r.Count -= r.Leaves[2].Entry.Warheads()
	r.Leaves[2].Entry = Entry{}
	m["fail-dropped-entry"] = b.vector("a site's entry turned into padding", "tree", r)

	r = b.reveal("west")
	r.Leaves[0], r.Leaves[1] = r.Leaves[1], r.Leaves[0]
	m["fail-leaves-swapped"] = b.vector("two leaves of a region swapped", "tree", r)

	r = b.reveal("east")
	r.Path[0][31] ^= 1
	m["fail-wrong-path"] = b.vector("a hash of the region's path changed", "tree", r)

	r = b.reveal("east")
	r.Leaves = append(r.Leaves, make([]Leaf, 8)...)
	m["fail-wrong-capacity"] = b.vector("16 leaves revealed for a capacity of 8", "tree", r)

	_, other, _ := Commit(testSecret("other"), sample())
	r, _ = other.Reveal("east")
	r.Commitment = b.c.Hash()
	m["fail-wrong-secret"] = b.vector("salts derived from another secret", "tree", r)
}

func countCases(t testing.TB, m map[string]*vector) {
	b := newBuilder(t, sample(), cheat{countDelta: map[string]int64{"east": 1, "west": -1}})
	m["fail-region-count-not-committed"] = b.vector("east committed as 102 (west as 251, so the total still opens); 101 revealed", "count_commitment", b.reveal("east"))

	b = newBuilder(t, sample(), cheat{})
	r := b.reveal("west")
	r.Count++
	m["fail-padding-counted"] = b.vector("a padding leaf counted as a warhead", "count", r)

	b = newBuilder(t, sample(), cheat{countDelta: map[string]int64{"west": -300}})
	m["fail-negative-count-opened"] = b.vector("west (252) committed as -48 to lower the total to 105; caught when west opens", "count_commitment", b.reveal("central"), b.reveal("west"))
	m["fail-negative-count-hidden"] = b.vector("west committed as -48: central and east (153) already exceed the total 105", "hidden", b.reveal("central"), b.reveal("east"))

	b = newBuilder(t, sample(), cheat{})
	c := *b.c
	c.Total++
	m["fail-totals-do-not-sum"] = &vector{Description: "the opened total is one more than the regions' commitments", Commitment: hex.EncodeToString(c.Marshal()), Reveals: []string{}, Verdict: "failed", Check: "total"}
	v := b.vector("the total 405 is over the baseline 404", "freeze", b.reveal("east"))
	v.Baseline = u64(404)
	m["fail-freeze-exceeded"] = v
}

func revealCases(t testing.TB, m map[string]*vector) {
	dup := sample()
	dup.Regions[0].Entries[1].UID = "W76-0001" // also in east
	b := newBuilder(t, dup, cheat{invalid: true})
	m["fail-duplicate-uid-across-regions"] = b.vector("W76-0001 revealed in east and in west", "uid", b.reveal("east"), b.reveal("west"))

	b = newBuilder(t, sample(), cheat{unsorted: true})
	m["fail-entries-out-of-order"] = b.vector("a region committed with its entries out of canonical order", "order", b.reveal("west"))

	b = newBuilder(t, sample(), cheat{})
	m["fail-region-revealed-twice"] = b.vector("east revealed twice", "region", b.reveal("east"), b.reveal("east"))

	later := sample()
	later.Date = "2021-02-05"
	_, o, _ := Commit(testSecret("USA"), later)
	r, _ := o.Reveal("east")
	m["fail-reveal-of-other-commitment"] = b.vector("a reveal of the same party's later commitment", "commitment", r)

	more := sample()
	more.Regions = append(more.Regions, Region{ID: "north", Entries: []Entry{{Site: "thule", UID: "X-1", Category: Retired}}})
	_, o, _ = Commit(testSecret("USA"), more)
	r, _ = o.Reveal("north")
	r.Commitment = b.c.Hash()
	m["fail-unknown-region"] = b.vector("a reveal of a region the commitment does not have", "region", r)
}

func encodingCases(t testing.TB, m map[string]*vector) {
	b := newBuilder(t, sample(), cheat{})
	v := b.vector("a reveal bundle truncated by one byte", "encoding")
	rb := b.reveal("east").Marshal()
	v.Reveals = []string{hex.EncodeToString(rb[:len(rb)-1])}
	m["fail-truncated-bundle"] = v

	v = b.vector("a commitment with a trailing byte", "encoding")
	v.Commitment += "00"
	m["fail-commitment-trailing-byte"] = v

	r := b.reveal("east")
	// the group order l: a scalar encoding that is not reduced.
	l, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	copy(r.Blind[:], l)
	m["fail-blind-not-canonical"] = b.vector("a reveal's blinding factor not reduced modulo the group order", "encoding", r)
}

func flowCases(t testing.TB, m map[string]*vector) {
	b := newBuilder(t, sample(), cheat{})
	all := []*Reveal{b.reveal("central"), b.reveal("east"), b.reveal("west")}
	v := b.vector("transfers, dismantlements and productions that agree with the reveals; a flow before the commitment is ignored", "", all...)
	v.Flows = []Flow{
		{Kind: Dismantled, Date: "2020-10-01", UID: "W99-0001", Site: "malmstrom"},
		{Kind: Transferred, Date: "2021-01-10", UID: "W87-0001", Site: "malmstrom", To: "minot"},
		{Kind: Dismantled, Date: "2021-03-01", UID: "W87-0001", Site: "minot"},
		{Kind: Produced, Date: "2021-04-01", UID: "W87-0100", Site: "malmstrom"},
		{Kind: Dismantled, Date: "2021-05-01", UID: "W87-0100", Site: "malmstrom"},
		{Kind: Dismantled, Date: "2021-06-01", UID: "W84-0007", Site: "kirtland"},
	}
	m["ok-flows"] = v
	for name, tc := range map[string]struct {
		desc  string
		flows []Flow
	}{
		"fail-flow-dismantled-elsewhere":    {"W87-0001, revealed at malmstrom, dismantled at minot", []Flow{{Kind: Dismantled, Date: "2021-03-01", UID: "W87-0001", Site: "minot"}}},
		"fail-flow-dismantled-undeclared":   {"every region revealed; W87-0099 dismantled at malmstrom after the commitment was never declared", []Flow{{Kind: Dismantled, Date: "2021-03-01", UID: "W87-0099", Site: "malmstrom"}}},
		"fail-flow-produced-but-declared":   {"W88-0001 produced after the commitment, but it was in it", []Flow{{Kind: Produced, Date: "2021-03-01", UID: "W88-0001", Site: "bangor"}}},
		"fail-flow-dismantled-twice":        {"W76-0001 dismantled twice", []Flow{{Kind: Dismantled, Date: "2021-03-01", UID: "W76-0001", Site: "kings-bay"}, {Kind: Dismantled, Date: "2021-04-01", UID: "W76-0001", Site: "kings-bay"}}},
		"fail-flow-transfer-from-elsewhere": {"W88-0001 transferred from kings-bay, but it was at bangor", []Flow{{Kind: Transferred, Date: "2021-03-01", UID: "W88-0001", Site: "kings-bay", To: "bangor"}}},
	} {
		v := b.vector(tc.desc, "flow", all...)
		v.Flows = tc.flows
		m[name] = v
	}
	lotCases(b, all, m)
}

// lotCases are flows of lots, counted against the revealed sites'
// balances: west lists 200 nondeployed_strategic and 50 retired at
// kirtland, central 40 deployed_strategic and 10 nondeployed_strategic at
// minot.
func lotCases(b *builder, all []*Reveal, m map[string]*vector) {
	lot := func(kind FlowKind, date, site, to string, c Category, n uint64) Flow {
		return Flow{Kind: kind, Date: date, Site: site, To: to, Category: c, Count: n}
	}
	v := b.vector("lots that the revealed balances and the arrivals since cover", "", all...)
	v.Flows = []Flow{
		lot(Dismantled, "2020-10-01", "kirtland", "", Retired, 500), // before the commitment: ignored
		lot(Dismantled, "2021-01-05", "kirtland", "", Retired, 50),
		lot(Transferred, "2021-01-06", "kirtland", "minot", NondeployedStrategic, 30),
		lot(Dismantled, "2021-02-01", "minot", "", NondeployedStrategic, 40),
		{Kind: Recategorised, Date: "2021-03-01", Site: "minot", Category: DeployedStrategic, ToCategory: Retired, Count: 40},
		lot(Dismantled, "2021-03-02", "minot", "", Retired, 40),
		lot(Produced, "2021-04-01", "grand-forks", "", NonstrategicStored, 7),
		lot(Dismantled, "2021-04-02", "grand-forks", "", NonstrategicStored, 7),
	}
	m["ok-flows-lots"] = v
	for name, tc := range map[string]struct {
		desc, check string
		flows       []Flow
	}{
		"fail-flow-lot-over-revealed": {"51 retired warheads dismantled at kirtland, whose reveal lists 50", "flow",
			[]Flow{lot(Dismantled, "2021-01-05", "kirtland", "", Retired, 51)}},
		"fail-flow-lot-transfer-over": {"201 nondeployed strategic warheads leave kirtland, whose reveal lists 200", "flow",
			[]Flow{lot(Transferred, "2021-01-05", "kirtland", "bangor", NondeployedStrategic, 201)}},
		"fail-flow-lot-recategorised-over": {"41 deployed strategic warheads at minot retired; its reveal lists 40", "flow",
			[]Flow{{Kind: Recategorised, Date: "2021-01-05", Site: "minot", Category: DeployedStrategic, ToCategory: Retired, Count: 41}}},
		"fail-flow-lot-arrivals-spent": {"30 arrive at minot, which lists 10 of the category, and 41 leave", "flow",
			[]Flow{lot(Transferred, "2021-01-05", "kirtland", "minot", NondeployedStrategic, 30), lot(Dismantled, "2021-01-06", "minot", "", NondeployedStrategic, 41)}},
		"fail-flow-lot-zero": {"a lot of no warheads", "encoding",
			[]Flow{lot(Dismantled, "2021-01-05", "kirtland", "", Retired, 0)}},
	} {
		v := b.vector(tc.desc, tc.check, all...)
		v.Flows = tc.flows
		m[name] = v
	}
}

func evidenceCases(t testing.TB, m map[string]*vector) {
	b := newBuilder(t, sample(), cheat{})
	central := b.reveal("central")
	obs := func(site string, cat Category, uid string, n uint64, date string) Observation {
		return Observation{Region: "central", Site: site, Category: cat, UID: uid, Count: n, Date: date}
	}
	ev := func(name, desc, check string, o Observation, signer string, reveals ...*Reveal) {
		m[name] = b.observe(b.vector(desc, check, reveals...), o, signer)
	}
	ev("ok-evidence-uid", "W87-0099 seen at malmstrom in opened central: not declared, so the declaration was incomplete", "",
		obs("malmstrom", DeployedStrategic, "W87-0099", 0, "2021-05-04"), "inspector-RUS", central)
	ev("ok-evidence-count", "41 deployed strategic warheads seen at minot, 40 declared", "",
		obs("minot", DeployedStrategic, "", 41, "2021-05-04"), "inspector-RUS", central)
	ev("ok-evidence-undeclared-site", "a warhead seen at a site central's reveal does not name", "",
		obs("grand-forks", NonstrategicStored, "", 1, "2021-05-04"), "inspector-RUS", central)
	ev("fail-evidence-wrong-observation", "W87-0001 seen at malmstrom: it is in the reveal, so the observation proves nothing", "accounted",
		obs("malmstrom", DeployedStrategic, "W87-0001", 0, "2021-05-04"), "inspector-RUS", central)
	ev("fail-evidence-count-accounted", "40 deployed strategic warheads seen at minot, 40 declared", "accounted",
		obs("minot", DeployedStrategic, "", 40, "2021-05-04"), "inspector-RUS", central)
	ev("fail-evidence-wrong-key", "an observation signed by another key than the inspector's", "signature",
		obs("malmstrom", DeployedStrategic, "W87-0099", 0, "2021-05-04"), "impostor", central)
	ev("fail-evidence-region-not-opened", "an observation in central before central is revealed", "observation",
		obs("malmstrom", DeployedStrategic, "W87-0099", 0, "2021-05-04"), "inspector-RUS", b.reveal("east"))
	ev("fail-evidence-before-commitment", "an observation dated before the commitment", "observation",
		obs("malmstrom", DeployedStrategic, "W87-0099", 0, "2020-10-19"), "inspector-RUS", central)
	v := b.observe(b.vector("W87-0099 seen at malmstrom, produced there after the commitment", "accounted", central),
		obs("malmstrom", DeployedStrategic, "W87-0099", 0, "2021-05-04"), "inspector-RUS")
	v.Flows = []Flow{{Kind: Produced, Date: "2021-02-01", UID: "W87-0099", Site: "malmstrom"}}
	m["fail-evidence-produced-since"] = v
}

package sim

// A group is a run of launchers (silos, submarine tubes, mobile launchers
// or heavy bombers) of one type, with the missiles of that type that load
// them. Its anchors are public estimates of the group's size over time;
// calibration (plan.go) moves them the least it can to meet the published
// aggregates exactly.
type group struct {
	id       string
	party    string
	typ      string // the item type, e.g. MM-III
	missile  string // icbm or slbm; "" for heavy bombers
	launcher string // icbm_launcher, slbm_launcher or heavy_bomber
	slots    slotter
	// missilePrefix names the group's missiles: PREFIX-0001 ….
	missilePrefix string
	// store holds non-deployed missiles; elimAt is where launchers go to
	// be eliminated ("" for in place).
	store, elimAt string
	wmin, wmax    int // warheads a deployed missile may carry
	anchors       []anchor
	// step holds each anchor until the next instead of interpolating
	// (submarines arrive sixteen tubes at a time).
	step bool
	// slack > 0 puts the group among the launchers awaiting elimination
	// that absorb the published launcher total; lower numbers go first.
	slack int
	// growth absorbs launcher increases the anchors do not explain.
	growth bool
	// converts is how many launchers of the group may be converted;
	// conversions go to the groups of lower convRank first (the 41 B-52H
	// were converted by 1 March 2017, before the last Trident II tubes).
	converts, convRank int
	// retireAs is the status the group's surplus launchers take when they
	// leave the count: "eliminated", or "converted" for heavy bombers
	// converted to non-nuclear armaments as a whole type (the B-1B).
	retireAs string
	// dflex and wflex order the groups that absorb deployment and
	// warhead differences; 0 never does.
	dflex, wflex int
	// capFrac is the share of counted launchers that can be deployed at
	// once (submarines in overhaul, bombers in depot maintenance).
	capFrac float64
	// spares is the number of non-deployed missiles held at entry into
	// force, beyond those loaded.
	spares int
	// stock is the published number of non-deployed missiles on some
	// dates (State Department per-type fact sheets), met exactly.
	stock map[string]int
	// test and training are launchers never counted (Article IV).
	test, training  int
	testAt, trainAt string
	from            string // first day the group exists, if after entry into force
}

// An anchor is a public estimate of a group on a date: counted launchers,
// deployed launchers and average warheads per deployed missile.
type anchor struct {
	date              string
	counted, deployed int
	wavg              float64
}

func silos(prefix string, sites ...site) slotter  { return slotter{prefix, "silo", sites} }
func tubes(prefix string, sites ...site) slotter  { return slotter{prefix, "tube", sites} }
func serial(prefix string, sites ...site) slotter { return slotter{prefix, "serial", sites} }

// usForces are the United States' groups. Public facts: 400–450
// Minuteman III over 450 silos at three wings; 14 Ohio-class SSBNs with 24
// Trident II tubes, 4 of each converted (56); B-2A at Whiteman; B-52H at
// Minot and Barksdale, 41 converted to non-nuclear armaments. The B-1B
// was converted to non-nuclear armaments and the conversion exhibited in
// March 2011 (Air Force Magazine, "Off to a Good New START", from James
// Miller's testimony of April 2011), not eliminated. The other legacy
// groups (B-52G, the silos of deactivated squadrons and of Peacekeeper)
// are the launchers the United States eliminated early on.
var usForces = []*group{
	{id: "mm3", party: "USA", typ: "MM-III", missile: "icbm", launcher: "icbm_launcher",
		slots:         silos("USA-LF", site{"USA-FEW", "FEW", 150}, site{"USA-MAL", "MAL", 150}, site{"USA-MIN", "MIN", 150}, site{"USA-VAN", "VAN", 4}),
		missilePrefix: "USA-MM3", store: "USA-HILL", wmin: 1, wmax: 3, dflex: 3, wflex: 2, capFrac: 450.0 / 454, spares: 250,
		stock: map[string]int{"2020-09-01": 261},
		test:  4, training: 4, testAt: "USA-VAN", trainAt: "USA-VAN",
		anchors: []anchor{{"2011-02-05", 454, 449, 1.25}, {"2014-06-01", 454, 449, 1}, {"2017-03-01", 454, 405, 1}, {"2017-06-01", 454, 400, 1}, {"2020-09-01", 454, 397, 1}, {"2026-02-05", 454, 400, 1}}},
	{id: "d5", party: "USA", typ: "Trident II", missile: "slbm", launcher: "slbm_launcher",
		slots: tubes("USA-SSBN", site{"USA-BAN", "730", 24}, site{"USA-BAN", "731", 24}, site{"USA-BAN", "732", 24}, site{"USA-BAN", "733", 24},
			site{"USA-KB", "734", 24}, site{"USA-BAN", "735", 24}, site{"USA-KB", "736", 24}, site{"USA-BAN", "737", 24},
			site{"USA-KB", "738", 24}, site{"USA-KB", "739", 24}, site{"USA-KB", "740", 24}, site{"USA-BAN", "741", 24},
			site{"USA-KB", "742", 24}, site{"USA-BAN", "743", 24}),
		missilePrefix: "USA-D5", store: "USA-SWFPAC", wmin: 1, wmax: 8, dflex: 1, wflex: 1, capFrac: 12.0 / 14, spares: 200, converts: 56, convRank: 2,
		stock:   map[string]int{"2020-09-01": 234},
		anchors: []anchor{{"2011-02-05", 336, 260, 4}, {"2017-03-01", 336, 220, 4.4}, {"2018-02-05", 336, 210, 4.6}, {"2020-09-01", 336, 230, 4.4}, {"2026-02-05", 336, 230, 4.4}}},
	{id: "b2", party: "USA", typ: "B-2A", launcher: "heavy_bomber",
		slots: serial("USA-B2A", site{"USA-WHI", "WHI", 20}), dflex: 4, capFrac: 0.8, test: 1, testAt: "USA-EDW",
		anchors: []anchor{{"2011-02-05", 20, 16, 0}, {"2017-03-01", 20, 12, 0}, {"2018-02-05", 20, 12, 0}, {"2020-09-01", 20, 12, 0}, {"2026-02-05", 20, 12, 0}}},
	{id: "b52h", party: "USA", typ: "B-52H", launcher: "heavy_bomber",
		slots: serial("USA-B52H", site{"USA-MIN-AB", "MIN", 44}, site{"USA-BKS", "BKS", 43}), dflex: 2, capFrac: 0.92, converts: 41, convRank: 1,
		test: 4, testAt: "USA-EDW", elimAt: "USA-DM",
		anchors: []anchor{{"2011-02-05", 87, 76, 0}, {"2014-03-01", 87, 70, 0}, {"2017-03-01", 87, 36, 0}, {"2018-02-05", 87, 38, 0}, {"2020-09-01", 87, 36, 0}, {"2026-02-05", 87, 36, 0}}},
	{id: "b1b", party: "USA", typ: "B-1B", launcher: "heavy_bomber", slack: 1, dflex: 5, capFrac: 1, elimAt: "", retireAs: "converted",
		slots:   serial("USA-B1B", site{"USA-DYS", "DYS", 36}, site{"USA-ELL", "ELL", 30}),
		anchors: []anchor{{"2011-02-05", 66, 50, 0}, {"2011-06-01", 66, 0, 0}}},
	{id: "b52g", party: "USA", typ: "B-52G", launcher: "heavy_bomber", slack: 2,
		slots:   serial("USA-B52G", site{"USA-DM", "DM", 61}),
		anchors: []anchor{{"2011-02-05", 61, 0, 0}}},
	{id: "mm3x", party: "USA", typ: "MM-III", missile: "icbm", launcher: "icbm_launcher", slack: 3,
		slots:   silos("USA-LF", site{"USA-MAL", "MAL564", 50}),
		anchors: []anchor{{"2011-02-05", 50, 0, 0}}},
	{id: "pk", party: "USA", typ: "Peacekeeper", missile: "icbm", launcher: "icbm_launcher", slack: 4,
		slots:   silos("USA-LF", site{"USA-FEW", "PK", 50}),
		anchors: []anchor{{"2011-02-05", 50, 0, 0}}},
}

// rusForces are Russia's groups. Public facts: RS-24 Yars (mobile and
// silo), Topol and Topol-M, R-36M2 at Uzhur and Dombarovsky, UR-100NUTTH
// (and Avangard on it); Borei SSBNs with 16 Bulava (6 warheads declared)
// at Gadzhiyevo and Vilyuchinsk, Delta IV with 16 Sineva; Tu-95MS and
// Tu-160. Sizes over time are estimates; the legacy groups are launchers
// awaiting elimination.
var rusForces = []*group{
	{id: "r36", party: "RUS", typ: "R-36M2", missile: "icbm", launcher: "icbm_launcher",
		slots:         silos("RUS-SILO", site{"RUS-DOM", "DOM", 30}, site{"RUS-UZH", "UZH", 30}),
		missilePrefix: "RUS-R36M2", store: "RUS-PIB", wmin: 6, wmax: 10, wflex: 2, dflex: 6, capFrac: 1, spares: 8,
		anchors: []anchor{{"2011-02-05", 58, 54, 10}, {"2014-03-01", 58, 52, 10}, {"2018-02-05", 50, 46, 10}, {"2022-03-01", 46, 46, 10}}},
	{id: "ur100", party: "RUS", typ: "UR-100NUTTH", missile: "icbm", launcher: "icbm_launcher",
		slots:         silos("RUS-SILO", site{"RUS-KOZ", "KOZ", 70}),
		missilePrefix: "RUS-UR100", store: "RUS-PIB", wmin: 4, wmax: 6, wflex: 3, capFrac: 1, spares: 10,
		anchors: []anchor{{"2011-02-05", 70, 60, 6}, {"2014-03-01", 40, 36, 6}, {"2018-02-05", 20, 12, 6}, {"2021-03-01", 6, 0, 6}, {"2022-03-01", 0, 0, 6}}},
	{id: "avg", party: "RUS", typ: "Avangard", missile: "icbm", launcher: "icbm_launcher", from: "2019-09-02",
		slots:         silos("RUS-SILO", site{"RUS-DOM", "DOMA", 12}),
		missilePrefix: "RUS-AVG", store: "RUS-PIB", wmin: 1, wmax: 1, capFrac: 1,
		anchors: []anchor{{"2019-09-01", 0, 0, 1}, {"2020-03-01", 2, 2, 1}, {"2021-03-01", 4, 4, 1}, {"2022-03-01", 6, 6, 1}}, step: true},
	{id: "topol", party: "RUS", typ: "RS-12M", missile: "icbm", launcher: "icbm_launcher", elimAt: "RUS-SUR",
		slots: serial("RUS-PU-TOPOL", site{"RUS-YOS", "YOS", 36}, site{"RUS-IRK", "IRK", 36}, site{"RUS-BAR", "BAR", 36},
			site{"RUS-VYP", "VYP", 27}, site{"RUS-YUR", "YUR", 36}),
		missilePrefix: "RUS-RS12M", store: "RUS-PIB", wmin: 1, wmax: 1, dflex: 2, capFrac: 1, spares: 15,
		anchors: []anchor{{"2011-02-05", 171, 150, 1}, {"2014-03-01", 120, 108, 1}, {"2018-02-05", 72, 63, 1}, {"2022-03-01", 18, 9, 1}}},
	{id: "topolm", party: "RUS", typ: "RS-12M2", missile: "icbm", launcher: "icbm_launcher",
		slots:         silos("RUS-SILO", site{"RUS-TAT", "TAT", 60}),
		missilePrefix: "RUS-RS12M2", store: "RUS-PIB", wmin: 1, wmax: 1, capFrac: 1, spares: 4,
		anchors: []anchor{{"2011-02-05", 60, 60, 1}, {"2026-02-05", 60, 60, 1}}},
	{id: "topolm1", party: "RUS", typ: "RS-12M1", missile: "icbm", launcher: "icbm_launcher",
		slots:         serial("RUS-PU-TOPOLM", site{"RUS-TEY", "TEY", 18}),
		missilePrefix: "RUS-RS12M1", store: "RUS-PIB", wmin: 1, wmax: 1, capFrac: 1, spares: 2,
		anchors: []anchor{{"2011-02-05", 18, 18, 1}, {"2026-02-05", 18, 18, 1}}},
	{id: "rs24", party: "RUS", typ: "RS-24", missile: "icbm", launcher: "icbm_launcher", growth: true,
		slots: serial("RUS-PU-RS24", site{"RUS-TEY", "TEY", 18}, site{"RUS-NOV", "NOV", 27}, site{"RUS-NTG", "NTG", 27},
			site{"RUS-YOS", "YOS", 27}, site{"RUS-IRK", "IRK", 27}, site{"RUS-BAR", "BAR", 27}, site{"RUS-YUR", "YUR", 27}, site{"RUS-VYP", "VYP", 27}),
		missilePrefix: "RUS-RS24", store: "RUS-PIB", wmin: 1, wmax: 4, dflex: 3, wflex: 4, capFrac: 0.95, spares: 6,
		anchors: []anchor{{"2011-02-05", 18, 15, 3}, {"2014-03-01", 100, 54, 3.5}, {"2018-02-05", 140, 96, 3.5}, {"2022-03-01", 170, 140, 3.5}}},
	{id: "rs24s", party: "RUS", typ: "RS-24", missile: "icbm", launcher: "icbm_launcher", from: "2014-09-02",
		slots:         silos("RUS-SILO", site{"RUS-KOZ", "KOZY", 30}),
		missilePrefix: "RUS-RS24S", store: "RUS-PIB", wmin: 1, wmax: 4, wflex: 5, capFrac: 1,
		anchors: []anchor{{"2014-09-01", 0, 0, 4}, {"2018-02-05", 10, 10, 4}, {"2022-03-01", 20, 20, 4}}},
	{id: "sineva", party: "RUS", typ: "Sineva", missile: "slbm", launcher: "slbm_launcher",
		slots: tubes("RUS-SSBN", site{"RUS-GAD", "K51", 16}, site{"RUS-GAD", "K84", 16}, site{"RUS-GAD", "K114", 16},
			site{"RUS-GAD", "K117", 16}, site{"RUS-GAD", "K18", 16}, site{"RUS-GAD", "K407", 16}),
		missilePrefix: "RUS-R29RMU2", store: "RUS-OKO", wmin: 1, wmax: 4, dflex: 1, wflex: 1, capFrac: 5.0 / 6, spares: 24,
		anchors: []anchor{{"2011-02-05", 96, 64, 4}, {"2014-03-01", 96, 80, 4}, {"2026-02-05", 96, 80, 4}}},
	{id: "r29r", party: "RUS", typ: "R-29R", missile: "slbm", launcher: "slbm_launcher",
		slots:         tubes("RUS-SSBN", site{"RUS-VIL", "K433", 16}, site{"RUS-VIL", "K223", 16}, site{"RUS-VIL", "K44", 16}, site{"RUS-VIL", "K506", 16}),
		missilePrefix: "RUS-R29R", store: "RUS-RYB", wmin: 1, wmax: 3, wflex: 6, dflex: 7, capFrac: 0.75, spares: 8,
		anchors: []anchor{{"2011-02-05", 64, 48, 3}, {"2014-03-01", 48, 32, 3}, {"2018-02-05", 16, 16, 3}, {"2019-09-01", 0, 0, 3}}},
	{id: "bulava", party: "RUS", typ: "Bulava", missile: "slbm", launcher: "slbm_launcher", step: true, from: "2012-01-01",
		slots: tubes("RUS-SSBN", site{"RUS-GAD", "K535", 16}, site{"RUS-VIL", "K550", 16}, site{"RUS-VIL", "K551", 16},
			site{"RUS-GAD", "K549", 16}, site{"RUS-VIL", "K552", 16}),
		missilePrefix: "RUS-BULAVA", store: "RUS-OKO", wmin: 1, wmax: 6, dflex: 4, wflex: 1, capFrac: 1,
		anchors: []anchor{{"2012-01-01", 0, 0, 6}, {"2012-03-01", 16, 0, 6}, {"2013-09-01", 32, 0, 6}, {"2014-09-01", 48, 16, 6},
			{"2015-09-01", 48, 32, 6}, {"2016-09-01", 48, 48, 6}, {"2020-09-01", 64, 48, 6}, {"2021-03-01", 64, 64, 6},
			{"2021-09-01", 80, 64, 6}, {"2022-03-01", 80, 80, 6}}},
	{id: "tu95", party: "RUS", typ: "Tu-95MS", launcher: "heavy_bomber", elimAt: "",
		slots: serial("RUS-TU95MS", site{"RUS-ENG", "ENG", 30}, site{"RUS-UKR", "UKR", 33}),
		dflex: 5, capFrac: 0.95,
		anchors: []anchor{{"2011-02-05", 63, 50, 0}, {"2014-03-01", 60, 50, 0}, {"2018-02-05", 55, 50, 0}, {"2026-02-05", 55, 50, 0}}},
	{id: "tu160", party: "RUS", typ: "Tu-160", launcher: "heavy_bomber", slots: serial("RUS-TU160", site{"RUS-ENG", "ENG", 20}),
		dflex: 8, capFrac: 0.9,
		anchors: []anchor{{"2011-02-05", 13, 11, 0}, {"2014-03-01", 16, 11, 0}, {"2026-02-05", 16, 12, 0}}},
	{id: "typhoon", party: "RUS", typ: "RSM-52", missile: "slbm", launcher: "slbm_launcher", slack: 3,
		slots:   tubes("RUS-SSBN", site{"RUS-SEV", "TK17", 20}, site{"RUS-SEV", "TK20", 20}),
		anchors: []anchor{{"2011-02-05", 40, 0, 0}}},
	{id: "r36x", party: "RUS", typ: "R-36M2", missile: "icbm", launcher: "icbm_launcher", slack: 2,
		slots:   silos("RUS-SILO", site{"RUS-KAR", "KAR", 60}),
		anchors: []anchor{{"2011-02-05", 60, 0, 0}}},
	{id: "topolx", party: "RUS", typ: "RS-12M", missile: "icbm", launcher: "icbm_launcher", slack: 1, elimAt: "RUS-SUR",
		slots:   serial("RUS-PU-TOPOL", site{"RUS-SUR", "SUR", 100}),
		anchors: []anchor{{"2011-02-05", 100, 0, 0}}},
}

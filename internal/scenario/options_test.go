package scenario

import (
	"testing"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

// russia2021 is an invented Russian declaration: 4,000 warheads on the
// freezes' first baseline date, 20 October 2020; on 1 June 2021 100
// deployed RS-24 with 400 warheads on 100 deployed and 20 non-deployed
// launchers, 20 non-deployed missiles, and 4,100 warheads in all.
func russia2021() []*declaration.Declaration {
	w := func(asOf, site, cat, status string, n int) declaration.Warhead {
		return declaration.Warhead{AsOf: treaty.MustDate(asOf), Party: "RUS", Site: site, Category: cat, Status: status, Count: n}
	}
	tc := func(cat, status string, n, warheads int) declaration.TypeCount {
		return declaration.TypeCount{AsOf: treaty.MustDate("2021-06-01"), Party: "RUS", Type: "RS-24", Category: cat, Status: status, Count: n, Warheads: warheads}
	}
	return []*declaration.Declaration{
		{Party: "RUS", AsOf: treaty.MustDate("2020-10-20"), Warheads: []declaration.Warhead{
			w("2020-10-20", "A", "warhead", "deployed", 1500), w("2020-10-20", "B", "warhead", "non_deployed", 1000), w("2020-10-20", "C", "nonstrategic_warhead", "non_deployed", 1500),
		}},
		{Party: "RUS", AsOf: treaty.MustDate("2021-06-01"), Types: []declaration.TypeCount{
			tc("icbm", "deployed", 100, 400), tc("icbm", "non_deployed", 20, 0), tc("icbm_launcher", "deployed", 100, 0), tc("icbm_launcher", "non_deployed", 20, 0),
		}, Warheads: []declaration.Warhead{
			w("2021-06-01", "A", "warhead", "deployed", 1500), w("2021-06-01", "B", "warhead", "non_deployed", 1100), w("2021-06-01", "C", "nonstrategic_warhead", "non_deployed", 1500),
		}},
	}
}

// TestCompareEachOption is Russia on 1 June 2021 under every option, by
// hand from russia2021:
//
//	central limits (every option but "none"): deployed vehicles 100 of 700
//	(can add 600), warheads 400 of 1,550 (1,150), launchers 100 + 20 = 120
//	of 800 (680): the deployed vehicles bind first;
//	newstart: no freeze;
//	newstart-freeze-2020 and us-freeze-2020: total warheads 1,500 + 1,100
//	+ 1,500 = 4,100 against the baseline of 20 October 2020, 4,000:
//	exceeded by 100, nothing to add, and the freeze binds first;
//	trilateral-draft (in force from 5 February 2021): its freeze's
//	baseline is the declaration in force on 5 February 2021, the same
//	4,000: exceeded by 100;
//	none: no limits.
//
// Upload potential: (100 + min(20, 20)) × 3..4 = 360..480.
func TestCompareEachOption(t *testing.T) {
	r, err := Compare(russia2021(), "RUS", treaty.MustDate("2021-06-01"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	central := map[string]want{
		"deployed_delivery_vehicles": {100, 700, engine.Met},
		"warheads":                   {400, 1550, engine.Met},
		"launchers":                  {120, 800, engine.Met},
	}
	withFreeze := map[string]want{"total_warheads": {4100, 4000, engine.Exceeded}}
	for k, v := range central {
		withFreeze[k] = v
	}
	checkOutcome(t, r, "newstart", central)
	checkOutcome(t, r, "newstart-freeze-2020", withFreeze)
	checkOutcome(t, r, "us-freeze-2020", withFreeze)
	checkOutcome(t, r, "trilateral-draft", withFreeze)
	checkOutcome(t, r, NoTreaty, map[string]want{})
	for _, o := range r.Outcomes {
		tight := map[string]string{"newstart": "deployed_delivery_vehicles", NoTreaty: ""}[o.Option]
		if o.Option != "newstart" && o.Option != NoTreaty {
			tight = "total_warheads"
		}
		if o.Tightest != tight {
			t.Errorf("%s: tightest %q, want %q", o.Option, o.Tightest, tight)
		}
		for _, l := range o.Limits {
			if add, ok := Headroom(l); !ok || (l.ID == "total_warheads" && add != 0) {
				t.Errorf("%s %s: can add %d, %v", o.Option, l.ID, add, ok)
			}
		}
	}
	if r.Upload.Low != 360 || r.Upload.High != 480 || r.Upload.Counted != 400 {
		t.Errorf("upload %d, %d..%d; want 400, 360..480", r.Upload.Counted, r.Upload.Low, r.Upload.High)
	}
}

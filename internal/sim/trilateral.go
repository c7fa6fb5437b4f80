package sim

import (
	"math"

	"accord/internal/treaty"
)

// chnForces are China's groups in the trilateral scenario. China publishes
// no data: every number here is simulated, from public estimates (types
// and bases as commonly reported). China's warheads are counted per site
// (warheadcal.go), their total SIPRI's estimates as the table of record
// warheads.csv gives them.
var chnForces = []*group{
	{id: "df41", party: "CHN", typ: "DF-41", missile: "icbm", launcher: "icbm_launcher",
		slots:         serial("CHN-TEL-DF41", site{"CHN-B64", "B64", 24}, site{"CHN-B65", "B65", 24}, site{"CHN-B66", "B66", 36}),
		missilePrefix: "CHN-DF41", store: "CHN-STOR", wmin: 1, wmax: 3, dflex: 1, wflex: 1, capFrac: 0.9, spares: 6,
		anchors: []anchor{{"2021-02-05", 36, 30, 3}, {"2025-09-01", 72, 64, 3}}},
	{id: "df41s", party: "CHN", typ: "DF-41", missile: "icbm", launcher: "icbm_launcher", from: "2023-01-01",
		slots:         silos("CHN-SILO", site{"CHN-YUM", "YUM", 120}),
		missilePrefix: "CHN-DF41S", store: "CHN-STOR", wmin: 1, wmax: 3, capFrac: 1,
		anchors: []anchor{{"2023-01-01", 0, 0, 1}, {"2025-09-01", 30, 12, 1}}},
	{id: "df31ag", party: "CHN", typ: "DF-31AG", missile: "icbm", launcher: "icbm_launcher",
		slots:         serial("CHN-TEL-DF31AG", site{"CHN-B64", "B64", 36}, site{"CHN-B65", "B65", 36}),
		missilePrefix: "CHN-DF31AG", store: "CHN-STOR", wmin: 1, wmax: 1, dflex: 2, capFrac: 0.9, spares: 6,
		anchors: []anchor{{"2021-02-05", 36, 32, 1}, {"2025-09-01", 64, 56, 1}}},
	{id: "df5", party: "CHN", typ: "DF-5B", missile: "icbm", launcher: "icbm_launcher",
		slots:         silos("CHN-SILO", site{"CHN-B66", "B66", 30}),
		missilePrefix: "CHN-DF5B", store: "CHN-STOR", wmin: 1, wmax: 5, capFrac: 1, spares: 2,
		anchors: []anchor{{"2021-02-05", 10, 10, 5}, {"2025-09-01", 20, 20, 5}}},
	{id: "jl", party: "CHN", typ: "JL-3", missile: "slbm", launcher: "slbm_launcher",
		slots:         tubes("CHN-SSBN", site{"CHN-YUL", "094-1", 12}, site{"CHN-YUL", "094-2", 12}, site{"CHN-YUL", "094-3", 12}, site{"CHN-YUL", "094-4", 12}, site{"CHN-YUL", "094-5", 12}, site{"CHN-YUL", "094-6", 12}),
		missilePrefix: "CHN-JL3", store: "CHN-STOR", wmin: 1, wmax: 3, dflex: 4, wflex: 2, capFrac: 0.67, spares: 8,
		anchors: []anchor{{"2021-02-05", 72, 36, 1}, {"2025-09-01", 72, 48, 1}}},
	{id: "h6n", party: "CHN", typ: "H-6N", launcher: "heavy_bomber",
		slots: serial("CHN-H6N", site{"CHN-NXA", "NXA", 40}), dflex: 3, capFrac: 0.8,
		anchors: []anchor{{"2021-02-05", 12, 9, 0}, {"2025-09-01", 24, 19, 0}}},
}

// trilateral turns the New START world into the trilateral one: the
// framework enters into force on 5 February 2021, when all three parties
// state their holdings; the United States and Russia then go on as in New
// START (Russia's suspension included) and China's force is simulated.
func (b *builder) trilateral(w *World) error {
	tri, err := treaty.Builtin("trilateral-draft")
	if err != nil {
		return err
	}
	eif := tri.Dates.EntryIntoForce
	var evs []Event
	for _, p := range w.Parties {
		evs = append(evs, Event{Party: p, Type: initialData, Effective: eif, Items: Replay(w.Treaty, w.Events, p, eif), Note: "initial data on entry into force of the trilateral framework (simulated)"})
	}
	for _, e := range w.Events {
		if e.Effective.After(eif) {
			evs = append(evs, e)
		}
	}
	chn, targets, err := b.china(tri)
	if err != nil {
		return err
	}
	var cal []Target
	for _, t := range w.Calibration {
		if !t.Date.Before(eif) {
			cal = append(cal, t)
		}
	}
	w.Treaty, w.Parties = tri, append(w.Parties, "CHN")
	w.Events, w.Calibration = append(evs, chn...), append(cal, targets...)
	return nil
}

// china generates China's notifications, every six months from the
// framework's entry into force to its expiry.
func (b *builder) china(tri *treaty.Treaty) ([]Event, []Target, error) {
	eif := tri.Dates.EntryIntoForce
	dates := []treaty.Date{eif}
	for d := treaty.MustDate("2021-09-01"); d.Before(tri.Expiry()); d = d.Add(treaty.Period{Months: 6}) {
		dates = append(dates, d)
	}
	var targets []Target
	for i, d := range dates {
		t := chinaTarget(d)
		t.Exchange = sixMonth
		if i == 0 {
			t.Exchange = initialData
		}
		targets = append(targets, t)
	}
	plans, err := planAll(chnForces, targets)
	if err != nil {
		return nil, nil, err
	}
	f := newForce("CHN", chnForces, b.rng("force/CHN"))
	evs := []Event{{Party: "CHN", Type: initialData, Effective: eif, Items: f.initial(plans[0]), Note: "initial data on entry into force (simulated)"}}
	from := eif.AddDays(1)
	for _, p := range plans[1:] {
		evs = append(evs, f.period(p, from)...)
		from = p.target.Date.AddDays(1)
	}
	return evs, targets, nil
}

// chinaTarget sums China's anchors on d into the planner's target.
func chinaTarget(d treaty.Date) Target {
	t := Target{Party: "CHN", Date: d, Source: "simulated from public estimates (no published data)"}
	for _, g := range chnForces {
		if !g.exists(d) {
			continue
		}
		c, dep, wavg := g.estimate(d)
		t.Launchers += c
		t.DeployedDeliveryVehicles += dep
		if g.missile == "" {
			t.Warheads += dep
		} else {
			t.Warheads += int(math.Round(float64(dep) * wavg))
		}
	}
	return t
}

package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"accord/internal/treaty"
)

// The calibration of the simulated warhead inventories to the table of
// record, warheads.csv (docs/warheads.md, "The demo"). Every number comes
// from the table; what the table does not give (which site holds what,
// the day of each flow) is simulated, and said so in each notification's
// note. Where a figure is used for a date other than its own, the comment
// on its use says so: that is an assumption.

// figures holds the table of record for one calibration.
type figures []WarheadFigure

// get returns the party's figure for measure as of date (as_of, in the
// table's format), or an error naming what is missing.
func (fs figures) get(party, measure, date string) (int, error) {
	f, ok := fs.find(party, measure, treaty.MustDate(date))
	if !ok {
		return 0, fmt.Errorf("warheads.csv: no %s %s figure as of %s", party, measure, date)
	}
	return f.Count, nil
}

func (fs figures) find(party, measure string, d treaty.Date) (WarheadFigure, bool) {
	i := slices.IndexFunc(fs, func(f WarheadFigure) bool { return f.Party == party && f.Measure == measure && f.Date.Equal(d) })
	if i < 0 {
		return WarheadFigure{}, false
	}
	return fs[i], true
}

// series returns the party's figures for measure as a function of the
// date: linear between the table's dates, held before the first and after
// the last.
func (fs figures) series(party, measure string) (func(treaty.Date) float64, error) {
	var pts []WarheadFigure
	for _, f := range fs {
		if f.Party == party && f.Measure == measure {
			pts = append(pts, f)
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("warheads.csv: no %s %s figures", party, measure)
	}
	slices.SortFunc(pts, func(a, b WarheadFigure) int { return a.Date.Compare(b.Date) })
	return func(d treaty.Date) float64 {
		i := slices.IndexFunc(pts, func(f WarheadFigure) bool { return f.Date.After(d) })
		switch i {
		case 0:
			return float64(pts[0].Count)
		case -1:
			return float64(pts[len(pts)-1].Count)
		}
		a, b := pts[i-1], pts[i]
		return float64(a.Count) + days(a.Date, d)/days(a.Date, b.Date)*float64(b.Count-a.Count)
	}, nil
}

// usArsenal opens the United States' warheads on the opening deployment:
//   - the stockpile of 3,750 as of 30 September 2020 (official), held to
//     the opening date: accord's assumption, the three weeks between not
//     simulated;
//   - the retired warheads awaiting dismantlement, "approximately 2,000"
//     as the State Department stated on 5 October 2021: using that figure
//     for October 2020 is accord's assumption; at Pantex;
//   - of the stockpile, deployed strategic warheads equal to those
//     emplaced on the simulation's deployed ICBMs and SLBMs at each base,
//     the Nuclear Notebook's 300 weapons at bomber bases (shared among the
//     bases by their deployed bombers) and its 100 non-strategic bombs in
//     Europe (estimates of early 2021); the rest in storage at Kirtland,
//     counted as strategic (the sources found do not split it);
//   - dismantlements at the rate of the 405 of 30 September 2020 to 30
//     September 2023 (official), held at that rate outside the period.
func usArsenal(fs figures, dep deployment) (*arsenal, error) {
	var n [4]int
	var err error
	for i, q := range [][3]string{{"stockpile", "2020-09-30"}, {"awaiting_dismantlement", "2021-10-05"}, {"bomber_base", "2021-01-01"}, {"nonstrategic_deployed", "2021-01-01"}} {
		if n[i], err = fs.get("USA", q[0], q[1]); err != nil {
			return nil, err
		}
	}
	stockpile, awaiting, bombers, europe := n[0], n[1], n[2], n[3]
	a := newArsenal("USA", "USA-KUMMSC", dep)
	a.basis = "the US government's published stockpile and dismantlements, and Nuclear Notebook estimates"
	if err := a.bomberWeapons(bombers, dep); err != nil {
		return nil, err
	}
	a.book[lotKey{"USA-EUR", nonstrategic, deployed}] = europe
	a.book[lotKey{"USA-PANTEX", strategic, retired}] = awaiting
	if err := a.fill(lotKey{"USA-KUMMSC", strategic, stored}, stockpile+awaiting); err != nil {
		return nil, err
	}
	rate, err := fs.rate("USA", "2020-09-30", "2023-09-30")
	if err != nil {
		return nil, err
	}
	a.dismantled = func(d treaty.Date) int { return int(math.Round(rate * days(dep.date, d))) }
	a.dismantleAt, a.retiredAt = "USA-PANTEX", "USA-PANTEX"
	return a, nil
}

// rate returns the warheads the party dismantled per day over the
// table's period from since to until.
func (fs figures) rate(party, since, until string) (float64, error) {
	s, u := treaty.MustDate(since), treaty.MustDate(until)
	for _, f := range fs {
		if f.Party == party && f.Measure == "dismantled" && f.Since.Equal(s) && f.Date.Equal(u) {
			return float64(f.Count) / days(s, u), nil
		}
	}
	return 0, fmt.Errorf("warheads.csv: no %s dismantled figure from %s to %s", party, since, until)
}

// rusArsenal opens Russia's warheads on the opening deployment, from the
// Nuclear Notebook's categories of early 2021 (estimates; using them for
// October 2020 is accord's assumption):
//   - 1,600 deployed strategic warheads: those emplaced on the
//     simulation's deployed ICBMs and SLBMs at each base, the rest at the
//     bomber bases (shared by their deployed bombers);
//   - 985 reserve strategic warheads and 1,912 non-strategic ones in
//     central storage (simulated sites);
//   - retired warheads awaiting dismantlement: SIPRI's inventory of
//     January 2021 less the Notebook's stockpile (the sum of its three
//     categories), in central storage, shipped each month to a simulated
//     dismantlement plant;
//   - dismantlements at the rate SIPRI's inventory falls from year to
//     year: accord's assumption (the fall is dismantlement less
//     production, and the simulation produces nothing for Russia).
func rusArsenal(fs figures, dep deployment) (*arsenal, error) {
	var n [4]int
	var err error
	for i, q := range [][3]string{{"deployed_strategic", "2021-01-01"}, {"reserve_strategic", "2021-01-01"}, {"nonstrategic", "2021-01-01"}, {"inventory", "2021-01-01"}} {
		if n[i], err = fs.get("RUS", q[0], q[1]); err != nil {
			return nil, err
		}
	}
	dstrat, reserve, nonstrat, inventory := n[0], n[1], n[2], n[3]
	a := newArsenal("RUS", "RUS-WS1", dep)
	a.basis = "Nuclear Notebook and SIPRI estimates"
	if err := a.bomberWeapons(dstrat-a.total(), dep); err != nil {
		return nil, err
	}
	a.book[lotKey{"RUS-WS1", strategic, stored}] = reserve
	a.book[lotKey{"RUS-WS2", nonstrategic, stored}] = nonstrat
	a.book[lotKey{"RUS-WS1", strategic, retired}] = inventory - dstrat - reserve - nonstrat
	if a.book[lotKey{"RUS-WS1", strategic, retired}] < 0 {
		return nil, fmt.Errorf("RUS: inventory %d below the stockpile's categories", inventory)
	}
	inv, err := fs.series("RUS", "inventory")
	if err != nil {
		return nil, err
	}
	a.dismantled = func(d treaty.Date) int { return int(math.Round(inv(dep.date) - inv(d))) }
	a.dismantleAt, a.retiredAt = "RUS-WDIS", "RUS-WS1"
	return a, nil
}

// chnArsenal opens China's warheads on the opening deployment: SIPRI's
// estimate of its stockpile on the date (linear between the Januaries of
// the table, at least 600 held from January 2025), deployed strategic
// warheads equal to those emplaced on the simulation's deployed missiles
// at each base, the rest in central storage; production (at the central
// storage, a simulated site) follows the estimates' growth.
func chnArsenal(fs figures, dep deployment) (*arsenal, error) {
	est, err := fs.series("CHN", "stockpile")
	if err != nil {
		return nil, err
	}
	a := newArsenal("CHN", "CHN-STOR", dep)
	a.basis = "SIPRI estimates"
	if err := a.fill(lotKey{"CHN-STOR", strategic, stored}, int(math.Round(est(dep.date)))); err != nil {
		return nil, err
	}
	base := int(math.Round(est(dep.date)))
	a.produced = func(d treaty.Date) int { return int(math.Round(est(d))) - base }
	a.produceAt = "CHN-STOR"
	return a, nil
}

// newArsenal opens a party's book with the warheads emplaced on its
// deployed missiles at each base, deployed.
func newArsenal(party, store string, dep deployment) *arsenal {
	a := &arsenal{party: party, store: store, book: map[lotKey]int{}, missileSites: map[string]bool{}}
	for site, n := range dep.emplaced {
		a.book[lotKey{site, strategic, deployed}] = n
		a.missileSites[site] = true
	}
	return a
}

// bomberWeapons places n deployed strategic warheads at the party's bomber
// bases, in proportion to their deployed heavy bombers (the largest
// remainders rounding up, in site order).
func (a *arsenal) bomberWeapons(n int, dep deployment) error {
	if n < 0 {
		return fmt.Errorf("%s: %d more warheads emplaced on deployed missiles than the estimate of deployed strategic warheads", a.party, -n)
	}
	total := 0
	for _, b := range dep.bombers {
		total += b
	}
	if total == 0 {
		return fmt.Errorf("%s: no deployed heavy bomber for %d bomber weapons on %s", a.party, n, dep.date)
	}
	sites := slices.Sorted(maps.Keys(dep.bombers))
	left := n
	for _, s := range sites {
		k := n * dep.bombers[s] / total
		a.book[lotKey{s, strategic, deployed}] += k
		left -= k
	}
	slices.SortStableFunc(sites, func(x, y string) int { return n*dep.bombers[y]%total - n*dep.bombers[x]%total })
	for _, s := range sites[:left] {
		a.book[lotKey{s, strategic, deployed}]++
	}
	return nil
}

// fill puts in key what the book lacks to hold total warheads.
func (a *arsenal) fill(key lotKey, total int) error {
	n := total - a.total()
	if n < 0 {
		return fmt.Errorf("%s: %d warheads placed, more than the total of %d", a.party, a.total(), total)
	}
	a.book[key] += n
	return nil
}

// Package sim builds a deterministic, simulated world of treaty
// implementation for the demo: every accountable item the United States
// and Russia (and, in the trilateral scenario, China) hold from entry into
// force of New START (5 February 2011) to expiry (5 February 2026), and
// every notification they send about it.
//
// What is public and what is simulated: the aggregate numbers each party
// published after each data exchange are public, and the world meets them
// exactly (see Target); so are the types, the bases and the broad force
// facts. Everything item by item (UIDs, which silo holds which missile,
// each missile's warheads, dates within a period) is simulated, seeded and
// calibrated to the public aggregates. Rows nobody published are
// interpolated and listed in World.Interpolated. docs/simulation.md has
// the method. The scenarios whose treaty freezes warheads (trilateral,
// freeze, freeze-breach) add every party's warheads counted per site,
// calibrated to the table of record warheads.csv (warheads.go,
// warheadcal.go; docs/warheads.md, "The demo").
//
// Build is a pure function of the scenario and the seed: no clock, no I/O,
// and the same arguments give byte-for-byte the same World.
package sim

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// Scenarios Build knows.
const (
	NewSTART   = "newstart"   // the United States and Russia under New START
	Trilateral = "trilateral" // the same, with China under trilateral-draft from 2021, and warheads per site
	// Freeze is the United States and Russia under us-freeze-2020 (New
	// START extended to 5 February 2022 with a freeze on all warheads),
	// with warheads per site from the baseline exchange of 20 October
	// 2020 and no breach; FreezeBreach the same world with one simulated
	// breach (SimulatedBreach).
	Freeze       = "freeze"
	FreezeBreach = "freeze-breach"
)

// Scenarios lists the scenarios Build accepts.
var Scenarios = []string{NewSTART, Trilateral, Freeze, FreezeBreach}

// A World is a simulated implementation of a treaty.
type World struct {
	Scenario string         `json:"scenario"`
	Seed     uint64         `json:"seed"`
	Treaty   *treaty.Treaty `json:"-"`
	Parties  []string       `json:"parties"`
	// Facilities are every party's declared sites.
	Facilities []Facility `json:"facilities"`
	// Events are every notification, in order of effective date (and,
	// within a date, in the order each party made the changes).
	Events []Event `json:"events"`
	// Calibration is each party's aggregate target on each date the world
	// is calibrated to; Interpolated the dates some target was not
	// published.
	Calibration  []Target      `json:"calibration"`
	Interpolated []treaty.Date `json:"interpolated"`
	// Breach is the simulated breach of the freeze-breach scenario; nil in
	// every other.
	Breach *Breach `json:"breach,omitempty"`
	// Escrows are the parties' simulated escrowed declarations of the
	// freeze scenarios (escrow.go); none in the others.
	Escrows []Escrow `json:"escrows,omitempty"`
}

// A Progress function hears about each party and date as Build reaches
// it, done out of total steps.
type Progress func(party string, d treaty.Date, done, total int)

// Build builds the world of scenario with seed.
func Build(scenario string, seed uint64) (*World, error) {
	return BuildWith(scenario, seed, nil)
}

// BuildWith is Build reporting progress (progress may be nil).
func BuildWith(scenario string, seed uint64, progress Progress) (*World, error) {
	if !slices.Contains(Scenarios, scenario) {
		return nil, fmt.Errorf("unknown scenario %q (scenarios: %v)", scenario, Scenarios)
	}
	ns, err := treaty.Builtin("newstart")
	if err != nil {
		return nil, err
	}
	b := &builder{t: ns, seed: seed, progress: progress}
	b.total = b.steps("USA", "RUS")
	w := &World{Scenario: scenario, Seed: seed, Treaty: ns, Parties: []string{"USA", "RUS"}}
	for _, p := range []struct {
		id     string
		groups []*group
	}{{"USA", usForces}, {"RUS", rusForces}} {
		evs, targets, err := b.party(p.id, p.groups)
		if err != nil {
			return nil, err
		}
		w.Events = append(w.Events, evs...)
		w.Calibration = append(w.Calibration, targets...)
	}
	w.Events = append(w.Events, inspections(ns, w.Parties, w.Events, b.rng("inspections"))...)
	if err := b.scenario(w); err != nil {
		return nil, err
	}
	fitInspections(w)
	w.Facilities = facilitiesOf(w.Parties)
	slices.SortStableFunc(w.Events, func(a, b Event) int { return a.Effective.Compare(b.Effective) })
	b.time(w)
	answerTimes(ns, w, b.rng("inspection times"))
	w.Interpolated = interpolated(w.Calibration)
	if w.Scenario == Freeze || w.Scenario == FreezeBreach {
		// after b.time: a commitment is sent after its statement
		if w.Escrows, err = escrows(w, w.Treaty); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// scenario turns the New START world w into its scenario's, and adds the
// warheads per site to the scenarios whose treaty counts them.
func (b *builder) scenario(w *World) error {
	var err error
	switch w.Scenario {
	case Trilateral:
		err = b.trilateral(w)
	case Freeze, FreezeBreach:
		err = b.freeze(w)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	start, err := freezeBaseline(w.Treaty)
	if err != nil {
		return err
	}
	return b.warheads(w, start)
}

// builder holds what every party's generation shares.
type builder struct {
	t        *treaty.Treaty
	seed     uint64
	progress Progress
	done     int
	total    int
}

// rng returns the random stream for one purpose: streams are independent,
// so a change to one party's generation leaves the others' alone.
func (b *builder) rng(purpose string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	return rand.New(rand.NewPCG(b.seed, h.Sum64()))
}

func interpolated(ts []Target) []treaty.Date {
	var out []treaty.Date
	for _, t := range ts {
		if t.Interpolated {
			out = append(out, t.Date)
		}
	}
	slices.SortFunc(out, treaty.Date.Compare)
	return slices.CompactFunc(out, treaty.Date.Equal)
}

// HoldingsAt returns party's items on d, as replaying its notifications
// effective on or before d gives them: every item not eliminated, in UID
// order, dated d.
func (w *World) HoldingsAt(party string, d treaty.Date) []declaration.Item {
	return Replay(w.Treaty, w.Events, party, d)
}

// Declaration returns party's holdings on d as a declaration for the
// engine.
func (w *World) Declaration(party string, d treaty.Date) *declaration.Declaration {
	return &declaration.Declaration{Party: party, AsOf: d, Items: w.HoldingsAt(party, d)}
}

// Silent returns the day from which party sends nothing but ballistic
// missile launch notifications (which both parties kept sending under the
// 1988 agreement): its declared suspension or withdrawal, or the day it
// stopped providing notifications; zero if it never did.
func Silent(t *treaty.Treaty, party string) treaty.Date {
	for _, e := range t.Events {
		if e.Party == party && (e.Kind == "suspension" || e.Kind == "withdrawal" || e.Kind == "notifications_withheld") {
			return e.Date
		}
	}
	return treaty.Date{}
}

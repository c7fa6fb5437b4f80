package demo

import (
	"context"
	"testing"
	"time"

	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/sim"
)

// TestFreezeScenarios builds the demos of the scenarios with warheads and
// reads every party's findings from its node's treaty database, which
// validated each warhead notification as it was logged: freeze has no
// freeze_breach finding, freeze-breach exactly one, against the breaching
// party, on the simulated breach's date, and trilateral exactly one,
// against China, on its first production (its estimated stockpile grows
// past its level on the framework's entry into force); none has a balance
// or deployed_mismatch finding, nor a refused notification, nor an
// escrow_total or escrow_freeze finding on the escrowed declarations of
// freeze and freeze-breach (checked by checkEscrows); and each
// party's first warhead event, the baseline, is the total the simulation
// opened its book with.
func TestFreezeScenarios(t *testing.T) {
	for sc, breach := range map[string]func(*sim.World) *sim.Breach{
		sim.Freeze:       func(*sim.World) *sim.Breach { return nil },
		sim.FreezeBreach: func(*sim.World) *sim.Breach { return &sim.SimulatedBreach },
		sim.Trilateral:   firstProduction("CHN"),
	} {
		t.Run(sc, func(t *testing.T) {
			t.Parallel()
			d, err := Build(context.Background(), Options{Scenario: sc, Seed: 1, Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string][]registry.Finding{}
			for _, p := range d.Nodes {
				for _, f := range partyFindings(t, d, p) {
					kinds[f.Kind] = append(kinds[f.Kind], f)
				}
			}
			for _, k := range []string{registry.FindingBalance, registry.FindingDeployedMismatch, "refused", registry.FindingEscrowTotal, registry.FindingEscrowFreeze} {
				for _, f := range kinds[k] {
					t.Errorf("%s finding: %s %s %s: %s", k, f.Party, f.Type, f.Effective, f.Reason)
				}
			}
			checkBreaches(t, breach(d.World), kinds[registry.FindingFreezeBreach])
			if sc != sim.Trilateral {
				checkEscrows(t, d)
			}
		})
	}
}

// far is a knowledge time after everything the demo logged.
var far = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

func partyFindings(t *testing.T, d *Demo, p *Party) []registry.Finding {
	t.Helper()
	ctx := context.Background()
	o, err := office.OpenNode(ctx, p.Node)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	fs, err := o.Registry.Findings(ctx, p.ID, far)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := o.Registry.WarheadEvents(ctx, p.ID, far)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].Type != "warhead_data" || evs[0].Total != int64(openingTotal(d.World, p.ID)) {
		t.Errorf("%s: the treaty database's first warhead event %+v, want the opening statement of %d", p.ID, first(evs), openingTotal(d.World, p.ID))
	}
	return fs
}

func first(evs []registry.WarheadEvent) any {
	if len(evs) == 0 {
		return nil
	}
	return evs[0].Type
}

// openingTotal is the total of party's first warhead statement in w.
func openingTotal(w *sim.World, party string) int {
	for _, e := range w.Events {
		if e.Party == party && e.Type == "warhead_data" {
			n := 0
			for _, l := range e.Stock {
				n += l.Count
			}
			return n
		}
	}
	return -1
}

// firstProduction returns party's first production of warheads in a
// world, as the breach expected of it.
func firstProduction(party string) func(*sim.World) *sim.Breach {
	return func(w *sim.World) *sim.Breach {
		for _, e := range w.Events {
			if e.Party == party && e.Type == "warhead_produced" {
				return &sim.Breach{Party: party, Date: e.Effective}
			}
		}
		return nil
	}
}

func checkBreaches(t *testing.T, want *sim.Breach, got []registry.Finding) {
	t.Helper()
	if want == nil {
		for _, f := range got {
			t.Errorf("freeze_breach finding in a scenario without a breach: %s %s: %s", f.Party, f.Effective, f.Reason)
		}
		return
	}
	if len(got) != 1 || got[0].Party != want.Party || !got[0].Effective.Equal(want.Date) || got[0].Type != "warhead_produced" {
		t.Errorf("freeze_breach findings %+v, want one against %s of %s", got, want.Party, want.Date)
	}
}

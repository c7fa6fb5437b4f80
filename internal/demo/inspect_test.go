package demo

import (
	"context"
	"testing"
	"time"

	"accord/internal/office"
	"accord/internal/registry"
)

// TestInspectionSequence checks, through each node's treaty database,
// that the demo records every simulated inspection's whole sequence:
// 328 reports (164 by each party), each answering a briefing that
// answers a designation naming the site's facility type, countersigned
// by the inspected party, with every Type One report at a base with
// missiles naming the missile designated, and no finding against what
// the database says.
func TestInspectionSequence(t *testing.T) {
	ctx := context.Background()
	d := built(t)
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	o, err := office.OpenNode(ctx, d.Nodes[0].Node)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	ins, err := o.Registry.Inspections(ctx, "", far)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	rv := 0
	for _, in := range ins {
		by[in.Inspecting]++
		checkInspection(t, in)
		if in.Designated != "" {
			rv++
		}
	}
	if by["USA"] != 164 || by["RUS"] != 164 || rv == 0 {
		t.Errorf("reports by party %v, %d with a reentry-vehicle inspection; want 164 each, and some", by, rv)
	}
}

func checkInspection(t *testing.T, in registry.Inspection) {
	t.Helper()
	if in.FacilityType == "" || len(in.Countersigned) == 0 || len(in.Findings) > 0 || len(in.Steps) < 5 {
		t.Errorf("inspection %s: facility type %q, countersigned %v, findings %v, %d steps", in.Report, in.FacilityType, in.Countersigned, in.Findings, len(in.Steps))
	}
	if in.Type == "type_one" && len(in.Briefed) > 0 && in.Designated == "" {
		t.Errorf("inspection %s briefs %d missiles and designates none", in.Report, len(in.Briefed))
	}
}

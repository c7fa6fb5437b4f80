package office

import (
	"context"
	"strconv"
	"strings"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// An InspectionStep is one step of an inspection as an operator gives
// it (docs/inspections.md, "The sequence"): the office sends it as the
// notification of the treaty's type for the step.
type InspectionStep struct {
	// Step is one of treaty.InspectionSteps.
	Step string
	// Answers names the entry the step answers, for a step whose type
	// answers another party's entry, as PARTY#INDEX ("RUS#3").
	Answers Given
	Fields  map[string]string
	Items   []body.Item
}

// Inspect validates, signs and logs one step of an inspection. Refused
// as Notify refuses; an entry named by Answers that this node does not
// hold is an *InputError.
func (o *Office) Inspect(ctx context.Context, st InspectionStep, day treaty.Date) (*Sent, error) {
	nt, err := o.stepType(st.Step)
	if err != nil {
		return nil, err
	}
	n := &body.Notification{Type: nt.ID, Fields: map[string]string{}, Items: st.Items}
	for k, v := range st.Fields {
		if v != "" {
			n.Fields[k] = v
		}
	}
	if st.Answers.Value != "" {
		ref, err := o.entryRef(ctx, st.Answers)
		if err != nil {
			return nil, err
		}
		n.Answers = &ref
	}
	return o.Notify(ctx, n, day)
}

// stepType returns the treaty's notification type for an inspection step.
func (o *Office) stepType(step string) (treaty.NotificationType, error) {
	for _, nt := range o.Treaty.Notifications {
		if nt.Step == step {
			return nt, nil
		}
	}
	return treaty.NotificationType{}, inputErrorf("%s defines no notification for the inspection step %q", o.Treaty.ID, step)
}

// entryRef resolves PARTY#INDEX to the entry this node holds.
func (o *Office) entryRef(ctx context.Context, g Given) (body.Ref, error) {
	party, idx, ok := strings.Cut(g.Value, "#")
	i, err := strconv.ParseUint(idx, 10, 62)
	if _, known := o.Treaty.Party(party); !ok || err != nil || !known {
		return body.Ref{}, inputErrorf("%s: %q is not PARTY#INDEX, e.g. RUS#3, of a party to %s", g.Name, g.Value, o.Treaty.ID)
	}
	origin := entry.Origin(o.Treaty.ID, party)
	ref, held, err := o.Registry.EntryRef(ctx, origin, i)
	if err != nil {
		return ref, err
	}
	if !held {
		return ref, inputErrorf("%s: this node holds no entry %d of %s", g.Name, i, origin)
	}
	return ref, nil
}

// Inspections returns the inspections whose reports this node holds, of
// party if it is not empty, as known now.
func (o *Office) Inspections(ctx context.Context, party string) ([]registry.Inspection, error) {
	return o.Registry.Inspections(ctx, party, o.now())
}

// Exhibitions returns the exhibitions this node holds, of party if it is
// not empty, as known now.
func (o *Office) Exhibitions(ctx context.Context, party string) ([]registry.Exhibition, error) {
	return o.Registry.Exhibitions(ctx, party, o.now())
}

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"accord/entry/body"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// A stepCmd is one subcommand of accord inspect that logs a step of an
// inspection (docs/inspections.md, "The sequence").
type stepCmd struct {
	name, step, short, example string
	answers                    string   // the flag naming the entry the step answers, or ""
	fields                     []string // flags whose values are the step's fields (dashes for underscores)
	items                      string   // the repeated flag giving items, or ""
	numbered                   string   // the repeated flag whose values are fields prefix_1, prefix_2 …
}

var stepCmds = []stepCmd{
	{name: "intent", step: treaty.StepIntent, short: "Notify the intent to inspect, naming the point of entry",
		fields: []string{"point-of-entry", "inspected"}, example: "--type type_one --point-of-entry 'San Francisco' --inspected USA"},
	{name: "arrive", step: treaty.StepArrival, short: "Notify the inspection team's arrival at the point of entry",
		fields: []string{"point-of-entry", "inspected"}, example: "--type type_one --point-of-entry 'San Francisco'"},
	{name: "designate", step: treaty.StepDesignation, short: "Designate the site to inspect (refused if the inspection type may not visit its facility type)",
		fields: []string{"facility", "facility-type", "inspected"}, example: "--type type_one --facility malmstrom --facility-type icbm_base --inspected USA"},
	{name: "brief", step: treaty.StepBriefing, short: "Brief the inspectors on the designated site: its facility type and the warheads on each missile",
		answers: "designation", fields: []string{"facility", "facility-type"}, items: "missile",
		example: "--designation RUS#2 --type type_one --facility malmstrom --facility-type icbm_base --missile M1=1 --missile M2=1"},
	{name: "rv", step: treaty.StepRVDesignation, short: "Designate the missile whose warheads the inspectors count",
		answers: "briefing", fields: []string{"uid"}, example: "--briefing USA#2 --type type_one --uid M2"},
	{name: "report", step: treaty.StepReport, short: "Log the inspection report: what was confirmed, found and left ambiguous",
		answers: "briefing", fields: []string{"facility", "confirmed"}, items: "found", numbered: "ambiguity",
		example: "--briefing USA#2 --type type_one --facility malmstrom --confirmed '2 deployed MM-III' --found M1 --found M2=1 --ambiguity 'a covered object'"},
	{name: "countersign", step: treaty.StepComments, short: "Countersign the other party's inspection report, with comments on its ambiguities",
		answers: "report", numbered: "comment", example: "--report RUS#4 --type type_one --comment 'a maintenance van'"},
	{name: "resolve", step: treaty.StepResolution, short: "Record the resolution of an ambiguity of one of this party's reports",
		fields: []string{"report", "ambiguity", "resolution"}, example: "--report 4 --ambiguity ambiguity_1 --resolution 'agreed: a van'"},
	{name: "exhibit", step: treaty.StepExhibition, short: "Record an exhibition held, a record of its own counted against no quota",
		fields: []string{"exhibition", "item-type", "place"}, items: "item",
		example: "--exhibition exhibition_nonnuclear_bomber --item-type B-1B --place 'Ellsworth AFB'"},
}

func inspectStepCmds() []*cobra.Command {
	var out []*cobra.Command
	for _, s := range stepCmds {
		out = append(out, s.command())
	}
	return out
}

// stepArgs are the flags of one step subcommand.
type stepArgs struct {
	dir, effective, typ, answers string
	fields                       map[string]*string
	items, numbered              []string
	asJSON                       bool
}

func (s stepCmd) command() *cobra.Command {
	a := stepArgs{fields: map[string]*string{}}
	c := &cobra.Command{
		Use:   s.name + " --data DIR --effective DATE [flags]",
		Short: s.short,
		Long: s.short + ` (docs/inspections.md, "The sequence").
A step the treaty's rules refuse changes nothing and says why.

Example:
  accord inspect ` + s.name + " --data rus --effective 2011-06-01 " + s.example,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return s.run(c, &a) },
	}
	f := c.Flags()
	f.StringVar(&a.dir, "data", "", "the node's data directory (required)")
	f.StringVar(&a.effective, "effective", "", "the date of the step, YYYY-MM-DD (required)")
	if s.step != treaty.StepResolution && s.step != treaty.StepExhibition {
		f.StringVar(&a.typ, "type", "", "the inspection type, e.g. type_one (required)")
		c.MarkFlagRequired("type")
	}
	if s.answers != "" {
		f.StringVar(&a.answers, s.answers, "", "the "+s.answers+" this step answers, as PARTY#INDEX (required)")
		c.MarkFlagRequired(s.answers)
	}
	for _, name := range s.fields {
		a.fields[name] = f.String(name, "", strings.ReplaceAll(name, "-", " "))
	}
	if s.items != "" {
		f.StringArrayVar(&a.items, s.items, nil, "UID or UID=WARHEADS; repeat for each")
	}
	if s.numbered != "" {
		f.StringArrayVar(&a.numbered, s.numbered, nil, "the "+s.numbered+" text; repeat for each, in order (at most 3)")
	}
	f.BoolVar(&a.asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	c.MarkFlagRequired("effective")
	return c
}

func (s stepCmd) run(c *cobra.Command, a *stepArgs) error {
	st, err := s.parse(a)
	if err != nil {
		return err
	}
	day, err := treaty.ParseDate(a.effective)
	if err != nil {
		return fmt.Errorf("--effective: %w", err)
	}
	ctx := c.Context()
	o, err := office.Open(ctx, a.dir, nil)
	if err != nil {
		return err
	}
	defer o.Close(ctx)
	sent, err := o.Inspect(ctx, st, day)
	var refusal *registry.Refusal
	if errors.As(err, &refusal) {
		return fmt.Errorf("inspect %s: %w", s.name, err)
	}
	if err != nil {
		return err
	}
	if a.asJSON {
		return writeJSON(c.OutOrStdout(), sent)
	}
	printSent(c.OutOrStdout(), o.Node.Origin(), sent)
	return nil
}

// parse turns the flags into the step.
func (s stepCmd) parse(a *stepArgs) (office.InspectionStep, error) {
	st := office.InspectionStep{Step: s.step, Answers: office.Given{Name: "--" + s.answers, Value: a.answers}, Fields: map[string]string{}}
	if a.typ != "" {
		st.Fields["inspection_type"] = a.typ
	}
	for name, v := range a.fields {
		st.Fields[strings.ReplaceAll(name, "-", "_")] = *v
	}
	if len(a.numbered) > 3 {
		return st, fmt.Errorf("--%s is given %d times, at most 3", s.numbered, len(a.numbered))
	}
	for i, v := range a.numbered {
		st.Fields[fmt.Sprintf("%s_%d", s.numbered, i+1)] = v
	}
	for _, v := range a.items {
		it, err := parseItem(v, s.items == "missile")
		if err != nil {
			return st, fmt.Errorf("--%s %s: %w", s.items, v, err)
		}
		st.Items = append(st.Items, it)
	}
	return st, nil
}

// parseItem reads UID or UID=WARHEADS.
func parseItem(v string, needWarheads bool) (body.Item, error) {
	uid, w, ok := strings.Cut(v, "=")
	it := body.Item{UID: uid}
	if !ok {
		if needWarheads {
			return it, errors.New("give the warheads, as UID=WARHEADS")
		}
		return it, nil
	}
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 || n > body.MaxCount {
		return it, fmt.Errorf("warheads %q is not a count from 0 to %d", w, body.MaxCount)
	}
	it.Warheads = &n
	return it, nil
}

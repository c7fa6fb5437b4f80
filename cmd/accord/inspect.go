package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"accord/internal/confidence"
)

func init() { register(newInspectCmd) }

func newInspectCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "inspect",
		Short: "Log inspections step by step, list their reports, and weigh how likely they were to find a misdeclaration",
		Long: `Log an inspection step by step (intent, arrive, designate, brief, rv,
report, countersign, resolve) and exhibitions (exhibit), list the reports
with their findings (reports) and the exhibitions (exhibitions), and
weigh how likely inspections were to find a misdeclaration
(docs/inspections.md).

Examples:
  accord inspect designate --data rus --effective 2011-06-01 --type type_one --facility malmstrom --facility-type icbm_base
  accord inspect reports --data usa
  accord inspect confidence --population 400 --misdeclared 20 --sample 18
  accord inspect confidence --population 400 --misdeclared 20 --sample 18 --sample 18 --json`,
	}
	c.AddCommand(newInspectConfidenceCmd(), newInspectReportsCmd(), newInspectExhibitionsCmd())
	c.AddCommand(inspectStepCmds()...)
	for _, sub := range inspectCommands {
		c.AddCommand(sub())
	}
	return c
}

// inspectCommands are the inspect subcommands other files add.
var inspectCommands []func() *cobra.Command

// confidenceArgs are the flags of accord inspect confidence.
type confidenceArgs struct {
	population, misdeclared int
	samples                 []int
	campaignFile            string // --campaign: inspect_campaign.go
	asJSON                  bool
}

func newInspectConfidenceCmd() *cobra.Command {
	var a confidenceArgs
	c := &cobra.Command{
		Use:   "confidence --population N --misdeclared K --sample n [--sample n ...]",
		Short: "The probability that inspections sampling n of N items would have found K misdeclared",
		Long: `The probability that a misdeclaration of K items among N would have been
found by inspections each sampling n items without replacement:
1 - C(N-K, n)/C(N, n) for each inspection, and 1 - the product of the
misses for all of them so far (docs/inspections.md, "Confidence").

With --campaign FILE, a JSON array of inspections, each with its date,
category, population, misdeclared and sample, the campaign is taken in
date order and the probability is given per category and over all;
--json adds the chart's series: the probability so far after each
inspection, over all categories and per category.

Examples:
  accord inspect confidence --population 400 --misdeclared 20 --sample 18
  accord inspect confidence --population 400 --misdeclared 20 --sample 18 --sample 18 --json
  accord inspect confidence --campaign campaign.json --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			steps, err := a.campaign(c)
			if err != nil {
				return err
			}
			if a.campaignFile != "" {
				return printCampaign(c.OutOrStdout(), steps, a.asJSON)
			}
			if a.asJSON {
				return writeJSON(c.OutOrStdout(), struct {
					Population  int                 `json:"population"`
					Misdeclared int                 `json:"misdeclared"`
					Inspections []confidence.Step   `json:"inspections"`
					Chart       []confidence.Series `json:"chart"`
				}{a.population, a.misdeclared, steps, confidence.Chart(steps)})
			}
			return printConfidence(c.OutOrStdout(), a, steps)
		},
	}
	c.Flags().IntVar(&a.population, "population", 0, "N, the number of items the inspections sample from")
	c.Flags().IntVar(&a.misdeclared, "misdeclared", 0, "K, the number of those items misdeclared")
	c.Flags().IntSliceVar(&a.samples, "sample", nil, "n, the number of items one inspection samples; repeat for each inspection")
	c.Flags().StringVar(&a.campaignFile, "campaign", "", "a JSON file of dated inspections by category, instead of the three flags above")
	c.Flags().BoolVar(&a.asJSON, "json", false, "print JSON")
	return c
}

// campaign checks the flags and computes the campaign they describe.
func (a confidenceArgs) campaign(c *cobra.Command) ([]confidence.Step, error) {
	if a.campaignFile != "" {
		return a.fileCampaign(c)
	}
	for _, f := range []string{"population", "misdeclared", "sample"} {
		if !c.Flags().Changed(f) {
			return nil, fmt.Errorf("--%s is required (see %s --help)", f, c.CommandPath())
		}
	}
	if len(a.samples) > confidence.MaxInspections {
		return nil, fmt.Errorf("--sample is given %d times, more than the %d inspections a campaign may hold", len(a.samples), confidence.MaxInspections)
	}
	ins := make([]confidence.Inspection, len(a.samples))
	for i, n := range a.samples {
		ins[i] = confidence.Inspection{Population: a.population, Misdeclared: a.misdeclared, Sample: n}
	}
	steps, err := confidence.Campaign(ins)
	var e *confidence.Error
	if errors.As(err, &e) {
		return nil, fmt.Errorf("--%s", e.Error())
	}
	return steps, err
}

func printConfidence(w io.Writer, a confidenceArgs, steps []confidence.Step) error {
	fmt.Fprintf(w, "%d items, %d misdeclared: the probability that the inspections would have found one\n", a.population, a.misdeclared)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSPECTION\tSAMPLE\tTHIS INSPECTION\tSO FAR")
	for i, s := range steps {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", i+1, s.Sample, probability(s.Detect), probability(s.Cumulative))
	}
	return tw.Flush()
}

// probability prints p to four places, never rounding a possible miss to
// certainty or a possible find to nothing.
func probability(p float64) string {
	switch {
	case p == 0 || p == 1:
		return fmt.Sprintf("%.0f", p)
	case p > 0.99995:
		return ">0.9999"
	case p < 0.00005:
		return "<0.0001"
	}
	return fmt.Sprintf("%.4f", p)
}

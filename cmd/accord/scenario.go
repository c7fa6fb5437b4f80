package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"accord/internal/scenario"
	"accord/internal/treaty"
	"accord/internal/web"
)

func init() { register(newScenarioCmd) }

type scenarioFlags struct {
	party  string
	date   string
	change string
	rate   int
	json   bool
	data   string
	chart  string
}

func newScenarioCmd() *cobra.Command {
	var f scenarioFlags
	c := &cobra.Command{
		Use:   "scenario --party P --date DATE [--change FILE.yaml] FILE... | --data DIR",
		Short: "One party's holdings under every 2020 option at once, and its upload potential",
		Long: `One party's holdings under every 2020 option at once, and its upload potential.

FILE is a declaration, as for accord check (docs/declarations.md); with
--data DIR, the declarations are a node's treaty database instead, as
known now. The party's declaration in force on DATE is evaluated under newstart (as
extended), newstart-freeze-2020 (Russia's one-year extension with a
freeze), us-freeze-2020 (the US position), trilateral-draft and "none"
(no treaty): for each limit its value, ceiling, margin, verdict, and what
the party could add before it breaches it ("?" when the limit has no
data). Then the upload potential: how many warheads each type could carry
if no treaty limited it, from the loads of the force-facts table, each
with its sources (docs/analysis.md), and its totals over time: on each
date a FILE declares, or with --data on each data-exchange date, up to
DATE (shown when there are two dates or more).

--change applies a YAML file of steps to the holdings first (retire,
eliminate, upload, download, deploy; docs/analysis.md). --rate N adds how
many months loading each type would take at N missiles or bombers a
month: a parameter, as accord holds no published rate. --chart FILE.svg
writes the upload potential over time as the dashboard draws it.

Exit status: 0 when the comparison is printed, whatever it shows; 2 on
bad input.

Examples:
  accord scenario --party USA --date 2020-09-01 testdata/us-2020-09-01-types.csv
  accord scenario --party USA --date 2020-09-01 --change posture.yaml --rate 10 us.csv
  accord scenario --party USA --date 2021-06-01 --json us.csv us-warheads.csv
  accord scenario --party RUS --date 2020-09-01 --data usa`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runScenario(c.Context(), c.OutOrStdout(), f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.party, "party", "", "the party whose holdings are evaluated (required)")
	fl.StringVar(&f.date, "date", "", "the date, YYYY-MM-DD (required)")
	fl.StringVar(&f.change, "change", "", "a change file to apply to the holdings first")
	fl.IntVar(&f.rate, "rate", 0, "missiles or bombers loaded per month per type, a parameter (default: no time shown)")
	fl.BoolVar(&f.json, "json", false, "print the comparison as one JSON object")
	fl.StringVar(&f.data, "data", "", "read the declarations from this node's treaty database instead of files")
	fl.StringVar(&f.chart, "chart", "", "write the upload potential over time as an SVG chart to this file")
	c.MarkFlagRequired("party")
	c.MarkFlagRequired("date")
	return c
}

func runScenario(ctx context.Context, w io.Writer, f scenarioFlags, files []string) error {
	d, err := treaty.ParseDate(f.date)
	if err != nil {
		return fmt.Errorf("--date: %w", err)
	}
	if f.rate < 0 {
		return fmt.Errorf("--rate %d: a rate is a positive number of missiles or bombers a month", f.rate)
	}
	var change *scenario.Change
	if f.change != "" {
		if change, err = readChange(f.change); err != nil {
			return err
		}
	}
	decls, series, err := scenarioDeclarations(ctx, f, d, files)
	if err != nil {
		return err
	}
	r, err := scenario.Compare(decls, f.party, d, change, f.rate)
	if err != nil {
		return err
	}
	r.OverTime = scenario.OverTime(decls, f.party, series)
	if f.chart != "" {
		if err := writeUploadChart(f.chart, r); err != nil {
			return err
		}
	}
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return printScenario(w, r)
}

func readChange(path string) (*scenario.Change, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > scenario.MaxChangeSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, scenario.MaxChangeSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return scenario.ParseChange(path, data)
}

func printScenario(w io.Writer, r *scenario.Report) error {
	fmt.Fprintf(w, "%s on %s (declared %s)\n", r.Party, r.AsOf, r.Declared)
	if c := r.Change; c != nil {
		steps := make([]string, len(c.Steps))
		for i, s := range c.Steps {
			steps[i] = s.String()
		}
		fmt.Fprintf(w, "change %s: %s\n", c.File, strings.Join(steps, "; "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "OPTION\tLIMIT\tVALUE\tCEILING\tMARGIN\tCAN ADD\tVERDICT\n")
	for _, o := range r.Outcomes {
		printOutcome(tw, o)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := printUpload(w, r.Upload); err != nil {
		return err
	}
	return printOverTime(w, r.OverTime)
}

func printOutcome(tw io.Writer, o scenario.Outcome) {
	switch {
	case o.Option == scenario.NoTreaty:
		fmt.Fprintf(tw, "%s\t-\t\t\t\t\tno limits\n", o.Option)
		return
	case !o.Party:
		fmt.Fprintf(tw, "%s\t-\t\t\t\t\tnot a party\n", o.Option)
		return
	}
	for _, l := range o.Limits {
		add, ok := scenario.Headroom(l)
		if !ok {
			fmt.Fprintf(tw, "%s\t%s\t?\t?\t?\t?\t%s\n", o.Option, l.ID, words(l.Verdict))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%+d\t%d\t%s\n", o.Option, l.ID, l.Value, l.Limit, l.Margin, add, words(l.Verdict))
	}
}

func words(v string) string { return strings.ReplaceAll(v, "_", " ") }

func printUpload(w io.Writer, u scenario.Potential) error {
	if len(u.Rows) == 0 {
		fmt.Fprintln(w, "\nupload potential: the declaration holds no missiles or heavy bombers per type or item")
		return nil
	}
	fmt.Fprintln(w, "\nupload potential with no treaty (loads: force-facts table, docs/analysis.md)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(cells ...string) {
		if u.Rate == 0 {
			cells = cells[:len(cells)-1]
		}
		fmt.Fprintln(tw, strings.TrimRight(strings.Join(cells, "\t"), "\t"))
	}
	row("TYPE", "DEPLOYED", "COUNTED", "RESERVE", "LOAD", "POTENTIAL", "MONTHS")
	for _, r := range u.Rows {
		load := "?"
		if r.Known {
			load = span(r.Low, r.High)
		}
		row(r.Type, fmt.Sprint(r.Deployed), fmt.Sprint(r.Counted), fmt.Sprint(r.Reserve), load, span(r.PotentialLow, r.PotentialHigh), fmt.Sprint(r.Months))
	}
	row("total", "", fmt.Sprint(u.Counted), "", "", span(u.Low, u.High), "")
	if err := tw.Flush(); err != nil {
		return err
	}
	if u.Rate > 0 {
		fmt.Fprintf(w, "months at %d missiles or bombers a month per type: a parameter, not a published rate\n", u.Rate)
	}
	for _, r := range u.Rows {
		if !r.Known {
			fmt.Fprintf(w, "%s: no load on record, counted as declared\n", r.Type)
		}
	}
	return nil
}

// span is "n" or "low-high".
func span(low, high int) string {
	if low == high {
		return fmt.Sprint(low)
	}
	return fmt.Sprintf("%d-%d", low, high)
}

// printOverTime prints the upload potential's totals on each date of the
// series, when there are two or more.
func printOverTime(w io.Writer, pts []scenario.Point) error {
	if len(pts) < 2 {
		return nil
	}
	fmt.Fprintln(w, "\nupload potential over time (as declared on each date)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "DATE\tDECLARED\tCOUNTED\tPOTENTIAL\n")
	for _, p := range pts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.AsOf, p.Declared, p.Counted, span(p.Low, p.High))
	}
	return tw.Flush()
}

// writeUploadChart writes the report's upload potential over time as an
// SVG chart to path.
func writeUploadChart(path string, r *scenario.Report) error {
	svg, err := web.UploadChartSVG(r.Party, r.OverTime)
	if err != nil {
		return err
	}
	if svg == nil {
		return fmt.Errorf("--chart: %s has holdings per type or item on fewer than two dates up to %s: nothing to draw over time", r.Party, r.AsOf)
	}
	return os.WriteFile(path, svg, 0o644)
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/treaty"
)

func init() { register(newCheckCmd) }

type checkFlags struct {
	treaty      string
	asOf        string
	reading     string
	allReadings bool
	explain     bool
	json        bool
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	c := &cobra.Command{
		Use:   "check --treaty ID [--as-of DATE] FILE...",
		Short: "Count declarations against a treaty's limits, offline",
		Long: `Count declarations against a treaty's limits, offline.

FILE is a declaration in CSV or JSON: per item, per type, pre-counted
aggregates, or nuclear warheads counted per site, which a freeze counts
(docs/declarations.md). Without --as-of, every date the files declare is
checked; with it, each party's latest declaration on or before that date
is.

A limit whose categories a declaration says nothing about (a New START
exchange under a freeze on all warheads), or a freeze without a baseline
declaration, has no value: its cell is "?", its verdict "no data" naming
the limit, and its JSON verdict "no_data" with a note saying why.

Exit status: 0 when every limit in force is met or has no data, 1 when
one is exceeded, 2 on bad input.

Examples:
  accord check --treaty newstart testdata/newstart-aggregates.csv
  accord check --treaty newstart --as-of 2020-09-01 --explain us-2020-09.csv
  accord check --treaty newstart --all-readings --json us-2020-09.csv
  accord check --treaty us-freeze-2020 --as-of 2021-06-01 testdata/us-2020-10-20-warheads.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runCheck(c.OutOrStdout(), f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.treaty, "treaty", "", "treaty id (see accord treaty list) or definition file (required)")
	fl.StringVar(&f.asOf, "as-of", "", "date to check, YYYY-MM-DD (default: every date the files declare)")
	fl.StringVar(&f.reading, "reading", treaty.DefaultReading, "reading of the counting rules")
	fl.BoolVar(&f.allReadings, "all-readings", false, "check under every reading, side by side")
	fl.BoolVar(&f.explain, "explain", false, "break every value down by category, status and type (or site)")
	fl.BoolVar(&f.json, "json", false, "print one JSON result per date and reading, a line each")
	c.MarkFlagRequired("treaty")
	c.MarkFlagsMutuallyExclusive("reading", "all-readings")
	return c
}

// loadTreaty takes a built-in id or the path of a definition file.
func loadTreaty(arg string) (*treaty.Treaty, error) {
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
		return treaty.LoadFile(arg)
	}
	return treaty.Builtin(arg)
}

func runCheck(w io.Writer, f checkFlags, files []string) error {
	t, err := loadTreaty(f.treaty)
	if err != nil {
		return err
	}
	var asOf treaty.Date
	if f.asOf != "" {
		if asOf, err = checkDate(t, f.asOf); err != nil {
			return err
		}
	}
	set, err := declaration.LoadFiles(t, files...)
	if err != nil {
		return err
	}
	readings := []string{f.reading}
	if f.allReadings {
		readings = t.ReadingIDs()
	}
	results, err := engine.EvaluateSet(t, set, asOf, readings)
	if err != nil {
		return err
	}
	if f.json {
		err = printJSON(w, results, f.explain)
	} else {
		err = printCheck(w, t, results, f.explain)
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.Exceeded() {
			return errExceeded
		}
	}
	return nil
}

// checkDate parses a --as-of date and refuses one before the treaty was
// signed.
func checkDate(t *treaty.Treaty, s string) (treaty.Date, error) {
	d, err := treaty.ParseDate(s)
	if err != nil {
		return d, fmt.Errorf("--as-of: %w", err)
	}
	if d.Before(t.Dates.Signature) {
		return d, fmt.Errorf("--as-of %s is before treaty %s was signed (%s)", d, t.ID, t.Dates.Signature)
	}
	return d, nil
}

func printJSON(w io.Writer, results []engine.Result, explain bool) error {
	enc := json.NewEncoder(w)
	for _, r := range results {
		if !explain {
			r = withoutTerms(r)
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func withoutTerms(r engine.Result) engine.Result {
	parties := make([]engine.PartyResult, len(r.Parties))
	for i, p := range r.Parties {
		limits := make([]engine.LimitResult, len(p.Limits))
		for j, l := range p.Limits {
			l.Terms = nil
			limits[j] = l
		}
		p.Limits = limits
		parties[i] = p
	}
	r.Parties = parties
	return r
}

func printCheck(w io.Writer, t *treaty.Treaty, results []engine.Result, explain bool) error {
	fmt.Fprintf(w, "treaty %s (%s)\n", t.ID, t.ShortTitle)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "AS OF\tPARTY\tDECLARED\tREADING")
	for _, l := range t.Limits {
		fmt.Fprintf(tw, "\t%s", strings.ToUpper(l.ID))
	}
	fmt.Fprint(tw, "\tVERDICT\n")
	for _, r := range results {
		for _, p := range r.Parties {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s", r.AsOf, p.Party, declared(r, p), r.Reading)
			for _, l := range t.Limits {
				fmt.Fprintf(tw, "\t%s", cell(p, l.ID))
			}
			fmt.Fprintf(tw, "\t%s%s\n", summary(p), suspended(p))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if explain {
		return printExplain(w, results)
	}
	return nil
}

// cell shows one limit's value and ceiling, with "!" when exceeded and "-"
// when the limit does not bind the party.
func cell(p engine.PartyResult, id string) string {
	for _, l := range p.Limits {
		if l.ID != id {
			continue
		}
		switch l.Verdict {
		case engine.NoData:
			return "?"
		case engine.Exceeded:
			return fmt.Sprintf("%d/%d !", l.Value, l.Limit)
		}
		return fmt.Sprintf("%d/%d", l.Value, l.Limit)
	}
	return "-"
}

// summary is the worst verdict of a party's limits, naming the limits it
// applies to.
func summary(p engine.PartyResult) string {
	for _, v := range []string{engine.TreatyNotInForce, engine.Exceeded, engine.NoData} {
		var ids []string
		for _, l := range p.Limits {
			if l.Verdict == v {
				ids = append(ids, l.ID)
			}
		}
		if len(ids) > 0 && v == engine.TreatyNotInForce {
			return "treaty not in force"
		}
		if len(ids) > 0 {
			return strings.ReplaceAll(v, "_", " ") + ": " + strings.Join(ids, ", ")
		}
	}
	met, nif := 0, 0
	for _, l := range p.Limits {
		if l.Verdict == engine.Met {
			met++
		} else {
			nif++
		}
	}
	switch {
	case met == 0:
		return "limits not yet in force"
	case nif > 0:
		return fmt.Sprintf("met (%d not in force)", nif)
	}
	return "met"
}

func printExplain(w io.Writer, results []engine.Result) error {
	for _, r := range results {
		for _, p := range r.Parties {
			for _, l := range p.Limits {
				fmt.Fprintf(w, "\n%s %s %s (%s): %d, ceiling %d, %s  [%s]\n", r.AsOf, p.Party, l.ID, r.Reading, l.Value, l.Limit, l.Verdict, l.Cite)
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				for _, term := range l.Terms {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%7d %s\t= %5d\t%s\n", term.Category, term.Status, where(term), term.Items, unit(term), term.Counted, term.Cite)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// where is a term's type, or "at SITE" for warheads declared per site.
func where(t engine.Term) string {
	if t.Site != "" {
		return "at " + t.Site
	}
	return t.Type
}

func unit(t engine.Term) string {
	switch {
	case t.Site != "":
		return "warheads"
	case t.Measure == treaty.MeasureWarheads:
		return "items, warheads"
	case t.Measure == "declared":
		return "declared"
	}
	return "items"
}

// declared is the date of the declaration counted, or "(undated)".
func declared(r engine.Result, p engine.PartyResult) string {
	if p.Declared.IsZero() {
		return "(undated)"
	}
	return p.Declared.String()
}

func suspended(p engine.PartyResult) string {
	if p.Suspended {
		return " (" + p.Party + " had declared a suspension)"
	}
	return ""
}

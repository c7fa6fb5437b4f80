package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"accord/internal/treaty"
)

func init() { register(newTreatyCmd) }

func newTreatyCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "treaty",
		Short: "List, show, validate and compare treaty definitions",
		Long: `List, show, validate and compare treaty definitions.

Examples:
  accord treaty list
  accord treaty show newstart --as-of 2023-03-01
  accord treaty validate my-treaty.yaml
  accord treaty diff newstart newstart-freeze-2020`,
	}
	c.AddCommand(newTreatyListCmd(), newTreatyShowCmd(), newTreatyValidateCmd(), newTreatyDiffCmd())
	return c
}

func newTreatyListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the built-in treaties",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			w := c.OutOrStdout()
			if asJSON {
				return writeJSON(w, treaty.List())
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPARTIES\tIN FORCE\tTITLE")
			for _, t := range treaty.List() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, partyIDs(t), term(t), t.ShortTitle)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func partyIDs(t *treaty.Treaty) string {
	var ids []string
	for _, p := range t.Parties {
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, ",")
}

// term is the treaty's period in force, e.g. "2011-02-05 to 2026-02-05".
func term(t *treaty.Treaty) string {
	s := t.Dates.EntryIntoForce.String() + " to "
	if exp := t.Expiry(); !exp.IsZero() {
		s += exp.String()
	} else {
		s += "(indefinite)"
	}
	if t.Hypothetical {
		s += " (hypothetical)"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newTreatyShowCmd() *cobra.Command {
	var asOf string
	var asJSON bool
	c := &cobra.Command{
		Use:   "show ID|FILE",
		Short: "Show a treaty: parties, dates, status on a date, limits and verification provisions",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			t, err := loadTreaty(args[0])
			if err != nil {
				return err
			}
			d := treaty.DateOf(time.Now())
			if asOf != "" {
				if d, err = treaty.ParseDate(asOf); err != nil {
					return fmt.Errorf("--as-of: %w", err)
				}
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), struct {
					*treaty.Treaty
					AsOf   treaty.Date  `json:"as_of"`
					Status treatyStatus `json:"status"`
				}{t, d, statusOf(t, d)})
			}
			return showTreaty(c.OutOrStdout(), t, d)
		},
	}
	c.Flags().StringVar(&asOf, "as-of", "", "date for the status, YYYY-MM-DD (default: today)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// treatyStatus is where a treaty and its parties stand on a date.
type treatyStatus struct {
	Phase     string         `json:"phase"`
	InForce   bool           `json:"in_force"`
	Suspended []string       `json:"suspended,omitempty"`
	Events    []treaty.Event `json:"events,omitempty"`
	Limits    []string       `json:"limits_in_force"`
}

func statusOf(t *treaty.Treaty, d treaty.Date) treatyStatus {
	s := treatyStatus{Phase: t.Phase(d), InForce: t.InForce(d), Events: t.EventsUntil(d), Limits: []string{}}
	for _, p := range t.Parties {
		if t.Suspended(p.ID, d) {
			s.Suspended = append(s.Suspended, p.ID)
		}
	}
	for _, l := range t.Limits {
		if s.InForce && l.InForce(d) {
			s.Limits = append(s.Limits, l.ID)
		}
	}
	return s
}

func showTreaty(w io.Writer, t *treaty.Treaty, d treaty.Date) error {
	s := statusOf(t, d)
	fmt.Fprintf(w, "%s (version %d): %s\n", t.ID, t.Version, t.Title)
	if t.Hypothetical {
		fmt.Fprintln(w, "HYPOTHETICAL: not an agreed text")
	}
	fmt.Fprintf(w, "%s\nbinding: %s  [%s]\n\n", t.Summary, t.Binding, t.Cite)
	fmt.Fprintf(w, "status on %s: %s", d, s.Phase)
	if len(s.Suspended) > 0 {
		fmt.Fprintf(w, "; suspension declared by %s", strings.Join(s.Suspended, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	section(tw, "parties")
	for _, p := range t.Parties {
		fmt.Fprintf(tw, "  %s\t%s\n", p.ID, p.Name)
	}
	showDates(tw, t)
	if len(s.Events) > 0 {
		section(tw, "events to "+d.String())
		for _, e := range s.Events {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s  [%s]\n", e.Date, or(e.Party, "all"), e.Kind, e.Note, e.Cite)
		}
	}
	showLimits(tw, t, d)
	showVerification(tw, t)
	return tw.Flush()
}

func section(w io.Writer, name string) { fmt.Fprintf(w, "\n%s\n", name) }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func showDates(w io.Writer, t *treaty.Treaty) {
	dt := t.Dates
	section(w, "dates  ["+dt.Cite+"]")
	fmt.Fprintf(w, "  signature\t%s\n  entry into force\t%s\n  initial term\t%s\n", dt.Signature, dt.EntryIntoForce, or(dt.Duration.String(), "indefinite"))
	if dt.Extension != nil {
		fmt.Fprintf(w, "  extension allowed\tup to %s  [%s]\n", dt.Extension.Max, dt.Extension.Cite)
	}
	for _, e := range dt.Extensions {
		fmt.Fprintf(w, "  extension agreed\t%s, %s  [%s]\n", e.Agreed, e.Period, e.Cite)
	}
	fmt.Fprintf(w, "  expiry\t%s\n  withdrawal notice\t%s\n", or(t.Expiry().String(), "none"), dt.WithdrawalNotice)
}

func showLimits(w io.Writer, t *treaty.Treaty, d treaty.Date) {
	section(w, "limits")
	for _, l := range t.Limits {
		ceiling := fmt.Sprintf("%d", deref(l.Ceiling))
		if l.Ceiling == nil {
			ceiling = "freeze at " + l.Baseline.String() + " level"
		}
		inForce := "not in force"
		if t.InForce(d) && l.InForce(d) {
			inForce = "in force"
		}
		fmt.Fprintf(w, "  %s\t%s\tfrom %s\t%s, %s\t%s  [%s]\n", l.ID, ceiling, l.Effective, inForce, l.Binding, bound(l), l.Cite)
		for _, r := range l.Count {
			fmt.Fprintf(w, "    counts\t%s %s\t%s\t  [%s]\n", strings.Join(r.Statuses, "|"), r.Category, ruleMeasure(r), r.Cite)
		}
	}
	for _, r := range t.Readings {
		section(w, "reading "+r.ID+" (held by "+or(r.HeldBy, "nobody")+")")
		fmt.Fprintf(w, "  %s  [%s]\n", r.Note, r.Cite)
		for _, a := range r.Add {
			fmt.Fprintf(w, "    also counts toward %s\t%s %s\t%s\n", a.Limit, strings.Join(a.Statuses, "|"), a.Category, ruleMeasure(a.Rule))
		}
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func bound(l treaty.Limit) string {
	if len(l.Parties) == 0 {
		return "all parties"
	}
	return strings.Join(l.Parties, ", ")
}

func ruleMeasure(r treaty.Rule) string {
	if r.Measure == treaty.MeasureWarheads {
		return "warheads emplaced"
	}
	return fmt.Sprintf("%d each", r.Weight)
}

func showVerification(w io.Writer, t *treaty.Treaty) {
	if x := t.DataExchange; x != nil {
		section(w, "data exchange  ["+x.Cite+"]")
		fmt.Fprintf(w, "  data as of\t%s each year, due within %s (%s)\n", strings.Join(x.AsOf, " and "), x.Within, x.Notification)
	}
	showInspections(w, t)
	if t.Telemetry != nil {
		fmt.Fprintf(w, "  telemetry\t%d launches a year  [%s]\n", t.Telemetry.LaunchesPerYear, t.Telemetry.Cite)
	}
	showExhibitions(w, t)
	if len(t.Notifications) > 0 {
		section(w, "notifications")
		for _, n := range t.Notifications {
			fmt.Fprintf(w, "  %s\tdue %s\t%s  [%s]\n", n.ID, n.Due, n.Name, n.Cite)
		}
	}
}

// showInspections prints the facility types, and the inspection types
// with their quotas and the facility types each may visit.
func showInspections(w io.Writer, t *treaty.Treaty) {
	if len(t.FacilityTypes) > 0 {
		section(w, "facility types")
		for _, f := range t.FacilityTypes {
			fmt.Fprintf(w, "  %s\t%s  [%s]\n", f.ID, f.Name, f.Cite)
		}
	}
	if len(t.Inspections) > 0 {
		section(w, "inspections per treaty year (from the anniversary of entry into force)")
		for _, i := range t.Inspections {
			fmt.Fprintf(w, "  %s\t%d\t%s  [%s]\n", i.ID, i.PerYear, i.Name, i.Cite)
			if len(i.Facilities) > 0 {
				fmt.Fprintf(w, "    visits\t%s\n", strings.Join(i.Facilities, ", "))
			}
		}
	}
}

// showExhibitions prints the exhibitions, which have no quota.
func showExhibitions(w io.Writer, t *treaty.Treaty) {
	if len(t.Exhibitions) > 0 {
		section(w, "exhibitions (no quota; where and when the exhibiting party chooses)")
		for _, i := range t.Exhibitions {
			fmt.Fprintf(w, "  %s\t%s  [%s]\n", i.ID, i.Name, i.Cite)
		}
	}
}

func newTreatyValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a treaty definition and list every problem",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			t, err := treaty.LoadFile(args[0])
			var list treaty.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					fmt.Fprintln(c.ErrOrStderr(), "accord:", e)
				}
				return errReported
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: valid: treaty %s version %d, %d parties, %d limits, %d readings, %d notification types\n",
				args[0], t.ID, t.Version, len(t.Parties), len(t.Limits), len(t.Readings), len(t.Notifications))
			return nil
		},
	}
}

func newTreatyDiffCmd() *cobra.Command {
	var cites, asJSON bool
	c := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two treaties clause by clause",
		Long: `Compare two treaties clause by clause: what B adds, removes and changes
relative to A. A and B are built-in ids or definition files. Citations are
left out unless --cites is given. A clause only one treaty has is shown
as each of its terms.

Exit status, as for diff(1): 0 when the treaties are the same, 1 when
they differ, 2 on bad input.

Examples:
  accord treaty diff newstart newstart-freeze-2020
  accord treaty diff --cites --json newstart my-treaty.yaml`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			a, err := loadTreaty(args[0])
			if err != nil {
				return err
			}
			b, err := loadTreaty(args[1])
			if err != nil {
				return err
			}
			changes, err := treaty.Diff(a, b, cites)
			if err != nil {
				return err
			}
			if asJSON {
				err = writeJSON(c.OutOrStdout(), append([]treaty.Change{}, changes...))
			} else {
				err = printDiff(c.OutOrStdout(), a, b, changes)
			}
			if err == nil && len(changes) > 0 {
				err = errDiffer
			}
			return err
		},
	}
	c.Flags().BoolVar(&cites, "cites", false, "compare citations too")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printDiff(w io.Writer, a, b *treaty.Treaty, changes []treaty.Change) error {
	fmt.Fprintf(w, "--- %s (%s)\n+++ %s (%s)\n", a.ID, a.ShortTitle, b.ID, b.ShortTitle)
	for _, ch := range changes {
		switch {
		case ch.A == "":
			fmt.Fprintf(w, "+ %s: %s\n", ch.Clause, ch.B)
		case ch.B == "":
			fmt.Fprintf(w, "- %s: %s\n", ch.Clause, ch.A)
		default:
			fmt.Fprintf(w, "~ %s: %s -> %s\n", ch.Clause, ch.A, ch.B)
		}
	}
	if len(changes) == 0 {
		fmt.Fprintln(w, "no differences")
	}
	return nil
}

package main

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"accord/entry/body"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/treaty"
)

func init() { register(newStatusCmd) }

func newStatusCmd() *cobra.Command {
	var dir, asOf, reading, party string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status --data DIR [--as-of DATE] [--party P]",
		Short: "Each party's verdicts, inspections, deadlines and findings",
		Long: `For each party (or one): the treaty engine's verdicts on its latest
statement of holdings in the treaty database (the "counted" line says
which: its items, or the counts of a per-type or aggregate declaration
appended with accord log append), inspections used against quota this
treaty year, notifications
due in the next 30 days, late and missing notifications, and unacknowledged
entries, and the split-view evidence the node holds against a party's log,
as known at the end of DATE (default: now).

Exit status 1 when a limit in force is exceeded.

Examples:
  accord status --data usa
  accord status --data usa --as-of 2020-09-01 --party RUS --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			at := time.Now().UTC()
			if asOf != "" {
				d, err := treaty.ParseDate(asOf)
				if err != nil {
					return fmt.Errorf("--as-of: %w", err)
				}
				at = d.Time().Add(24*time.Hour - time.Nanosecond)
			}
			o, err := office.Open(ctx, dir, nil)
			if err != nil {
				return err
			}
			defer o.Close(ctx)
			var all []*registry.Status
			for _, p := range o.Treaty.Parties {
				if party != "" && p.ID != party {
					continue
				}
				st, err := o.Registry.Status(ctx, p.ID, at, reading)
				if err != nil {
					return err
				}
				if err := o.AddHeldEvidence(st); err != nil {
					return err
				}
				all = append(all, st)
			}
			if len(all) == 0 {
				return fmt.Errorf("--party: %q is not a party to %s (parties: %s)", party, o.Treaty.ID, partyIDs(o.Treaty))
			}
			if asJSON {
				err = writeJSON(c.OutOrStdout(), all)
			} else {
				err = printStatus(c.OutOrStdout(), all)
			}
			if err != nil {
				return err
			}
			for _, st := range all {
				if st.Verdicts.Exceeded() {
					return errExceeded
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&asOf, "as-of", "", "date, YYYY-MM-DD (default: now)")
	c.Flags().StringVar(&reading, "reading", treaty.DefaultReading, "reading of the counting rules")
	c.Flags().StringVar(&party, "party", "", "only this party")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	return c
}

func printStatus(w io.Writer, all []*registry.Status) error {
	for i, st := range all {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s at %s (%s)\n", st.Party, st.At.Format(time.RFC3339), st.Verdicts.Phase)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, p := range st.Verdicts.Parties {
			for _, l := range p.Limits {
				fmt.Fprintf(tw, "  %s\t%d/%d\t%s\n", l.ID, l.Value, l.Limit, strings.ReplaceAll(l.Verdict, "_", " "))
			}
		}
		if len(st.Verdicts.Parties) == 0 {
			fmt.Fprintln(tw, "  (nothing declared)")
		} else {
			fmt.Fprintf(tw, "  counted\t%s\n", counted(st))
		}
		for _, q := range st.Inspections {
			fmt.Fprintf(tw, "  inspections %s\t%d/%d\ttreaty year from %s\n", q.Type, q.Used, q.PerYear, q.Year)
		}
		for _, u := range st.Upcoming {
			fmt.Fprintf(tw, "  due\t%s\t%s%s\n", u.Due.Format("2006-01-02 15:04"), u.Type, ref(u.Entry))
		}
		for _, group := range []struct {
			name string
			fs   []registry.Finding
		}{{"late", st.Late}, {"missing", st.Missing}, {"unacknowledged", st.Unacknowledged}, {"", st.Other}} {
			for _, f := range group.fs {
				name := cmp.Or(group.name, f.Kind)
				where := strings.TrimSpace(f.Effective.String() + ref(f.Entry))
				if where != "" {
					where += ": "
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", name, f.Type, where, f.Reason)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// counted says what a status's verdicts count.
func counted(st *registry.Status) string {
	d := st.Verdicts.Parties[0].Declared
	switch st.Counted {
	case "types":
		return fmt.Sprintf("declared counts per type as of %s", d)
	case "aggregates":
		return fmt.Sprintf("declared aggregates as of %s", d)
	}
	return fmt.Sprintf("items in the treaty database on %s", d)
}

func ref(r *body.Ref) string {
	if r == nil {
		return ""
	}
	return " " + r.String()
}

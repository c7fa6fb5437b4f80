package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"accord/entry/body"
	"accord/internal/office"
	"accord/internal/registry"
)

func newInspectReportsCmd() *cobra.Command {
	var dir, party string
	var asJSON bool
	c := &cobra.Command{
		Use:   "reports --data DIR [--party P]",
		Short: "List the inspections whose reports the node holds: steps, report, countersignature, ambiguities, findings",
		Long: `List the inspections whose reports the node holds, as known now: each
step's entry, what the briefing stated and the inspectors found, who
countersigned the report, each ambiguity with the inspected party's
comment and its resolution, and the findings against the inspected party
(docs/inspections.md, "The report").

Examples:
  accord inspect reports --data usa
  accord inspect reports --data usa --party USA --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			o, err := office.Open(ctx, dir, nil)
			if err != nil {
				return err
			}
			defer o.Close(ctx)
			if _, ok := o.Treaty.Party(party); party != "" && !ok {
				return fmt.Errorf("--party: %q is not a party to %s", party, o.Treaty.ID)
			}
			ins, err := o.Inspections(ctx, party)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), ins)
			}
			for _, in := range ins {
				printInspection(c.OutOrStdout(), in)
			}
			fmt.Fprintln(c.OutOrStdout(), plural(uint64(len(ins)), "inspection report", "inspection reports"))
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&party, "party", "", "only the inspections this party made or received")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	return c
}

func printInspection(w io.Writer, in registry.Inspection) {
	fmt.Fprintf(w, "%s inspection by %s of %s at %s (%s)\n", in.Type, in.Inspecting, in.Inspected, in.Facility, in.FacilityType)
	for _, s := range in.Steps {
		fmt.Fprintf(w, "  %-24s %s  effective %s\n", s.Type, s.Entry, s.Effective)
	}
	if len(in.Briefed) > 0 {
		fmt.Fprintf(w, "  briefed: %s\n", itemList(in.Briefed))
	}
	if in.Designated != "" {
		fmt.Fprintf(w, "  designated for the reentry-vehicle inspection: %s\n", in.Designated)
	}
	fmt.Fprintf(w, "  found: %s\n  confirmed: %s\n", itemList(in.Found), in.Confirmed)
	if len(in.Countersigned) == 0 {
		fmt.Fprintf(w, "  not countersigned by %s\n", in.Inspected)
	} else {
		fmt.Fprintf(w, "  countersigned by %s: %s\n", in.Inspected, refList(in.Countersigned))
	}
	for _, a := range in.Ambiguities {
		printAmbiguity(w, in.Inspected, a)
	}
	for _, f := range in.Findings {
		fmt.Fprintf(w, "  finding %s against %s: %s\n", f.Kind, f.Party, f.Reason)
	}
}

func printAmbiguity(w io.Writer, inspected string, a registry.Ambiguity) {
	fmt.Fprintf(w, "  %s: %s\n", a.ID, a.Text)
	if a.CommentBy != nil {
		fmt.Fprintf(w, "    %s comments (%s): %s\n", inspected, a.CommentBy, a.Comment)
	}
	if a.ResolvedBy != nil {
		fmt.Fprintf(w, "    resolved (%s): %s\n", a.ResolvedBy, a.Resolution)
	} else {
		fmt.Fprintf(w, "    open\n")
	}
}

func itemList(items []body.Item) string {
	if len(items) == 0 {
		return "nothing listed"
	}
	var out []string
	for _, it := range items {
		s := it.UID
		if it.Type != "" {
			s += " (" + it.Type + ")"
		}
		if it.Warheads != nil {
			s += ": " + plural(uint64(*it.Warheads), "warhead", "warheads")
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func refList(refs []body.Ref) string {
	var out []string
	for _, r := range refs {
		out = append(out, r.String())
	}
	return strings.Join(out, ", ")
}

func newInspectExhibitionsCmd() *cobra.Command {
	var dir, party string
	var asJSON bool
	c := &cobra.Command{
		Use:   "exhibitions --data DIR [--party P]",
		Short: "List the exhibitions held, with the other parties' acknowledgements",
		Long: `List the exhibitions the node holds, as known now: each one's exhibition
type, the type exhibited, the place, the items named and the other
parties' acknowledgements (docs/inspections.md, "Exhibitions").

Examples:
  accord inspect exhibitions --data usa
  accord inspect exhibitions --data usa --party USA --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			o, err := office.Open(ctx, dir, nil)
			if err != nil {
				return err
			}
			defer o.Close(ctx)
			if _, ok := o.Treaty.Party(party); party != "" && !ok {
				return fmt.Errorf("--party: %q is not a party to %s", party, o.Treaty.ID)
			}
			xs, err := o.Exhibitions(ctx, party)
			if err != nil || asJSON {
				return errors.Join(err, writeJSON(c.OutOrStdout(), xs))
			}
			w := c.OutOrStdout()
			for _, x := range xs {
				fmt.Fprintf(w, "%s by %s of %s at %s, effective %s (%s)", x.Exhibition, x.Party, x.ItemType, x.Place, x.Effective, x.Entry)
				if len(x.Items) > 0 {
					fmt.Fprintf(w, ": %s", strings.Join(x.Items, ", "))
				}
				fmt.Fprintf(w, "\n  acknowledged: %s\n", orNone(refList(x.Acknowledged)))
			}
			fmt.Fprintln(w, plural(uint64(len(xs)), "exhibition", "exhibitions"))
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&party, "party", "", "only the exhibitions this party held")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	return c
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

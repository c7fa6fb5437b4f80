package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"accord/internal/office"
	"accord/internal/treaty"
)

func init() {
	register(newInventoryCmd)
	register(newReindexCmd)
}

func newInventoryCmd() *cobra.Command {
	var dir, party, asOf, knownAt string
	var asJSON bool
	c := &cobra.Command{
		Use:   "inventory --data DIR --party P --as-of DATE [--known-at TIME]",
		Short: "List what a party declared, as known at a time, about a date",
		Long: `List the items a party declared, as known at TIME, about DATE: the
treaty database rebuilt from the logs answers with every correction and
late notification recorded by TIME, and none after. If the party also
declared counts (a per-type or aggregate declaration, accord log append),
its latest on or before DATE follows the items.

Examples:
  accord inventory --data usa --party USA --as-of 2020-09-01
  accord inventory --data usa --party RUS --as-of 2020-09-01 --known-at 2020-10-01T00:00:00Z --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			d, err := treaty.ParseDate(asOf)
			if err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
			known := time.Now().UTC()
			if knownAt != "" {
				if known, err = parseTime(knownAt); err != nil {
					return fmt.Errorf("--known-at: %w", err)
				}
			}
			o, err := office.Open(ctx, dir, nil)
			if err != nil {
				return err
			}
			defer o.Close(ctx)
			if _, ok := o.Treaty.Party(party); !ok {
				return fmt.Errorf("--party: %q is not a party to %s (parties: %s)", party, o.Treaty.ID, partyIDs(o.Treaty))
			}
			inv, err := o.Inventory(ctx, party, d, known)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), inv)
			}
			return printInventory(c.OutOrStdout(), inv)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&party, "party", "", "the party (required)")
	c.Flags().StringVar(&asOf, "as-of", "", "the date the holdings are of, YYYY-MM-DD (required)")
	c.Flags().StringVar(&knownAt, "known-at", "", "as known at this time, RFC 3339 or YYYY-MM-DD (default: now)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	for _, f := range []string{"data", "party", "as-of"} {
		c.MarkFlagRequired(f)
	}
	return c
}

// printInventory prints a party's items, its warhead balances if it
// holds any, and, if it declared any, its latest declared counts.
func printInventory(w io.Writer, inv *office.Inventory) error {
	if err := printItems(w, inv); err != nil {
		return err
	}
	if err := printWarheads(w, inv); err != nil {
		return err
	}
	return printCounts(w, inv)
}

// printWarheads prints a party's warhead balances per site.
func printWarheads(w io.Writer, inv *office.Inventory) error {
	if len(inv.Warheads) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tCATEGORY\tSTATUS\tWARHEADS\tPER ITEM")
	var total int64
	for _, b := range inv.Warheads {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", b.Site, b.Category, b.Status, b.Count, b.PerItem)
		total += b.Count
	}
	fmt.Fprintf(tw, "%s of %s as of %s\n", plural(uint64(total), "warhead", "warheads"), inv.Party, inv.AsOf)
	return tw.Flush()
}

func printItems(w io.Writer, inv *office.Inventory) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "UID\tTYPE\tCATEGORY\tSTATUS\tFACILITY\tWARHEADS")
	for _, it := range inv.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", it.UID, it.Type, it.Category, it.Status, it.Facility, it.Warheads)
	}
	fmt.Fprintf(tw, "%s of %s as of %s, as known at %s\n", plural(uint64(len(inv.Items)), "item", "items"), inv.Party, inv.AsOf, inv.KnownAt.Format(time.RFC3339))
	return tw.Flush()
}

func printCounts(w io.Writer, inv *office.Inventory) error {
	if inv.Counts == nil {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w)
	if as := inv.Counts.Aggregates; len(as) > 0 {
		a := as[0]
		fmt.Fprintln(tw, "LIMIT\tDECLARED")
		for _, id := range slices.Sorted(maps.Keys(a.Values)) {
			fmt.Fprintf(tw, "%s\t%d\n", id, a.Values[id])
		}
		fmt.Fprintf(tw, "aggregates %s declared as of %s\n", inv.Party, a.AsOf)
		return tw.Flush()
	}
	fmt.Fprintln(tw, "TYPE\tCATEGORY\tSTATUS\tCOUNT\tWARHEADS")
	total := 0
	for _, tc := range inv.Counts.Types {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", tc.Type, tc.Category, tc.Status, tc.Count, tc.Warheads)
		total += tc.Count
	}
	fmt.Fprintf(tw, "%s in %s that %s declared per type as of %s\n", plural(uint64(total), "item", "items"), plural(uint64(len(inv.Counts.Types)), "row", "rows"), inv.Party, inv.Counts.Types[0].AsOf)
	return tw.Flush()
}

// parseTime reads an RFC 3339 time, or a date meaning its midnight UTC.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := treaty.ParseDate(s)
	if err != nil && len(s) == len(treaty.DateLayout) {
		return time.Time{}, err // a date, in the right form, that does not exist
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: want RFC 3339 (2020-10-01T12:00:00Z) or YYYY-MM-DD", s)
	}
	return d.Time(), nil
}

func newReindexCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "reindex --data DIR",
		Short: "Rebuild the treaty database from the logs",
		Long: `Rebuild the node's treaty database from the logs it holds (its own and its
peers' verified copies). The old database is replaced only once the new
one is complete; the same logs always give the same database.

Example:
  accord reindex --data usa`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			bar := &progressBar{w: c.ErrOrStderr()}
			if err := office.Reindex(c.Context(), dir, bar.update); err != nil {
				return err
			}
			bar.done()
			fmt.Fprintf(c.OutOrStdout(), "reindexed %s: %s\n", dir, plural(bar.n, "entry", "entries"))
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.MarkFlagRequired("data")
	return c
}

// progressBar draws "[=====     ] 50% 500/1000 entries" on a terminal
// line, redrawn at most once a percent.
type progressBar struct {
	w       io.Writer
	n, last uint64
	drawn   bool
}

func (b *progressBar) update(done, total uint64) {
	b.n = done
	if total == 0 || (b.drawn && done*100/total == b.last*100/total && done != total) {
		return
	}
	b.last, b.drawn = done, true
	const width = 30
	fill := int(done * width / total)
	fmt.Fprintf(b.w, "\r[%-*s] %3d%% %d/%d entries", width, string(repeat('=', fill)), done*100/total, done, total)
}

func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

func repeat(c byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = c
	}
	return out
}

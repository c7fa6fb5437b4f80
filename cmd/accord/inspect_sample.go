package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"accord/draw"
	"accord/entry"
	"accord/escrow"
	"accord/internal/node"
)

func init() { inspectCommands = append(inspectCommands, newInspectSampleCmd) }

func newInspectSampleCmd() *cobra.Command {
	var keys []string
	var region string
	var asJSON, purpose bool
	c := &cobra.Command{
		Use:   "sample ESCROW-BUNDLE DRAW-A DRAW-B --vkey KEY --vkey KEY [--region R]",
		Short: "Apply a joint draw to an escrowed declaration: which regions to open, or which entries to inspect",
		Long: `Apply a joint draw (accord inspect draw) to a party's escrowed declaration
(accord escrow reveal's bundle), offline, so that neither party chose what
is opened or inspected (docs/inspections.md, "Freeze verification").

Without --region, the population is the commitment's regions still hidden
in the bundle, in the commitment's order (sorted by id): the picks are the
regions to open next. With --region R, a region the bundle reveals, the
population is R's declared entries in leaf order (one warhead by UID, or
one site's counts): the picks are what the inspectors look for. The draw's
purpose must name the population exactly, "escrow HASH hidden regions" or
"escrow HASH region R" (HASH the commitment's, as accord escrow verify
--json prints it; --purpose prints the purpose to draw with), so that a
draw made for one population cannot be applied to another; its "of" must
be the population's size, one side of the draw must be the escrowed
party, and that party's commitment to the draw must be logged
after every reveal the population depends on, so the population was fixed
before the party's share was.

What the inspectors then find is checked by the rules of completeness
evidence (accord escrow observe, accord escrow evidence).

The two --vkey are the two parties' log keys; the escrow bundle is checked
with the one whose name is its log's.

Exit status: 0 the picks are printed; 1 a check of the bundle, the draw or
the sampling failed (named); 2 a file cannot be read.

Examples:
  accord inspect sample escrow-USA-east.json draw-d1-USA.json draw-d1-RUS.json --vkey usa.vkey --vkey rus.vkey
  accord inspect sample escrow-USA-east.json draw-s1-USA.json draw-s1-RUS.json --vkey usa.vkey --vkey rus.vkey --region east`,
		Args: cobra.RangeArgs(1, 3),
		RunE: func(c *cobra.Command, args []string) error {
			if purpose {
				return runSamplePurpose(c, args, region)
			}
			if len(args) != 3 {
				return fmt.Errorf("give the escrow bundle and the two draw bundles")
			}
			return runInspectSample(c, args, keys, region, asJSON)
		},
	}
	c.Flags().StringArrayVar(&keys, "vkey", nil, "a party's log verifier key file; give both parties' (required, twice)")
	c.Flags().StringVar(&region, "region", "", "sample the entries of this revealed region instead of the hidden regions")
	c.Flags().BoolVar(&purpose, "purpose", false, "print the purpose a draw over the population must state, from ESCROW-BUNDLE alone, unchecked")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// samplePurpose is the purpose a draw over the population must state.
func samplePurpose(commitment [32]byte, region string) string {
	if region == "" {
		return fmt.Sprintf("escrow %x hidden regions", commitment[:])
	}
	return fmt.Sprintf("escrow %x region %s", commitment[:], region)
}

// runSamplePurpose prints the purpose for the bundle's commitment, read
// from its first entry without checking the bundle: it is what the
// parties agree to draw for, and sample checks everything later.
func runSamplePurpose(c *cobra.Command, args []string, region string) error {
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	eb, err := escrow.ParseBundle(data)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	e, _, err := entry.Parse(eb.Entries[0])
	if err != nil {
		return fmt.Errorf("%s: the commitment entry: %w", args[0], err)
	}
	body, err := escrow.ParseLogBody(e.Body)
	if err != nil || body.Commitment == nil {
		return fmt.Errorf("%s: the first entry is not an escrow commitment", args[0])
	}
	fmt.Fprintln(c.OutOrStdout(), samplePurpose(body.Commitment.Hash(), region))
	return nil
}

// A Sampled population: what a draw picked from an escrowed declaration.
type Sampled struct {
	Party      string         `json:"party"`
	Commitment string         `json:"commitment"`
	Region     string         `json:"region,omitempty"` // the region sampled, or "" for hidden regions
	Draw       string         `json:"draw"`
	Of         uint64         `json:"of"`
	Regions    []string       `json:"regions,omitempty"` // the regions to open, in the order drawn
	Entries    []escrow.Entry `json:"entries,omitempty"` // the entries to inspect, in the order drawn
}

func runInspectSample(c *cobra.Command, args, keys []string, region string, asJSON bool) error {
	if len(keys) != 2 {
		return fmt.Errorf("give the two parties' log keys as two --vkey")
	}
	eb, vs, err := readSampleInputs(args[0], keys)
	if err != nil {
		return err
	}
	var dbs []*draw.Bundle
	for _, f := range args[1:] {
		b, err := readDrawBundle(f)
		if err != nil {
			return err
		}
		dbs = append(dbs, b)
	}
	s, err := sample(eb, dbs[0], dbs[1], vs, region)
	if err != nil {
		return failure{err}
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), s)
	}
	printSampled(c.OutOrStdout(), s)
	return nil
}

func readSampleInputs(file string, keys []string) (*escrow.Bundle, []note.Verifier, error) {
	var vs []note.Verifier
	for _, k := range keys {
		v, err := node.ReadVerifier(k)
		if err != nil {
			return nil, nil, err
		}
		vs = append(vs, v)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	eb, err := escrow.ParseBundle(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	return eb, vs, nil
}

// sample checks the escrow bundle and the draw, and applies the draw to
// the population region names.
func sample(eb *escrow.Bundle, a, b *draw.Bundle, keys []note.Verifier, region string) (*Sampled, error) {
	origin, _, _ := bytes.Cut(eb.Checkpoint, []byte("\n"))
	i := slices.IndexFunc(keys, func(v note.Verifier) bool { return v.Name() == string(origin) })
	if i < 0 {
		return nil, fmt.Errorf("no --vkey is the key of %s, the escrow bundle's log", origin)
	}
	policy, err := escrowPolicy(keys[i].Name(), nil, 0)
	if err != nil {
		return nil, err
	}
	cb, err := escrow.CheckBundle(eb, keys[i], policy)
	if err != nil {
		return nil, err
	}
	res, err := draw.Check(a, b, keys...)
	if err != nil {
		return nil, err
	}
	side := slices.IndexFunc(res.Sides[:], func(s draw.Side) bool { return s.Origin == string(origin) })
	if side < 0 {
		return nil, fmt.Errorf("sample: draw %s is between %s and %s, not the escrowed party %s", res.ID, res.Sides[0].Party, res.Sides[1].Party, cb.Commitment.Party)
	}
	h := cb.Commitment.Hash()
	if want := samplePurpose(h, region); res.Purpose != want {
		return nil, fmt.Errorf("sample: draw %s is for %q, not %q", res.ID, res.Purpose, want)
	}
	s := &Sampled{Party: cb.Commitment.Party, Commitment: fmt.Sprintf("%x", h[:]), Region: region, Draw: res.ID, Of: res.Of}
	if region == "" {
		return s, s.regions(cb, res, res.Sides[side].CommitIndex)
	}
	return s, s.entries(cb, res, res.Sides[side].CommitIndex)
}

// regions applies the draw to the regions the bundle still hides.
func (s *Sampled) regions(cb *escrow.CheckedBundle, res *draw.Result, committed uint64) error {
	if n := len(cb.RevealIndex); n > 0 && cb.RevealIndex[n-1] > committed {
		return fmt.Errorf("sample: %s revealed a region as entry %d, after committing to draw %s (entry %d): the hidden regions changed after its share was fixed", s.Party, cb.RevealIndex[n-1], res.ID, committed)
	}
	var hidden []string
	for _, r := range cb.Commitment.Regions {
		if !slices.ContainsFunc(cb.Reveals, func(x *escrow.Reveal) bool { return x.Region == r.ID }) {
			hidden = append(hidden, r.ID)
		}
	}
	if uint64(len(hidden)) != res.Of {
		return fmt.Errorf("sample: draw %s is of %d, but %d regions are hidden", res.ID, res.Of, len(hidden))
	}
	for _, p := range res.Picks {
		s.Regions = append(s.Regions, hidden[p])
	}
	return nil
}

// entries applies the draw to the declared entries of a revealed region.
func (s *Sampled) entries(cb *escrow.CheckedBundle, res *draw.Result, committed uint64) error {
	i := slices.IndexFunc(cb.Reveals, func(x *escrow.Reveal) bool { return x.Region == s.Region })
	if i < 0 {
		return fmt.Errorf("sample: region %s is not revealed in the bundle", s.Region)
	}
	if cb.RevealIndex[i] > committed {
		return fmt.Errorf("sample: %s revealed region %s as entry %d, after committing to draw %s (entry %d)", s.Party, s.Region, cb.RevealIndex[i], res.ID, committed)
	}
	var declared []escrow.Entry
	for _, l := range cb.Reveals[i].Leaves {
		if !l.Entry.Padding() {
			declared = append(declared, l.Entry)
		}
	}
	if uint64(len(declared)) != res.Of {
		return fmt.Errorf("sample: draw %s is of %d, but region %s declares %d entries", res.ID, res.Of, s.Region, len(declared))
	}
	for _, p := range res.Picks {
		s.Entries = append(s.Entries, declared[p])
	}
	return nil
}

func printSampled(w io.Writer, s *Sampled) {
	if s.Region == "" {
		fmt.Fprintf(w, "draw %s picks %d of %s's %d hidden regions to open: %s\n", s.Draw, len(s.Regions), s.Party, s.Of, strings.Join(s.Regions, ", "))
		return
	}
	fmt.Fprintf(w, "draw %s picks %d of the %d entries %s declared in region %s:\n", s.Draw, len(s.Entries), s.Of, s.Party, s.Region)
	for _, e := range s.Entries {
		if e.UID != "" {
			fmt.Fprintf(w, "  warhead %s (%s) at %s\n", e.UID, e.Category, e.Site)
			continue
		}
		var counts []string
		for _, cat := range escrow.Categories {
			if n, ok := e.Counts[cat]; ok {
				counts = append(counts, fmt.Sprintf("%d %s", n, cat))
			}
		}
		fmt.Fprintf(w, "  site %s: %s\n", e.Site, strings.Join(counts, ", "))
	}
}

package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"accord/draw"
	"accord/entry"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/registry"
)

func init() { inspectCommands = append(inspectCommands, newInspectDrawCmd) }

func newInspectDrawCmd() *cobra.Command {
	var keys []string
	var verify, asJSON bool
	c := &cobra.Command{
		Use:   "draw --verify BUNDLE BUNDLE --vkey KEY --vkey KEY",
		Short: "Draw choices nobody can rig, with another party; verify a draw offline",
		Long: `Joint random draws (docs/draws.md): which missile's warheads to count,
which site or escrow region to open, which warhead UIDs to sample. Each
party commits to a random value in its own log, then both reveal; the
seed is a hash of both values and both commitments' log positions, and
anyone with the two parties' bundles and log keys recomputes the draw.

With --verify, check the two parties' bundles offline and print the
draw: that every entry is in its party's log, that each revealed value
is the one committed, that both commitments are to the same draw, and
that each reveal names the other's commitment.

Exit status: 0 verified; 1 a check failed, named on stderr as
"draw check NAME failed"; 2 a BUNDLE or KEY cannot be read.

Examples:
  accord inspect draw commit --data usa --id rv-minot-1 --with RUS --of 42 --reveal-by 2030-05-04T12:00:00Z --purpose "the base's deployed ICBMs in UID order"
  accord inspect draw reveal --data usa --id rv-minot-1 --peer draw-rv-minot-1-RUS.json --peer-vkey rus.vkey
  accord inspect draw --verify draw-rv-minot-1-USA.json draw-rv-minot-1-RUS.json --vkey usa.vkey --vkey rus.vkey`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !verify {
				return fmt.Errorf("give --verify with two bundles, or a subcommand (see %s --help)", c.CommandPath())
			}
			return runDrawVerify(c, args, keys, asJSON)
		},
	}
	c.Flags().BoolVar(&verify, "verify", false, "verify the draw of two bundles offline")
	c.Flags().StringArrayVar(&keys, "vkey", nil, "a party's log verifier key file; give both")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.AddCommand(newDrawCommitCmd(), newDrawRevealCmd(), newDrawListCmd())
	return c
}

// drawCommitArgs are the flags of accord inspect draw commit.
type drawCommitArgs struct {
	dir, id, with, purpose, revealBy, effective, out string
	of, pick                                         uint64
	asJSON                                           bool
}

func newDrawCommitCmd() *cobra.Command {
	var a drawCommitArgs
	c := &cobra.Command{
		Use:   "commit --data DIR --id ID --with PARTY --of N --reveal-by TIME --purpose TEXT",
		Short: "Commit to a random value for a draw, as a signed entry of the log",
		Long: `Commit the node's party to a fresh random value for a draw with another
party: pick --pick (default 1) distinct members of a list of --of, the
list --purpose says, both reveals due by --reveal-by (UTC, to the second).
The other party commits to the same terms in its log.

The value is kept in DIR/draw/ID.value (mode 0600) until the reveal:
back it up. The bundle of the commitment is written to -o (default
draw-ID-PARTY.json) for the other party.

Examples:
  accord inspect draw commit --data usa --id rv-minot-1 --with RUS --of 42 --reveal-by 2030-05-04T12:00:00Z --purpose "the base's deployed ICBMs in UID order"
  accord inspect draw commit --data usa --id uids-1 --with RUS --of 400 --pick 18 --reveal-by 2030-05-04T12:00:00Z --purpose "region west's UIDs in byte order" --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runDrawCommit(c, a) },
	}
	f := c.Flags()
	f.StringVar(&a.dir, "data", "", "the node's data directory (required)")
	f.StringVar(&a.id, "id", "", "the draw's id, the same for both parties (required)")
	f.StringVar(&a.with, "with", "", "the other party (required)")
	f.StringVar(&a.purpose, "purpose", "", "what is drawn, from which list in which order (required)")
	f.Uint64Var(&a.of, "of", 0, "the size of the list drawn from (required)")
	f.Uint64Var(&a.pick, "pick", 1, "how many distinct members to pick")
	f.StringVar(&a.revealBy, "reveal-by", "", "both reveals are due by this UTC time, YYYY-MM-DDTHH:MM:SSZ (required)")
	f.StringVar(&a.effective, "effective", "", "the entry's effective date, YYYY-MM-DD (default today)")
	f.StringVarP(&a.out, "out", "o", "", "the bundle file to write (default draw-ID-PARTY.json)")
	f.BoolVar(&a.asJSON, "json", false, "print JSON")
	for _, r := range []string{"data", "id", "with", "purpose", "of", "reveal-by"} {
		c.MarkFlagRequired(r)
	}
	return c
}

func runDrawCommit(c *cobra.Command, a drawCommitArgs) error {
	by, err := time.Parse(draw.TimeLayout, a.revealBy)
	if err != nil || by.Format(draw.TimeLayout) != a.revealBy {
		return fmt.Errorf("--reveal-by %q is not a UTC time YYYY-MM-DDTHH:MM:SSZ", a.revealBy)
	}
	ctx := c.Context()
	o, err := office.Open(ctx, a.dir, nil)
	if err != nil {
		return err
	}
	defer o.Close(ctx)
	terms := draw.Commit{ID: a.id, Of: a.of, Pick: a.pick, Purpose: a.purpose, RevealBy: by, With: a.with}
	res, err := o.DrawCommit(ctx, terms, office.Given{Name: "--effective", Value: a.effective})
	if err != nil {
		return err
	}
	return printDrawStep(c, o, res, a.out, a.asJSON)
}

func newDrawRevealCmd() *cobra.Command {
	var dir, id, peer, peerKey, effective, out string
	var asJSON bool
	c := &cobra.Command{
		Use:   "reveal --data DIR --id ID [--peer BUNDLE --peer-vkey KEY]",
		Short: "Reveal the party's value for a draw, naming the other party's commitment",
		Long: `Reveal the value the node's party committed to for a draw, in an entry
that names the other party's commitment entry (so the reveal provably
follows it). The other party's commitment is read from its log as this
node mirrors it, or from --peer, the bundle it wrote, checked with
--peer-vkey (default: the peer's key in the node's configuration). It
must be to the same terms, with this party.

A draw already revealed is not logged again; its bundle is written anew.

Examples:
  accord inspect draw reveal --data usa --id rv-minot-1
  accord inspect draw reveal --data usa --id rv-minot-1 --peer draw-rv-minot-1-RUS.json --peer-vkey rus.vkey`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rc, v, err := readPeerCommit(peer, peerKey)
			if err != nil {
				return err
			}
			ctx := c.Context()
			o, err := office.Open(ctx, dir, nil)
			if err != nil {
				return err
			}
			defer o.Close(ctx)
			res, err := o.DrawReveal(ctx, id, rc, v, office.Given{Name: "--effective", Value: effective})
			if err != nil {
				return err
			}
			return printDrawStep(c, o, res, out, asJSON)
		},
	}
	f := c.Flags()
	f.StringVar(&dir, "data", "", "the node's data directory (required)")
	f.StringVar(&id, "id", "", "the draw's id (required)")
	f.StringVar(&peer, "peer", "", "the other party's bundle, if this node does not mirror its log")
	f.StringVar(&peerKey, "peer-vkey", "", "the other party's log verifier key file")
	f.StringVar(&effective, "effective", "", "the entry's effective date, YYYY-MM-DD (default today)")
	f.StringVarP(&out, "out", "o", "", "the bundle file to write (default draw-ID-PARTY.json)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	c.MarkFlagRequired("id")
	return c
}

// readPeerCommit reads the other party's bundle and key, if given.
func readPeerCommit(peer, peerKey string) (*entry.Receipt, note.Verifier, error) {
	var v note.Verifier
	if peerKey != "" {
		var err error
		if v, err = node.ReadVerifier(peerKey); err != nil {
			return nil, nil, err
		}
	}
	if peer == "" {
		if v != nil {
			return nil, nil, fmt.Errorf("--peer-vkey is for checking --peer: give both")
		}
		return nil, nil, nil
	}
	b, err := readDrawBundle(peer)
	if err != nil {
		return nil, nil, err
	}
	return b.Commit, v, nil
}

func readDrawBundle(file string) (*draw.Bundle, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	b, err := draw.ParseBundle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return b, nil
}

// printDrawStep writes the party's bundle and says where the step landed.
func printDrawStep(c *cobra.Command, o *office.Office, res *office.DrawStep, out string, asJSON bool) error {
	if out == "" {
		out = "draw-" + res.Draw + "-" + o.Node.Config.Party + ".json"
	}
	if err := os.WriteFile(out, res.Bundle.Marshal(), 0o600); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), struct {
			*office.DrawStep
			Bundle string `json:"bundle"`
		}{res, out})
	}
	w := c.OutOrStdout()
	what := map[string]string{draw.StepCommit: "committed to", draw.StepReveal: "revealed"}[res.Step]
	if res.Again {
		fmt.Fprintf(w, "draw %s was %s as entry %d of %s: not logged again\n", res.Draw, strings.TrimSuffix(what, " to"), res.Index, o.Node.Origin())
	} else {
		fmt.Fprintf(w, "%s draw %s as entry %d of %s\n", what, res.Draw, res.Index, o.Node.Origin())
	}
	fmt.Fprintf(w, "wrote %s\n", out)
	return nil
}

func runDrawVerify(c *cobra.Command, args, keys []string, asJSON bool) error {
	if len(args) != 2 || len(keys) != 2 {
		return fmt.Errorf("--verify needs two bundles and two --vkey, the two parties' (see %s --help)", c.CommandPath())
	}
	var vs []note.Verifier
	for _, k := range keys {
		v, err := node.ReadVerifier(k)
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	var bs []*draw.Bundle
	for _, f := range args {
		b, err := readDrawBundle(f)
		if err != nil {
			return err
		}
		bs = append(bs, b)
	}
	res, err := draw.Check(bs[0], bs[1], vs...)
	if err != nil {
		return failure{err}
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), struct {
			*draw.Result
			Verified bool   `json:"verified"`
			Seed     string `json:"seed"`
		}{res, true, hex.EncodeToString(res.Seed[:])})
	}
	printDraw(c.OutOrStdout(), res)
	return nil
}

func printDraw(w io.Writer, r *draw.Result) {
	fmt.Fprintf(w, "verified: draw %s between %s and %s: %d of %d, %s\n", r.ID, r.Sides[0].Party, r.Sides[1].Party, r.Pick, r.Of, r.Purpose)
	for _, s := range r.Sides {
		fmt.Fprintf(w, "%s: committed as entry %d, revealed as entry %d at %s\n", s.Party, s.CommitIndex, s.RevealIndex, s.Revealed.Format(time.RFC3339))
		if s.Late {
			fmt.Fprintf(w, "late: %s revealed after the reveal-by time %s, a finding against it\n", s.Party, r.RevealBy.Format(draw.TimeLayout))
		}
	}
	fmt.Fprintf(w, "seed %x\n", r.Seed)
	fmt.Fprintf(w, "picks (from 0, in the order drawn): %s\n", joinPicks(r.Picks))
}

func newDrawListCmd() *cobra.Command {
	var dir string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list --data DIR",
		Short: "List the draws in the logs the node holds, and what each drew",
		Long: `List every draw in the logs the node holds (its own and its peers'
mirrors), as known now: its terms, who committed and revealed, and the
picks once both parties have revealed, recomputed from the logs as
accord inspect draw --verify does from the bundles; or the check that
fails, or whose step is awaited.

Examples:
  accord inspect draw list --data usa
  accord inspect draw list --data usa --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			o, err := office.Open(ctx, dir, nil)
			if err != nil {
				return err
			}
			defer o.Close(ctx)
			ds, err := o.Registry.Draws(ctx, time.Now().UTC())
			if err != nil {
				return err
			}
			rows := make([]drawRow, len(ds))
			for i := range ds {
				rows[i] = rowOf(&ds[i])
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), rows)
			}
			return printDraws(c.OutOrStdout(), rows)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	return c
}

// drawRow is one draw as list prints it.
type drawRow struct {
	Draw     string   `json:"draw"`
	Parties  []string `json:"parties"` // those that committed
	Of       uint64   `json:"of"`
	Pick     uint64   `json:"pick"`
	Purpose  string   `json:"purpose"`
	RevealBy string   `json:"reveal_by"`
	Status   string   `json:"status"`
	Seed     string   `json:"seed,omitempty"`
	Picks    []uint64 `json:"picks,omitempty"`
}

func rowOf(d *registry.JointDraw) drawRow {
	t := d.Sides[0].Terms
	r := drawRow{Draw: d.ID, Of: t.Of, Pick: t.Pick, Purpose: t.Purpose, RevealBy: t.RevealBy.Format(draw.TimeLayout)}
	var awaited []string
	for _, s := range d.Sides {
		r.Parties = append(r.Parties, s.Party)
		if s.Reveal == nil {
			awaited = append(awaited, s.Party)
		}
	}
	switch {
	case d.Result != nil:
		r.Seed, r.Picks = hex.EncodeToString(d.Result.Seed[:]), d.Result.Picks
		r.Status = "drawn: " + joinPicks(d.Result.Picks)
	case d.Problem != nil:
		r.Status = d.Problem.Error()
	case len(d.Sides) == 1:
		r.Status = t.With + "'s commitment is not in the logs held"
	default:
		r.Status = "awaiting the reveal of " + strings.Join(awaited, " and ")
	}
	return r
}

func joinPicks(p []uint64) string {
	s := make([]string, len(p))
	for i, x := range p {
		s[i] = strconv.FormatUint(x, 10)
	}
	return strings.Join(s, " ")
}

func printDraws(w io.Writer, rows []drawRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DRAW\tPARTIES\tPICK\tOF\tREVEAL BY\tSTATUS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", r.Draw, strings.Join(r.Parties, ", "), r.Pick, r.Of, r.RevealBy, r.Status)
	}
	return tw.Flush()
}

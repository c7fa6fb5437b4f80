package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"accord/escrow"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/witness"
)

func init() { register(newEscrowCmd) }

func newEscrowCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "escrow",
		Short: "Commit to a warhead declaration now, reveal it region by region, verify each step",
		Long: `Escrowed declarations (docs/escrow.md): a party commits to its complete
warhead declaration in its log, reveals it region by region, and anyone
with its log key checks each step offline.

Examples:
  accord escrow commit --data usa declaration.json
  accord escrow reveal --data usa --region west --effective 2020-11-01
  accord escrow verify escrow-USA-west.json --vkey usa.vkey`,
	}
	c.AddCommand(newEscrowCommitCmd(), newEscrowRevealCmd(), newEscrowVerifyCmd())
	for _, sub := range escrowCommands {
		c.AddCommand(sub())
	}
	return c
}

// escrowCommands are the escrow subcommands other files add.
var escrowCommands []func() *cobra.Command

func newEscrowCommitCmd() *cobra.Command {
	var dir, regions string
	var asJSON bool
	c := &cobra.Command{
		Use:   "commit --data DIR FILE [--regions SITES]",
		Short: "Commit to a warhead declaration as a signed entry of the log",
		Long: `Commit to the party's complete warhead declaration in FILE and append the
commitment (its Merkle root, a hidden count per region and the opened
total) to the node's log as an entry of kind commitment.

FILE is a declaration in the JSON input format of docs/escrow.md
("Declaration file"): the party, the date, and each region's entries, one
per warhead (site, uid, category) or one per site (site, counts). Or it
is a warhead declaration (docs/warheads.md): CSV rows
as_of,party,site,category,status,count, or JSON "warheads" (and items of a
warhead category), as accord check and accord notify read them. Its
categories and statuses become escrow categories (warhead/deployed is
deployed_strategic, warhead/non_deployed nondeployed_strategic,
nonstrategic_warhead/deployed nonstrategic_deployed,
nonstrategic_warhead/non_deployed nonstrategic_stored, either retired
retired) and its sites go to regions: those of --regions SITES, a CSV file
"site,region" that must map every site, or one region per site.

The first commit creates DIR/escrow.key, the secret every salt and
blinding factor derives from (mode 0600, never printed), and every commit
keeps its declaration in DIR/escrow/. Back both up: nothing else can
recreate them, and without them no region can be revealed.

Examples:
  accord escrow commit --data usa declaration.json
  accord escrow commit --data usa us-2020-10-20-warheads.csv --regions regions.csv
  accord escrow commit --data usa declaration.json --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runEscrowCommit(c, dir, args[0], regions, asJSON)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&regions, "regions", "", "a CSV file site,region mapping a warhead declaration's sites to regions")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	return c
}

func runEscrowCommit(c *cobra.Command, dir, file, regionsFile string, asJSON bool) error {
	ctx := c.Context()
	o, err := office.Open(ctx, dir, nil)
	if err != nil {
		return err
	}
	defer o.Close(ctx)
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var regions map[string]string
	if regionsFile != "" {
		b, err := os.ReadFile(regionsFile)
		if err != nil {
			return err
		}
		if regions, err = office.ReadEscrowRegions(regionsFile, b); err != nil {
			return err
		}
	}
	d, err := o.ReadEscrowDeclaration(file, data, regions)
	if err != nil {
		return err
	}
	res, err := o.Commit(ctx, d)
	if err != nil {
		return escrowRefusal(file, err)
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), res)
	}
	w, cm := c.OutOrStdout(), res.Commitment
	fmt.Fprintf(w, "committed %s's declaration of %s as entry %d of %s\n", cm.Party, cm.Date, res.Index, o.Node.Origin())
	fmt.Fprintf(w, "commitment %s: total %s in %s, capacity %d\n", res.Hash, plural(cm.Total, "warhead", "warheads"),
		plural(uint64(len(cm.Regions)), "region", "regions"), cm.Capacity)
	if res.SecretCreated {
		fmt.Fprintf(w, "created %s: back it up with %s, no region can be revealed without them\n",
			filepath.Join(dir, office.EscrowKeyFile), filepath.Join(dir, office.EscrowDir)+"/")
	}
	return nil
}

// escrowRefusal names the file in an office's refusal.
func escrowRefusal(file string, err error) error {
	var refusal *registry.Refusal
	var bad *office.InputError
	if errors.As(err, &refusal) || errors.As(err, &bad) {
		return fmt.Errorf("%s: %w", file, err)
	}
	return err
}

func newEscrowRevealCmd() *cobra.Command {
	var dir, region, effective, out string
	var asJSON bool
	c := &cobra.Command{
		Use:   "reveal --data DIR --region R",
		Short: "Reveal one region of the latest commitment, log it, and write the bundle",
		Long: `Reveal one region of the party's latest commitment: append the reveal's
record (the region, its count, the hash of the reveal) to the node's log,
and write the bundle another party verifies offline: the commitment, every
region revealed so far with its entries, salts, Merkle path and count
opening, and a receipt that each is in the log.

A region already revealed is not logged again; its bundle is written anew.
The reveal is effective today unless --effective says otherwise.

Examples:
  accord escrow reveal --data usa --region west --effective 2020-11-01
  accord escrow reveal --data usa --region east -o usa-east.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runEscrowReveal(c, dir, region, effective, out, asJSON)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&region, "region", "", "the region to reveal (required)")
	c.Flags().StringVar(&effective, "effective", "", "the reveal's effective date, YYYY-MM-DD (default today)")
	c.Flags().StringVarP(&out, "out", "o", "", "the bundle file to write (default escrow-PARTY-REGION.json)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	c.MarkFlagRequired("region")
	return c
}

func runEscrowReveal(c *cobra.Command, dir, region, effective, out string, asJSON bool) error {
	ctx := c.Context()
	o, err := office.Open(ctx, dir, nil)
	if err != nil {
		return err
	}
	defer o.Close(ctx)
	res, err := o.Reveal(ctx, region, office.Given{Name: "--effective", Value: effective})
	if err != nil {
		return err
	}
	if out == "" {
		out = "escrow-" + o.Node.Config.Party + "-" + region + ".json"
	}
	if err := os.WriteFile(out, res.Bundle.Marshal(), 0o600); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), struct {
			*office.Revealed
			Bundle string `json:"bundle"`
		}{res, out})
	}
	w := c.OutOrStdout()
	if res.Again {
		fmt.Fprintf(w, "region %s (%s) was revealed as entry %d of %s: not logged again\n", region, plural(res.Count, "warhead", "warheads"), res.Index, o.Node.Origin())
	} else {
		fmt.Fprintf(w, "revealed region %s (%s) as entry %d of %s\n", region, plural(res.Count, "warhead", "warheads"), res.Index, o.Node.Origin())
	}
	fmt.Fprintf(w, "%d of %s revealed: %s\n", len(res.Opened), plural(uint64(res.Regions), "region", "regions"), strings.Join(res.Opened, ", "))
	if len(res.Cosigned) > 0 {
		fmt.Fprintf(w, "its checkpoint is cosigned by the witnesses of %s\n", strings.Join(res.Cosigned, ", "))
	}
	if len(res.Uncosigned) > 0 {
		fmt.Fprintf(w, "not cosigned in time by the witnesses of %s: a verifier who asks for them refuses this bundle; reveal again later\n", strings.Join(res.Uncosigned, ", "))
	}
	fmt.Fprintf(w, "wrote %s\n", out)
	return nil
}

func newEscrowVerifyCmd() *cobra.Command {
	var vkey, baseline string
	var witnesses []string
	var quorum int
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify BUNDLE --vkey KEY",
		Short: "Check an escrow bundle offline",
		Long: `Check an escrow bundle offline, with the party's log verifier key alone:
that its checkpoint is the party's and its entries are every entry of the
log from the commitment up to it (none left out), that the commitment's
hidden counts open to its total, and, for each reveal the log records in
turn, the checks of docs/escrow.md: its leaves hash into the committed
tree, its count opens the region's commitment, no UID is revealed twice,
and the regions still hidden do not hold a negative count. The warhead
flows the log records after the commitment (read with the built-in treaty
its key names) must agree with the reveals.

With --witness KEY (repeatable), the checkpoint must carry a valid
cosignature (c2sp.org/tlog-cosignature) of --quorum of them (default
all). With --baseline N, the total must be at most N (a freeze).

Exit status: 0 verified; 1 a check failed, named on stderr as
"escrow check NAME failed"; 2 BUNDLE or a key cannot be read.

Examples:
  accord escrow verify escrow-USA-west.json --vkey usa.vkey
  accord escrow verify escrow-USA-west.json --vkey usa.vkey --witness rus/witness.vkey
  accord escrow verify escrow-USA-west.json --vkey usa.vkey --baseline 3750 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runEscrowVerify(c, args[0], vkey, baseline, witnesses, quorum, asJSON)
		},
	}
	c.Flags().StringVar(&vkey, "vkey", "", "the party's log verifier key file (required)")
	c.Flags().StringVar(&baseline, "baseline", "", "a freeze baseline: the total must be at most this")
	c.Flags().StringArrayVar(&witnesses, "witness", nil, "a witness's cosignature verifier key file (repeatable)")
	c.Flags().IntVar(&quorum, "quorum", 0, "how many of the witnesses must have cosigned (default all)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("vkey")
	return c
}

// escrowInputs is what escrow verify reads besides the bundle.
type escrowInputs struct {
	baseline *uint64
	policy   *escrow.Policy
}

func readEscrowInputs(v note.Verifier, baseline string, witnesses []string, quorum int) (*escrowInputs, error) {
	in := &escrowInputs{}
	if baseline != "" {
		n, err := strconv.ParseUint(baseline, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--baseline %q is not a number of warheads", baseline)
		}
		in.baseline = &n
	}
	var err error
	in.policy, err = escrowPolicy(v.Name(), witnesses, quorum)
	return in, err
}

// escrowPolicy reads the witnesses' key files and returns the policy to
// check a bundle of the log named origin with.
func escrowPolicy(origin string, files []string, quorum int) (*escrow.Policy, error) {
	if quorum < 0 || quorum > len(files) {
		return nil, fmt.Errorf("--quorum %d: want 0 (all) to the %d witnesses given", quorum, len(files))
	}
	var ws []note.Verifier
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		v, err := witness.NewVerifier(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: not a witness's cosignature verifier key", f)
		}
		ws = append(ws, v)
	}
	return office.EscrowPolicy(origin, ws, quorum)
}

func runEscrowVerify(c *cobra.Command, file, vkey, baseline string, witnesses []string, quorum int, asJSON bool) error {
	v, err := node.ReadVerifier(vkey)
	if err != nil {
		return err
	}
	in, err := readEscrowInputs(v, baseline, witnesses, quorum)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	b, err := escrow.ParseBundle(data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	res, err := checkEscrow(b, v, in)
	if err != nil {
		return failure{fmt.Errorf("%s: %w", file, err)}
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), escrowVerdict(res, in))
	}
	printEscrowVerified(c.OutOrStdout(), res, in)
	return nil
}

// checkEscrow runs every check: the bundle's (the log, the witnesses,
// the reveals, the flows), then the freeze if given. Its errors are
// *escrow.CheckError values.
func checkEscrow(b *escrow.Bundle, v note.Verifier, in *escrowInputs) (*escrow.CheckedBundle, error) {
	res, err := escrow.CheckBundle(b, v, in.policy)
	if err != nil {
		return nil, err
	}
	if in.baseline != nil {
		if err := res.CheckFreeze(*in.baseline); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// escrowRegion is one revealed region as verify reports it.
type escrowRegion struct {
	Region    string `json:"region"`
	Entry     uint64 `json:"entry"`
	Effective string `json:"effective"`
	Count     uint64 `json:"count"`
}

func revealedRegions(res *escrow.CheckedBundle) []escrowRegion {
	out := []escrowRegion{}
	for i, r := range res.Reveals {
		out = append(out, escrowRegion{r.Region, res.RevealIndex[i], res.RevealEffect[i], r.Count})
	}
	return out
}

func escrowVerdict(res *escrow.CheckedBundle, in *escrowInputs) map[string]any {
	cm := res.Commitment
	h := cm.Hash()
	return map[string]any{
		"verified": true, "party": cm.Party, "date": cm.Date, "origin": res.Entry.Origin(),
		"entry": res.Index, "commitment": fmt.Sprintf("%x", h[:]), "total": cm.Total,
		"regions": len(cm.Regions), "revealed": revealedRegions(res), "still_committed": cm.Total - res.Revealed,
		"baseline": in.baseline, "checkpoint_size": res.Size, "flows_checked": len(res.Flows), "cosigned": res.Cosigned,
	}
}

func printEscrowVerified(w io.Writer, res *escrow.CheckedBundle, in *escrowInputs) {
	cm := res.Commitment
	fmt.Fprintf(w, "verified: %s's commitment of %s, entry %d of %s: total %s in %s\n", cm.Party, cm.Date, res.Index,
		res.Entry.Origin(), plural(cm.Total, "warhead", "warheads"), plural(uint64(len(cm.Regions)), "region", "regions"))
	for _, r := range revealedRegions(res) {
		fmt.Fprintf(w, "revealed %s: %s, entry %d, effective %s\n", r.Region, plural(r.Count, "warhead", "warheads"), r.Entry, r.Effective)
	}
	hidden := len(cm.Regions) - len(res.Reveals)
	fmt.Fprintf(w, "still committed: %s in %s\n", plural(cm.Total-res.Revealed, "warhead", "warheads"), plural(uint64(hidden), "region", "regions"))
	if in.baseline != nil {
		fmt.Fprintf(w, "freeze: total %d at or under the baseline %d\n", cm.Total, *in.baseline)
	}
	fmt.Fprintf(w, "log: entries %d to %d read; %s since the commitment checked against the reveals\n",
		res.Index, res.Size-1, plural(uint64(len(res.Flows)), "flow", "flows"))
	if len(res.Cosigned) > 0 {
		fmt.Fprintf(w, "witnesses: cosigned by %s\n", strings.Join(res.Cosigned, ", "))
	}
}

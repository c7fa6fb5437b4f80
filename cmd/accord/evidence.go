package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"accord/escrow"
	"accord/evidence"
	"accord/internal/node"
	"accord/internal/office"
)

func init() { register(newEvidenceCmd) }

func newEvidenceCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "evidence",
		Short: "Check evidence that a log misbehaved",
	}
	c.AddCommand(newEvidenceVerifyCmd())
	return c
}

func newEvidenceVerifyCmd() *cobra.Command {
	var vkey, inspector, dir string
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify FILE [--vkey FILE] [--json]",
		Short: "Check offline that an evidence file proves a log forked",
		Long: `Check offline that an evidence file proves a log forked.

An evidence file (written by accord serve in DIR/evidence) holds two
checkpoints signed by one log's key and a Merkle consistency proof showing
that the log's later tree does not extend its earlier one: the log showed
two different histories. verify checks both signatures and the proof. With
--vkey it checks them against that key (the log.vkey you received out of
band); without, against the key in the file, which you must then
recognise.

A file of completeness evidence (written by accord escrow evidence)
holds a party's escrow bundle and an inspector's signed observation in a
region it opened; verify checks that the observed item is in no reveal
and no flow since the commitment, so the declaration was incomplete when
committed (docs/escrow.md). --vkey is then the party's log key, and
--inspector-vkey the inspector's.

With --data DIR, completeness evidence is checked with the log keys the
node in DIR knows (its own and its peers', never the keys in the file;
--vkey and --inspector-vkey are then refused) and, when it proves the
declaration incomplete, kept in DIR/evidence/escrow/, where accord status,
the API's findings and the dashboard list it as an incomplete_declaration
finding against the party.

Exit status: 0 when the file proves the log misbehaved (or the
declaration incomplete); 1 when it does not (a bad signature, a proof that
fails, consistent checkpoints, another log's key, an observation the
reveals account for); 2 when FILE cannot be read or parsed.

Examples:
  accord evidence verify usa/evidence/accord_newstart_RUS-5-7.json --vkey rus.vkey
  accord evidence verify e.json --json
  accord evidence verify incomplete.json --vkey usa.vkey --inspector-vkey rus.vkey
  accord evidence verify incomplete.json --data rus`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if dir != "" {
				return runKeepEvidence(c, dir, args[0], b, vkey+inspector, asJSON)
			}
			if escrow.IsEvidence(b) {
				return runEscrowEvidenceVerify(c, args[0], b, vkey, inspector, asJSON)
			}
			ev, err := evidence.Parse(b)
			if err != nil {
				return err
			}
			var v note.Verifier
			if vkey != "" {
				if v, err = node.ReadVerifier(vkey); err != nil {
					return err
				}
			}
			res, err := evidence.Verify(ev, v)
			if errors.Is(err, evidence.ErrInvalid) {
				return failure{err}
			}
			if err != nil {
				return err
			}
			return printEvidence(c, ev, res, asJSON)
		},
	}
	c.Flags().StringVar(&vkey, "vkey", "", "the log's verifier key file (default: the key in the evidence)")
	c.Flags().StringVar(&inspector, "inspector-vkey", "", "for completeness evidence, the inspector's verifier key file (default: the key in the evidence)")
	c.Flags().StringVar(&dir, "data", "", "check completeness evidence with the keys of the node in DIR and keep it there as a finding")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

// runKeepEvidence checks completeness evidence with the node's keys and
// keeps it in the node's data directory.
func runKeepEvidence(c *cobra.Command, dir, file string, data []byte, keys string, asJSON bool) error {
	switch {
	case !escrow.IsEvidence(data):
		return fmt.Errorf("%s: --data keeps completeness evidence (%q), and this is not", file, escrow.EvidenceFormat)
	case keys != "":
		return errors.New("--data checks with the node's keys: give no --vkey or --inspector-vkey")
	}
	if _, err := escrow.ParseEvidence(data); err != nil {
		return fmt.Errorf("%s: %w", file, err) // unreadable: exit 2
	}
	ctx := c.Context()
	o, err := office.Open(ctx, dir, nil)
	if err != nil {
		return err
	}
	defer o.Close(ctx)
	path, inc, err := o.KeepEscrowEvidence(data)
	var bad *office.InputError
	if errors.As(err, &bad) {
		return failure{fmt.Errorf("%s: %w", file, err)} // proves nothing against a party this node knows: exit 1
	}
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), struct {
			Proven bool   `json:"proven"`
			Kept   string `json:"kept"`
			*office.Incomplete
		}{true, path, inc})
	}
	fmt.Fprintf(c.OutOrStdout(), "proven: %s's declaration of %s (entry %d) was incomplete when committed: %s\n", inc.Party, inc.Date, inc.Entry, inc.Observed)
	fmt.Fprintf(c.OutOrStdout(), "kept %s: a finding against %s\n", path, inc.Party)
	return nil
}

func printEvidence(c *cobra.Command, ev *evidence.Evidence, res *evidence.Verified, asJSON bool) error {
	w := c.OutOrStdout()
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"proven": true, "origin": res.Origin,
			"older_size": res.Older.Size, "newer_size": res.Newer.Size, "explanation": ev.Explanation})
	}
	fmt.Fprintf(w, "proven: log %s forked (checkpoints of %d and %d entries are inconsistent)\n", res.Origin, res.Older.Size, res.Newer.Size)
	fmt.Fprintln(w, ev.Explanation)
	return nil
}

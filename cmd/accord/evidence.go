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
	var vkey, inspector string
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

Exit status: 0 when the file proves the log misbehaved (or the
declaration incomplete); 1 when it does not (a bad signature, a proof that
fails, consistent checkpoints, another log's key, an observation the
reveals account for); 2 when FILE cannot be read or parsed.

Examples:
  accord evidence verify usa/evidence/accord_newstart_RUS-5-7.json --vkey rus.vkey
  accord evidence verify e.json --json
  accord evidence verify incomplete.json --vkey usa.vkey --inspector-vkey rus.vkey`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
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
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
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

package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"accord/internal/node"
)

func init() { register(newInitCmd) }

func newInitCmd() *cobra.Command {
	var party, treatyID, dir string
	c := &cobra.Command{
		Use:   "init --party PARTY --treaty ID --data DIR",
		Short: "Create a party's node: log key, configuration and empty log",
		Long: `Create a party's node: log key, configuration and empty log.

DIR must not exist or be empty. init writes DIR/log.key (the private
signing key, mode 0600, never printed), DIR/log.vkey (the public key to
give the other parties), DIR/witness.key and DIR/witness.vkey (the
witness's cosigning key and its public key, given to the other parties
too), DIR/accord.yaml (the documented configuration) and an empty log in
DIR/log whose origin is accord/<treaty>/<party>.

Examples:
  accord init --party USA --treaty newstart --data usa
  accord init --party RUS --treaty newstart --data /var/lib/accord`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			n, err := node.Init(c.Context(), dir, treatyID, party)
			if err != nil {
				return fmt.Errorf("init: %w", err)
			}
			w := c.OutOrStdout()
			fmt.Fprintf(w, "created node %s in %s\n", n.Origin(), dir)
			fmt.Fprintf(w, "give the other parties %s:\n", filepath.Join(dir, node.VKeyFile))
			fmt.Fprintf(w, "  %s\n", vkeyString(n))
			fmt.Fprintf(w, "and the witness key %s:\n", filepath.Join(dir, node.WitnessVKeyFile))
			fmt.Fprintf(w, "  %s\n", vkeyFile(n.WitnessVerifier, dir))
			return nil
		},
	}
	c.Flags().StringVar(&party, "party", "", "the node's party, e.g. USA (required)")
	c.Flags().StringVar(&treatyID, "treaty", "", "built-in treaty id, e.g. newstart (required)")
	c.Flags().StringVar(&dir, "data", "", "data directory to create (required)")
	for _, f := range []string{"party", "treaty", "data"} {
		c.MarkFlagRequired(f)
	}
	return c
}

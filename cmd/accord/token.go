package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"accord/internal/node"
)

func init() { register(newTokenCmd) }

func newTokenCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "token",
		Short: "Issue the bearer tokens a node accepts",
	}
	c.AddCommand(newTokenAddCmd())
	return c
}

func newTokenAddCmd() *cobra.Command {
	var dir, party, role string
	c := &cobra.Command{
		Use:   "add --data DIR --party PARTY --role operator|peer",
		Short: "Issue a bearer token and print it once",
		Long: `Issue a bearer token and print it once.

The node keeps only the token's SHA-256 hash (DIR/tokens), so a lost
token cannot be shown again: issue a new one. An operator token is for
the node's own party and opens the operator API (/v1/) and the log's
entries; a peer token is for another party's node and opens the log's
entries only. A running node accepts a new token at once.

Examples:
  accord token add --data usa --party USA --role operator
  accord token add --data usa --party RUS --role peer > rus.token`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			n, err := node.Open(c.Context(), dir, nil)
			if err != nil {
				return err
			}
			tok, err := n.AddToken(party, role)
			if err != nil {
				return fmt.Errorf("token add: %w", err)
			}
			fmt.Fprintln(c.OutOrStdout(), tok)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().StringVar(&party, "party", "", "the party the token is for (required)")
	c.Flags().StringVar(&role, "role", "", "operator or peer (required)")
	for _, f := range []string{"data", "party", "role"} {
		c.MarkFlagRequired(f)
	}
	return c
}

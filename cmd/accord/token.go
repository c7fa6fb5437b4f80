package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"accord/internal/node"
)

func init() { register(newTokenCmd) }

func newTokenCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "token",
		Short: "Issue, list and revoke the bearer tokens a node accepts",
	}
	c.AddCommand(newTokenAddCmd(), newTokenListCmd(), newTokenRevokeCmd())
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
entries only. A running node accepts a new token at once. The token's
id (accord token list, accord token revoke) is printed on stderr.

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
			h := sha256.Sum256([]byte(tok))
			fmt.Fprintf(c.ErrOrStderr(), "token id %s (accord token revoke --data %s %s)\n", node.TokenID(h), dir, node.TokenID(h))
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

func newTokenListCmd() *cobra.Command {
	var dir string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list --data DIR [--json]",
		Short: "List the tokens a node accepts: id, party and role",
		Long: `List the tokens a node accepts: id, party and role. The tokens
themselves are not stored and cannot be shown.

Examples:
  accord token list --data usa
  accord token list --data usa --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			n, err := node.Open(c.Context(), dir, nil)
			if err != nil {
				return err
			}
			toks, err := n.Tokens()
			if err != nil {
				return fmt.Errorf("token list: %w", err)
			}
			if asJSON {
				return json.NewEncoder(c.OutOrStdout()).Encode(map[string]any{"tokens": toks})
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPARTY\tROLE")
			for _, t := range toks {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", t.ID, t.Party, t.Role)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	return c
}

func newTokenRevokeCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "revoke --data DIR ID",
		Short: "Revoke a token: a running node refuses it from its next request on",
		Long: `Revoke a token by the id accord token add printed (accord token list
shows them all). A running node refuses the token from its next request
on.

Examples:
  accord token revoke --data usa 3f2a9c1b0e4d`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := node.Open(c.Context(), dir, nil)
			if err != nil {
				return err
			}
			if err := n.RevokeToken(args[0]); err != nil {
				return fmt.Errorf("token revoke: %w", err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.MarkFlagRequired("data")
	return c
}

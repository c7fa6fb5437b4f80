package main

import (
	"fmt"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"accord/internal/node"
)

func init() { register(newServeCmd) }

func newServeCmd() *cobra.Command {
	var dir, listen string
	c := &cobra.Command{
		Use:   "serve --data DIR [--listen ADDR]",
		Short: "Run the node: serve the party's log to the other parties",
		Long: `Run the node: serve the party's log to the other parties.

The log is served read-only under /log/ as c2sp.org/tlog-tiles
(/log/checkpoint, /log/tile/..., /log/tile/entries/...), so any tlog
client with DIR/log.vkey can follow and verify it. serve runs until
interrupted.

Examples:
  accord serve --data usa
  accord serve --data usa --listen :7380
  accord log verify http://localhost:7380/log/ --vkey usa/log.vkey`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			logger := slog.New(slog.NewTextHandler(c.ErrOrStderr(), nil))
			n, err := node.Open(c.Context(), dir, logger)
			if err != nil {
				return err
			}
			if listen == "" {
				listen = n.Config.Listen
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "serving %s at %s\n", n.Origin(), node.LogURL(ln.Addr().String()))
			return n.Serve(c.Context(), ln)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().StringVar(&listen, "listen", "", "address to listen on, host:port (default: listen in accord.yaml)")
	c.MarkFlagRequired("data")
	return c
}

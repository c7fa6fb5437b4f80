package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/server"
)

func init() { register(newServeCmd) }

func newServeCmd() *cobra.Command {
	var dir, listen string
	var paranoid, readOnly bool
	c := &cobra.Command{
		Use:   "serve --data DIR [--listen ADDR] [--paranoid] [--read-only]",
		Short: "Run the node: serve the log, follow and witness the peers, keep the treaty database",
		Long: `Run the node: serve the log, follow and witness the peers, keep the
treaty database.

The log is served under /log/ as c2sp.org/tlog-tiles: the checkpoint
(cosigned by the peers' witnesses) and hash tiles to anyone, entry
bundles only with a peer's or the operator's token (accord token add).
The witness answers POST /witness/add-checkpoint (c2sp.org/tlog-witness)
and GET /witness/checkpoints lists the checkpoints this node holds for
every log. For each peer in accord.yaml, serve fetches and verifies every
new entry, keeps a verified copy in DIR/peers/PARTY/log, applies it to the
treaty database (DIR/treaty.db), appends an acknowledgement to its own
log, and compares checkpoints with the other nodes; evidence of a fork
goes to DIR/evidence (accord evidence verify). The operator API under /v1/
sends notifications and answers from the treaty database as accord notify,
inventory and status do; /openapi.json describes it (docs/api.md). The
treaty office's dashboard is at / for the operator's session, opened with
the one-time link accord dashboard-link prints (docs/dashboard.md). serve
runs until interrupted.

A peer's entry is verified once, when it is fetched; what the node wrote
itself (its log, its copies of the peers' logs) is not verified again when
it starts. With --paranoid it first checks everything as accord fsck does
(every signature, tile and root of its log and of each peer's copy) and
refuses to start on a problem (docs/scale.md).

With --read-only, serve is a replica of an office whose treaty database is
PostgreSQL (database: in accord.yaml): it answers the dashboard and the
operator API's reads from that database, which the one node serving the
same database without --read-only keeps up to date, and refuses writes
(503). It appends, follows, witnesses and writes nothing, so any number
of replicas may run beside the writer (docs/database.md).

Examples:
  accord serve --data usa
  accord serve --data usa-replica --read-only
  accord serve --data usa --listen :7380
  accord serve --data usa --paranoid
  accord dashboard-link --data usa
  curl http://localhost:7380/log/checkpoint
  curl -H "Authorization: Bearer $TOKEN" -d @move.json "localhost:7380/v1/notifications?type=movement"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			logger := slog.New(slog.NewTextHandler(c.ErrOrStderr(), nil))
			if paranoid {
				if err := checkAll(c, dir); err != nil {
					return err
				}
			}
			open, what := server.Open, "serving"
			if readOnly {
				open, what = server.OpenReplica, "serving read-only"
			}
			s, err := open(ctx, dir, logger)
			if err != nil {
				return err
			}
			defer s.Close(context.WithoutCancel(ctx))
			n := s.Node
			if listen == "" {
				listen = n.Config.Listen
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s %s at %s\n", what, n.Origin(), server.LogURL(ln.Addr().String()))
			fmt.Fprintf(c.OutOrStdout(), "witness %s\n", vkeyFile(n.WitnessVerifier, dir))
			fmt.Fprintf(c.OutOrStdout(), "dashboard: accord dashboard-link --data %s prints a link that opens it\n", dir)
			return s.Serve(ctx, ln)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().StringVar(&listen, "listen", "", "address to listen on, host:port (default: listen in accord.yaml)")
	c.Flags().BoolVar(&readOnly, "read-only", false, "serve the dashboard and the operator API's reads from the PostgreSQL treaty database another node writes; append, follow and write nothing")
	c.Flags().BoolVar(&paranoid, "paranoid", false, "before serving, verify every signature, tile and root of the log and of the peers' copies, as accord fsck does")
	c.MarkFlagRequired("data")
	return c
}

// checkAll checks the node's files as accord fsck does, before serve
// --paranoid starts.
func checkAll(c *cobra.Command, dir string) error {
	if err := checkNodeDir(dir); err != nil {
		return err
	}
	probs, _ := office.Fsck(c.Context(), dir, nil)
	if len(probs) > 0 {
		return failure{fmt.Errorf("serve --paranoid: %s, the first: %s (accord fsck --data %s lists them)",
			plural(uint64(len(probs)), "problem", "problems"), probs[0], dir)}
	}
	return nil
}

// vkeyFile returns the witness verifier key as init wrote it.
func vkeyFile(v note.Verifier, dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, node.WitnessVKeyFile))
	if err != nil {
		return v.Name()
	}
	return strings.TrimSpace(string(b))
}

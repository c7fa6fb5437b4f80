package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"accord/internal/node"
	"accord/internal/office"
)

func init() { register(newFsckCmd) }

func newFsckCmd() *cobra.Command {
	var dir, trust string
	var asJSON bool
	c := &cobra.Command{
		Use:   "fsck --data DIR [--trust-store DIR] [--json]",
		Short: "Check a node's files offline and explain anything wrong",
		Long: `Check a node's files offline and explain anything wrong.

fsck checks the configuration, the keys and the private key's file mode,
the log (checkpoint signature, every entry, every hash tile, the root
hash), each peer's log copied in DIR/peers/PARTY/log (the same checks, up
to the copy's checkpoint) and that the log extends the checkpoint this
machine's trust store holds for it. It changes nothing. accord serve
verifies a peer's entry once, when it fetches it; fsck (or serve
--paranoid) is how a copy damaged on disk later is found.

Exit status: 0 when all is well, 1 when a problem is found, 2 when DIR
is not a node's data directory.

Examples:
  accord fsck --data usa
  accord fsck --data usa --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkNodeDir(dir); err != nil {
				return err
			}
			ts, err := openTrustStore(trust)
			if err != nil {
				return err
			}
			probs, res := office.Fsck(c.Context(), dir, ts)
			w := c.OutOrStdout()
			if asJSON {
				json.NewEncoder(w).Encode(map[string]any{"ok": len(probs) == 0, "problems": probs})
			} else {
				for _, p := range probs {
					fmt.Fprintln(w, p)
				}
			}
			if len(probs) > 0 {
				return failure{fmt.Errorf("fsck: %s in %s", plural(uint64(len(probs)), "problem", "problems"), dir)}
			}
			if !asJSON {
				fmt.Fprintf(w, "ok: %s, %s, checkpoint, tiles, keys and configuration valid\n",
					res.Checkpoint.Origin, plural(res.Checkpoint.Size, "entry", "entries"))
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().StringVar(&trust, "trust-store", "", "trust store directory (default: $XDG_CONFIG_HOME/accord/trust)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the problems as JSON")
	c.MarkFlagRequired("data")
	return c
}

// checkNodeDir reports, as bad input, a --data directory that is missing
// or holds no node, rather than as a damaged node.
func checkNodeDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("fsck: no directory %s (create a node with accord init)", dir)
	case err != nil:
		return fmt.Errorf("fsck: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("fsck: %s is not a directory", dir)
	case !node.Exists(dir):
		return fmt.Errorf("fsck: %s is not a node's data directory: it has no %s", dir, node.ConfigFile)
	}
	return nil
}

package office

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/registry"
)

// Fsck checks the data directory dir offline, as node.Fsck does, the
// escrow secret's mode (DIR/escrow.key, 0600 like the log key) and the
// treaty database too: a damaged treaty.db is a problem whose fix is
// accord reindex, since the database is derived from the logs. It changes
// nothing.
func Fsck(ctx context.Context, dir string, ts *ledger.TrustStore) ([]node.Problem, *ledger.Verified) {
	probs, res := node.Fsck(ctx, dir, ts)
	probs = append(probs, escrowModes(dir)...)
	probs = append(probs, drawModes(dir)...) // draw.go
	if cfg, err := node.LoadConfig(filepath.Join(dir, node.ConfigFile)); err == nil && cfg.Database != "" {
		// PostgreSQL checks its own pages (data checksums, amcheck);
		// there is no file here to check.
		return probs, res
	}
	path := filepath.Join(dir, DatabaseFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return probs, res
	}
	if err := registry.Integrity(ctx, path); err != nil {
		probs = append(probs, node.Problem{File: DatabaseFile, Err: err.Error(),
			Hint: fmt.Sprintf("rebuild it from the logs: accord reindex --data %s", dir)})
	}
	return probs, res
}

// escrowModes returns a problem for the escrow secret if others than its
// owner can read or write it, and for the directory of committed
// declarations if others can enter it: either tells the party's unopened
// regions (docs/escrow.md, "The secret and its backup").
func escrowModes(dir string) []node.Problem {
	var probs []node.Problem
	for _, f := range []struct {
		name, what string
		mode       os.FileMode
	}{{EscrowKeyFile, "the escrow secret", 0o600}, {EscrowDir, "the committed declarations", 0o700}} {
		fi, err := os.Stat(filepath.Join(dir, f.name))
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		probs = append(probs, node.Problem{File: f.name,
			Err:  fmt.Sprintf("mode %v lets others read %s (chmod %o it)", fi.Mode().Perm(), f.what, f.mode),
			Hint: "the secret may have leaked: whoever read it can open every region of the party's commitments"})
	}
	return probs
}

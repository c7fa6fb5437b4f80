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

// Fsck checks the data directory dir offline, as node.Fsck does, and the
// treaty database too: a damaged treaty.db is a problem whose fix is
// accord reindex, since the database is derived from the logs. It changes
// nothing.
func Fsck(ctx context.Context, dir string, ts *ledger.TrustStore) ([]node.Problem, *ledger.Verified) {
	probs, res := node.Fsck(ctx, dir, ts)
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

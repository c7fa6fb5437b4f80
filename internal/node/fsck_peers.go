package node

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"

	"accord/internal/ledger"
)

// checkPeers verifies the node's copy of each peer's log that holds a
// checkpoint (DIR/peers/P/log) end to end, as the log itself is: the
// follower verified every entry when it copied it and does not verify it
// again, so this is where a copy damaged on disk is found.
func (n *Node) checkPeers(ctx context.Context) []Problem {
	var probs []Problem
	for _, p := range n.Config.Peers {
		dir := filepath.Join(PeersDir, p.Party, LogDir)
		_, err := os.Stat(filepath.Join(n.Dir, dir, layout.CheckpointPath))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		v, verr := note.NewVerifier(p.LogVKey)
		if err == nil {
			err = verr
		}
		if err == nil {
			_, err = ledger.Verify(ctx, ledger.DirSource(filepath.Join(n.Dir, dir)), v, nil)
		}
		if err != nil {
			probs = append(probs, Problem{File: dir, Err: err.Error(),
				Hint: "the copy of the peer's log is damaged: remove DIR/" + filepath.Join(PeersDir, p.Party) + " and the node copies it again"})
		}
	}
	return probs
}

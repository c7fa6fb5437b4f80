package ledger

import (
	"fmt"
	"time"

	"accord/evidence"
)

// Evidence records e as an evidence file (package evidence) of the log
// whose verifier key is vkey, read from source; detected is when. A fork
// is evidence anyone can check offline with accord evidence verify. A
// rollback has no proof to carry: the file holds both checkpoints and
// says that the source withheld entries, which alone does not show that
// the log signed two histories, so evidence.Verify does not accept it.
func (e *InconsistencyError) Evidence(vkey, source string, detected time.Time) (*evidence.Evidence, error) {
	seen := "trust store " + e.Stored
	if e.NewSize >= e.OldSize {
		ev, err := evidence.New(vkey, e.Old, e.New, e.PrefixRoot, e.Proof, []string{seen, source})
		if err != nil {
			return nil, err
		}
		ev.DetectedAt = detected.UTC()
		return ev, nil
	}
	return &evidence.Evidence{Format: evidence.Format, Origin: e.Origin, LogVKey: vkey,
		Older: string(e.New), Newer: string(e.Old), Sources: []string{source, seen}, DetectedAt: detected.UTC(),
		Explanation: fmt.Sprintf("Rollback, not a proven fork: this machine saw a checkpoint of log %s with %d entries; "+
			"%s then served an older one with %d entries. Both are signed by the log key. The source withheld entries "+
			"%d to %d: it rolled the log back or serves a stale copy. This alone does not show that the log signed "+
			"two histories, so accord evidence verify does not accept it as proof.",
			e.Origin, e.OldSize, source, e.NewSize, e.NewSize, e.OldSize-1)}, nil
}

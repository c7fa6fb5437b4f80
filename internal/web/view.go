package web

import (
	"context"
	"errors"
	"time"

	"accord/internal/registry"
	"accord/internal/treaty"
)

// ErrNotFound is wrapped by a NodeView's error for a log or entry it does
// not hold; the dashboard answers 404.
var ErrNotFound = errors.New("not found")

// A NodeView is a node as its dashboard reads it: the treaty, the treaty
// database, the logs the node holds and their proofs, its clock, and what
// to tell visitors about the data. Package server implements it over a
// running node's treaty office and data directory; package webtest over
// a simulated world.
//
// Concurrency: every method is called from many requests at once and must
// be safe for concurrent use. Errors: a method's error is shown as a 500
// page with its text (a 404 when it wraps ErrNotFound), so it must not
// carry secrets. Nothing the dashboard does writes through a NodeView.
type NodeView interface {
	// Treaty is the treaty the node takes part in.
	Treaty() *treaty.Treaty
	// Registry is the treaty database, as up to date as the node is.
	Registry() *registry.Registry
	// Logs describes every log the node holds, its own first.
	Logs(ctx context.Context) ([]LogHealth, error)
	// Proof returns a receipt (c2sp.org/tlog-proof@v1, with the entry in
	// its extra line) for entry index of the log origin, relative to a
	// checkpoint the node holds. It wraps ErrNotFound for an unknown log
	// or an index past the log's end.
	Proof(ctx context.Context, origin string, index uint64) ([]byte, error)
	// Now is the time the dashboard answers "as known now" for, and the
	// default date of every page.
	Now() time.Time
	// Simulated is a banner shown on every page when the data is not
	// real, e.g. "Item-level data simulated, calibrated to public
	// aggregates"; empty for a real node.
	Simulated() string
	// Interpolated reports whether party's numbers on d are not figures
	// it stated but interpolated between them (a simulation calibrated to
	// published figures, where one was not published); the history draws
	// them as hollow markers. Always false for a real node.
	Interpolated(party string, d treaty.Date) bool
}

// LogHealth is what the dashboard shows about one log.
type LogHealth struct {
	Origin string // "accord/<treaty>/<party>"
	Party  string
	// VKey is the log's verifier key (golang.org/x/mod/sumdb/note), with
	// which every proof shown is checked.
	VKey string
	// Size is the number of entries in the latest checkpoint.
	Size uint64
	// Checkpoint is the latest signed checkpoint (c2sp.org/tlog-checkpoint)
	// the node holds, with every signature on it.
	Checkpoint []byte
	// CheckpointTime is when the node received or published it.
	CheckpointTime time.Time
	// Cosigners are the witnesses whose cosignatures the node holds on
	// Checkpoint.
	Cosigners []Cosignature
	// Evidence is every split view or rollback found for the log.
	Evidence []Evidence
}

// A Cosignature is one witness's cosignature on a checkpoint.
type Cosignature struct {
	Name string    // the witness key's name
	Time time.Time // the cosignature's timestamp
}

// Evidence is one evidence file of a log's misbehaviour.
type Evidence struct {
	File        string    // the file's name in the node's evidence directory
	Kind        string    // "fork", "rollback" or "split view"
	DetectedAt  time.Time // when it was found
	Explanation string    // what it shows, in words
}

package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/web"
)

// Server is a node on the network.
type Server struct {
	*node.Node

	// treaty is the node's treaty office: it ingests the peers' entries,
	// sends the operator's notifications and answers the treaty routes
	// (503 without one, for a server of the log alone).
	treaty *office.Office

	lock *node.Lock // held by a server Open made

	// readOnly is set on a replica (OpenReplica): it serves reads from a
	// shared PostgreSQL treaty database and refuses writes.
	readOnly bool

	// dash is the dashboard of the treaty office, made by Open (nil
	// otherwise: its routes answer 503); sessions are its operator's.
	dash     *web.Dashboard
	sessions *sessions

	once    sync.Once
	limiter *rateLimiter // anonymous requests per client address
	sheets  *sheetCache  // public fact sheets
	svc     atomic.Pointer[services]
}

// New returns the server of node n with its treaty office o, which may be
// nil to serve the log, the witness and the followers only. Serve makes o
// append through the log it opens, so one process has one appender.
func New(n *node.Node, o *office.Office) *Server {
	return &Server{Node: n, treaty: o, sessions: newSessions()}
}

// Open opens the node in dir to serve it: it refuses a data directory
// others can enter or whose tokens others can write (node.CheckAccess),
// takes the directory's lock (a second server, or accord reindex, is
// refused while it runs), opens the treaty office, bringing its database
// up to date with the logs, and its dashboard. Close releases them.
func Open(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	n, err := node.Open(ctx, dir, logger)
	if err != nil {
		return nil, err
	}
	if probs := node.CheckAccess(dir); len(probs) > 0 {
		return nil, fmt.Errorf("serve: %s", probs[0])
	}
	lock, err := n.Lock("accord serve")
	if err != nil {
		return nil, err
	}
	o, err := office.OpenNode(ctx, n)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s := New(n, o)
	s.lock = lock
	if err := s.openDashboard(); err != nil {
		s.Close(ctx)
		return nil, err
	}
	return s, nil
}

// Close closes the treaty office and releases the data directory.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	if s.treaty != nil {
		errs = append(errs, s.treaty.Close(ctx))
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

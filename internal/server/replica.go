package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"golang.org/x/sync/errgroup"

	"accord/internal/node"
	"accord/internal/office"
)

// errNoLog answers, on a read-only replica, a route that needs the
// running node's log, witness or followers.
var errNoLog = errors.New("this server is a read-only replica: the log, the witness and the peers are the appending node's")

// errReadOnly answers a write sent to a read-only replica.
var errReadOnly = errors.New("this server is a read-only replica: send writes to the node that appends")

// OpenReplica opens the node in dir to serve it read-only (accord serve
// --read-only): the dashboard and the operator API's reads, answered from
// the PostgreSQL treaty database accord.yaml names, which one other node,
// the writer, keeps up to date with the logs. A replica appends nothing,
// follows no peer, witnesses nothing and never writes to the database;
// several replicas may share one database with the writer. It takes no
// lock on dir, and refuses a node whose database is the embedded SQLite
// file, which has one writer on one machine.
func OpenReplica(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	n, err := node.Open(ctx, dir, logger)
	if err != nil {
		return nil, err
	}
	if n.Config.Database == "" {
		return nil, fmt.Errorf("serve --read-only: %s names no PostgreSQL database (database: in accord.yaml); a SQLite treaty database has one writer", node.ConfigFile)
	}
	if probs := node.CheckAccess(dir); len(probs) > 0 {
		return nil, fmt.Errorf("serve: %s", probs[0])
	}
	o, err := office.OpenReplica(ctx, n)
	if err != nil {
		return nil, err
	}
	s := New(n, o)
	s.readOnly = true
	if err := s.openDashboard(); err != nil {
		s.Close(ctx)
		return nil, err
	}
	return s, nil
}

// readOnlyGuard refuses, on a replica, the routes that write: every
// method but GET.
func (n *Server) readOnlyGuard(rt route) http.HandlerFunc {
	if !n.readOnly || strings.HasPrefix(rt.pattern, "GET ") {
		return rt.handler
	}
	return func(w http.ResponseWriter, r *http.Request) {
		httpError(w, http.StatusServiceUnavailable, errReadOnly)
	}
}

// serveReplica serves a replica on ln until ctx is done.
func (n *Server) serveReplica(ctx context.Context, srv *http.Server, ln net.Listener) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := n.listen(srv, ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error { return n.warmDashboard(ctx) })
	n.Logger.InfoContext(ctx, "serving read-only", "origin", n.Origin(), "url", n.scheme()+"://"+ln.Addr().String()+"/")
	return g.Wait()
}

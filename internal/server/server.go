// Package server serves a party's node on the network: the log's
// checkpoint and tiles (c2sp.org/tlog-tiles), the witness
// (c2sp.org/tlog-witness), the operator API over the treaty office, the
// public fact sheet, and the followers of the peers' logs. It only
// parses requests, calls the node (package node) and its treaty office
// (package office), and writes answers.
//
// Every route has an access level (route.access), checked against the
// OpenAPI document the server publishes; public routes face anyone and
// are bounded per client address (limits.go).
package server

import (
	"accord/internal/node"
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/sync/errgroup"
)

// Server timeouts (variables so that tests can shorten them).
var (
	// readHeaderTimeout bounds how long a client may take to send its
	// request headers, so idle connections cannot pile up (slowloris).
	readHeaderTimeout = 5 * time.Second
	// readTimeout bounds the whole request, body included: the largest
	// body a node takes (a declaration of 16 MiB) needs 30 s at 4 Mbit/s,
	// and a client sending a byte at a time is cut off.
	readTimeout = 30 * time.Second
	// maxHeaderBytes bounds a request's headers: accord's requests carry
	// a bearer token and little else.
	maxHeaderBytes = 16 << 10
	// writeTimeout bounds a response; the largest, an entry bundle, is
	// at most 16 MiB.
	writeTimeout = time.Minute
	// idleTimeout closes keep-alive connections nobody uses.
	idleTimeout = time.Minute
	// shutdownTimeout is how long in-flight requests get to finish when
	// the server stops.
	shutdownTimeout = 5 * time.Second
)

// Cache-Control values, as c2sp.org/tlog-tiles asks.
const (
	// The checkpoint changes as the log grows.
	cacheCheckpoint = "no-cache"
	// A full tile or bundle never changes.
	cacheFull = "public, max-age=31536000, immutable"
	// A partial tile or bundle never changes either, but is deleted once
	// the full one exists, so caches keep it only briefly.
	cachePartial = "public, max-age=60"
)

// Handler returns the node's HTTP API (docs/api.md, /openapi.json): the
// log under /log/ per c2sp.org/tlog-tiles, the witness under /witness/
// per c2sp.org/tlog-witness, health and the public fact sheet, all open
// to anyone; entry bundles for peers and the operator; and the operator
// API under /v1/. Routes that need the running node answer 503 until
// Serve has started it.
func (n *Server) Handler() http.Handler {
	n.once.Do(func() {
		n.limiter = newRateLimiter(n.Config.Limits.PublicRate)
		n.sheets = newSheetCache(n.Config.Limits.PublicWork, n.Config.Limits.SheetRefresh)
	})
	mux := http.NewServeMux()
	for _, rt := range n.routes() {
		mux.HandleFunc(rt.pattern, n.guard(rt.access, n.readOnlyGuard(rt)))
	}
	return mux
}

func (n *Server) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", cacheCheckpoint)
	n.serveFile(w, r, layout.CheckpointPath, "text/plain; charset=utf-8")
}

func (n *Server) serveBundle(w http.ResponseWriter, r *http.Request) {
	index, p, err := layout.ParseTileIndexPartial(r.PathValue("index"))
	path := layout.EntriesPath(index, p)
	if err != nil || r.URL.Path != "/log/"+path {
		// One resource, one URL: a non-canonical spelling
		// (x000/000.p/3 for 000.p/3) is not an alias a cache could
		// hold a second copy under.
		http.NotFound(w, r)
		return
	}
	setTileCache(w, p)
	n.serveFile(w, r, path, "application/octet-stream")
}

func (n *Server) serveTile(w http.ResponseWriter, r *http.Request) {
	level, index, p, err := layout.ParseTileLevelIndexPartial(r.PathValue("level"), r.PathValue("index"))
	path := layout.TilePath(level, index, p)
	if err != nil || r.URL.Path != "/log/"+path {
		http.NotFound(w, r)
		return
	}
	setTileCache(w, p)
	n.serveFile(w, r, path, "application/octet-stream")
}

func setTileCache(w http.ResponseWriter, p uint8) {
	if p == 0 {
		w.Header().Set("Cache-Control", cacheFull)
	} else {
		w.Header().Set("Cache-Control", cachePartial)
	}
}

// serveFile serves the log file at the clean relative path p, which the
// handlers build from parsed numbers, never from the request itself.
func (n *Server) serveFile(w http.ResponseWriter, r *http.Request, p, contentType string) {
	b, err := os.ReadFile(filepath.Join(n.Dir, node.LogDir, filepath.FromSlash(p)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.Header().Del("Cache-Control")
		http.NotFound(w, r)
		return
	case err != nil:
		n.Logger.ErrorContext(r.Context(), "reading log file", "path", p, "err", err)
		w.Header().Del("Cache-Control")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(b)
}

// Serve runs the node until ctx is done: it opens the log for
// appending acknowledgements, starts the witness and a follower per peer,
// and serves the API on ln (with TLS if the configuration names a
// certificate), then shuts down gracefully.
func (n *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           n.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	ln = newLimitListener(ln, n.Config.Limits.ConnsPerClient)
	if n.readOnly {
		return n.serveReplica(ctx, srv, ln)
	}
	svc, err := n.start(ctx)
	if err != nil {
		return err
	}
	defer n.stop(svc)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := n.listen(srv, ln)
		if !errors.Is(err, http.ErrServerClosed) {
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
	g.Go(func() error { return svc.peers.Run(ctx) })
	g.Go(func() error { return n.warmDashboard(ctx) })
	g.Go(func() error { return n.fetchReveals(ctx) })
	n.Logger.InfoContext(ctx, "serving", "origin", n.Origin(), "url", n.scheme()+"://"+ln.Addr().String()+"/", "peers", len(n.Config.Peers))
	return g.Wait()
}

func (n *Server) scheme() string {
	if n.Config.TLSCert != "" {
		return "https"
	}
	return "http"
}

func (n *Server) listen(srv *http.Server, ln net.Listener) error {
	if n.Config.TLSCert != "" {
		return srv.ServeTLS(ln, n.Path(n.Config.TLSCert), n.Path(n.Config.TLSKey))
	}
	return srv.Serve(ln)
}

// LogURL returns the URL prefix of the log served on addr.
func LogURL(addr string) string {
	return "http://" + strings.TrimPrefix(addr, "http://") + "/log/"
}

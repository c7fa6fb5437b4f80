package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/transparency-dev/tessera/api/layout"

	"accord/entry"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/peer"
	"accord/internal/registry"
	"accord/internal/treaty"
	"accord/internal/web"
	"accord/internal/witness"
)

// services are what a serving node runs besides the log files: set by
// Serve, nil when the handler only serves files (tests, accord serve
// before start-up completes).
type services struct {
	log     *ledger.Log
	witness *witness.Witness
	peers   *peer.Set
}

// access is who may call a route.
type access int

const (
	public       access = iota // anyone: log heads, hash tiles, witness, health
	peerOrOwn                  // a peer or the node's operator: entry bundles
	operatorOnly               // the node's operator
	// session is the operator's dashboard session (session.go), a
	// cookie, not a token: the dashboard checks it on each page
	// (web.Config.Authorize), so that a visitor without one is shown
	// how to open one.
	session
)

// route is one route of the node's API; the OpenAPI document is checked
// against this table.
type route struct {
	pattern string // ServeMux pattern, "METHOD /path"
	access  access
	handler http.HandlerFunc
}

func (n *Server) routes() []route {
	return append([]route{
		{"GET /log/checkpoint", public, n.serveCheckpoint},
		{"GET /log/tile/entries/{index...}", peerOrOwn, n.serveBundle},
		{"GET /log/tile/{level}/{index...}", public, n.serveTile},
		{"POST /witness/add-checkpoint", public, n.serveAddCheckpoint},
		{"GET /witness/checkpoints", public, n.serveCheckpoints},
		{"GET /healthz", public, serveHealth},
		{"GET /factsheet", public, n.serveFactSheet},
		{"GET /openapi.json", public, serveOpenAPI},
		{"GET /v1/log", operatorOnly, n.serveLogStatus},
		{"GET /v1/peers", operatorOnly, n.servePeers},
		{"GET /v1/log/entries", operatorOnly, n.serveEntries},
		{"GET /v1/findings", operatorOnly, n.serveFindings},
		{"POST /v1/notifications", operatorOnly, n.serveNotify},
		{"GET /v1/inventory", operatorOnly, n.serveInventory},
		{"GET /v1/status", operatorOnly, n.serveStatus},
		{"POST /v1/declarations", operatorOnly, n.serveDeclare},
		{"GET /login", public, n.serveLogin},
	}, n.dashboardRoutes()...)
}

// dashboardRoutes are the routes of the dashboard (web.Routes): its
// pages for the operator's session, the fact sheets and the stylesheet
// for anyone.
func (n *Server) dashboardRoutes() []route {
	var out []route
	for _, r := range web.Routes() {
		a := session
		if r.Public {
			a = public
		}
		out = append(out, route{r.Pattern, a, n.serveDashboard})
	}
	return out
}

// guard wraps h with the authentication its access requires.
func (n *Server) guard(a access, h http.HandlerFunc) http.HandlerFunc {
	if a == session {
		return h
	}
	if a == public {
		return func(w http.ResponseWriter, r *http.Request) {
			if !n.allowPublic(r) {
				tooMany(w)
				return
			}
			h(w, r)
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := n.Authenticate(r)
		if errors.Is(err, node.ErrUnauthenticated) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="accord"`)
			httpError(w, http.StatusUnauthorized, err)
			return
		}
		if err != nil {
			n.Logger.ErrorContext(r.Context(), "reading tokens", "err", err)
			httpError(w, http.StatusInternalServerError, errors.New("internal error"))
			return
		}
		if a == operatorOnly && (p.Role != node.RoleOperator || p.Party != n.Config.Party) {
			httpError(w, http.StatusForbidden, fmt.Errorf("%w: %s %s is not this node's operator", node.ErrForbidden, p.Party, p.Role))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// allowPublic reports whether a request to a public route is within its
// client address's rate. A request with a valid token (a peer following
// the log, the operator) is not counted.
func (n *Server) allowPublic(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		if _, err := n.Authenticate(r); err == nil {
			return true
		}
	}
	return n.limiter.allow(clientAddr(r.RemoteAddr))
}

func httpError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func serveHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "ok"})
}

func (n *Server) running(w http.ResponseWriter) *services {
	s := n.svc.Load()
	if s == nil {
		httpError(w, http.StatusServiceUnavailable, errors.New("the node is starting"))
	}
	return s
}

func (n *Server) serveAddCheckpoint(w http.ResponseWriter, r *http.Request) {
	if s := n.running(w); s != nil {
		s.witness.ServeHTTP(w, r)
	}
}

// serveCheckpoints serves the latest checkpoint the node holds for every
// log: its own, then each peer's copy (peer.Checkpoints).
func (n *Server) serveCheckpoints(w http.ResponseWriter, r *http.Request) {
	s := n.running(w)
	if s == nil {
		return
	}
	var list peer.Checkpoints
	if own, err := os.ReadFile(filepath.Join(n.Dir, node.LogDir, layout.CheckpointPath)); err == nil {
		list.Checkpoints = append(list.Checkpoints, string(own))
	}
	for _, cp := range s.peers.Mirrored() {
		list.Checkpoints = append(list.Checkpoints, string(cp))
	}
	w.Header().Set("Cache-Control", cacheCheckpoint)
	writeJSON(w, list)
}

// LogStatus is the body of GET /v1/log.
type LogStatus struct {
	Origin     string   `json:"origin"`
	Size       uint64   `json:"size"`
	Checkpoint string   `json:"checkpoint"`
	Cosigners  []string `json:"cosigned_by"`
}

func (n *Server) serveLogStatus(w http.ResponseWriter, r *http.Request) {
	st, err := n.LogStatus(r.Context())
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, st)
}

// LogStatus reports the node's log: its checkpoint and which of the
// configured witnesses cosigned it.
func (n *Server) LogStatus(ctx context.Context) (*LogStatus, error) {
	cp, signed, err := ledger.ReadCheckpoint(ctx, n.Source(), n.Verifier)
	if err != nil {
		return nil, err
	}
	st := &LogStatus{Origin: cp.Origin, Size: cp.Size, Checkpoint: string(signed), Cosigners: []string{}}
	for _, p := range n.Config.Peers {
		if v, err := witness.NewVerifier(p.WitnessVKey); err == nil && witness.Cosigned(signed, v) {
			st.Cosigners = append(st.Cosigners, p.Party)
		}
	}
	return st, nil
}

func (n *Server) servePeers(w http.ResponseWriter, r *http.Request) {
	if s := n.running(w); s != nil {
		writeJSON(w, map[string]any{"peers": s.peers.Status()})
	}
}

// Declare is the body of POST /v1/declarations: a declaration to sign
// and append to the node's log.
type Declare struct {
	Party     string          `json:"party"`     // must be the credential's and the node's party
	Effective string          `json:"effective"` // YYYY-MM-DD
	Body      json.RawMessage `json:"body"`      // a JSON object
}

// maxDeclare bounds a declaration request: an entry is under 64 KiB.
const maxDeclare = 1 << 16

func (n *Server) serveDeclare(w http.ResponseWriter, r *http.Request) {
	s := n.running(w)
	if s == nil {
		return
	}
	var d Declare
	if err := json.NewDecoder(io.LimitReader(r.Body, maxDeclare)).Decode(&d); err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("declaration: %w", err))
		return
	}
	if p, _ := principalFrom(r.Context()); d.Party != p.Party || d.Party != n.Config.Party {
		httpError(w, http.StatusForbidden, fmt.Errorf("%w: the credential of %s cannot declare for %q", node.ErrForbidden, p.Party, d.Party))
		return
	}
	e, err := declarationEntry(d)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	if !n.checkDeclaration(w, r, &e) {
		return
	}
	a, err := s.log.Append(r.Context(), e)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
	writeJSON(w, map[string]any{"index": a.Index, "checkpoint": string(a.Checkpoint)})
}

// checkDeclaration checks e against the treaty database, as the log's
// next entry (or, on a node that serves none, the body alone against the
// treaty), and answers 422 with the rule it breaks. Declarations are
// appended concurrently, so two requests of one date at different levels
// may both pass: the database refuses the later one in log order and
// reports it as a finding.
func (n *Server) checkDeclaration(w http.ResponseWriter, r *http.Request, e *entry.Entry) bool {
	e.Treaty, e.Party, e.Created = n.Config.Treaty, n.Config.Party, time.Now().UTC().Truncate(time.Millisecond)
	rec := registry.RecordOf(e, 0, nil)
	var err error
	if n.treaty != nil {
		err = n.treaty.Registry.Check(r.Context(), rec)
	} else if t, terr := treaty.Builtin(n.Config.Treaty); terr != nil {
		err = terr
	} else {
		_, _, err = registry.ParseDeclaration(t, &rec) // no database: the body alone
	}
	var refusal *registry.Refusal
	switch {
	case errors.As(err, &refusal):
		writeRefusal(w, refusal)
		return false
	case err != nil:
		n.internalError(w, r, "checking a declaration", err)
		return false
	}
	return true
}

func declarationEntry(d Declare) (entry.Entry, error) {
	day, err := treaty.ParseDate(d.Effective)
	if err != nil {
		return entry.Entry{}, fmt.Errorf("effective: %w", err)
	}
	eff := day.Time()
	body, err := entry.CanonicalJSON(d.Body)
	if err != nil || len(body) == 0 || body[0] != '{' {
		return entry.Entry{}, fmt.Errorf("body: not a JSON object")
	}
	return entry.Entry{Kind: entry.Declaration, Effective: eff, Body: body}, nil
}

type principalKey struct{}

// principalFrom returns the principal of an authenticated request.
func principalFrom(ctx context.Context) (node.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(node.Principal)
	return p, ok
}

package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"

	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/peer"
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
		{"GET /escrow/{hash}", public, n.serveReveal},
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
		a, h := session, n.serveDashboard
		if r.Public {
			a = public
		}
		if strings.Contains(r.Pattern, "/factsheet") {
			h = n.publicWork(h)
		}
		out = append(out, route{r.Pattern, a, h})
	}
	return out
}

// publicWork runs h, which may compute a fact sheet for anyone, within
// the limit on public computations (limits.public_work): more at once
// are answered 503.
func (n *Server) publicWork(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		release, ok := n.sheets.acquire(w)
		if !ok {
			return
		}
		defer release()
		h(w, r)
	}
}

// guard wraps h with the authentication its access requires.
func (n *Server) guard(a access, h http.HandlerFunc) http.HandlerFunc {
	if a == session {
		return h
	}
	if a == public {
		return func(w http.ResponseWriter, r *http.Request) {
			if !n.allowPublic(r) {
				tooMany(w, r)
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
	if s == nil && n.readOnly {
		httpError(w, http.StatusServiceUnavailable, errNoLog)
	} else if s == nil {
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
// and append to the node's log, read by the office as accord log append
// reads a file.
type Declare struct {
	// Party, if given, must be the credential's and the node's party.
	Party string `json:"party,omitempty"`
	// Effective is the effective date of a body whose rows carry none
	// (YYYY-MM-DD); it may not contradict theirs.
	Effective string `json:"effective,omitempty"`
	// Body is the declaration in JSON (docs/declarations.md).
	Body json.RawMessage `json:"body"`
}

// Declared is the body of a 201 answer to POST /v1/declarations: where
// the declaration landed. A declaration too large for one entry is
// recorded as consecutive entries, Parts; Index and LeafHash are the
// first's, Checkpoint a checkpoint that covers them all.
type Declared struct {
	Index      uint64   `json:"index"`
	LeafHash   string   `json:"leaf_hash"`
	Checkpoint string   `json:"checkpoint"`
	Parts      []Landed `json:"parts"`
}

// Landed is where one entry landed.
type Landed struct {
	Index    uint64 `json:"index"`
	LeafHash string `json:"leaf_hash"`
}

func (n *Server) serveDeclare(w http.ResponseWriter, r *http.Request) {
	o := n.treatyOffice(w)
	if o == nil {
		return
	}
	d, err := decodeDeclare(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	if p, _ := principalFrom(r.Context()); d.Party != "" && (d.Party != p.Party || d.Party != n.Config.Party) {
		httpError(w, http.StatusForbidden, fmt.Errorf("%w: the credential of %s cannot declare for %q", node.ErrForbidden, p.Party, d.Party))
		return
	}
	es, err := o.ReadDeclaration("declaration", d.Body, office.Given{Name: "effective", Value: d.Effective})
	if err != nil {
		n.officeError(w, r, "declaring", err)
		return
	}
	var out Declared
	err = o.Declare(r.Context(), es, func(i int, a ledger.Appended) {
		out.Parts = append(out.Parts, Landed{a.Index, hex.EncodeToString(a.LeafHash[:])})
		out.Checkpoint = string(a.Checkpoint)
	})
	if err != nil {
		n.officeError(w, r, "declaring", err)
		return
	}
	out.Index, out.LeafHash = out.Parts[0].Index, out.Parts[0].LeafHash
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(out)
}

// decodeDeclare reads the body of POST /v1/declarations strictly.
func decodeDeclare(r *http.Request) (*Declare, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, fmt.Errorf("declaration: %w", err)
	}
	if len(data) > maxRequest {
		return nil, fmt.Errorf("declaration: more than %d bytes", maxRequest)
	}
	if err := office.StrictJSON(data); err != nil {
		return nil, fmt.Errorf("declaration: %w", err)
	}
	var d Declare
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("declaration: %w", err)
	}
	if len(d.Body) == 0 || string(d.Body) == "null" {
		return nil, errors.New(`declaration: no "body": give the declaration in JSON (docs/declarations.md)`)
	}
	if d.Body[0] != '{' {
		return nil, errors.New(`declaration: "body" is not a JSON object`)
	}
	return &d, nil
}

type principalKey struct{}

// principalFrom returns the principal of an authenticated request.
func principalFrom(ctx context.Context) (node.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(node.Principal)
	return p, ok
}

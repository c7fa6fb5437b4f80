package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"accord/internal/node"
	"accord/internal/web"
)

// The operator opens the dashboard with a one-time login link that
// accord dashboard-link prints (node.AddLogin): GET /login?code=CODE
// consumes the code and answers with a session cookie, which every page
// of the dashboard but the public fact sheet requires.
const (
	// SessionCookie is the name of the dashboard's session cookie.
	SessionCookie = "accord_session"
	// SessionLifetime is how long a session lasts (the cookie's
	// Max-Age): a working day, after which the operator asks for a new
	// link. Sessions live in the server's memory, so a restart ends them
	// all.
	SessionLifetime = 12 * time.Hour
	// maxSessions bounds the sessions one server holds: each needs a
	// login code, which only the operator can issue.
	maxSessions = 1024
)

// sessions are the dashboard sessions a server has opened, by the
// SHA-256 hash of their cookie's value. It is safe for concurrent use.
type sessions struct {
	now func() time.Time

	mu      sync.Mutex
	expires map[[sha256.Size]byte]time.Time
}

func newSessions() *sessions {
	return &sessions{now: time.Now, expires: map[[sha256.Size]byte]time.Time{}}
}

// open starts a session and returns its cookie's value.
func (s *sessions) open() string {
	var raw [32]byte
	rand.Read(raw[:])
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Expired sessions go; past maxSessions, so do others, at random.
	for k, exp := range s.expires {
		if !now.Before(exp) || len(s.expires) >= maxSessions {
			delete(s.expires, k)
		}
	}
	s.expires[sha256.Sum256([]byte(id))] = now.Add(SessionLifetime)
	return id
}

// valid reports whether r carries the cookie of an open session.
func (s *sessions) valid(r *http.Request) bool {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.expires[sha256.Sum256([]byte(c.Value))]
	return ok && s.now().Before(exp)
}

// serveLogin consumes the login code of GET /login?code=CODE, sets the
// session cookie and sends the browser to the overview, dropping the code
// from the address bar. The cookie is HttpOnly (no script reads it),
// SameSite=Strict (no other site's page sends it), Secure when the node
// serves TLS, and expires with the session.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	web.SetSecurityHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-store")
	err := s.UseLogin(s.sessions.now(), r.URL.Query().Get("code"))
	if errors.Is(err, node.ErrBadLogin) {
		http.Error(w, "this login link is unknown, used or expired: run accord dashboard-link --data DIR on the node for a new one", http.StatusUnauthorized)
		return
	}
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "using a login code", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: s.sessions.open(), Path: "/",
		MaxAge: int(SessionLifetime / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

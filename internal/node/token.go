package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"accord/internal/durable"
	"accord/internal/treaty"
)

// TokensFile holds the SHA-256 hashes of the bearer tokens a node
// accepts, one per line: "<party> <role> <hex SHA-256 of the token>".
// Tokens themselves are printed once by AddToken and never stored.
const TokensFile = "tokens"

// Roles a token grants.
const (
	// RoleOperator is the node's own party's treaty office: the operator
	// API and the log's entries.
	RoleOperator = "operator"
	// RolePeer is another party's node: the log's entries, to follow it.
	RolePeer = "peer"
)

// Errors of authentication, answered 401 and 403.
var (
	ErrUnauthenticated = errors.New("missing or unknown credential")
	ErrForbidden       = errors.New("credential does not allow this")
)

// Principal is who a request is authenticated as: a party in a role.
type Principal struct {
	Party string
	Role  string
}

type principalKey struct{}

// PrincipalFrom returns the principal of an authenticated request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

type tokenRecord struct {
	Principal
	hash [sha256.Size]byte
}

// AddToken issues a new bearer token for party in role, records its hash
// in DIR/tokens and returns the token, which is shown only this once. An
// operator token is for the node's own party; a peer token for another
// party of the treaty.
func (n *Node) AddToken(party, role string) (string, error) {
	switch {
	case role == RoleOperator && party != n.Config.Party:
		return "", fmt.Errorf("an operator token is for the node's own party %s, not %s", n.Config.Party, party)
	case role == RolePeer && party == n.Config.Party:
		return "", fmt.Errorf("a peer token is for another party than the node's own")
	case role != RoleOperator && role != RolePeer:
		return "", fmt.Errorf("role %q is not %s or %s", role, RoleOperator, RolePeer)
	}
	if t, err := treaty.Builtin(n.Config.Treaty); err == nil {
		if _, ok := t.Party(party); !ok {
			return "", fmt.Errorf("%q is not a party to %s", party, n.Config.Treaty)
		}
	}
	var raw [32]byte
	rand.Read(raw[:])
	tok := "accord_" + base64.RawURLEncoding.EncodeToString(raw[:])
	h := sha256.Sum256([]byte(tok))
	path := filepath.Join(n.Dir, TokensFile)
	old, err := os.ReadFile(path)
	if err != nil && !notExist(err) {
		return "", err
	}
	line := fmt.Sprintf("%s %s %s\n", party, role, hex.EncodeToString(h[:]))
	if err := durable.WriteFile(path, append(old, line...), 0o600); err != nil {
		return "", fmt.Errorf("recording token: %w", err)
	}
	return tok, nil
}

func parseTokens(b []byte) ([]tokenRecord, error) {
	var recs []tokenRecord
	s := bufio.NewScanner(bytes.NewReader(b))
	for i := 1; s.Scan(); i++ {
		f := strings.Fields(s.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		var r tokenRecord
		h, err := hex.DecodeString(f[len(f)-1])
		if len(f) != 3 || err != nil || len(h) != sha256.Size || (f[1] != RoleOperator && f[1] != RolePeer) {
			return nil, fmt.Errorf("%s:%d: not \"<party> <role> <sha256>\"", TokensFile, i)
		}
		r.Party, r.Role = f[0], f[1]
		copy(r.hash[:], h)
		recs = append(recs, r)
	}
	return recs, s.Err()
}

// tokenStore reads DIR/tokens again whenever it changes, so that tokens
// added while the node serves take effect at once.
type tokenStore struct {
	path string

	mu    sync.Mutex
	mtime time.Time
	size  int64
	recs  []tokenRecord
}

func (s *tokenStore) load() ([]tokenRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(s.path)
	if notExist(err) {
		s.recs = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if fi.ModTime().Equal(s.mtime) && fi.Size() == s.size && s.recs != nil {
		return s.recs, nil
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return nil, err
	}
	recs, err := parseTokens(b)
	if err != nil {
		return nil, err
	}
	s.recs, s.mtime, s.size = recs, fi.ModTime(), fi.Size()
	return recs, nil
}

// authenticate returns the principal of the request's bearer token. It
// compares the token's hash with every stored hash in constant time.
func (s *tokenStore) authenticate(r *http.Request) (Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return Principal{}, ErrUnauthenticated
	}
	recs, err := s.load()
	if err != nil {
		return Principal{}, err
	}
	h := sha256.Sum256([]byte(tok))
	var found Principal
	match := 0
	for _, rec := range recs {
		if subtle.ConstantTimeCompare(h[:], rec.hash[:]) == 1 {
			found, match = rec.Principal, 1
		}
	}
	if match == 0 {
		return Principal{}, ErrUnauthenticated
	}
	return found, nil
}

// ReadTokenFile reads a bearer token from a file, as "accord token add"
// printed it: surrounding space is ignored, and an empty file is an error.
func ReadTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%s holds no token", path)
	}
	return tok, nil
}

package node

import (
	"bufio"
	"bytes"
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
	"syscall"
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
	line := fmt.Sprintf("%s %s %s\n", party, role, hex.EncodeToString(h[:]))
	err := n.editTokens(func(old []byte) ([]byte, error) { return append(old, line...), nil })
	if err != nil {
		return "", fmt.Errorf("recording token: %w", err)
	}
	return tok, nil
}

// TokenID is the id of the token whose SHA-256 hash is h: its first 12
// hex digits, which name the token in accord token list and revoke
// without revealing it.
func TokenID(h [sha256.Size]byte) string { return hex.EncodeToString(h[:6]) }

// A Token is one token a node accepts, as accord token list shows it.
type Token struct {
	ID    string `json:"id"`
	Party string `json:"party"`
	Role  string `json:"role"`
}

// Tokens lists the tokens the node accepts.
func (n *Node) Tokens() ([]Token, error) {
	b, err := os.ReadFile(filepath.Join(n.Dir, TokensFile))
	if err != nil && !notExist(err) {
		return nil, err
	}
	recs, err := parseTokens(b)
	if err != nil {
		return nil, err
	}
	out := make([]Token, len(recs))
	for i, r := range recs {
		out[i] = Token{ID: TokenID(r.hash), Party: r.Party, Role: r.Role}
	}
	return out, nil
}

// ErrNoToken reports a token id the node does not hold.
var ErrNoToken = errors.New("no such token")

// RevokeToken removes the token with the given id: a running node
// refuses it from its next request on.
func (n *Node) RevokeToken(id string) error {
	return n.editTokens(func(old []byte) ([]byte, error) {
		var out []byte
		found := false
		for line := range strings.Lines(string(old)) {
			recs, err := parseTokens([]byte(line))
			if err == nil && len(recs) == 1 && TokenID(recs[0].hash) == id {
				found = true
				continue
			}
			out = append(out, line...)
		}
		if !found {
			return nil, fmt.Errorf("%w with id %q (accord token list shows them)", ErrNoToken, id)
		}
		return out, nil
	})
}

// editTokens rewrites DIR/tokens with edit's result, holding an exclusive
// lock on DIR/tokens.lock so that concurrent edits (two accord token add,
// say) each see the other's result.
func (n *Node) editTokens(edit func(old []byte) ([]byte, error)) error {
	return n.editFile(TokensFile, func(old []byte) ([]byte, error) {
		if _, err := parseTokens(old); err != nil {
			return nil, err
		}
		return edit(old)
	})
}

// editFile rewrites DIR/name with edit's result, durably and mode 0600,
// holding an exclusive lock on DIR/name.lock: an edit sees every edit
// made before it, by any process. A missing file reads as empty.
func (n *Node) editFile(name string, edit func(old []byte) ([]byte, error)) error {
	lock, err := os.OpenFile(filepath.Join(n.Dir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s.lock: %w", name, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	path := filepath.Join(n.Dir, name)
	old, err := os.ReadFile(path)
	if err != nil && !notExist(err) {
		return err
	}
	b, err := edit(old)
	if err != nil {
		return err
	}
	return durable.WriteFile(path, b, 0o600)
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
	ino   uint64
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
	ino := inode(fi)
	if fi.ModTime().Equal(s.mtime) && fi.Size() == s.size && ino == s.ino && s.recs != nil {
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
	s.recs, s.mtime, s.size, s.ino = recs, fi.ModTime(), fi.Size(), ino
	return recs, nil
}

// inode returns the file's inode number: every rewrite of DIR/tokens
// renames a new file over it, so a new inode means new contents even
// where the clock's resolution hides the change of time.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// Authenticate returns the principal of the request's bearer token, which
// it compares in constant time with every token the node accepts: it
// rereads DIR/tokens whenever the file is replaced, so a token added or
// revoked while the node serves takes effect at once. A missing or
// unknown token is ErrUnauthenticated.
func (n *Node) Authenticate(r *http.Request) (Principal, error) {
	n.tokensOnce.Do(func() { n.tokens = &tokenStore{path: filepath.Join(n.Dir, TokensFile)} })
	return n.tokens.authenticate(r)
}

func (s *tokenStore) authenticate(r *http.Request) (Principal, error) {
	// The scheme's name is case-insensitive (RFC 7235, section 2.1).
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
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

package node

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LoginsFile holds the one-time dashboard login codes a node has issued
// and not yet seen used, one per line: "<hex SHA-256 of the code> <expiry,
// Unix seconds>". Like tokens, the codes themselves are printed once by
// AddLogin and never stored.
const LoginsFile = "logins"

// ErrBadLogin reports a login code the node does not hold: never issued,
// already used, or expired.
var ErrBadLogin = errors.New("unknown, used or expired login code")

// A Login is a one-time dashboard login code.
type Login struct {
	Code    string
	Expires time.Time
}

// AddLogin issues a one-time code that opens a session on the node's
// dashboard for whoever presents it before now+ttl (accord
// dashboard-link): its hash is recorded in DIR/logins, the code returned
// once.
func (n *Node) AddLogin(now time.Time, ttl time.Duration) (Login, error) {
	if ttl <= 0 {
		return Login{}, fmt.Errorf("a login code's lifetime %v is not positive", ttl)
	}
	var raw [32]byte
	rand.Read(raw[:])
	l := Login{Code: base64.RawURLEncoding.EncodeToString(raw[:]), Expires: now.Add(ttl).Truncate(time.Second)}
	h := sha256.Sum256([]byte(l.Code))
	err := n.editLogins(now, func(lines []string) ([]string, error) {
		return append(lines, fmt.Sprintf("%s %d", hex.EncodeToString(h[:]), l.Expires.Unix())), nil
	})
	if err != nil {
		return Login{}, fmt.Errorf("recording login code: %w", err)
	}
	return l, nil
}

// UseLogin consumes code: it succeeds once, before the code's expiry, and
// wraps ErrBadLogin otherwise. Codes compare in constant time.
func (n *Node) UseLogin(now time.Time, code string) error {
	h := sha256.Sum256([]byte(code))
	want := hex.EncodeToString(h[:])
	return n.editLogins(now, func(lines []string) ([]string, error) {
		out := lines[:0:0]
		found := false
		for _, line := range lines {
			if subtle.ConstantTimeCompare([]byte(strings.Fields(line)[0]), []byte(want)) == 1 {
				found = true
				continue
			}
			out = append(out, line)
		}
		if !found {
			return nil, ErrBadLogin
		}
		return out, nil
	})
}

// editLogins rewrites DIR/logins with edit's result, under an exclusive
// lock on DIR/logins.lock so that two uses of one code cannot both
// succeed. edit sees only the codes not expired at now, so expired ones
// are dropped by every edit.
func (n *Node) editLogins(now time.Time, edit func([]string) ([]string, error)) error {
	return n.editFile(LoginsFile, func(old []byte) ([]byte, error) {
		lines, err := liveLogins(old, now)
		if err != nil {
			return nil, err
		}
		if lines, err = edit(lines); err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		return []byte(b.String()), nil
	})
}

// liveLogins parses DIR/logins and returns its lines not expired at now.
func liveLogins(b []byte, now time.Time) ([]string, error) {
	var out []string
	i := 0
	for line := range strings.Lines(string(b)) {
		i++
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		h, herr := hex.DecodeString(f[0])
		exp, eerr := strconv.ParseInt(f[len(f)-1], 10, 64)
		if len(f) != 2 || herr != nil || len(h) != sha256.Size || eerr != nil {
			return nil, fmt.Errorf("%s:%d: not \"<sha256> <expiry>\"", LoginsFile, i)
		}
		if now.Before(time.Unix(exp, 0)) {
			out = append(out, strings.Join(f, " "))
		}
	}
	return out, nil
}

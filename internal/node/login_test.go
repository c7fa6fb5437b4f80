package node

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLogin checks the one-time dashboard login codes: a code works once,
// not after its expiry, not when never issued; only its hash is stored,
// expired codes are dropped, and of many concurrent uses of one code
// exactly one succeeds.
func TestLogin(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	n, err := Init(t.Context(), dir, "newstart", "USA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	a, err := n.AddLogin(now, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := n.AddLogin(now, time.Minute)
	stored, _ := os.ReadFile(filepath.Join(dir, LoginsFile))
	if strings.Contains(string(stored), a.Code) || strings.Count(string(stored), "\n") != 2 {
		t.Fatalf("logins file holds a code in the clear, or not one line per code:\n%s", stored)
	}
	if fi, err := os.Stat(filepath.Join(dir, LoginsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("logins file: %v, %v", fi, err)
	}
	later := now.Add(2 * time.Minute)
	for _, c := range []struct {
		code string
		at   time.Time
		ok   bool
	}{
		{"never-issued", later, false},
		{old.Code, later, false}, // expired
		{a.Code, now.Add(10 * time.Minute), false},
		{a.Code, later, true},
		{a.Code, later, false}, // used
	} {
		if err := n.UseLogin(c.at, c.code); (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrBadLogin)) {
			t.Errorf("UseLogin(%.8s… at %s) = %v, want ok %v", c.code, c.at.Format(time.TimeOnly), err, c.ok)
		}
	}
	if stored, _ := os.ReadFile(filepath.Join(dir, LoginsFile)); len(stored) != 0 {
		t.Errorf("used and expired codes are still stored:\n%s", stored)
	}

	b, _ := n.AddLogin(now, time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 16 {
		wg.Go(func() {
			if n.UseLogin(now, b.Code) == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of 16 concurrent uses of one code succeeded, want 1", won)
	}
	if _, err := n.AddLogin(now, 0); err == nil {
		t.Error("AddLogin accepted a lifetime of 0")
	}
}

// TestLoginsMalformed checks that a damaged logins file is reported with
// its line and accepts no code.
func TestLoginsMalformed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	n, err := Init(t.Context(), dir, "newstart", "USA")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, LoginsFile), []byte("00 1\n"), 0o600)
	err = n.UseLogin(time.Now(), "x")
	if err == nil || err.Error() != `logins:1: not "<sha256> <expiry>"` {
		t.Errorf("UseLogin on a damaged file = %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func runAccord(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, &out, &out)
	return code, out.String()
}

// TestLogVerifyExitStatus checks that a tampered log fails verification
// with exit status 1, and bad input exits 2.
func TestLogVerifyExitStatus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "usa")
	trust := filepath.Join(t.TempDir(), "trust")
	if code, out := runAccord(t, "init", "--party", "USA", "--treaty", "newstart", "--data", dir); code != 0 {
		t.Fatal(out)
	}
	if code, out := runAccord(t, "log", "append", "--data", dir, "../../testdata/us-2020-09-01-types.csv"); code != 0 {
		t.Fatal(out)
	}
	if code, out := runAccord(t, "log", "verify", "--trust-store", trust, dir); code != 0 {
		t.Fatal(out)
	}
	bundle := filepath.Join(dir, "log", "tile", "entries", "000.p", "1")
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 1
	os.WriteFile(bundle, b, 0o644)
	if code, out := runAccord(t, "log", "verify", "--trust-store", trust, dir); code != exitFailed || !bytes.Contains([]byte(out), []byte("entry 0")) {
		t.Fatalf("tampered log: exit %d, %s", code, out)
	}
	if code, out := runAccord(t, "log", "verify", "--vkey", "nosuch.vkey", dir); code != exitBadInput {
		t.Fatalf("missing key: exit %d, %s", code, out)
	}
	if code, out := runAccord(t, "fsck", "--data", dir); code != exitFailed {
		t.Fatalf("fsck of tampered log: exit %d, %s", code, out)
	}
}

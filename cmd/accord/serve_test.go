package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeParanoid damages an entry of a node's log: serve --paranoid
// refuses to start, with exit status 1 and one line naming the entry.
func TestServeParanoid(t *testing.T) {
	dir := newNode(t)
	if code, out := runAccord(t, "log", "append", "--data", dir, "../../testdata/us-2020-09-01-types.csv"); code != 0 {
		t.Fatal(out)
	}
	bundle := filepath.Join(dir, "log", "tile", "entries", "000.p", "1")
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 1
	os.WriteFile(bundle, b, 0o600)
	code, out, errOut := runAccordErr(t, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--paranoid")
	if code != exitFailed || !strings.Contains(errOut, "--paranoid") || !strings.Contains(errOut, "entry 0") {
		t.Fatalf("serve --paranoid of a damaged log: exit %d, %s%s", code, out, errOut)
	}
	oneLine(t, errOut)
}

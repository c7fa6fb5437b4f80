package server

import (
	"accord/internal/node"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogVerifyURL runs `accord log verify` against a served node: with a
// peer's token in --token-file it verifies every entry; without one the
// node refuses the entry bundles and verification fails (exit 1); a token
// file with a local log is bad input (exit 2).
func TestLogVerifyURL(t *testing.T) {
	nd, u := newTestNode(t, 5)
	tok, err := nd.AddToken("RUS", node.RolePeer)
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "rus.token")
	if err := os.WriteFile(tokenFile, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vkey := filepath.Join(nd.Dir, node.VKeyFile)
	verify := func(args ...string) (int, string) {
		cmd := exec.Command(accordBin, append([]string{"log", "verify", "--trust-store", t.TempDir(), "--vkey", vkey}, args...)...)
		out, err := cmd.CombinedOutput()
		if cmd.ProcessState == nil {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := verify("--token-file", tokenFile, u); code != 0 || !strings.Contains(out, "5 entries verified") {
		t.Errorf("verify with a peer's token: exit %d\n%s", code, out)
	}
	if code, out := verify(u); code != 1 || !strings.Contains(out, "401") {
		t.Errorf("verify without a token: exit %d, want 1 naming 401\n%s", code, out)
	}
	if code, out := verify("--token-file", tokenFile, filepath.Join(nd.Dir, node.LogDir)); code != 2 || !strings.Contains(out, "not a URL") {
		t.Errorf("--token-file with a local log: exit %d, want 2\n%s", code, out)
	}
}

package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	_ "modernc.org/sqlite"

	"accord/internal/node"
	"accord/internal/witness"
)

// TestLitewitness has an independent witness, torchwood's litewitness
// (a real process, key in an ssh-agent), cosign an accord log: the node
// sends it each checkpoint with the consistency proof it asks for, and
// publishes the checkpoint with its cosignature.
func TestLitewitness(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "litewitness")
	// litewitness is built from its own module (tools/litewitness), so
	// that accord's module graph stays free of torchwood's dependencies.
	tools, err := filepath.Abs(filepath.Join("..", "..", "tools", "litewitness"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-C", tools, "-o", bin, "filippo.io/torchwood/cmd/litewitness").CombinedOutput(); err != nil {
		t.Fatalf("building litewitness: %v\n%s", err, out)
	}
	pub, sock, fingerprint := sshAgent(t)
	const name = "example.com/witness"
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	db := filepath.Join(t.TempDir(), "lw.db")
	addr := freeAddr(t)
	lw := exec.Command(bin, "-name", name, "-db", db, "-ssh-agent", sock, "-key", fingerprint, "-listen", addr)
	lw.Stderr = os.Stderr
	if err := lw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lw.Process.Kill(); lw.Wait() })
	waitFor(t, "litewitness to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	addLog(t, db, usa.verifier().Name(), readKey(t, usa.dir, node.VKeyFile))
	wvkey := witness.VerifierKey(name, pub)
	usa.configure(func(c *node.Config) { c.Witness.Extra = []node.ExtraWitness{{VKey: wvkey, URL: "http://" + addr}} })
	usa.start()
	v, err := witness.NewVerifier(wvkey)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 { // the first checkpoint, then growth with consistency proofs
		usa.declare(2 + round)
		usa.waitFor("a checkpoint cosigned by litewitness", func() bool {
			resp, err := usa.do("GET", "log/checkpoint", "", "")
			return err == nil && witness.Cosigned(resp.Body, v)
		})
	}
}

// sshAgent serves an ssh-agent holding a new Ed25519 key on a Unix
// socket and returns the key, the socket and the key's fingerprint.
func sshAgent(t *testing.T) (ed25519.PublicKey, string, string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kr := agent.NewKeyring()
	if err := kr.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "lw") // short: Unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go agent.ServeAgent(kr, c)
		}
	}()
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pub, sock, ssh.FingerprintSHA256(sp)
}

// addLog tells litewitness about a log, as its witnessctl add-log and
// add-key do: litewitness creates the tables when it starts.
func addLog(t *testing.T, path, origin, vkey string) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	empty := sha256.Sum256(nil)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO log (origin, tree_size, tree_hash) VALUES (?, 0, ?)", []any{origin, base64.StdEncoding.EncodeToString(empty[:])}},
		{"INSERT INTO key (origin, key) VALUES (?, ?)", []any{origin, vkey}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
}

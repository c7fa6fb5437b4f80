package server

import (
	"accord/internal/node"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dumpOnFailure logs every node's serve log if the test fails.
func dumpOnFailure(t *testing.T, ps []*proc) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range ps {
			b, _ := os.ReadFile(filepath.Join(p.dir, "serve.log"))
			t.Logf("%s:\n%s", p.party, b)
		}
	})
}

// acked returns how many entries of q's log p has recorded as ingested
// and acknowledged.
func (p *proc) acked(q *proc) float64 {
	st := p.peerStatus()[q.party]
	if st == nil {
		return 0
	}
	return st["acknowledged"].(float64)
}

// lastError returns p's follower's last error about q.
func (p *proc) lastError(q *proc) string {
	s, _ := p.peerStatus()[q.party]["last_error"].(string)
	return s
}

// TestKilledMidSync kills a node with SIGKILL while it ingests and
// acknowledges a peer's log, restarts it, and checks every entry ends
// acknowledged exactly once, both nodes' treaty databases answer alike,
// and the killed node's database holds exactly what one rebuilt from its
// logs holds: no entry applied twice.
func TestKilledMidSync(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	dumpOnFailure(t, ps)
	rus.start()
	usa.start()
	usa.sendNotifications("newstart")
	usa.stop()
	before := float64(rus.size()) // RUS's acknowledgements of USA's notifications
	rus.declare(300)
	rus.sendNotifications("newstart")
	rus.declare(300)
	usa.start()
	usa.waitFor("acknowledging RUS's log", func() bool { return usa.acked(rus) > before })
	usa.kill()
	t.Logf("killed USA with %d of %d RUS entries acknowledged; database: %s", len(usa.acks(rus.verifier().Name())), rus.size(), dbCounts(t, usa.dir))
	usa.start()
	waitFor(t, "both nodes to converge", func() bool { return converged(t, ps) })
	sameEngine(t, "newstart", ps)
	usa.checkReindexed()
}

// TestTruncatedTile has a peer serve a truncated hash tile: nothing of
// its log is copied or acknowledged until the tile is whole again.
func TestTruncatedTile(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	dumpOnFailure(t, ps)
	rus.start()
	rus.declare(5)
	tile := filepath.Join(rus.dir, node.LogDir, "tile", "0", "000.p", "5")
	whole, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tile, whole[:len(whole)-7], 0o644)
	usa.start()
	usa.waitFor("a failed sync of RUS", func() bool { return strings.Contains(usa.lastError(rus), "fails verification") })
	if n := usa.acked(rus); n != 0 || len(usa.acks(rus.verifier().Name())) != 0 {
		t.Fatalf("USA acknowledged %v entries of a log it could not verify", n)
	}
	if _, err := os.Stat(filepath.Join(usa.dir, node.PeersDir, "RUS", node.LogDir, "checkpoint")); err == nil {
		t.Fatal("USA holds a copy of a log it could not verify")
	}
	os.WriteFile(tile, whole, 0o644)
	waitFor(t, "both nodes to converge", func() bool { return converged(t, ps) })
}

// TestRollback restores a peer's data directory from an older copy: the
// follower refuses to go back, and once the peer appends a different
// history, writes evidence that verifies offline; nothing is lost or
// acknowledged twice.
func TestRollback(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa, rus := ps[0], ps[1]
	dumpOnFailure(t, ps)
	rus.start()
	rus.declare(2)
	rus.stop()
	backup := filepath.Join(t.TempDir(), "rus-backup")
	copyDir(t, rus.dir, backup)
	rus.start()
	rus.declare(3)
	usa.start()
	waitFor(t, "both nodes to converge", func() bool { return converged(t, ps) })
	seen := rus.size()
	rus.stop()
	os.RemoveAll(rus.dir)
	copyDir(t, backup, rus.dir)
	rus.start()
	usa.waitFor("the rollback to be noticed", func() bool { return strings.Contains(usa.lastError(rus), "older checkpoint") })
	rus.declare(int(seen)) // a different history, longer than the one seen
	ev := usa.waitForEvidence()
	out, err := exec.Command(accordBin, "evidence", "verify", ev, "--vkey", filepath.Join(rus.dir, node.VKeyFile)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "proven") {
		t.Fatalf("accord evidence verify: %v\n%s", err, out)
	}
	acks := usa.acks(rus.verifier().Name())
	if uint64(len(acks)) > seen {
		t.Fatalf("USA acknowledged %d RUS entries, only %d were seen before the fork", len(acks), seen)
	}
	for i, n := range acks {
		if n != 1 {
			t.Errorf("RUS#%d acknowledged %d times", i, n)
		}
	}
}

// waitForEvidence waits for an evidence file and returns its path.
func (p *proc) waitForEvidence() string {
	var path string
	p.waitFor("evidence", func() bool {
		m, _ := filepath.Glob(filepath.Join(p.dir, node.EvidenceDir, "*.json"))
		if len(m) > 0 {
			path = m[0]
		}
		return path != ""
	})
	return path
}

func copyDir(t *testing.T, from, to string) {
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// TestSplitView has RUS show USA a forked history (a second server with
// the same key) while CHN sees the original: USA finds the fork by
// comparing the checkpoints CHN holds, and its evidence verifies offline.
func TestSplitView(t *testing.T) {
	ps := newNetwork(t, "trilateral-draft", "USA", "RUS", "CHN")
	usa, rus, chn := ps[0], ps[1], ps[2]
	dumpOnFailure(t, ps)
	rus.start()
	rus.declare(1)
	rus.stop()
	fork := &proc{t: t, party: "RUS", dir: filepath.Join(t.TempDir(), "rus-fork"), addr: freeAddr(t), operator: rus.operator}
	copyDir(t, rus.dir, fork.dir)
	fork.configure(func(*node.Config) {})
	usa.configure(func(c *node.Config) {
		for i := range c.Peers {
			if c.Peers[i].Party == "RUS" {
				c.Peers[i].URL = fork.url()
			}
		}
	})
	rus.start()
	fork.start()
	rus.declare(1)
	fork.declare(3)
	usa.start()
	chn.start()
	ev := usa.waitForEvidence()
	out, err := exec.Command(accordBin, "evidence", "verify", ev, "--vkey", filepath.Join(rus.dir, node.VKeyFile)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "proven") {
		t.Fatalf("accord evidence verify: %v\n%s", err, out)
	}
	resp, err := usa.do("GET", "v1/findings", usa.operator, "")
	if err != nil || !strings.Contains(string(resp.Body), `"split_views":[{`) || !strings.Contains(string(resp.Body), "accord/trilateral-draft/RUS") {
		t.Fatalf("findings: %v %s", err, resp.Body)
	}
	// The finding is in RUS's status, over the API and on the command line.
	resp, err = usa.do("GET", "v1/status?party=RUS", usa.operator, "")
	if err != nil || !strings.Contains(string(resp.Body), `"split_view"`) || !strings.Contains(string(resp.Body), filepath.Base(ev)) {
		t.Fatalf("status of RUS: %v %s", err, resp.Body)
	}
	out, err = exec.Command(accordBin, "status", "--data", usa.dir, "--party", "RUS").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "  split_view  ") {
		t.Fatalf("accord status: %v\n%s", err, out)
	}
	// A tampered evidence file proves nothing: exit status 1.
	b, _ := os.ReadFile(ev)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(b), `"consistency_proof": [`, `"consistency_proof": [ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",`, 1)), 0o644)
	cmd := exec.Command(accordBin, "evidence", "verify", bad)
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("verify of tampered evidence: %v, want exit status 1", err)
	}
}

// TestSlowPeer stops a peer's process (SIGSTOP): the other nodes keep
// following and acknowledging each other, and catch up with it once it
// runs again.
func TestSlowPeer(t *testing.T) {
	ps := newNetwork(t, "trilateral-draft", "USA", "RUS", "CHN")
	usa, rus, chn := ps[0], ps[1], ps[2]
	dumpOnFailure(t, ps)
	for _, p := range ps {
		p.start()
	}
	chn.declare(2)
	chn.cmd.Process.Signal(syscall.SIGSTOP)
	usa.declare(2)
	rus.declare(2)
	waitFor(t, "USA and RUS to converge while CHN is stopped", func() bool { return converged(t, ps[:2]) })
	chn.cmd.Process.Signal(syscall.SIGCONT)
	waitFor(t, "all three to converge", func() bool { return converged(t, ps) })
}

// TestCorruptTileRefused flips one bit in the hash tile a new checkpoint
// would be computed from: accord serve refuses to start, naming the fault
// and accord fsck, and signs nothing; fsck finds the same fault.
func TestCorruptTileRefused(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	usa.declare(5)
	usa.stop()
	<-usa.exited
	tile := filepath.Join(usa.dir, node.LogDir, "tile", "0", "000.p", "5")
	b, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	b[40] ^= 1
	os.WriteFile(tile, b, 0o644)
	cp, _ := os.ReadFile(filepath.Join(usa.dir, node.LogDir, "checkpoint"))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, accordBin, "serve", "--data", usa.dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "log storage corrupt") || !strings.Contains(string(out), "accord fsck") {
		t.Fatalf("serve on a corrupt tile: %v\n%s", err, out)
	}
	if now, _ := os.ReadFile(filepath.Join(usa.dir, node.LogDir, "checkpoint")); !bytes.Equal(now, cp) {
		t.Fatal("serve signed a new checkpoint over a corrupt tile")
	}
	out, err = exec.Command(accordBin, "fsck", "--data", usa.dir).CombinedOutput()
	if err == nil {
		t.Fatalf("fsck passes a corrupt tile:\n%s", out)
	}
}

// TestDirectoryLock runs a second accord serve and accord reindex on the
// directory of a serving node: both are refused, naming the holder, and
// the treaty database the server has open is not replaced. Once the node
// stops, reindex runs.
func TestDirectoryLock(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	usa.declare(3)
	db := filepath.Join(usa.dir, "treaty.db")
	before, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"serve", "--data", usa.dir, "--listen", "127.0.0.1:0"},
		{"reindex", "--data", usa.dir},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		out, err := exec.CommandContext(ctx, accordBin, args...).CombinedOutput()
		cancel()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "the data directory is in use: accord serve (process") {
			t.Errorf("accord %s while the node serves: %v\n%s", args[0], err, out)
		}
	}
	if after, err := os.Stat(db); err != nil || !os.SameFile(before, after) {
		t.Fatalf("treaty.db replaced under the serving node (%v)", err)
	}
	usa.stop()
	<-usa.exited
	accord(t, "reindex", "--data", usa.dir)
}

// TestFileModes checks that a serving node's files (keys, tokens, the
// log's tiles and bundles, treaty.db and its WAL) are its user's alone,
// and that fsck flags, and serve refuses, a data directory others can
// read or a tokens file others can write.
func TestFileModes(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	usa.sendNotifications("newstart")
	usa.stop()
	<-usa.exited
	filepath.WalkDir(usa.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		if fi.Mode().Perm()&0o077 != 0 && !strings.HasSuffix(p, node.ConfigFile) && !strings.HasSuffix(p, ".token") && !strings.HasSuffix(p, "serve.log") {
			t.Errorf("%s: mode %v", p, fi.Mode().Perm())
		}
		return nil
	})
	for _, c := range []struct {
		file string
		mode os.FileMode
		want string
	}{
		{".", 0o755, "chmod 700"},
		{node.TokensFile, 0o666, "lets others write it"},
	} {
		path := filepath.Join(usa.dir, c.file)
		fi, _ := os.Stat(path)
		os.Chmod(path, c.mode)
		if out, err := exec.Command(accordBin, "fsck", "--data", usa.dir).CombinedOutput(); err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("fsck with %s mode %v: %v\n%s", c.file, c.mode, err, out)
		}
		if out, err := exec.Command(accordBin, "serve", "--data", usa.dir).CombinedOutput(); err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("serve with %s mode %v: %v\n%s", c.file, c.mode, err, out)
		}
		os.Chmod(path, fi.Mode().Perm())
	}
}

// TestDamagedDatabase truncates treaty.db, then overwrites it with
// garbage: fsck names the file and the fix, serve refuses with the same
// fix, and accord reindex repairs it.
func TestDamagedDatabase(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	usa.sendNotifications("newstart")
	usa.stop()
	<-usa.exited
	db := filepath.Join(usa.dir, "treaty.db")
	whole, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"truncated": whole[:len(whole)/2],
		"garbage":   bytes.Repeat([]byte("not a database "), 1000),
	} {
		os.WriteFile(db, b, 0o600)
		os.Remove(db + "-wal")
		os.Remove(db + "-shm")
		out, err := exec.Command(accordBin, "fsck", "--data", usa.dir).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "treaty.db: treaty database damaged") || !strings.Contains(string(out), "accord reindex --data") {
			t.Errorf("fsck of a %s treaty.db: %v\n%s", name, err, out)
		}
		out, err = exec.Command(accordBin, "serve", "--data", usa.dir).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "treaty database damaged") || !strings.Contains(string(out), "accord reindex --data") {
			t.Errorf("serve on a %s treaty.db: %v\n%s", name, err, out)
		}
		accord(t, "reindex", "--data", usa.dir)
		if out, err := exec.Command(accordBin, "fsck", "--data", usa.dir).CombinedOutput(); err != nil {
			t.Errorf("fsck after reindex: %v\n%s", err, out)
		}
		whole, _ = os.ReadFile(db)
	}
}

// TestStalledPeer gives USA a peer, RUS, whose node accepts connections
// and never answers, then sends notifications one after another: the
// first checkpoint gives up on RUS's witness after a request's time
// limit, and the node backs off from it, so the later checkpoints do not
// ask it again (before, each one did and waited). Latencies are logged.
func TestStalledPeer(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA", "RUS")
	usa := ps[0]
	dumpOnFailure(t, ps)
	stalled := newStalledPeer(t)
	usa.configure(func(c *node.Config) {
		c.Peers[0].URL = "http://" + stalled.ln.Addr().String() + "/"
		c.Witness.Timeout = 2 * time.Second
	})
	usa.start()
	const n = 6
	for i := range n {
		start := time.Now()
		usa.mustNotify(fmt.Sprintf(`{"type":"initial_data","effective":"2011-02-05","items":[{"uid":"MM3-%04d","type":"Minuteman III","category":"icbm","status":"deployed","facility":"Malmstrom","warheads":1}]}`, i))
		t.Logf("notification %d: %v", i, time.Since(start))
	}
	if got := stalled.count("/witness/add-checkpoint"); got >= n || got == 0 {
		t.Errorf("the stalled witness was asked %d times for %d notifications, want at least 1 and fewer than %d", got, n, n)
	}
}

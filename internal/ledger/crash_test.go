package ledger

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashEnv names the log directory a child process appends to.
const crashEnv = "ACCORD_LEDGER_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

// crashChild appends entries to the log in dir from four goroutines until
// it is killed, printing "ok INDEX LEAFHASH" once each append has returned,
// that is once the entry is durable and covered by a published checkpoint.
func crashChild(dir string) {
	s, _ := testKeys(&testing.T{}, "accord/newstart/USA")
	l, err := Open(context.Background(), Options{Dir: dir, Signer: s})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				a, err := l.Append(context.Background(), testEntry(os.Getpid()*1000+w*100+i))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ok %d %x\n", a.Index, a.LeafHash)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrash runs appends in a child process, kills it with SIGKILL at
// random moments, 20 times, and checks after each kill that every append
// the child reported is in the log at the index it reported, and that the
// log verifies and extends what was verified before the kill.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	dir := t.TempDir()
	tl := &testLog{t: t, dir: dir, trust: &TrustStore{Dir: filepath.Join(t.TempDir(), "trust")}}
	_, tl.verifier = testKeys(t, "accord/newstart/USA")
	rng := rand.New(rand.NewPCG(20260205, 1))
	reported := map[uint64]string{}
	for round := range 20 {
		lines := rng.IntN(12)
		extra := time.Duration(rng.IntN(40)) * time.Millisecond
		got := runAndKill(t, dir, lines, extra)
		for idx, leaf := range got {
			if prev, ok := reported[idx]; ok && prev != leaf {
				t.Fatalf("round %d: index %d reported twice with different entries", round, idx)
			}
			reported[idx] = leaf
		}
		tl.checkReported(reported)
	}
	t.Logf("%d acknowledged appends survived 20 kills", len(reported))
}

// runAndKill starts a child, lets it report n appends, waits extra and
// kills it. It returns every append the child reported.
func runAndKill(t *testing.T, dir string, n int, extra time.Duration) map[uint64]string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := map[uint64]string{}
	sc := bufio.NewScanner(out)
	for len(got) < n && sc.Scan() {
		addLine(t, got, sc.Text())
	}
	time.Sleep(extra) // a random moment, possibly in the middle of an append
	cmd.Process.Kill()
	for sc.Scan() { // lines written before the kill
		addLine(t, got, sc.Text())
	}
	cmd.Wait()
	return got
}

func addLine(t *testing.T, got map[uint64]string, line string) {
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "ok" {
		t.Fatalf("child printed %q", line)
	}
	idx, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	got[idx] = f[2]
}

// checkReported verifies the log and checks each reported entry is in it.
func (tl *testLog) checkReported(reported map[uint64]string) {
	t := tl.t
	res, err := Verify(t.Context(), DirSource(tl.dir), tl.verifier, tl.trust)
	if err != nil {
		t.Fatalf("after kill: %v", err)
	}
	var leaves [][]byte
	err = Entries(t.Context(), DirSource(tl.dir), tl.verifier, res.Checkpoint.Size, func(r Record) error {
		leaves = append(leaves, r.LeafHash[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for idx, leaf := range reported {
		if idx >= uint64(len(leaves)) {
			t.Fatalf("reported entry %d missing: the log has %d entries", idx, len(leaves))
		}
		if hex.EncodeToString(leaves[idx]) != leaf {
			t.Fatalf("entry %d is not the one reported", idx)
		}
	}
}

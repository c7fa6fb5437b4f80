package durable

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// crashEnv tells a child process what to write until it is killed:
// "replace PATH FIRST" rewrites PATH with versions FIRST, FIRST+1, …;
// "new DIR FIRST" creates the files DIR/FIRST, DIR/FIRST+1, ….
const crashEnv = "ACCORD_DURABLE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashEnv); spec != "" {
		crashChild(spec)
		return
	}
	os.Exit(m.Run())
}

// crashChild writes versions until it is killed, printing each version's
// number once its write has returned, after a first line "ready".
func crashChild(spec string) {
	var mode, path string
	var first int
	if _, err := fmt.Sscanf(spec, "%s %s %d", &mode, &path, &first); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("ready")
	for v := first; ; v++ {
		var err error
		if mode == "replace" {
			err = WriteFile(path, content(v), 0o600)
		} else {
			err = WriteNewFile(filepath.Join(path, strconv.Itoa(v)), content(v), 0o600)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(v)
	}
}

// content is version v of a file: a header naming v and the length, then
// between 0 and 1 MiB of bytes that depend on v, so that any truncated or
// mixed file is recognised.
func content(v int) []byte {
	n := int(rand.New(rand.NewPCG(uint64(v), 7)).Uint64N(1 << 20))
	b := fmt.Appendf(nil, "version %d length %d\n", v, n)
	for i := range n {
		b = append(b, byte(v+i*31))
	}
	return b
}

// versionOf returns the version a file holds, or an error if it is not
// exactly one version.
func versionOf(b []byte) (int, error) {
	head, _, ok := bytes.Cut(b, []byte("\n"))
	var v, n int
	if _, err := fmt.Sscanf(string(head), "version %d length %d", &v, &n); !ok || err != nil {
		return 0, fmt.Errorf("no header in %d bytes starting %q", len(b), b[:min(len(b), 30)])
	}
	if !bytes.Equal(b, content(v)) {
		return 0, fmt.Errorf("version %d is partial or mixed: %d bytes, want %d", v, len(b), len(content(v)))
	}
	return v, nil
}

// killAt starts a child writing as spec says, waits until it has reported
// n writes and then for extra, a moment in the middle of a write, kills it
// with SIGKILL, and returns the last version it reported, or -1.
func killAt(t *testing.T, spec string, n int, extra time.Duration) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+spec)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, seen := -1, 0
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("child did not start: %q", sc.Text())
	}
	scan := func() {
		if last, err = strconv.Atoi(sc.Text()); err != nil {
			t.Fatalf("child printed %q", sc.Text())
		}
		seen++
	}
	for seen < n && sc.Scan() {
		scan()
	}
	time.Sleep(extra)
	cmd.Process.Kill()
	for sc.Scan() { // versions reported before the kill
		scan()
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended before the kill: %v", err)
	}
	return last
}

// crashRounds is how many times each crash test kills a writer.
const crashRounds = 60

// TestCrashWriteFile kills a process rewriting one file with WriteFile at
// seeded random moments, 60 times, and checks after each kill that the
// file holds, whole and with its mode, either the last version the
// process reported written or the one it was writing.
func TestCrashWriteFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 60 processes")
	}
	path := filepath.Join(t.TempDir(), "state")
	if err := WriteFile(path, content(0), 0o600); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(20261127, 1))
	old, changed := 0, 0
	for round := range crashRounds {
		spec := fmt.Sprintf("replace %s %d", path, old+1)
		last := killAt(t, spec, rng.IntN(4), time.Duration(rng.IntN(3000))*time.Microsecond)
		if last == -1 {
			last = old
		}
		got := checkVersion(t, path)
		if got != last && got != last+1 {
			t.Fatalf("round %d: the file holds version %d; the process reported %d written", round, got, last)
		}
		if got == last+1 {
			changed++
		}
		old = got
	}
	t.Logf("%d kills, %d after the file was replaced but before WriteFile returned, %d leaving a temporary file; %d versions written",
		crashRounds, changed, temps(t, filepath.Dir(path)), old)
}

// checkVersion returns the version the file at path holds, and fails the
// test if it holds none whole or has not mode 0600.
func checkVersion(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("after kill: %v", err)
	}
	v, err := versionOf(b)
	if err != nil {
		t.Fatalf("after kill: %s: %v", filepath.Base(path), err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode() != 0o600 {
		t.Fatalf("after kill: mode %v, %v", fi.Mode(), err)
	}
	return v
}

// TestCrashWriteNewFile kills a process creating files with WriteNewFile
// at seeded random moments, 60 times, and checks after each kill that
// every file it reported exists whole, that the one it was writing is
// absent or whole, and that there is no other.
func TestCrashWriteNewFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 60 processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(20261127, 2))
	next := 0
	for round := range crashRounds {
		last := killAt(t, fmt.Sprintf("new %s %d", dir, next), rng.IntN(4), time.Duration(rng.IntN(3000))*time.Microsecond)
		if last == -1 {
			last = next - 1
		}
		for v := next; v <= last+1; v++ {
			path := filepath.Join(dir, strconv.Itoa(v))
			if _, err := os.Stat(path); v == last+1 && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if got := checkVersion(t, path); got != v {
				t.Fatalf("round %d: file %d holds version %d", round, v, got)
			}
			next = v + 1
		}
		if extra := othersThan(t, dir, next); len(extra) > 0 {
			t.Fatalf("round %d: unexpected files %v", round, extra)
		}
	}
	t.Logf("%d kills, %d leaving a temporary file; %d files written", crashRounds, temps(t, dir), next)
}

// othersThan returns the names in dir other than the files 0 to next-1
// and temporary files.
func othersThan(t *testing.T, dir string, next int) []string {
	var out []string
	for _, name := range names(t, dir) {
		if v, err := strconv.Atoi(name); (err == nil && v >= 0 && v < next) || strings.HasPrefix(name, ".tmp-") {
			continue
		}
		out = append(out, name)
	}
	return out
}

// temps counts the temporary files in dir, left by writes that were
// killed.
func temps(t *testing.T, dir string) int {
	n := 0
	for _, name := range names(t, dir) {
		if strings.HasPrefix(name, ".tmp-") {
			n++
		}
	}
	return n
}

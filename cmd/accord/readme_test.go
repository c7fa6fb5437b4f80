package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestREADME runs every "$ go run ./cmd/accord ..." command in the
// README's console blocks and compares its output with the README's, and
// checks that .ci/run runs the README's test command, so that neither
// goes stale.
func TestREADME(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds := consoleCommands(string(readme))
	if len(cmds) < 2 || cmds[1].line != "go test ./..." {
		t.Fatalf("the README must open with two commands, the second the test command; found %v", cmds)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains("\n"+string(ci), "\n"+cmds[1].line+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", cmds[1].line)
	}
	t.Chdir(root)
	ran := 0
	for _, c := range cmds {
		args, ok := strings.CutPrefix(c.line, "go run ./cmd/accord ")
		if !ok {
			continue
		}
		if strings.HasPrefix(args, "demo") {
			checkDemo(t, root, strings.Fields(args), c.output)
			ran++
			continue
		}
		// go run reports a non-zero exit as a last line "exit status N".
		want, wantCode := c.output, 0
		if i := strings.LastIndex(want, "exit status "); i >= 0 && strings.Count(want[i:], "\n") == 1 {
			fmt.Sscanf(want[i:], "exit status %d", &wantCode)
			want = want[:i]
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), strings.Fields(args), &stdout, &stderr)
		if stdout.String() != want || code != wantCode {
			t.Errorf("README command %q printed (exit %d):\n%s\nthe README shows (exit %d):\n%s", c.line, code, stdout.String(), wantCode, want)
		}
		ran++
	}
	if ran == 0 {
		t.Error("no accord command found in the README")
	}
}

// checkDemo runs the demo as the README shows it (on a free port) until
// it is ready, stops it, and compares what it printed with the README,
// once times, addresses, tokens and directories are masked.
func checkDemo(t *testing.T, root string, args []string, want string) {
	if testing.Short() {
		t.Log("skipping the demo in -short mode")
		return
	}
	exe := filepath.Join(t.TempDir(), "accord")
	build := exec.Command("go", "build", "-o", exe, "./cmd/accord")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building accord: %v\n%s", err, out)
	}
	old := demoExecutable
	demoExecutable = func() (string, error) { return exe, nil }
	defer func() { demoExecutable = old }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &watchBuffer{want: "press Ctrl-C", seen: make(chan struct{})}
	var stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, append(args, "--listen", "127.0.0.1:0"), out, &stderr) }()
	select {
	case <-out.seen:
	case code := <-done:
		t.Fatalf("demo exited with %d before it was ready:\n%s", code, stderr.String())
	case <-time.After(5 * time.Minute):
		t.Fatal("demo not ready after 5 minutes")
	}
	checkDemoLink(t, out.String())
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("demo stopped with exit status %d:\n%s", code, stderr.String())
	}
	if got := maskDemo(out.String()); got != maskDemo(want) {
		t.Errorf("README demo output differs (masked):\n%s\nthe README shows:\n%s", got, maskDemo(want))
	}
}

// checkDemoLink opens the dashboard link the demo printed, as a browser
// would: it must open a session on the first node's own dashboard, which
// says the data is simulated; a second use must not.
func checkDemoLink(t *testing.T, out string) {
	t.Helper()
	m := regexp.MustCompile(`dashboard of USA's treaty office: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo printed no dashboard link:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: time.Minute}
	resp, err := client.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" || !strings.Contains(string(page), "item-level data simulated") {
		t.Errorf("the demo's dashboard link led to %s (%s), without the demo's banner:\n%.300s", resp.Request.URL, resp.Status, page)
	}
	resp, err = http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the demo's dashboard link, used twice: %s", resp.Status)
	}
}

var demoMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`ready in [0-9.ms]+`), "ready in TIME"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "ADDR"},
	{regexp.MustCompile(`code=[A-Za-z0-9_-]+`), "code=CODE"},
	{regexp.MustCompile(`logs in \S+`), "logs in DIR"},
}

func maskDemo(s string) string {
	for _, m := range demoMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// watchBuffer is a buffer safe for concurrent use that closes seen once it
// holds want.
type watchBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

type consoleCommand struct{ line, output string }

// consoleCommands returns the "$ " commands of the README's console
// blocks, each with the lines that follow it.
func consoleCommands(readme string) []consoleCommand {
	var out []consoleCommand
	in := false
	sc := bufio.NewScanner(strings.NewReader(readme))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "```console":
			in = true
		case in && line == "```":
			in = false
		case in && strings.HasPrefix(line, "$ "):
			out = append(out, consoleCommand{line: strings.TrimPrefix(line, "$ ")})
		case in && len(out) > 0:
			out[len(out)-1].output += line + "\n"
		}
	}
	return out
}

// TestREADMENode checks that the README's node walk-through (the block
// under "## A party's node") is what testdata/script/readme_node.txtar
// runs: every command in the README's order, with testdata/ read from
// $TESTDATA and "> FILE" as "cp stdout FILE". accord serve, which runs
// until stopped, is the one command left out.
func TestREADMENode(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "## A party's node\n\n```\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || block == "" {
		t.Fatal(`the README has no command block under "## A party's node"`)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "script", "readme_node.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, l := range strings.Split(string(script), "\n") {
		if cmd, ok := strings.CutPrefix(l, "exec "); ok {
			ran = append(ran, cmd)
		}
		if file, ok := strings.CutPrefix(l, "cp stdout "); ok && len(ran) > 0 {
			ran[len(ran)-1] += " > " + file
		}
	}
	i := 0
	for _, l := range strings.Split(block, "\n") {
		cmd, _, _ := strings.Cut(l, "#")
		cmd = strings.ReplaceAll(strings.Join(strings.Fields(cmd), " "), " testdata/", " $TESTDATA/")
		if cmd == "" || strings.HasPrefix(cmd, "accord serve ") {
			continue
		}
		j := slices.Index(ran[i:], cmd)
		if j < 0 {
			t.Errorf("README command %q is not run, in the README's order, by readme_node.txtar", cmd)
			continue
		}
		i += j + 1
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

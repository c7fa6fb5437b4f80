package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"accord": func() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScript runs the command-line scripts in testdata/script. Set
// UPDATE_GOLDEN=1 to rewrite the expected output in the scripts.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("UPDATE_GOLDEN") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", repoTestdata(t))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"fails": fails},
	})
}

// fails runs "fails N PROGRAM ARGS...": PROGRAM must exit with status N.
// Its output is kept for the stdout and stderr commands that follow, as
// exec keeps it.
func fails(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: fails STATUS PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want == 0 {
		ts.Fatalf("fails: status %q is not a non-zero number", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		ts.Fatalf("%s succeeded; want exit status %d", args[1], want)
	case !errors.As(err, &ee):
		ts.Fatalf("%s: %v", args[1], err)
	case ee.ExitCode() != want:
		ts.Fatalf("%s exited with status %d; want %d", args[1], ee.ExitCode(), want)
	}
}

func repoTestdata(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return dir + "/../../testdata"
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"accord/internal/web/webtest"
)

// simulatedNode returns a data directory holding only what accord export
// reads: a configuration and a treaty database of the simulated New
// START world (seed 1), built once per test process.
func simulatedNode(t *testing.T) string {
	simOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-export-")
		if err != nil {
			simErr = err
			return
		}
		simDir = dir
		w, err := webtest.Build(context.Background(), "newstart", 1, filepath.Join(dir, "treaty.db"))
		if err != nil {
			simErr = err
			return
		}
		if simErr = w.Close(); simErr != nil {
			return
		}
		simErr = os.WriteFile(filepath.Join(dir, "accord.yaml"), []byte("treaty: newstart\nparty: USA\n"), 0o644)
	})
	if simErr != nil {
		t.Fatalf("building the simulated node: %v", simErr)
	}
	return simDir
}

var (
	simOnce sync.Once
	simDir  string
	simErr  error
)

// TestExportScript runs testdata/export/*.txtar with $SIMNODE, the data
// directory of a node holding the simulated New START world. Set
// UPDATE_GOLDEN=1 to rewrite the expected output.
func TestExportScript(t *testing.T) {
	dir := simulatedNode(t)
	t.Cleanup(func() { os.RemoveAll(dir) })
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/export",
		UpdateScripts: os.Getenv("UPDATE_GOLDEN") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("SIMNODE", dir)
			env.Setenv("TESTDATA", repoTestdata(t))
			return nil
		},
	})
}

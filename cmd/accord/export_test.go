package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"accord/internal/web/webtest"
)

// simulatedNode returns a data directory holding only what accord export
// reads: a configuration and a treaty database of the simulated New
// START world (seed 1).
func simulatedNode(t *testing.T) string {
	dir := t.TempDir()
	w, err := webtest.Build(context.Background(), "newstart", 1, filepath.Join(dir, "treaty.db"))
	if err != nil {
		t.Fatalf("building the simulated node: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "accord.yaml"), []byte("treaty: newstart\nparty: USA\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestExportScript runs testdata/export/*.txtar with $SIMNODE, the data
// directory of a node holding the simulated New START world. Set
// UPDATE_GOLDEN=1 to rewrite the expected output.
func TestExportScript(t *testing.T) {
	dir := simulatedNode(t)
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

package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestModuleGraph checks that standard tooling can resolve accord's whole
// module graph (go list -m all), and that the accord binary embeds none
// of the modules only tests and tools use.
func TestModuleGraph(t *testing.T) {
	if out, err := exec.Command("go", "list", "-m", "all").CombinedOutput(); err != nil {
		t.Fatalf("go list -m all: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"github.com/chromedp/", "github.com/rogpeppe/go-internal", "filippo.io/torchwood"} {
		if strings.Contains(string(out), m) {
			t.Errorf("the accord binary embeds %s, which only tests or tools need", m)
		}
	}
}

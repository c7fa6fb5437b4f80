package scenario

import (
	"embed"
	"path"
	"strings"
)

//go:embed examples/*.yaml
var examplesFS embed.FS

// An Example is a change file shipped with accord, to start from.
type Example struct {
	Name string // the file's name without .yaml: "us-fewer-icbms"
	YAML []byte
}

// Examples lists the example change files, by name.
func Examples() []Example {
	entries, _ := examplesFS.ReadDir("examples") // embedded: cannot fail
	var out []Example
	for _, e := range entries {
		b, _ := examplesFS.ReadFile(path.Join("examples", e.Name()))
		out = append(out, Example{Name: strings.TrimSuffix(e.Name(), ".yaml"), YAML: b})
	}
	return out
}

// LookupExample returns the example named name.
func LookupExample(name string) (Example, bool) {
	for _, e := range Examples() {
		if e.Name == name {
			return e, true
		}
	}
	return Example{}, false
}

package scenario

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/goccy/go-yaml"
)

// A Source is where a load comes from: a title and address as published,
// and what it says.
type Source struct {
	Title string `yaml:"title" json:"title"`
	URL   string `yaml:"url" json:"url"`
	Says  string `yaml:"says" json:"says"`
}

// A Fact is the most warheads one type of missile or heavy bomber can
// carry, as a range over its sources: Low where they agree or the
// smallest figure given, High the largest.
type Fact struct {
	Type     string   `yaml:"type" json:"type"`
	Aliases  []string `yaml:"aliases" json:"aliases,omitempty"`
	Party    string   `yaml:"party" json:"party"`
	Category string   `yaml:"category" json:"category"`
	Load     [2]int   `yaml:"load" json:"load"`
	Sources  []Source `yaml:"sources" json:"sources"`
}

// Low and High are the ends of the load range.
func (f Fact) Low() int  { return f.Load[0] }
func (f Fact) High() int { return f.Load[1] }

//go:embed facts.yaml
var factsYAML []byte

var facts = sync.OnceValues(func() (map[string]Fact, error) {
	return parseFacts(factsYAML)
})

// Facts returns the force-facts table (facts.yaml) by type, and by each
// of a type's aliases.
func Facts() map[string]Fact {
	m, err := facts()
	if err != nil {
		panic(err) // the embedded table is checked by TestFacts
	}
	return m
}

func parseFacts(data []byte) (map[string]Fact, error) {
	var doc struct {
		Types []Fact `yaml:"types"`
	}
	if err := yaml.UnmarshalWithOptions(data, &doc, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("facts.yaml: %w", err)
	}
	m := map[string]Fact{}
	for i, f := range doc.Types {
		switch {
		case f.Type == "" || f.Party == "":
			return nil, fmt.Errorf("facts.yaml: types[%d]: type and party are required", i)
		case f.Low() < 1 || f.High() < f.Low():
			return nil, fmt.Errorf("facts.yaml: %s: load %v is not a range of at least 1", f.Type, f.Load)
		case len(f.Sources) == 0:
			return nil, fmt.Errorf("facts.yaml: %s: no source", f.Type)
		}
		for _, name := range append([]string{f.Type}, f.Aliases...) {
			if _, dup := m[name]; dup {
				return nil, fmt.Errorf("facts.yaml: %s: listed twice", name)
			}
			m[name] = f
		}
	}
	return m, nil
}

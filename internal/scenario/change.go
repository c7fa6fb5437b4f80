package scenario

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// Actions a change step can take (docs/analysis.md, "Changing the
// holdings").
const (
	Retire    = "retire"    // N deployed missiles (with their launchers) or bombers become non-deployed
	Eliminate = "eliminate" // N launchers or bombers of a status are eliminated
	Upload    = "upload"    // every deployed missile of the type carries N more warheads
	Download  = "download"  // every deployed missile of the type carries N fewer warheads
	Deploy    = "deploy"    // N non-deployed missiles (on non-deployed launchers) or bombers are deployed
)

// Bounds on a change file, so that a hostile one cannot exhaust memory
// or overflow a count.
const (
	MaxChangeSize = 64 << 10
	MaxSteps      = 100
	MaxItems      = 100000 // N of retire, eliminate and deploy
	MaxLoad       = 100    // N of upload and download, and load of deploy
)

// A Change alters a party's declared holdings before they are evaluated.
// Steps apply in order, each to the holdings the previous one left.
type Change struct {
	File  string `json:"file"`
	Name  string `json:"name"`
	Steps []Step `json:"steps"`
}

// A Step is one action on the items of one type.
type Step struct {
	Action string `json:"action"`
	N      int    `json:"n"`
	Type   string `json:"type"`
	Load   int    `json:"load,omitempty"`   // deploy: warheads on each missile deployed
	Status string `json:"status,omitempty"` // eliminate: the launchers' status
	Line   int    `json:"line"`
}

// String is the step as a person would say it.
func (s Step) String() string {
	switch s.Action {
	case Upload, Download:
		return fmt.Sprintf("%s %d warheads per %s", s.Action, s.N, s.Type)
	case Deploy:
		if s.Load > 0 {
			return fmt.Sprintf("deploy %d %s with %d warheads each", s.N, s.Type, s.Load)
		}
	case Eliminate:
		return fmt.Sprintf("eliminate %d %s %s", s.N, strings.ReplaceAll(s.Status, "_", "-"), s.Type)
	}
	return fmt.Sprintf("%s %d %s", s.Action, s.N, s.Type)
}

type rawStep struct {
	Retire    *int   `yaml:"retire"`
	Eliminate *int   `yaml:"eliminate"`
	Upload    *int   `yaml:"upload"`
	Download  *int   `yaml:"download"`
	Deploy    *int   `yaml:"deploy"`
	Type      string `yaml:"type"`
	Load      *int   `yaml:"load"`
	Status    string `yaml:"status"`
}

type rawChange struct {
	Name  string    `yaml:"name"`
	Steps []rawStep `yaml:"steps"`
}

// ParseChange reads a change file. name is used in errors, which are one
// line each: "FILE:LINE: steps[I].FIELD: problem". Nothing is returned
// unless the whole file is valid.
func ParseChange(name string, data []byte) (c *Change, err error) {
	if len(data) > MaxChangeSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxChangeSize)
	}
	defer func() {
		// The YAML decoder can panic on some malformed documents; such a
		// document is bad input like any other.
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("%s: not a valid YAML document", name)
		}
	}()
	var raw rawChange
	if err := yaml.UnmarshalWithOptions(data, &raw, yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(name, err)
	}
	if len(raw.Steps) == 0 {
		return nil, fmt.Errorf("%s:1: steps: at least one step is required", name)
	}
	if len(raw.Steps) > MaxSteps {
		return nil, fmt.Errorf("%s:1: steps: more than %d steps", name, MaxSteps)
	}
	lines := stepLines(data, len(raw.Steps))
	c = &Change{File: name, Name: raw.Name}
	for i, r := range raw.Steps {
		s, field, err := r.step()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: steps[%d]%s: %v", name, lines[i], i, field, err)
		}
		s.Line = lines[i]
		c.Steps = append(c.Steps, s)
	}
	return c, nil
}

// step validates one raw step; field names the offending field.
func (r rawStep) step() (Step, string, error) {
	var s Step
	n := 0
	for _, a := range []struct {
		name string
		v    *int
	}{{Retire, r.Retire}, {Eliminate, r.Eliminate}, {Upload, r.Upload}, {Download, r.Download}, {Deploy, r.Deploy}} {
		if a.v != nil {
			s.Action, s.N = a.name, *a.v
			n++
		}
	}
	if n != 1 {
		return s, "", errors.New("exactly one of retire, eliminate, upload, download or deploy is required")
	}
	s.Type, s.Status = strings.TrimSpace(r.Type), r.Status
	if s.Type == "" {
		return s, ".type", errors.New("required")
	}
	limit := MaxItems
	if s.Action == Upload || s.Action == Download {
		limit = MaxLoad
	}
	if s.N < 1 || s.N > limit {
		return s, "." + s.Action, fmt.Errorf("%d is not between 1 and %d", s.N, limit)
	}
	return r.extras(s)
}

// extras checks the fields only some actions take.
func (r rawStep) extras(s Step) (Step, string, error) {
	if r.Load != nil && s.Action != Deploy {
		return s, ".load", fmt.Errorf("only deploy takes a load")
	}
	if r.Load != nil {
		if *r.Load < 1 || *r.Load > MaxLoad {
			return s, ".load", fmt.Errorf("%d is not between 1 and %d", *r.Load, MaxLoad)
		}
		s.Load = *r.Load
	}
	if s.Status != "" && s.Action != Eliminate {
		return s, ".status", fmt.Errorf("only eliminate takes a status")
	}
	if s.Action == Eliminate {
		if s.Status == "" {
			s.Status = "non_deployed"
		}
		if s.Status != "deployed" && s.Status != "non_deployed" {
			return s, ".status", fmt.Errorf("%q is not deployed or non_deployed", s.Status)
		}
	}
	return s, "", nil
}

// stepLines finds the line of each step in the source; 1 where it cannot.
func stepLines(data []byte, n int) []int {
	lines := make([]int, n)
	file, err := parser.ParseBytes(data, 0)
	for i := range lines {
		lines[i] = 1
		if err != nil {
			continue
		}
		p, perr := yaml.PathString(fmt.Sprintf("$.steps[%d]", i))
		if perr != nil {
			continue
		}
		node, ferr := p.FilterFile(file)
		if ferr == nil && node != nil && node.GetToken() != nil && node.GetToken().Position != nil {
			lines[i] = node.GetToken().Position.Line
		}
	}
	return lines
}

func yamlError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		msg := ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("%s:%d: %s", name, tk.Position.Line, lower(msg))
		}
		return fmt.Errorf("%s: %s", name, lower(msg))
	}
	return fmt.Errorf("%s: %s", name, lower(strings.SplitN(err.Error(), "\n", 2)[0]))
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

package draw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"accord/entry"
)

// How an inspection's choice was made: the "by" of a [Selection].
const (
	ByInspectors = "inspectors" // chosen freely by the inspecting party, as the treaty lets it
	Jointly      = "draw"       // the picks of a joint draw
)

// A Selection records, in an inspection entry's body, how the
// inspection's choice (its site, the missile whose reentry vehicles were
// counted, the UIDs sampled) was made: freely by the inspecting party,
// or by a joint draw, named with the picks it applied, so a reader can
// tell a free choice from a draw and check the draw (docs/draws.md,
// "Recording a choice").
//
// Compatibility: the member "selection" of an inspection body, an object
// with exactly the members below; a change needs a new value of "by".
type Selection struct {
	By     string   `json:"by"`
	Draw   string   `json:"draw,omitempty"`   // with Jointly: the draw's id
	Picks  []uint64 `json:"picks,omitempty"`  // with Jointly: the picks applied, in the order drawn
	Chosen []string `json:"chosen,omitempty"` // what was chosen: a site, a missile's UID, the UIDs sampled
}

// ParseSelection reads the "selection" member of an inspection entry's
// body: nil if there is none, an error if it is not a selection.
func ParseSelection(body []byte) (*Selection, error) {
	if len(body) > entry.MaxSize {
		return nil, fmt.Errorf("inspection body of %d bytes", len(body))
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return nil, fmt.Errorf("inspection body: %w", err)
	}
	raw, ok := members["selection"]
	if !ok {
		return nil, nil
	}
	var s Selection
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return nil, fmt.Errorf("selection: %w", err)
	}
	return &s, s.check()
}

func (s *Selection) check() error {
	switch {
	case s.By == ByInspectors && (s.Draw != "" || s.Picks != nil):
		return fmt.Errorf("selection: a choice by the inspectors names no draw and no picks")
	case s.By == Jointly && (!validID(s.Draw) || len(s.Picks) == 0 || len(s.Picks) > MaxPick):
		return fmt.Errorf("selection: a choice by draw names the draw's id and 1 to %d picks", MaxPick)
	case s.By != ByInspectors && s.By != Jointly:
		return fmt.Errorf("selection: by %q is neither %q nor %q", s.By, ByInspectors, Jointly)
	}
	return nil
}

// Applies checks that s applies the draw r: the same id and the same
// picks in the same order. A choice by the inspectors applies no draw.
func (s *Selection) Applies(r *Result) error {
	switch {
	case s.By != Jointly:
		return fmt.Errorf("the choice was made by the %s, not by draw %s", s.By, r.ID)
	case s.Draw != r.ID:
		return fmt.Errorf("the choice names draw %s, not %s", s.Draw, r.ID)
	case !slices.Equal(s.Picks, r.Picks):
		return fmt.Errorf("the choice applies picks %v; draw %s gave %v", s.Picks, r.ID, r.Picks)
	}
	return nil
}

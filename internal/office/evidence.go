package office

import (
	"accord/entry"
	"accord/internal/evidencedir"
	"accord/internal/node"
	"accord/internal/registry"
	"fmt"
	"path/filepath"
)

// SplitViews returns the split-view and rollback evidence the node holds.
func (o *Office) SplitViews() ([]evidencedir.Finding, error) {
	return evidencedir.List(filepath.Join(o.Node.Dir, node.EvidenceDir))
}

// AddSplitViews adds to st, a party's status, a split_view finding for each
// evidence file the node held by st.At that shows the party's log
// contradicting itself.
func (o *Office) AddSplitViews(st *registry.Status) error {
	fs, err := o.SplitViews()
	if err != nil {
		return fmt.Errorf("reading evidence: %w", err)
	}
	origin := entry.Origin(o.Node.Config.Treaty, st.Party)
	for _, f := range fs {
		if f.Origin != origin || f.DetectedAt.After(st.At) {
			continue
		}
		st.Other = append(st.Other, registry.Finding{
			Kind: registry.FindingSplitView, Party: st.Party, Sent: f.DetectedAt,
			Reason: fmt.Sprintf("%s (evidence %s; check it with accord evidence verify)", f.Explanation, filepath.Join(node.EvidenceDir, f.File)),
		})
	}
	return nil
}

package web

import (
	"fmt"
	"slices"

	"accord/internal/engine"
	"accord/internal/treaty"
)

// Anchors of the treaty page: every number links to the clause that
// produced it.
func limitAnchor(id string) string        { return "limit-" + id }
func readingAnchor(id string) string      { return "reading-" + id }
func notificationAnchor(id string) string { return "notification-" + id }
func inspectionAnchor(id string) string   { return "inspection-" + id }
func statusAnchor(id string) string       { return "status-" + id }
func categoryAnchor(id string) string     { return "category-" + id }

// ruleAnchor returns the anchor of the counting rule that produced term
// of limit under reading: "rule-<limit>-<n>" for the treaty's own rules,
// "reading-<reading>-<n>" for a rule a reading adds (n from 1), or the
// limit's anchor if no rule matches (a pre-counted aggregate).
func ruleAnchor(t *treaty.Treaty, limit, reading string, term engine.Term) string {
	l, ok := t.Limit(limit)
	if !ok {
		return ""
	}
	match := func(r treaty.Rule) bool { return r.Matches(term.Category, term.Status) && r.Cite == term.Cite }
	if i := slices.IndexFunc(l.Count, match); i >= 0 {
		return fmt.Sprintf("rule-%s-%d", limit, i+1)
	}
	for _, rd := range t.Readings {
		if rd.ID != reading {
			continue
		}
		for j, a := range rd.Add {
			if a.Limit == limit && match(a.Rule) {
				return fmt.Sprintf("reading-%s-%d", rd.ID, j+1)
			}
		}
	}
	return limitAnchor(limit)
}

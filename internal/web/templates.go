package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"accord/entry/body"
	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/i18n"
	"accord/internal/treaty"
)

// pageNames are the page templates, each rendered inside base.html.
var pageNames = []string{"overview", "history", "warheads", "escrow", "inspections", "notifications", "database", "item", "entry", "logs", "treaty", "scenarios", "compare", "error"}

// parsePages parses every page once per language (i18n.Codes), with
// the functions that print in that language: pages[lang][name].
func parsePages() (map[string]map[string]*template.Template, error) {
	out := map[string]map[string]*template.Template{}
	for _, code := range i18n.Codes {
		l, _ := i18n.Get(code)
		out[code] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(funcs).Funcs(langFuncs(l)).ParseFS(files, "templates/base.html", "templates/download.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("parsing %s page: %w", name, err)
			}
			out[code][name] = t
		}
	}
	return out, nil
}

var funcs = template.FuncMap{
	"num":   factsheet.Thousands,
	"num64": func(n int64) string { return factsheet.Thousands(int(n)) },
	"deref64": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"unum":     func(n uint64) string { return factsheet.Thousands(int(n)) },
	"longdate": factsheet.LongDate,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"verdict":            verdictText,
	"verdictClass":       verdictClass,
	"findingKind":        findingKind,
	"limitAnchor":        limitAnchor,
	"ruleAnchor":         func(limit string, i int) string { return fmt.Sprintf("rule-%s-%d", limit, i+1) },
	"readingRuleAnchor":  func(reading string, i int) string { return fmt.Sprintf("reading-%s-%d", reading, i+1) },
	"readingAnchor":      readingAnchor,
	"notificationAnchor": notificationAnchor,
	"inspectionAnchor":   inspectionAnchor,
	"statusAnchor":       statusAnchor,
	"categoryAnchor":     categoryAnchor,
	"itemURL": func(party, uid string) string {
		return "/items/" + url.PathEscape(party) + "/" + url.PathEscape(uid)
	},
	"entryURL": func(r body.Ref) string { return fmt.Sprintf("/entries/%s/%d", partyOf(r.Origin), r.Index) },
	"refParty": func(r body.Ref) string { return partyOf(r.Origin) },
	"join":     strings.Join,
	"lines":    func(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") },
	"add":      func(a, b int) int { return a + b },
	"sub":      func(a, b int) int { return a - b },
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"ceiling": func(l treaty.Limit) string {
		if l.Ceiling == nil {
			return "freeze at " + l.Baseline.String()
		}
		return factsheet.Thousands(*l.Ceiling)
	},
	"isDefault":   func(s string) bool { return s == treaty.DefaultReading },
	"span":        span,
	"optionTitle": optionTitle,
}

// partyOf returns the party of a log origin "accord/<treaty>/<party>".
func partyOf(origin string) string {
	return origin[strings.LastIndex(origin, "/")+1:]
}

func verdictText(v string) string {
	switch v {
	case engine.Met:
		return "met"
	case engine.Exceeded:
		return "exceeded"
	case engine.NotInForce:
		return "limit not yet in force"
	case engine.TreatyNotInForce:
		return "treaty not in force"
	case engine.NoData:
		return "no data"
	}
	return v
}

func verdictClass(v string) string {
	switch v {
	case engine.Met:
		return "ok"
	case engine.Exceeded:
		return "bad"
	}
	return "na"
}

package web

import (
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"

	"accord/internal/engine"
	"accord/internal/i18n"
	"accord/internal/treaty"
)

// checkLang refuses a lang parameter that names no language of the
// dashboard.
func checkLang(r *http.Request) error {
	code := r.URL.Query().Get("lang")
	if code == "" {
		return nil
	}
	if _, err := i18n.Get(code); err != nil {
		return badRequest("%v", err)
	}
	return nil
}

// langOf returns the language a request asks for: its lang parameter,
// else the language its Accept-Language header prefers. carry reports
// whether the page's links must carry the language (lang=…): when the
// parameter asked for it, or when it is not English, so that a link
// copied from the page opens it in the same language.
func langOf(r *http.Request) (l *i18n.Lang, carry bool) {
	if code := r.URL.Query().Get("lang"); code != "" {
		if l, err := i18n.Get(code); err == nil {
			return l, true
		}
	}
	l = i18n.Match(r.Header.Get("Accept-Language"))
	return l, l.Code != i18n.Codes[0]
}

// A langLink is the page a request shows, in one language.
type langLink struct {
	Code, Name, URL string
	Current         bool
}

func langLinks(r *http.Request, cur *i18n.Lang) []langLink {
	var out []langLink
	for _, code := range i18n.Codes {
		l, _ := i18n.Get(code)
		q := r.URL.Query()
		q.Set("lang", code)
		out = append(out, langLink{Code: code, Name: l.Name(), URL: r.URL.Path + "?" + q.Encode(), Current: code == cur.Code})
	}
	return out
}

// pageLink is a link of a rendered page to another of the dashboard's
// pages: an href or a GET form's action, from "/" to its closing quote.
var (
	pageLink = regexp.MustCompile(`href="(/[^"]*)"`)
	getForm  = regexp.MustCompile(`<form [^>]*method="get"[^>]*>`)
)

// localize makes every link of a rendered page to another page carry
// lang=l.Code, before its fragment, and adds it as a hidden field to
// every GET form; a link that names a language already (the language
// switch) and the stylesheet are left as they are.
func localize(page []byte, l *i18n.Lang) []byte {
	page = pageLink.ReplaceAllFunc(page, func(m []byte) []byte {
		u := string(pageLink.FindSubmatch(m)[1])
		if strings.HasPrefix(u, "/static/") || strings.Contains(u, "lang=") {
			return m
		}
		path, frag, hasFrag := strings.Cut(u, "#")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&amp;"
		}
		out := `href="` + path + sep + "lang=" + l.Code
		if hasFrag {
			out += "#" + frag
		}
		return []byte(out + `"`)
	})
	return getForm.ReplaceAllFunc(page, func(m []byte) []byte {
		return []byte(string(m) + `<input type="hidden" name="lang" value="` + l.Code + `">`)
	})
}

// langFuncs are the template functions that print in l, over funcs'
// English ones.
func langFuncs(l *i18n.Lang) template.FuncMap {
	return template.FuncMap{
		"t":     l.T,
		"th":    func(key string, args ...any) template.HTML { return htmlMessage(l, key, args) },
		"tx":    func(s string) string { return translated(l, s) },
		"term":  l.Term,
		"num":   func(n int) string { return l.Num(int64(n)) },
		"num64": l.Num,
		"unum":  func(n uint64) string { return l.Num(int64(n)) },
		"longdate": func(d treaty.Date) string {
			if d.IsZero() {
				return ""
			}
			return l.Date(d.Time())
		},
		"verdict":     func(v string) string { return translated(l, verdictText(v)) },
		"findingKind": func(k string) string { return translated(l, findingKind(k)) },
		"ceiling": func(lim treaty.Limit) string {
			if lim.Ceiling == nil {
				return l.T("freeze at %s", lim.Baseline.String())
			}
			return l.Num(int64(*lim.Ceiling))
		},
	}
}

// htmlMessage prints a message whose text is HTML (a link, a <strong>):
// the catalog's text is trusted, every string argument is escaped.
func htmlMessage(l *i18n.Lang, key string, args []any) template.HTML {
	for i, a := range args {
		switch a := a.(type) {
		case string:
			args[i] = template.HTMLEscapeString(a)
		case fmt.Stringer:
			args[i] = template.HTMLEscapeString(a.String())
		}
	}
	return template.HTML(l.T(key, args...))
}

// translated returns the message s in l if the catalog has it, else s:
// for words that come from data (a phase, a state), which may have none.
func translated(l *i18n.Lang, s string) string {
	if !i18n.Has(l.Code, s) {
		return s
	}
	return l.T(s)
}

// dynamicMessages are the messages the dashboard shows from its code
// rather than from a template's literal text: each needs a translation
// as a template's messages do (TestEveryMessageTranslated).
func dynamicMessages() []string {
	out := []string{"not signed", "in force", "signed, not in force", "terminated by withdrawal", "expired",
		"Warheads", "Missiles, launchers and bombers",
		"not acknowledged", "pending", "in time",
		"Overview", "History", "Notifications", "Treaty database", "Error", "Compare treaties",
		"legally binding", "politically binding", "Escrowed declarations"}
	for _, v := range []string{engine.Met, engine.Exceeded, engine.NotInForce, engine.TreatyNotInForce, engine.NoData} {
		out = append(out, verdictText(v))
	}
	for _, k := range findingKinds {
		out = append(out, k)
	}
	for _, tp := range compareTopics(nil) {
		out = append(out, tp.Name)
		for _, r := range tp.Rows {
			out = append(out, r.Item)
		}
	}
	return out
}

// Package i18n holds the languages the dashboard and the public fact
// sheet are shown in: English, the default; Russian, New START's other
// authentic language; and Chinese, for the trilateral draft. Messages
// are golang.org/x/text/message catalogs keyed by their English text;
// numbers are grouped as each language groups them (1,550 in English and
// Chinese, 1 550 in Russian, with a no-break space).
//
// Two kinds of text are translated. Messages are the dashboard's own
// words: every message has a translation in every language but English,
// and a test fails on one that lacks it. Terms are the treaty's words
// (the names of limits, categories, statuses and parties) in the
// language's authentic or official text where there is one; a term
// without a translation is shown as the treaty definition states it.
//
// A Lang is safe for concurrent use.
package i18n

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Codes are the languages, by the code of the lang query parameter; the
// first is the default.
var Codes = []string{"en", "ru", "zh"}

// names are the languages' names in themselves, for a language switch.
var names = map[string]string{"en": "English", "ru": "Русский", "zh": "中文"}

var tags = []language.Tag{language.English, language.Russian, language.Chinese}

// A Lang prints messages, terms, numbers and dates in one language.
type Lang struct {
	Code string // one of Codes
	Tag  language.Tag
	p    *message.Printer
}

var langs = map[string]*Lang{}

func init() {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for code, tag := range catalogTags() {
		for key, msg := range messages[code] {
			must(b.SetString(tag, key, msg))
		}
		for key, term := range terms[code] {
			must(b.SetString(tag, termKey(key), term.Text))
		}
	}
	for i, code := range Codes {
		langs[code] = &Lang{Code: code, Tag: tags[i], p: message.NewPrinter(tags[i], message.Catalog(b))}
	}
}

func catalogTags() map[string]language.Tag {
	return map[string]language.Tag{"ru": language.Russian, "zh": language.Chinese}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// termKey keeps the treaty's terms apart from the dashboard's messages
// in the catalog.
func termKey(s string) string { return "term\x00" + s }

// Get returns the language of code, one of Codes.
func Get(code string) (*Lang, error) {
	if l, ok := langs[code]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("lang %q is not one of %s", code, strings.Join(Codes, ", "))
}

// English is the default language.
func English() *Lang { return langs["en"] }

var matcher = language.NewMatcher(tags)

// Match returns the language an Accept-Language header prefers among
// Codes, English if none.
func Match(acceptLanguage string) *Lang {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return English()
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return English()
	}
	return langs[Codes[i]]
}

// Name is the language's name in itself.
func (l *Lang) Name() string { return names[l.Code] }

// T returns the message key, the English text, in l, formatted with
// args as fmt.Sprintf would, numbers grouped as l groups them.
func (l *Lang) T(key string, args ...any) string { return l.p.Sprintf(key, args...) }

// Term returns a term of the treaty in l, or s itself if l has none.
func (l *Lang) Term(s string) string {
	if _, ok := terms[l.Code][s]; !ok {
		return s
	}
	return l.p.Sprintf(termKey(s))
}

// Num writes n with l's grouping of thousands.
func (l *Lang) Num(n int64) string { return l.p.Sprintf("%d", n) }

// Date writes a day in full: 1 September 2020, 1 сентября 2020 г.,
// 2020年9月1日.
func (l *Lang) Date(t time.Time) string {
	switch l.Code {
	case "ru":
		return fmt.Sprintf("%d %s %d г.", t.Day(), ruMonthsOf[t.Month()-1], t.Year())
	case "zh":
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	return t.Format("2 January 2006")
}

// MonthYear writes a month, for the ticks of a chart: Sep 2020, сен 2020,
// 2020年9月.
func (l *Lang) MonthYear(t time.Time) string {
	switch l.Code {
	case "ru":
		return ruMonthsShort[t.Month()-1] + " " + fmt.Sprint(t.Year())
	case "zh":
		return fmt.Sprintf("%d年%d月", t.Year(), t.Month())
	}
	return t.Format("Jan 2006")
}

// The Russian months: in the genitive, as a date names them, and short.
var (
	ruMonthsOf    = []string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
	ruMonthsShort = []string{"янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"}
)

// Has reports whether the catalog of code holds a translation of the
// message key; English holds every message.
func Has(code, key string) bool {
	if code == "en" {
		return true
	}
	_, ok := messages[code][key]
	return ok
}

// Keys returns every message key of code's catalog, sorted.
func Keys(code string) []string {
	var out []string
	for k := range messages[code] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

package i18n

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func lang(t *testing.T, code string) *Lang {
	t.Helper()
	l, err := Get(code)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestNumbers checks that each language groups thousands its own way:
// Russian with a no-break space.
func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		code string
		n    int64
		want string
	}{
		{"en", 1550, "1,550"}, {"ru", 1550, "1\u00a0550"}, {"zh", 1550, "1,550"},
		{"en", -12345678, "-12,345,678"}, {"ru", -12345678, "-12\u00a0345\u00a0678"},
		{"ru", 700, "700"}, {"ru", 0, "0"},
	} {
		if got := lang(t, c.code).Num(c.n); got != c.want {
			t.Errorf("%s: %d prints %q, want %q", c.code, c.n, got, c.want)
		}
	}
	if got := lang(t, "ru").T("limit %s", lang(t, "ru").Num(1550)); got != "предельный уровень 1\u00a0550" {
		t.Errorf("a Russian message with a number reads %q", got)
	}
}

func TestDates(t *testing.T) {
	d := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
	for code, want := range map[string][2]string{
		"en": {"1 September 2020", "Sep 2020"},
		"ru": {"1 сентября 2020 г.", "сен 2020"},
		"zh": {"2020年9月1日", "2020年9月"},
	} {
		l := lang(t, code)
		if got := l.Date(d); got != want[0] {
			t.Errorf("%s: date %q, want %q", code, got, want[0])
		}
		if got := l.MonthYear(d); got != want[1] {
			t.Errorf("%s: month %q, want %q", code, got, want[1])
		}
	}
}

func TestGetAndMatch(t *testing.T) {
	if _, err := Get("de"); err == nil || err.Error() != `lang "de" is not one of en, ru, zh` {
		t.Errorf("Get(de): %v", err)
	}
	for header, want := range map[string]string{
		"ru-RU,ru;q=0.9,en;q=0.8": "ru", "zh-CN": "zh", "en-US,en": "en", "de-DE": "en", "": "en", "!!": "en",
		"de;q=0.9,ru;q=0.5": "ru",
	} {
		if got := Match(header).Code; got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
}

// verbs are a format's verbs, explicit indexes resolved: a translation
// must take the same arguments as its key.
var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*[a-z]`)

func verbs(format string) map[string]int {
	out := map[string]int{}
	next := 1
	for _, m := range verb.FindAllStringSubmatch(format, -1) {
		v := m[0][len(m[0])-1:]
		n := next
		if m[1] != "" {
			n = int(m[1][1] - '0')
		}
		out[string(rune('0'+n))+v]++
		next = n + 1
	}
	return out
}

// TestTranslationsTakeTheirArguments checks that every translation
// formats the same arguments, with the same verbs, as its key, and that
// HTML in a key is kept in its translation.
func TestTranslationsTakeTheirArguments(t *testing.T) {
	for code, msgs := range messages {
		for key, msg := range msgs {
			if a, b := verbs(key), verbs(msg); !mapsEqual(a, b) {
				t.Errorf("%s: %q formats %v, its key %q formats %v", code, msg, b, key, a)
			}
			if strings.Count(key, "<a ") != strings.Count(msg, "<a ") || strings.Count(key, "<strong") != strings.Count(msg, "<strong") {
				t.Errorf("%s: %q does not keep the markup of %q", code, msg, key)
			}
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s: %q translates to nothing", code, key)
			}
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTermsCiteSources checks that every term says where its wording
// comes from, and that the Russian categories of New START's central
// limits are the treaty's.
func TestTermsCiteSources(t *testing.T) {
	for code, ts := range terms {
		for en, tr := range ts {
			if tr.Text == "" || tr.Source == "" {
				t.Errorf("%s: term %q has no text or no source", code, en)
			}
		}
	}
	ru := lang(t, "ru")
	for en, want := range map[string][]string{
		"Deployed ICBMs, deployed SLBMs and deployed heavy bombers":                             {"развернутые МБР", "развернутые БРПЛ", "развернутые тяжелые бомбардировщики"},
		"Warheads on deployed ICBMs and SLBMs, and warheads counted for deployed heavy bombers": {"развернутых МБР", "развернутых БРПЛ", "засчитываемые за развернутыми тяжелыми бомбардировщиками"},
		"Deployed and non-deployed ICBM launchers, SLBM launchers and heavy bombers":            {"неразвернутые пусковые установки МБР", "пусковые установки БРПЛ"},
	} {
		got := ru.Term(en)
		for _, w := range want {
			if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
				t.Errorf("%q in Russian reads %q, lacking %q", en, got, w)
			}
		}
	}
	if got := ru.Term("no such term"); got != "no such term" {
		t.Errorf("a term without a translation reads %q", got)
	}
}

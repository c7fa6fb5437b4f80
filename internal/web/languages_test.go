package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"accord/internal/i18n"
	"accord/internal/treaty"
)

// TestLanguages checks the lang parameter: a language the dashboard does
// not speak is refused in one line; Russian shows New START's categories
// in the treaty's Russian terms and its numbers grouped with a no-break
// space, equal to the engine's; every link of the page keeps the
// language; Accept-Language chooses it when the parameter is absent; and
// the fact sheet speaks it too.
func TestLanguages(t *testing.T) {
	srv := newServer(t, world.View())
	status, body := get(t, srv, "/?lang=de")
	if status != http.StatusBadRequest || !strings.Contains(body, `lang &#34;de&#34; is not one of en, ru, zh`) {
		t.Errorf("?lang=de: status %d\n%s", status, excerpt(body))
	}

	if status, body := get(t, srv, "/factsheet.csv?lang=de"); status != http.StatusBadRequest || body != "lang \"de\" is not one of en, ru, zh\n" {
		t.Errorf("/factsheet.csv?lang=de: status %d, %q", status, body)
	}

	body = mustGet(t, srv, "/?date=2020-09-01&lang=ru")
	ru, _ := i18n.Get("ru")
	for _, want := range []string{`<html lang="ru">`, "Развернутые МБР, развернутые БРПЛ и развернутые тяжелые бомбардировщики",
		"Боеголовки на развернутых МБР и развернутых БРПЛ и ядерные боезаряды, засчитываемые за развернутыми тяжелыми бомбардировщиками",
		"Развернутые и неразвернутые пусковые установки МБР", "Соединенные Штаты Америки", "Российская Федерация",
		`<a href="/history?lang=ru"`, `<input type="hidden" name="lang" value="ru">`, "1 сентября 2020 г.", ">Обзор</h1>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Russian overview lacks %q", want)
		}
	}
	for _, pr := range evaluate(t, treaty.MustDate("2020-09-01"), "default").Parties {
		for _, lr := range pr.Limits {
			if want := ">" + ru.Num(int64(lr.Value)) + "</a>"; !strings.Contains(body, want) {
				t.Errorf("the Russian overview does not show %s's %s as %q", pr.Party, lr.ID, want)
			}
		}
	}
	for _, m := range regexp.MustCompile(`href="(/[^"]*)"`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], "lang=") && !strings.HasPrefix(m[1], "/static/") {
			t.Errorf("the Russian overview's link %s drops the language", m[1])
		}
	}

	req, _ := http.NewRequest("GET", srv.URL+"/history", nil)
	req.Header.Set("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Content-Language"); got != "ru" {
		t.Errorf("Accept-Language ru: Content-Language %q", got)
	}

	sheet := mustGet(t, srv, "/factsheet.html?date=2020-09-01&lang=ru")
	for _, want := range []string{`<html lang="ru">`, "Суммарные количества стратегических наступательных вооружений на 1 сентября 2020 г.",
		"Договор между Российской Федерацией и Соединенными Штатами Америки", "предельный уровень 1\u00a0550", "/factsheet.html?date=2020-09-01&amp;lang=ru"} {
		if !strings.Contains(sheet, want) {
			t.Errorf("the Russian fact sheet lacks %q", want)
		}
	}
}

// TestChinese checks the trilateral draft's overview and fact sheet in
// Chinese.
func TestChinese(t *testing.T) {
	srv := newServer(t, trilateral(t).View())
	body := mustGet(t, srv, "/?date=2022-03-01&lang=zh")
	for _, want := range []string{`<html lang="zh">`, "中华人民共和国", "美利坚合众国", ">概览</h1>", "2022年3月1日"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Chinese overview lacks %q", want)
		}
	}
	sheet := mustGet(t, srv, "/factsheet.html?date=2022-03-01&lang=zh")
	if !strings.Contains(sheet, "截至 2022年3月1日 的战略进攻性武器总数") {
		t.Errorf("the Chinese fact sheet reads\n%s", sheet)
	}
}

// TestRussianPages checks that the analysts' pages speak Russian with
// lang=ru: their headings, ledes and download links, not only the frame.
func TestRussianPages(t *testing.T) {
	srv := newServer(t, world.View())
	for path, wants := range map[string][]string{
		"/compare?treaties=newstart,trilateral-draft&date=2020-09-01&lang=ru": {"Сравнение договоров", "Определения договоров (2) рядом",
			">Положение</th>", "<h2>Предельные уровни</h2>", ">Вступление в силу</th>", "<h2 id=\"on-date\">На 1 сентября 2020 г.</h2>", "Скачать:", ">Постоянная ссылка</a>"},
		"/scenarios?date=2020-09-01&party=USA&lang=ru": {"Наличие у USA на <strong>2020-09-01</strong>", "<h2>Варианты</h2>", "можно добавить <strong class=\"can-add\">",
			"<h2>Возвратный потенциал без договора</h2>", ">Потенциал</th>", "Скачать:", ">Постоянная ссылка</a>"},
		"/treaty?lang=ru": {"Договор между Российской Федерацией и Соединенными Штатами Америки", "юридически обязывающее", "<h2>Предельные уровни</h2>",
			"Развернутые МБР, развернутые БРПЛ и развернутые тяжелые бомбардировщики", "<h2>Категории единиц</h2>", "Действует с 5 февраля 2018 г."},
		"/inspections?year=2019&lang=ru": {">Год действия Договора", "Инспекции года действия Договора", "<h2>Квоты</h2>", "Что вычисляется:",
			"⌈5% × <var>N</var>⌉", "<h2>Показы</h2>", "Скачать"},
	} {
		mustContain(t, mustGet(t, srv, path), path, wants)
	}
	warheads := newServer(t, freeze(t).View())
	mustContain(t, mustGet(t, warheads, "/warheads?date=2021-05-01&lang=ru"), "/warheads?lang=ru", []string{"Боезаряды каждой стороны по данным на",
		"1 мая 2021 г.", "<h3>Движения</h3>", ">На единицу</th>", "<h3>Выводы по боезарядам</h3>", "Скачать", "после каждого события с боезарядами в сравнении"})
	escrow := newServer(t, escrowWorld(t).View())
	mustContain(t, mustGet(t, escrow, "/escrow?lang=ru"), "/escrow?lang=ru", []string{"Депонированные заявления", "Депонированные заявления каждой стороны",
		"Обязательство от ", "Открыто областей: ", ">Область</th>", "<h4>Достоверность на сегодня</h4>", "Скачать"})
}

func mustContain(t *testing.T, body, path string, wants []string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", path, want)
		}
	}
}

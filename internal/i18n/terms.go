package i18n

// A term is a treaty's word in another language, with where it comes
// from.
type term struct {
	Text string
	// Source says where the wording is found; "unconfirmed: …" when no
	// source at hand states it in these words.
	Source string
}

// Sources of the Russian terms.
const (
	// srcArt3 is Article III of New START's Russian text ("Договор между
	// Российской Федерацией и Соединенными Штатами Америки о мерах по
	// дальнейшему сокращению и ограничению стратегических наступательных
	// вооружений", ratified by Federal Law No. 1-FZ of 28 January 2011),
	// as published at docs.cntd.ru/document/902223796: its counting rules
	// name "развернутая МБР", "развернутая БРПЛ", "развернутый тяжелый
	// бомбардировщик", "боеголовки, установленные на развернутых МБР и на
	// развернутых БРПЛ", "за каждым развернутым тяжелым бомбардировщиком
	// засчитывается один ядерный боезаряд", "развернутая (неразвернутая)
	// пусковая установка МБР (БРПЛ)".
	srcArt3 = "New START (Russian text), Article III, docs.cntd.ru/document/902223796"
	// srcTitle is the treaty's Russian title, from the same publication.
	srcTitle = "New START (Russian text), title, docs.cntd.ru/document/902223796"
	// srcStart2 is START II's Russian text, Article I.1, which spells out
	// "межконтинентальные баллистические ракеты (МБР)" and "баллистические
	// ракеты подводных лодок (БРПЛ)"; New START's Article III uses the
	// abbreviations.
	srcStart2 = "START II (Russian text), Article I.1; New START Article III uses МБР, БРПЛ"
)

// terms are the treaties' terms by language code, keyed by the English
// of the built-in definitions (internal/treaty/treaties).
var terms = map[string]map[string]term{"ru": ruTerms, "zh": zhTerms}

var ruTerms = map[string]term{
	// New START's central limits (Article II), in the words of Article III.
	"Deployed ICBMs, deployed SLBMs and deployed heavy bombers":                             {"Развернутые МБР, развернутые БРПЛ и развернутые тяжелые бомбардировщики", srcArt3},
	"Warheads on deployed ICBMs and SLBMs, and warheads counted for deployed heavy bombers": {"Боеголовки на развернутых МБР и развернутых БРПЛ и ядерные боезаряды, засчитываемые за развернутыми тяжелыми бомбардировщиками", srcArt3},
	"Deployed and non-deployed ICBM launchers, SLBM launchers and heavy bombers":            {"Развернутые и неразвернутые пусковые установки МБР, пусковые установки БРПЛ и тяжелые бомбардировщики", srcArt3 + "; unconfirmed: \"неразвернутые тяжелые бомбардировщики\" (the excerpt at hand ends before Article III.3(e)-(f))"},
	// The 2020 proposals' freeze: no authentic text.
	"Total nuclear warheads, all categories (political freeze, no verification provisions)": {"Все ядерные боезаряды всех категорий (политическое замораживание, без мер проверки)", "accord's translation: the 2020 offer has no treaty text"},
	"Total nuclear warheads, all categories (freeze)":                                       {"Все ядерные боезаряды всех категорий (замораживание)", "accord's translation: the trilateral draft is hypothetical"},
	// Categories and statuses.
	"Intercontinental ballistic missile":          {"Межконтинентальная баллистическая ракета (МБР)", srcStart2},
	"Submarine-launched ballistic missile":        {"Баллистическая ракета подводной лодки (БРПЛ)", srcStart2},
	"ICBM launcher":                               {"Пусковая установка МБР", srcArt3},
	"SLBM launcher":                               {"Пусковая установка БРПЛ", srcArt3},
	"Heavy bomber equipped for nuclear armaments": {"Тяжелый бомбардировщик, оснащенный для ядерных вооружений", "unconfirmed: \"тяжелый бомбардировщик\" is Article III's; \"оснащенный для ядерных вооружений\" is not found in a source at hand"},
	"Strategic nuclear warhead":                   {"Стратегический ядерный боезаряд", "unconfirmed: \"ядерный боезаряд\" is Article III's"},
	"Deployed":                                    {"Развернутый", srcArt3},
	"Non-deployed":                                {"Неразвернутый", srcArt3},
	"Eliminated":                                  {"Ликвидирован", "unconfirmed"},
	// Parties and the treaty.
	"United States of America":   {"Соединенные Штаты Америки", srcTitle},
	"Russian Federation":         {"Российская Федерация", srcTitle},
	"People's Republic of China": {"Китайская Народная Республика", "unconfirmed: the official Russian name, not in a source at hand"},
	"Treaty between the United States of America and the Russian Federation on Measures for the Further Reduction and Limitation of Strategic Offensive Arms": {"Договор между Российской Федерацией и Соединенными Штатами Америки о мерах по дальнейшему сокращению и ограничению стратегических наступательных вооружений", srcTitle},
}

// zhTerms are accord's own Chinese for the trilateral draft's words: no
// treaty in this catalog has an authentic Chinese text.
var zhTerms = map[string]term{
	"Deployed ICBMs, deployed SLBMs and deployed heavy bombers":                             {"已部署洲际弹道导弹、已部署潜射弹道导弹和已部署重型轰炸机", srcZh},
	"Warheads on deployed ICBMs and SLBMs, and warheads counted for deployed heavy bombers": {"已部署洲际弹道导弹和潜射弹道导弹上的弹头，以及计入已部署重型轰炸机的弹头", srcZh},
	"Deployed and non-deployed ICBM launchers, SLBM launchers and heavy bombers":            {"已部署和未部署的洲际弹道导弹发射装置、潜射弹道导弹发射装置和重型轰炸机", srcZh},
	"Total nuclear warheads, all categories (freeze)":                                       {"所有类别核弹头总数（冻结）", srcZh},
	"United States of America":   {"美利坚合众国", srcZh},
	"Russian Federation":         {"俄罗斯联邦", srcZh},
	"People's Republic of China": {"中华人民共和国", srcZh},
	"Hypothetical trilateral framework (United States, Russia, China)": {"假设的三边框架（美国、俄罗斯、中国）", srcZh},
	"Trilateral draft (hypothetical)":                                  {"三边草案（假设）", srcZh},
}

const srcZh = "accord's translation: no authentic Chinese text"

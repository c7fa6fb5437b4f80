package sim

// A launchSite is where a group's test launches fly from and to, and how
// many a six-month period sees on average.
type launchSite struct {
	from, to string
	rate     float64
}

var launchSites = map[string]launchSite{
	"mm3":    {"Vandenberg AFB, California", "Kwajalein Atoll, Marshall Islands", 1.6},
	"d5":     {"Eastern Range off Cape Canaveral (SSBN)", "Atlantic Ocean", 0.6},
	"rs24":   {"Plesetsk", "Kura test range, Kamchatka", 1.0},
	"topol":  {"Kapustin Yar", "Sary Shagan, Kazakhstan", 0.5},
	"topolm": {"Plesetsk", "Kura test range, Kamchatka", 0.2},
	"bulava": {"White Sea (SSBN)", "Kura test range, Kamchatka", 0.7},
	"sineva": {"Barents Sea (SSBN)", "Kura test range, Kamchatka", 0.4},
	"r36":    {"Dombarovsky", "Kura test range, Kamchatka", 0.1},
	"r29r":   {"Sea of Okhotsk (SSBN)", "Chizha test range", 0.2},
	"df41":   {"Jilantai (simulated)", "Taklamakan impact area (simulated)", 0.6},
	"jl":     {"Bohai Sea (SSBN, simulated)", "Taklamakan impact area (simulated)", 0.3},
}

// A bomberTrip lists where a group's bombers go abroad, and how often.
type bomberTrip struct {
	to   []string
	rate float64
}

var bomberTrips = map[string]bomberTrip{
	"b52h":  {[]string{"Andersen AFB, Guam", "RAF Fairford, United Kingdom", "Diego Garcia", "Morón Air Base, Spain"}, 1.4},
	"b2":    {[]string{"Andersen AFB, Guam", "RAF Fairford, United Kingdom", "Keflavik, Iceland"}, 0.5},
	"tu160": {[]string{"Maiquetía, Venezuela", "Waterkloof, South Africa"}, 0.15},
	"tu95":  {[]string{"Biak, Indonesia"}, 0.05},
}

package sim

import "fmt"

// Kinds of facility.
const (
	ICBMBase      = "icbm_base"
	SubmarineBase = "submarine_base"
	AirBase       = "air_base"
	Storage       = "storage"
	Elimination   = "conversion_elimination"
	TestRange     = "test_range"
	Production    = "production"
	// Warhead sites (warheads.go): storage of warheads not on missiles,
	// the plants that assemble and dismantle them, and the bases of
	// non-strategic weapons. New START inspects none of them.
	WarheadStorage   = "warhead_storage"
	WarheadPlant     = "warhead_plant"
	NonStrategicBase = "nonstrategic_base"
)

// A Facility is a declared site. Names and locations are public; which
// items the simulation places at each is simulated.
type Facility struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Party string `json:"party"`
}

var facilities = []Facility{
	{"USA-FEW", "F.E. Warren AFB, Wyoming", ICBMBase, "USA"},
	{"USA-MAL", "Malmstrom AFB, Montana", ICBMBase, "USA"},
	{"USA-MIN", "Minot AFB ICBM base, North Dakota", ICBMBase, "USA"},
	{"USA-VAN", "Vandenberg AFB, California", TestRange, "USA"},
	{"USA-HILL", "Hill AFB, Utah (ICBM storage)", Storage, "USA"},
	{"USA-KB", "Naval Submarine Base Kings Bay, Georgia", SubmarineBase, "USA"},
	{"USA-BAN", "Naval Base Kitsap-Bangor, Washington", SubmarineBase, "USA"},
	{"USA-SWFLANT", "Strategic Weapons Facility Atlantic, Kings Bay", Storage, "USA"},
	{"USA-SWFPAC", "Strategic Weapons Facility Pacific, Bangor", Storage, "USA"},
	{"USA-WHI", "Whiteman AFB, Missouri", AirBase, "USA"},
	{"USA-MIN-AB", "Minot AFB air base, North Dakota", AirBase, "USA"},
	{"USA-BKS", "Barksdale AFB, Louisiana", AirBase, "USA"},
	{"USA-DYS", "Dyess AFB, Texas", AirBase, "USA"},
	{"USA-ELL", "Ellsworth AFB, South Dakota", AirBase, "USA"},
	{"USA-EDW", "Edwards AFB, California (test heavy bombers)", TestRange, "USA"},
	{"USA-DM", "Davis-Monthan AFB, Arizona (309th AMARG)", Elimination, "USA"},
	// Warhead sites. Kirtland's underground complex holds the most US
	// warheads in storage, and Pantex is the one US plant that assembles
	// and dismantles them (docs/warheads.md, "The demo", for the sources);
	// the bases in Europe are one site here, their split not simulated.
	{"USA-KUMMSC", "Kirtland Underground Munitions Maintenance and Storage Complex, New Mexico", WarheadStorage, "USA"},
	{"USA-PANTEX", "Pantex Plant, Amarillo, Texas (warhead assembly and dismantlement)", WarheadPlant, "USA"},
	{"USA-EUR", "US air bases in Europe (non-strategic bombs; one site here)", NonStrategicBase, "USA"},

	{"RUS-KOZ", "Kozelsk", ICBMBase, "RUS"},
	{"RUS-TAT", "Tatishchevo", ICBMBase, "RUS"},
	{"RUS-UZH", "Uzhur", ICBMBase, "RUS"},
	{"RUS-DOM", "Dombarovsky", ICBMBase, "RUS"},
	{"RUS-TEY", "Teykovo", ICBMBase, "RUS"},
	{"RUS-YOS", "Yoshkar-Ola", ICBMBase, "RUS"},
	{"RUS-NOV", "Novosibirsk", ICBMBase, "RUS"},
	{"RUS-NTG", "Nizhniy Tagil", ICBMBase, "RUS"},
	{"RUS-IRK", "Irkutsk", ICBMBase, "RUS"},
	{"RUS-BAR", "Barnaul", ICBMBase, "RUS"},
	{"RUS-VYP", "Vypolzovo", ICBMBase, "RUS"},
	{"RUS-YUR", "Yurya", ICBMBase, "RUS"},
	{"RUS-KAR", "Kartaly (former ICBM base)", ICBMBase, "RUS"},
	{"RUS-GAD", "Gadzhiyevo", SubmarineBase, "RUS"},
	{"RUS-VIL", "Vilyuchinsk", SubmarineBase, "RUS"},
	{"RUS-SEV", "Severodvinsk", SubmarineBase, "RUS"},
	{"RUS-ENG", "Engels", AirBase, "RUS"},
	{"RUS-UKR", "Ukrainka", AirBase, "RUS"},
	{"RUS-PIB", "Piban'shur (ICBM storage)", Storage, "RUS"},
	{"RUS-OKO", "Okolnaya (SLBM storage)", Storage, "RUS"},
	{"RUS-RYB", "Rybachiy (SLBM storage)", Storage, "RUS"},
	{"RUS-SUR", "Surovatikha (mobile launcher elimination)", Elimination, "RUS"},
	{"RUS-VOT", "Votkinsk (production)", Production, "RUS"},
	{"RUS-PLE", "Plesetsk", TestRange, "RUS"},
	{"RUS-WS1", "Central warhead storage site 1 (simulated)", WarheadStorage, "RUS"},
	{"RUS-WS2", "Central warhead storage site 2, non-strategic (simulated)", WarheadStorage, "RUS"},
	{"RUS-WDIS", "Warhead dismantlement plant (simulated)", WarheadPlant, "RUS"},

	{"CHN-B61", "PLARF Base 61, Huangshan (simulated)", ICBMBase, "CHN"},
	{"CHN-B64", "PLARF Base 64, Lanzhou (simulated)", ICBMBase, "CHN"},
	{"CHN-B65", "PLARF Base 65, Shenyang (simulated)", ICBMBase, "CHN"},
	{"CHN-B66", "PLARF Base 66, Luoyang (simulated)", ICBMBase, "CHN"},
	{"CHN-YUM", "Yumen silo field (simulated)", ICBMBase, "CHN"},
	{"CHN-YUL", "Yulin naval base, Hainan (simulated)", SubmarineBase, "CHN"},
	{"CHN-NXA", "Neixiang air base (simulated)", AirBase, "CHN"},
	{"CHN-STOR", "Central warhead storage, Taibai (simulated)", Storage, "CHN"},
}

// facilitiesOf returns the facilities of the given parties, in table order.
func facilitiesOf(parties []string) []Facility {
	var out []Facility
	for _, f := range facilities {
		for _, p := range parties {
			if f.Party == p {
				out = append(out, f)
			}
		}
	}
	return out
}

// A site is where a run of launchers stands: n slots at one facility,
// named with a code (a silo field, a submarine's hull number).
type site struct {
	facility string
	code     string
	n        int
}

// slotter names launcher slot i of a group and gives its facility. Slots
// past the last site continue at the last site's facility.
type slotter struct {
	prefix string // e.g. USA-LF
	kind   string // "silo", "tube" or "serial"
	sites  []site
}

func (s slotter) slot(i int) (uid, facility string) {
	k := i
	for _, st := range s.sites {
		if k < st.n {
			return s.name(st, k), st.facility
		}
		k -= st.n
	}
	last := s.sites[len(s.sites)-1]
	return fmt.Sprintf("%s-%s-X%03d", s.prefix, last.code, k+1), last.facility
}

func (s slotter) name(st site, k int) string {
	switch s.kind {
	case "silo": // flights of ten: A01…A10, B01…
		return fmt.Sprintf("%s-%s-%c%02d", s.prefix, st.code, 'A'+k/10, k%10+1)
	case "tube":
		return fmt.Sprintf("%s-%s-T%02d", s.prefix, st.code, k+1)
	}
	return fmt.Sprintf("%s-%s-%03d", s.prefix, st.code, k+1)
}

// capacity returns the number of named slots.
func (s slotter) capacity() int {
	n := 0
	for _, st := range s.sites {
		n += st.n
	}
	return n
}

package declaration

import (
	"regexp"
	"strings"

	"accord/entry/body"
	"accord/internal/treaty"
)

// A Warhead row is a number of nuclear warheads of one category and status
// held at one site (docs/warheads.md), for parties that count warheads per
// site rather than declare each by UID. Category is one of the treaty's
// warhead categories (treaty.Treaty.WarheadCategory), Status any of its
// statuses but Dismantled, and Count 0 to MaxCount: a row of 0 declares
// the site empty in that category and status.
type Warhead struct {
	AsOf     treaty.Date `json:"as_of,omitzero"`
	Party    string      `json:"party"`
	Site     string      `json:"site"`
	Category string      `json:"category"`
	Status   string      `json:"status"`
	Count    int         `json:"count"`
}

// Dismantled is the status of a warhead that has left every count: no
// declaration row holds it.
const Dismantled = "dismantled"

// siteName is the syntax of a site, that of a facility in a signed body
// (body.Lot.Site): letters, digits and ._:/+()-, single spaces between
// words. FuzzLoad checks that every site it accepts encodes in a body.
var siteName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._:/+()-]| [A-Za-z0-9(]){0,63}$`)

// Lot returns the row as a lot of a warhead statement (body.Lot, effect
// "stock"): what its site holds in its category and status.
func (w Warhead) Lot() body.Lot {
	return body.Lot{Category: w.Category, Count: w.Count, Site: w.Site, Status: w.Status}
}

// Lots returns the set's warhead rows as the lots of a warhead statement,
// in row order. A set from one declaration entry is one party's rows of
// one date, unique by site, category and status (Load refuses a
// duplicate), so its lots are the party's full statement of warheads per
// site on that date.
func (s *Set) Lots() []body.Lot {
	out := make([]body.Lot, len(s.Warheads))
	for i, w := range s.Warheads {
		out[i] = w.Lot()
	}
	return out
}

func (c *checker) warhead(r row, w Warhead) error {
	if err := c.party(r, w.Party); err != nil {
		return err
	}
	if err := c.date(r, w.AsOf); err != nil {
		return err
	}
	if err := site(r, w.Site); err != nil {
		return err
	}
	if err := c.warheadKind(r, w.Category, w.Status); err != nil {
		return err
	}
	if err := bounded(r, "count", w.Count); err != nil {
		return err
	}
	k := strings.Join([]string{w.Party, w.AsOf.String(), w.Site, w.Category, w.Status}, "|")
	if prev, dup := c.warheads[k]; dup {
		return r.errorf("site", "duplicate row for %s %s %s %s (%s)", w.Party, w.Site, w.Category, w.Status, prev.first(r))
	}
	c.warheads[k] = r.pos()
	c.count(key{w.Party, w.AsOf}, r)
	return nil
}

// warheadKind refuses a category that is not one of warheads and a status
// a declared warhead cannot be in.
func (c *checker) warheadKind(r row, category, status string) error {
	if !c.t.WarheadCategory(category) {
		return r.errorf("category", "category %q is not a warhead category in treaty %s (warhead categories: %s)", category, c.t.ID, warheadCategories(c.t))
	}
	if !c.t.HasStatus(status) {
		return r.errorf("status", "unknown status %q in treaty %s (statuses: %s)", status, c.t.ID, c.t.StatusList())
	}
	if status == Dismantled {
		return r.errorf("status", "status %q: a dismantled warhead is out of every count, so no site holds it", status)
	}
	return nil
}

func warheadCategories(t *treaty.Treaty) string {
	var ids []string
	for _, cat := range t.Categories {
		if cat.Warhead {
			ids = append(ids, cat.ID)
		}
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// site refuses a site that a signed warhead statement could not name.
func site(r row, s string) error {
	if s == "" {
		return r.errorf("site", "site is empty")
	}
	if err := text(r, "site", s); err != nil {
		return err
	}
	if !siteName.MatchString(s) {
		return r.errorf("site", "site %q is not a site name (letters, digits and ._:/+()-, single spaces between words)", s)
	}
	return nil
}

package declaration

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"accord/internal/treaty"
)

// MaxRows bounds the rows one file may hold, so that a hostile file cannot
// exhaust memory.
const MaxRows = 10_000_000

// An Error is a problem in a declaration file, located by file, line and
// column (column 0 when the whole line is at fault).
type Error = treaty.Error

// LoadFile reads the declaration file at path.
func LoadFile(t *treaty.Treaty, path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(t, path, f)
}

// Load reads a declaration file in CSV or JSON (told apart by the first
// non-blank byte) and validates every row against t. name is used in
// error messages.
func Load(t *treaty.Treaty, name string, r io.Reader) (*Set, error) {
	br := bufio.NewReader(r)
	first, err := firstByte(br)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	var s *Set
	if first == '{' {
		s, err = loadJSON(t, name, br)
	} else {
		s, err = loadCSV(t, name, br)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return 0, errors.New("file is empty")
		}
		if err != nil {
			return 0, err
		}
		if !bytes.ContainsAny(b, " \t\r\n\ufeff") {
			return b[0], nil
		}
		br.Discard(1)
	}
}

// row is one record being validated: where it came from and how to find
// the column of a named field.
type row struct {
	file   string
	line   int
	column func(field string) int
}

func (r row) errorf(field, format string, args ...any) *Error {
	col := 1
	if r.column != nil {
		col = max(1, r.column(field))
	}
	return &Error{File: r.file, Line: r.line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// checker validates rows against a treaty and catches duplicates.
type checker struct {
	t     *treaty.Treaty
	uids  map[key]map[string]int // party and date → uid → line
	types map[string]int         // party|date|type|category|status → line
	aggs  map[key]int            // party and date → line
}

func newChecker(t *treaty.Treaty) *checker {
	return &checker{t: t, uids: map[key]map[string]int{}, types: map[string]int{}, aggs: map[key]int{}}
}

func (c *checker) party(r row, p string) error {
	if _, ok := c.t.Party(p); !ok {
		return r.errorf("party", "unknown party %q in treaty %s (parties: %s)", p, c.t.ID, partyList(c.t))
	}
	return nil
}

func partyList(t *treaty.Treaty) string {
	var ids []string
	for _, p := range t.Parties {
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, ", ")
}

func (c *checker) date(r row, d treaty.Date) error {
	if !d.IsZero() && d.Before(c.t.Dates.Signature) {
		return r.errorf("as_of", "date %s is before treaty %s was signed (%s)", d, c.t.ID, c.t.Dates.Signature)
	}
	return nil
}

func (c *checker) kind(r row, category, status string) error {
	if !c.t.HasCategory(category) {
		return r.errorf("category", "unknown category %q in treaty %s", category, c.t.ID)
	}
	if !c.t.HasStatus(status) {
		return r.errorf("status", "unknown status %q in treaty %s", status, c.t.ID)
	}
	return nil
}

func (c *checker) item(r row, it Item) error {
	if err := c.common(r, it.Party, it.AsOf, it.Type, it.Category, it.Status); err != nil {
		return err
	}
	if it.UID == "" {
		return r.errorf("uid", "uid is empty")
	}
	if err := text(r, "uid", it.UID); err != nil {
		return err
	}
	if err := text(r, "facility", it.Facility); err != nil {
		return err
	}
	if it.Warheads < 0 {
		return r.errorf("warheads", "warheads %d is negative", it.Warheads)
	}
	k := key{it.Party, it.AsOf}
	if c.uids[k] == nil {
		c.uids[k] = map[string]int{}
	}
	if prev, dup := c.uids[k][it.UID]; dup {
		return r.errorf("uid", "duplicate uid %q (first on line %d)", it.UID, prev)
	}
	c.uids[k][it.UID] = r.line
	return nil
}

func (c *checker) typeCount(r row, tc TypeCount) error {
	if err := c.common(r, tc.Party, tc.AsOf, tc.Type, tc.Category, tc.Status); err != nil {
		return err
	}
	if tc.Count < 0 {
		return r.errorf("count", "count %d is negative", tc.Count)
	}
	if tc.Warheads < 0 {
		return r.errorf("warheads", "warheads %d is negative", tc.Warheads)
	}
	k := strings.Join([]string{tc.Party, tc.AsOf.String(), tc.Type, tc.Category, tc.Status}, "|")
	if prev, dup := c.types[k]; dup {
		return r.errorf("type", "duplicate row for %s %s %s %s (first on line %d)", tc.Party, tc.Type, tc.Category, tc.Status, prev)
	}
	c.types[k] = r.line
	return nil
}

func (c *checker) common(r row, party string, d treaty.Date, typ, category, status string) error {
	if err := c.party(r, party); err != nil {
		return err
	}
	if err := text(r, "type", typ); err != nil {
		return err
	}
	if err := c.date(r, d); err != nil {
		return err
	}
	if typ == "" {
		return r.errorf("type", "type is empty")
	}
	return c.kind(r, category, status)
}

func (c *checker) aggregate(r row, a Aggregate) error {
	if err := c.party(r, a.Party); err != nil {
		return err
	}
	if a.AsOf.IsZero() {
		return r.errorf("as_of", "an aggregate row needs its as_of date")
	}
	if err := text(r, "source", a.Source); err != nil {
		return err
	}
	if err := text(r, "note", a.Note); err != nil {
		return err
	}
	if err := c.date(r, a.AsOf); err != nil {
		return err
	}
	for _, id := range slices.Sorted(mapsKeys(a.Values)) {
		if _, ok := c.t.Limit(id); !ok {
			return r.errorf(id, "unknown limit %q in treaty %s", id, c.t.ID)
		}
		if a.Values[id] < 0 {
			return r.errorf(id, "%s %d is negative", id, a.Values[id])
		}
	}
	k := key{a.Party, a.AsOf}
	if prev, dup := c.aggs[k]; dup {
		return r.errorf("as_of", "duplicate aggregate row for %s on %s (first on line %d)", a.Party, a.AsOf, prev)
	}
	c.aggs[k] = r.line
	return nil
}

// mixed reports a party and date that has both counted rows and a
// pre-counted aggregate: the two cannot be added up.
func (c *checker) mixed(name string, s *Set) error {
	for _, a := range s.Aggregates {
		k := key{a.Party, a.AsOf}
		if len(c.uids[k]) > 0 || slices.ContainsFunc(s.Types, func(tc TypeCount) bool { return tc.Party == a.Party && tc.AsOf.Equal(a.AsOf) }) {
			return &Error{File: name, Line: c.aggs[k], Field: "as_of", Msg: fmt.Sprintf("%s on %s has both item or type rows and a pre-counted aggregate", a.Party, a.AsOf)}
		}
	}
	return nil
}

func mapsKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// text refuses a value that is not valid UTF-8 or holds control
// characters: such a value could not be shown or signed unambiguously.
func text(r row, field, s string) error {
	if !utf8.ValidString(s) {
		return r.errorf(field, "%s is not valid UTF-8", field)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return r.errorf(field, "%s %q holds a control character", field, s)
	}
	return nil
}

func atoi(r row, field, s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, r.errorf(field, "%s %q is not a whole number", field, s)
	}
	return n, nil
}

func parseDate(r row, s string) (treaty.Date, error) {
	if strings.TrimSpace(s) == "" {
		return treaty.Date{}, nil
	}
	d, err := treaty.ParseDate(s)
	if err != nil {
		return d, r.errorf("as_of", "%v", err)
	}
	return d, nil
}

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

	"accord/entry/body"
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
	return LoadFiles(t, path)
}

// LoadFiles reads several declaration files as one set (see Reader).
func LoadFiles(t *treaty.Treaty, paths ...string) (*Set, error) {
	r := NewReader(t)
	for _, p := range paths {
		if err := r.ReadFile(p); err != nil {
			return nil, err
		}
	}
	return r.Set()
}

// Load reads one declaration file in CSV or JSON (told apart by the first
// non-blank byte) and validates every row against t. name is used in
// error messages.
func Load(t *treaty.Treaty, name string, in io.Reader) (*Set, error) {
	r := NewReader(t)
	if err := r.Read(name, in); err != nil {
		return nil, err
	}
	return r.Set()
}

// A Reader reads declaration files into one Set, validating rows against
// each other across files: a UID declared twice, or a party's date
// declared both per item and as a pre-counted aggregate, is refused
// wherever the two rows stand. After an error the Reader must not be used.
type Reader struct {
	c   *checker
	set Set
}

// NewReader returns a Reader of declarations under t.
func NewReader(t *treaty.Treaty) *Reader { return &Reader{c: newChecker(t)} }

// ReadFile reads the declaration file at path.
func (r *Reader) ReadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return r.Read(path, f)
}

// Read reads one declaration file. name is used in error messages.
func (r *Reader) Read(name string, in io.Reader) error {
	br := bufio.NewReader(in)
	first, err := firstByte(br)
	if err != nil {
		return &Error{File: name, Msg: err.Error()}
	}
	var s *Set
	if first == '{' {
		s, err = loadJSON(r.c, name, br)
	} else {
		s, err = loadCSV(r.c, name, br)
	}
	if err != nil {
		return err
	}
	r.set.Merge(s)
	return nil
}

// Set returns every row read, once the rows are known to be consistent.
func (r *Reader) Set() (*Set, error) {
	if err := r.c.mixed(); err != nil {
		return nil, err
	}
	s := r.set
	return &s, nil
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
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
			br.Discard(3)
			continue
		}
		if !bytes.ContainsAny(b, " \t\r\n") {
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

func (r row) pos() pos { return pos{r.file, r.line} }

func (r row) errorf(field, format string, args ...any) *Error {
	col := 1
	if r.column != nil {
		col = max(1, r.column(field))
	}
	return &Error{File: r.file, Line: r.line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// checker validates rows against a treaty and catches duplicates, across
// every file of one Reader.
type checker struct {
	t        *treaty.Treaty
	uids     map[key]map[string]pos // party and date → uid → first row
	types    map[string]pos         // party|date|type|category|status → first row
	warheads map[string]pos         // party|date|site|category|status → first row
	aggs     map[key]pos            // party and date → aggregate row
	counted  map[key]pos            // party and date → first item, type or warhead row
}

// pos is where a row stands.
type pos struct {
	file string
	line int
}

// first names an earlier row from row r's point of view.
func (p pos) first(r row) string {
	if p.file == r.file {
		return fmt.Sprintf("first on line %d", p.line)
	}
	return fmt.Sprintf("first at %s:%d", p.file, p.line)
}

func newChecker(t *treaty.Treaty) *checker {
	return &checker{t: t, uids: map[key]map[string]pos{}, types: map[string]pos{}, warheads: map[string]pos{}, aggs: map[key]pos{}, counted: map[key]pos{}}
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
		return r.errorf("category", "unknown category %q in treaty %s (categories: %s)", category, c.t.ID, c.t.CategoryList())
	}
	if !c.t.HasStatus(status) {
		return r.errorf("status", "unknown status %q in treaty %s (statuses: %s)", status, c.t.ID, c.t.StatusList())
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
	if err := bounded(r, "warheads", it.Warheads); err != nil {
		return err
	}
	k := key{it.Party, it.AsOf}
	if c.uids[k] == nil {
		c.uids[k] = map[string]pos{}
	}
	if prev, dup := c.uids[k][it.UID]; dup {
		return r.errorf("uid", "duplicate uid %q (%s)", it.UID, prev.first(r))
	}
	c.uids[k][it.UID] = r.pos()
	c.count(k, r)
	return nil
}

func (c *checker) typeCount(r row, tc TypeCount) error {
	if err := c.common(r, tc.Party, tc.AsOf, tc.Type, tc.Category, tc.Status); err != nil {
		return err
	}
	if err := bounded(r, "count", tc.Count); err != nil {
		return err
	}
	if err := bounded(r, "warheads", tc.Warheads); err != nil {
		return err
	}
	k := strings.Join([]string{tc.Party, tc.AsOf.String(), tc.Type, tc.Category, tc.Status}, "|")
	if prev, dup := c.types[k]; dup {
		return r.errorf("type", "duplicate row for %s %s %s %s (%s)", tc.Party, tc.Type, tc.Category, tc.Status, prev.first(r))
	}
	c.types[k] = r.pos()
	c.count(key{tc.Party, tc.AsOf}, r)
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
	for _, id := range slices.Sorted(mapKeys(a.Values)) {
		if _, ok := c.t.Limit(id); !ok {
			return r.errorf(id, "unknown limit %q in treaty %s", id, c.t.ID)
		}
		if err := bounded(r, id, a.Values[id]); err != nil {
			return err
		}
	}
	k := key{a.Party, a.AsOf}
	if prev, dup := c.aggs[k]; dup {
		return r.errorf("as_of", "duplicate aggregate row for %s on %s (%s)", a.Party, a.AsOf, prev.first(r))
	}
	c.aggs[k] = r.pos()
	return nil
}

// count remembers the first item, type or warhead row of a party and
// date.
func (c *checker) count(k key, r row) {
	if _, ok := c.counted[k]; !ok {
		c.counted[k] = r.pos()
	}
}

// mixed reports a party and date that has both counted rows (items, types
// or warheads) and a pre-counted aggregate: the two cannot be added up.
func (c *checker) mixed() error {
	for _, k := range slices.SortedFunc(mapKeys(c.aggs), func(a, b key) int { return a.asOf.Compare(b.asOf) }) {
		if counted, ok := c.counted[k]; ok {
			a := c.aggs[k]
			r := row{file: a.file, line: a.line}
			return r.errorf("as_of", "%s on %s has a pre-counted aggregate and item, type or warhead rows (%s): they cannot be added up", k.party, k.asOf, counted.first(r))
		}
	}
	return nil
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
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

// MaxCount bounds every count and warhead figure, so that no sum of a
// file's rows can overflow. It is the bound of every count in accord,
// body.MaxCount.
const MaxCount = body.MaxCount

func atoi(r row, field, s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, r.errorf(field, "%s %q is not a whole number", field, s)
	}
	return n, nil
}

// bounded refuses a negative figure or one above MaxCount.
func bounded(r row, field string, n int) error {
	switch {
	case n < 0:
		return r.errorf(field, "%s %d is negative", field, n)
	case n > MaxCount:
		return r.errorf(field, "%s %d is more than %d", field, n, MaxCount)
	}
	return nil
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

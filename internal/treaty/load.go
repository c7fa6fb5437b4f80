package treaty

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxSize bounds a treaty definition file, so that a hostile file cannot
// exhaust memory.
const MaxSize = 1 << 20

// An Error is one problem in a treaty definition, located in its file.
type Error struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int
	Field  string // the YAML path of the offending field, e.g. limits[0].ceiling
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// An ErrorList is every problem Load found, in file order. Its Error
// method reports the first and how many more there are.
type ErrorList []*Error

func (l ErrorList) Error() string {
	if len(l) == 1 {
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more problems)", l[0].Error(), len(l)-1)
}

// LoadFile reads and loads a treaty definition from a file.
func LoadFile(path string) (*Treaty, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, data)
}

// Load parses and validates a treaty definition. name is used in error
// messages. On any problem it returns an ErrorList and no treaty. A
// definition may name a built-in treaty as its base.
func Load(name string, data []byte) (*Treaty, error) {
	bases, err := builtins()
	if err != nil {
		return nil, err
	}
	return load(name, data, bases)
}

func load(name string, data []byte, bases map[string]*Treaty) (t *Treaty, err error) {
	// The YAML decoder can panic on some malformed documents (found by
	// FuzzLoad); such a document is bad input like any other.
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, ErrorList{{File: name, Msg: fmt.Sprintf("malformed YAML: the decoder failed (%v)", r)}}
		}
	}()
	return decode(name, data, bases)
}

func decode(name string, data []byte, bases map[string]*Treaty) (*Treaty, error) {
	if len(data) > MaxSize {
		return nil, ErrorList{{File: name, Msg: fmt.Sprintf("file is %d bytes, more than the %d allowed", len(data), MaxSize)}}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, ErrorList{yamlError(name, data, err)}
	}
	var t Treaty
	if err := yaml.UnmarshalWithOptions(data, &t, yaml.DisallowUnknownField()); err != nil {
		return nil, ErrorList{yamlError(name, data, err)}
	}
	if t.Base != "" {
		merged, err := inherit(&t, data, bases)
		if err != nil {
			return nil, ErrorList{{File: name, Line: 1, Column: 1, Field: "base", Msg: err.Error()}}
		}
		t = *merged
	}
	var v validator
	v.treaty(&t)
	if len(v.problems) > 0 {
		return nil, v.locate(name, file, t.Base)
	}
	t.normalize()
	return &t, nil
}

func yamlError(name string, data []byte, err error) *Error {
	var ve *valueError
	if errors.As(err, &ve) {
		return locateValue(name, data, ve)
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &Error{File: name, Msg: strings.ToLower(ye.GetMessage()[:1]) + ye.GetMessage()[1:]}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &Error{File: name, Msg: err.Error()}
}

// locateValue finds a scalar that failed to parse in the source: the
// decoder reports such errors without a position.
func locateValue(name string, data []byte, ve *valueError) *Error {
	e := &Error{File: name, Msg: ve.msg}
	if i := bytes.Index(data, []byte(ve.value)); i >= 0 && ve.value != "" {
		e.Line = 1 + bytes.Count(data[:i], []byte("\n"))
		e.Column = i - bytes.LastIndexByte(data[:i], '\n')
	}
	return e
}

// normalize fills in defaults once the definition is known to be valid.
func (t *Treaty) normalize() {
	if t.Year.Start == "" {
		t.Year.Start = "entry_into_force"
	}
	for i := range t.Limits {
		l := &t.Limits[i]
		if l.Binding == "" {
			l.Binding = t.Binding
		}
		normalizeRules(l.Count)
	}
	for i := range t.Readings {
		for j := range t.Readings[i].Add {
			r := &t.Readings[i].Add[j].Rule
			if r.Measure == "" {
				r.Measure = MeasureItems
			}
			if r.Weight == 0 && r.Measure == MeasureItems {
				r.Weight = 1
			}
		}
	}
}

func normalizeRules(rules []Rule) {
	for i := range rules {
		if rules[i].Measure == "" {
			rules[i].Measure = MeasureItems
		}
		if rules[i].Weight == 0 && rules[i].Measure == MeasureItems {
			rules[i].Weight = 1
		}
	}
}

// A problem is a validation failure at a YAML path such as
// $.limits[0].ceiling.
type problem struct{ path, msg string }

type validator struct{ problems []problem }

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, problem{path, fmt.Sprintf(format, args...)})
}

// locate turns problems into Errors with the line and column of the
// nearest node that exists on each problem's path. A problem in a clause
// inherited from base points at the base line and says so.
func (v *validator) locate(name string, file *ast.File, base string) ErrorList {
	var out ErrorList
	for _, p := range v.problems {
		e := &Error{File: name, Field: strings.TrimPrefix(p.path, "$."), Msg: p.msg}
		top := strings.SplitN(strings.TrimPrefix(p.path, "$."), ".", 2)[0]
		top, _, _ = strings.Cut(top, "[")
		if base != "" && nodeToken(file, "$."+top) == nil {
			e.Msg += fmt.Sprintf(" (in %s, inherited from base %s)", top, base)
			p.path = "$.base"
		}
		for path := p.path; path != "$" && path != ""; path = parentPath(path) {
			if tk := nodeToken(file, path); tk != nil {
				e.Line, e.Column = tk.Line, tk.Column
				break
			}
		}
		if e.Line == 0 {
			e.Line, e.Column = 1, 1
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b *Error) int { return a.Line - b.Line })
	return out
}

type position struct{ Line, Column int }

func nodeToken(file *ast.File, path string) *position {
	p, err := yaml.PathString(path)
	if err != nil {
		return nil
	}
	n, err := p.FilterFile(file)
	if err != nil || n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return nil
	}
	pos := n.GetToken().Position
	return &position{pos.Line, pos.Column}
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i <= 0 {
		return ""
	}
	return path[:i]
}

var (
	idPattern    = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
	partyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	monthDay     = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
)

func (v *validator) treaty(t *Treaty) {
	if !idPattern.MatchString(t.ID) {
		v.add("$.id", "treaty id %q must be lowercase letters, digits, - or _", t.ID)
	}
	if t.Version < 1 {
		v.add("$.version", "version must be 1 or more")
	}
	if t.Title == "" {
		v.add("$.title", "a title is required")
	}
	v.binding("$.binding", t.Binding, false)
	v.cites(t)
	v.parties(t)
	v.dates(t)
	v.events(t)
	v.categories(t)
	v.statuses(t)
	v.limits(t)
	v.readings(t)
	v.notifications(t)
	v.inspections(t)
	v.schedule(t)
}

// cites requires a citation on every clause: a treaty definition must
// say which article or section each rule implements.
func (v *validator) cites(t *Treaty) {
	need := func(path, cite string) {
		if strings.TrimSpace(cite) == "" {
			v.add(path+".cite", "a citation is required: name the article or section this clause implements")
		}
	}
	need("$", t.Cite)
	need("$.dates", t.Dates.Cite)
	for i, e := range t.Events {
		need(fmt.Sprintf("$.events[%d]", i), e.Cite)
	}
	for i, c := range t.Categories {
		need(fmt.Sprintf("$.categories[%d]", i), c.Cite)
	}
	for i, l := range t.Limits {
		need(fmt.Sprintf("$.limits[%d]", i), l.Cite)
		for j, r := range l.Count {
			need(fmt.Sprintf("$.limits[%d].count[%d]", i, j), r.Cite)
		}
	}
	for i, r := range t.Readings {
		need(fmt.Sprintf("$.readings[%d]", i), r.Cite)
		for j, a := range r.Add {
			need(fmt.Sprintf("$.readings[%d].add[%d]", i, j), a.Cite)
		}
	}
	for i, n := range t.Notifications {
		need(fmt.Sprintf("$.notifications[%d]", i), n.Cite)
	}
	for i, f := range t.FacilityTypes {
		need(fmt.Sprintf("$.facility_types[%d]", i), f.Cite)
	}
	for i, n := range t.Inspections {
		need(fmt.Sprintf("$.inspections[%d]", i), n.Cite)
	}
	for i, n := range t.Exhibitions {
		need(fmt.Sprintf("$.exhibitions[%d]", i), n.Cite)
	}
	if t.DataExchange != nil {
		need("$.data_exchange", t.DataExchange.Cite)
	}
	if t.Telemetry != nil {
		need("$.telemetry", t.Telemetry.Cite)
	}
	if a := t.Acknowledgement; a != nil {
		need("$.acknowledgement", a.Cite)
		if a.Within.IsZero() {
			v.add("$.acknowledgement.within", "the acknowledgement window must be longer than zero")
		}
	}
}

func (v *validator) binding(path, b string, optional bool) {
	if optional && b == "" {
		return
	}
	if b != Legal && b != Political {
		v.add(path, "binding must be %q or %q, not %q", Legal, Political, b)
	}
}

func (v *validator) unique(path, kind string, ids []string, pattern *regexp.Regexp) {
	seen := map[string]bool{}
	for i, id := range ids {
		p := fmt.Sprintf("%s[%d].id", path, i)
		switch {
		case !pattern.MatchString(id):
			v.add(p, "%s id %q is not valid (want %s)", kind, id, pattern)
		case seen[id]:
			v.add(p, "duplicate %s id %q", kind, id)
		}
		seen[id] = true
	}
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func (v *validator) parties(t *Treaty) {
	if len(t.Parties) == 0 {
		v.add("$.parties", "a treaty needs at least one party")
	}
	v.unique("$.parties", "party", ids(t.Parties, func(p Party) string { return p.ID }), partyPattern)
}

func (v *validator) knownParty(t *Treaty, path, id string) {
	if _, ok := t.Party(id); !ok {
		v.add(path, "unknown party %q (parties: %s)", id, strings.Join(ids(t.Parties, func(p Party) string { return p.ID }), ", "))
	}
}

func (v *validator) dates(t *Treaty) {
	d := t.Dates
	if d.Signature.IsZero() {
		v.add("$.dates.signature", "the signature date is required")
	}
	if !d.EntryIntoForce.IsZero() && d.EntryIntoForce.Before(d.Signature) {
		v.add("$.dates.entry_into_force", "entry into force %s is before signature %s", d.EntryIntoForce, d.Signature)
	}
	if len(d.Extensions) > 0 && d.EntryIntoForce.IsZero() {
		v.add("$.dates.extensions", "extensions need an entry-into-force date")
	}
	if len(d.Extensions) > 0 && d.Extension == nil {
		v.add("$.dates.extensions", "extensions applied, but the treaty allows none (no dates.extension)")
	}
	var total time.Duration
	base := d.EntryIntoForce.Add(d.Duration)
	for i, e := range d.Extensions {
		if e.Period.IsZero() {
			v.add(fmt.Sprintf("$.dates.extensions[%d].period", i), "an extension needs a period")
		}
		if e.Agreed.IsZero() {
			v.add(fmt.Sprintf("$.dates.extensions[%d].agreed", i), "an extension needs the date it was agreed")
		}
		if end := base.Add(sumPeriods(d.Extensions[:i])); !e.Agreed.IsZero() && !e.Agreed.Before(end) {
			v.add(fmt.Sprintf("$.dates.extensions[%d].agreed", i), "extension agreed on %s, after the term it extends ended (%s)", e.Agreed, end)
		}
		total += e.Period.AddTo(base.Time()).Sub(base.Time())
	}
	if d.Extension != nil && total > d.Extension.Max.AddTo(base.Time()).Sub(base.Time()) {
		v.add("$.dates.extensions", "extensions total more than the %s the treaty allows", d.Extension.Max)
	}
}

func sumPeriods(exts []Extension) Period {
	var p Period
	for _, e := range exts {
		p.Years += e.Period.Years
		p.Months += e.Period.Months
		p.Days += e.Period.Days
		p.Hours += e.Period.Hours
	}
	return p
}

func (v *validator) events(t *Treaty) {
	for i, e := range t.Events {
		p := fmt.Sprintf("$.events[%d]", i)
		if i > 0 && e.Date.Before(t.Events[i-1].Date) {
			v.add(p+".date", "events must be in date order: %s comes after %s", e.Date, t.Events[i-1].Date)
		}
		if e.Date.IsZero() {
			v.add(p+".date", "an event needs a date")
		} else if e.Date.Before(t.Dates.Signature) {
			v.add(p+".date", "event date %s is before the treaty was signed (%s)", e.Date, t.Dates.Signature)
		}
		if !slices.Contains(EventKinds, e.Kind) {
			v.add(p+".kind", "unknown event kind %q (kinds: %s)", e.Kind, strings.Join(EventKinds, ", "))
		}
		if e.Party != "" {
			v.knownParty(t, p+".party", e.Party)
		}
	}
}

func (v *validator) categories(t *Treaty) {
	if len(t.Categories) == 0 {
		v.add("$.categories", "a treaty needs at least one item category")
	}
	v.unique("$.categories", "category", ids(t.Categories, func(c Category) string { return c.ID }), idPattern)
}

func (v *validator) statuses(t *Treaty) {
	if len(t.Statuses) == 0 {
		v.add("$.statuses", "a treaty needs at least one item status")
	}
	v.unique("$.statuses", "status", ids(t.Statuses, func(s Status) string { return s.ID }), idPattern)
	for i, s := range t.Statuses {
		for j, to := range s.To {
			if !t.HasStatus(to) {
				v.add(fmt.Sprintf("$.statuses[%d].to[%d]", i, j), "unknown status %q (statuses: %s)", to, t.StatusList())
			}
		}
	}
}

func (v *validator) limits(t *Treaty) {
	v.unique("$.limits", "limit", ids(t.Limits, func(l Limit) string { return l.ID }), idPattern)
	for i, l := range t.Limits {
		p := fmt.Sprintf("$.limits[%d]", i)
		switch {
		case l.Ceiling == nil && l.Baseline.IsZero():
			v.add(p, "limit %q needs a ceiling or a baseline date", l.ID)
		case l.Ceiling != nil && !l.Baseline.IsZero():
			v.add(p+".baseline", "limit %q has both a ceiling and a baseline: choose one", l.ID)
		case l.Ceiling != nil && *l.Ceiling < 0:
			v.add(p+".ceiling", "ceiling %d is negative", *l.Ceiling)
		}
		if l.Effective.IsZero() {
			v.add(p+".effective", "limit %q needs the date it takes effect", l.ID)
		}
		if !l.Until.IsZero() && l.Until.Before(l.Effective) {
			v.add(p+".until", "limit %q ends (%s) before it takes effect (%s)", l.ID, l.Until, l.Effective)
		}
		for j, party := range l.Parties {
			v.knownParty(t, fmt.Sprintf("%s.parties[%d]", p, j), party)
		}
		v.binding(p+".binding", l.Binding, true)
		if len(l.Count) == 0 {
			v.add(p+".count", "limit %q counts nothing: add counting rules", l.ID)
		}
		for j, r := range l.Count {
			v.rule(t, fmt.Sprintf("%s.count[%d]", p, j), r)
		}
	}
}

func (v *validator) rule(t *Treaty, p string, r Rule) {
	if !t.HasCategory(r.Category) {
		v.add(p+".category", "unknown category %q (categories: %s)", r.Category, strings.Join(ids(t.Categories, func(c Category) string { return c.ID }), ", "))
	}
	if len(r.Statuses) == 0 {
		v.add(p+".status", "a counting rule needs at least one status")
	}
	for k, s := range r.Statuses {
		if !t.HasStatus(s) {
			v.add(fmt.Sprintf("%s.status[%d]", p, k), "unknown status %q (statuses: %s)", s, strings.Join(ids(t.Statuses, func(s Status) string { return s.ID }), ", "))
		}
	}
	switch r.Measure {
	case "", MeasureItems:
		if r.Weight < 0 {
			v.add(p+".weight", "weight %d is negative", r.Weight)
		}
	case MeasureWarheads:
		if r.Weight != 0 {
			v.add(p+".weight", "weight applies only to the items measure")
		}
	default:
		v.add(p+".measure", "measure must be %q or %q, not %q", MeasureItems, MeasureWarheads, r.Measure)
	}
}

func (v *validator) readings(t *Treaty) {
	v.unique("$.readings", "reading", ids(t.Readings, func(r Reading) string { return r.ID }), idPattern)
	for i, r := range t.Readings {
		p := fmt.Sprintf("$.readings[%d]", i)
		if r.ID == DefaultReading {
			v.add(p+".id", "reading id %q is reserved for the counting rules as written", DefaultReading)
		}
		if r.HeldBy != "" {
			v.knownParty(t, p+".held_by", r.HeldBy)
		}
		if len(r.Add) == 0 {
			v.add(p+".add", "reading %q changes nothing", r.ID)
		}
		for j, a := range r.Add {
			q := fmt.Sprintf("%s.add[%d]", p, j)
			if _, ok := t.Limit(a.Limit); !ok {
				v.add(q+".limit", "unknown limit %q", a.Limit)
			}
			v.rule(t, q, a.Rule)
		}
	}
}

func (v *validator) notifications(t *Treaty) {
	v.unique("$.notifications", "notification type", ids(t.Notifications, func(n NotificationType) string { return n.ID }), idPattern)
	for i, n := range t.Notifications {
		p := fmt.Sprintf("$.notifications[%d]", i)
		if n.Due.IsZero() {
			v.add(p+".due", "notification type %q needs a deadline (due)", n.ID)
		}
		if !slices.Contains(Effects, n.Effect) {
			v.add(p+".effect", "effect must be one of %s, not %q", strings.Join(Effects, ", "), n.Effect)
		}
		if WarheadEffect(n.Effect) != slices.Contains(n.Fields, "stock") {
			v.add(p+".fields", "a notification of effect %s carries stock lots exactly when its effect is stock, produce, dismantle, transfer or recategorise", n.Effect)
		}
		if WarheadEffect(n.Effect) && slices.Contains(n.Fields, "items") {
			v.add(p+".fields", "a notification of effect %s carries stock lots, not items", n.Effect)
		}
		if n.Initial && n.Effect != "data" {
			v.add(p+".initial", "only a notification of effect data can be the initial statement")
		}
		if _, ok := t.Notification(n.Answers); n.Answers != "" && !ok {
			v.add(p+".answers", "unknown notification type %q", n.Answers)
		}
		v.optional(p, n)
	}
}

// optional checks a notification type's optional fields and its
// inspection step.
func (v *validator) optional(p string, n NotificationType) {
	for j, f := range n.Optional {
		switch {
		case f == "stock":
			v.add(fmt.Sprintf("%s.optional[%d]", p, j), "stock lots are never optional")
		case slices.Contains(n.Fields, f) || slices.Index(n.Optional, f) < j:
			v.add(fmt.Sprintf("%s.optional[%d]", p, j), "field %q is listed twice", f)
		}
	}
	if n.Step != "" && !slices.Contains(InspectionSteps, n.Step) {
		v.add(p+".inspection_step", "inspection_step must be one of %s, not %q", strings.Join(InspectionSteps, ", "), n.Step)
	}
	if n.Step != "" && n.Step != StepResolution && n.Step != StepExhibition && !n.Allows("inspection_type") {
		v.add(p+".fields", "a notification of inspection step %s carries field inspection_type", n.Step)
	}
	if n.Step == StepExhibition && !n.Allows("exhibition") {
		v.add(p+".fields", "a notification of an exhibition carries field exhibition")
	}
}

func (v *validator) inspections(t *Treaty) {
	v.unique("$.facility_types", "facility type", ids(t.FacilityTypes, func(f FacilityType) string { return f.ID }), idPattern)
	v.unique("$.inspections", "inspection type", ids(t.Inspections, func(n InspectionType) string { return n.ID }), idPattern)
	v.unique("$.exhibitions", "exhibition", ids(t.Exhibitions, func(n InspectionType) string { return n.ID }), idPattern)
	for i, n := range t.Inspections {
		p := fmt.Sprintf("$.inspections[%d]", i)
		if n.PerYear < 0 {
			v.add(p+".per_year", "quota %d is negative", n.PerYear)
		}
		v.facilities(t, p, n)
	}
	for i, n := range t.Exhibitions {
		p := fmt.Sprintf("$.exhibitions[%d]", i)
		if n.PerYear != 0 {
			v.add(p+".per_year", "an exhibition has no yearly quota: leave per_year out")
		}
		if slices.ContainsFunc(t.Inspections, func(it InspectionType) bool { return it.ID == n.ID }) {
			v.add(p+".id", "exhibition %q has the id of an inspection type", n.ID)
		}
		v.facilities(t, p, n)
	}
	if s := t.Year.Start; s != "" && s != "entry_into_force" {
		v.add("$.treaty_year.start", "a treaty year can only start on the anniversary of entry_into_force, not %q", s)
	}
	if t.Telemetry != nil && t.Telemetry.LaunchesPerYear < 0 {
		v.add("$.telemetry.launches_per_year", "quota %d is negative", t.Telemetry.LaunchesPerYear)
	}
}

// facilities checks that an inspection type names only facility types
// the treaty defines, each once.
func (v *validator) facilities(t *Treaty, path string, it InspectionType) {
	seen := map[string]bool{}
	for j, f := range it.Facilities {
		p := fmt.Sprintf("%s.facilities[%d]", path, j)
		switch {
		case !t.HasFacilityType(f):
			v.add(p, "unknown facility type %q (facility types: %s)", f, t.FacilityTypeList())
		case seen[f]:
			v.add(p, "facility type %q is listed twice", f)
		}
		seen[f] = true
	}
}

func (v *validator) schedule(t *Treaty) {
	x := t.DataExchange
	if x == nil {
		return
	}
	if len(x.AsOf) == 0 {
		v.add("$.data_exchange.as_of", "the data exchange needs at least one as-of date (MM-DD)")
	}
	for i, md := range x.AsOf {
		if !monthDay.MatchString(md) {
			v.add("$.data_exchange.as_of["+strconv.Itoa(i)+"]", "as-of date %q must be MM-DD", md)
		}
	}
	if x.Within.IsZero() {
		v.add("$.data_exchange.within", "the data exchange needs a deadline (within)")
	}
	if _, ok := t.Notification(x.Notification); !ok {
		v.add("$.data_exchange.notification", "unknown notification type %q", x.Notification)
	}
}

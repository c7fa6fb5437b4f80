// Package treaty holds executable treaty definitions: parties, dates,
// item categories and statuses, counting rules, limits, readings,
// notification types, inspection quotas and the data-exchange schedule.
//
// A treaty is data. Definitions are YAML documents (docs/treaty-format.md)
// read by Load, which validates every clause and names the file, line and
// column of the first problem. The built-in treaties (Builtin, List) are
// embedded in the binary. A *Treaty is immutable after Load and safe for
// concurrent use.
package treaty

import (
	"fmt"
	"slices"
	"strings"
)

// Binding strengths of a treaty or of one of its limits.
const (
	Legal     = "legal"     // a legally binding obligation
	Political = "political" // a politically binding commitment
)

// DefaultReading is the id of the reading that applies a treaty's counting
// rules as written. Other readings are declared by the treaty.
const DefaultReading = "default"

// A Treaty is one treaty definition.
type Treaty struct {
	// Base names a built-in treaty this definition starts from: every
	// top-level key the definition leaves out is taken from the base.
	Base string `yaml:"base" json:"base,omitempty"`
	// ID names the treaty on the command line, e.g. "newstart".
	ID string `yaml:"id" json:"id"`
	// Version is the version of this definition, raised on every change.
	Version int `yaml:"version" json:"version"`
	// Title is the full title; ShortTitle the one people use.
	Title      string `yaml:"title" json:"title"`
	ShortTitle string `yaml:"short_title" json:"short_title"`
	// Hypothetical marks a draft or illustrative framework that no state
	// has agreed to.
	Hypothetical bool `yaml:"hypothetical" json:"hypothetical,omitempty"`
	// Binding is legal or political; limits inherit it unless they say.
	Binding string `yaml:"binding" json:"binding"`
	// Summary is a short description for listings.
	Summary string `yaml:"summary" json:"summary"`
	// Cite names the text this definition implements.
	Cite string `yaml:"cite" json:"cite"`

	Parties       []Party            `yaml:"parties" json:"parties"`
	Dates         Dates              `yaml:"dates" json:"dates"`
	Events        []Event            `yaml:"events" json:"events,omitempty"`
	Categories    []Category         `yaml:"categories" json:"categories"`
	Statuses      []Status           `yaml:"statuses" json:"statuses"`
	Limits        []Limit            `yaml:"limits" json:"limits"`
	Readings      []Reading          `yaml:"readings" json:"readings,omitempty"`
	Notifications []NotificationType `yaml:"notifications" json:"notifications,omitempty"`
	FacilityTypes []FacilityType     `yaml:"facility_types" json:"facility_types,omitempty"`
	Inspections   []InspectionType   `yaml:"inspections" json:"inspections,omitempty"`
	// Exhibitions are inspection-like activities without a yearly quota,
	// held where and when the exhibiting party chooses.
	Exhibitions  []InspectionType `yaml:"exhibitions" json:"exhibitions,omitempty"`
	Year         Year             `yaml:"treaty_year" json:"treaty_year"`
	DataExchange *DataExchange    `yaml:"data_exchange" json:"data_exchange,omitempty"`
	// Acknowledgement is how soon a received notification must be
	// acknowledged.
	Acknowledgement *AckRule   `yaml:"acknowledgement" json:"acknowledgement,omitempty"`
	Telemetry       *Telemetry `yaml:"telemetry" json:"telemetry,omitempty"`
}

// A Party is a state in the treaty, named by its ISO 3166 alpha-3 code.
type Party struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
}

// Dates are the treaty's lifecycle dates.
type Dates struct {
	Signature      Date `yaml:"signature" json:"signature"`
	EntryIntoForce Date `yaml:"entry_into_force" json:"entry_into_force"`
	// Duration is the initial term from entry into force; zero means
	// indefinite.
	Duration Period `yaml:"duration" json:"duration"`
	// Extension is what the treaty allows; Extensions what was agreed.
	Extension  *ExtensionRule `yaml:"extension" json:"extension,omitempty"`
	Extensions []Extension    `yaml:"extensions" json:"extensions,omitempty"`
	// WithdrawalNotice is the notice a party gives before withdrawing.
	WithdrawalNotice Period `yaml:"withdrawal_notice" json:"withdrawal_notice"`
	Cite             string `yaml:"cite" json:"cite"`
}

// An ExtensionRule says how far the treaty may be extended.
type ExtensionRule struct {
	Max  Period `yaml:"max" json:"max"`
	Cite string `yaml:"cite" json:"cite"`
}

// An Extension is one extension the parties agreed.
type Extension struct {
	Agreed Date   `yaml:"agreed" json:"agreed"`
	Period Period `yaml:"period" json:"period"`
	Cite   string `yaml:"cite" json:"cite"`
}

// Event kinds a treaty may record.
var EventKinds = []string{"suspension", "resumption", "withdrawal", "inspections_paused", "inspections_resumed", "data_withheld", "notifications_withheld", "note"}

// An Event is something that happened to the treaty or to one party's
// participation: a declared suspension, a pause of inspections.
type Event struct {
	Date  Date   `yaml:"date" json:"date"`
	Party string `yaml:"party" json:"party,omitempty"` // empty: all parties
	Kind  string `yaml:"kind" json:"kind"`
	Note  string `yaml:"note" json:"note"`
	Cite  string `yaml:"cite" json:"cite"`
}

// A Category is a class of accountable item, e.g. icbm.
type Category struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Warhead marks a category of nuclear warheads: its items may also be
	// counted per site in stock lots, and the treaty database keeps their
	// balances (docs/warheads.md).
	Warhead bool   `yaml:"warhead" json:"warhead,omitempty"`
	Cite    string `yaml:"cite" json:"cite"`
}

// A Status is a state an item can be in, with the statuses it may move to.
type Status struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// To lists the statuses an item in this status may change to. A status
	// with an empty To is final (e.g. eliminated).
	To []string `yaml:"to" json:"to"`
	// Entry marks a status a new item may first be declared in (a newly
	// produced missile is non-deployed). The initial statement of holdings
	// may declare items in any status.
	Entry bool   `yaml:"entry" json:"entry,omitempty"`
	Cite  string `yaml:"cite" json:"cite"`
}

// Measures a counting rule can take of the matching items.
const (
	MeasureItems    = "items"    // the number of items, times Weight
	MeasureWarheads = "warheads" // the warheads emplaced on the items
)

// A Rule counts matching items toward a limit.
type Rule struct {
	Category string   `yaml:"category" json:"category"`
	Statuses []string `yaml:"status" json:"status"`
	// Types, if set, restricts the rule to items of those types (a
	// reading that contests some types' conversion and not others').
	Types []string `yaml:"type" json:"type,omitempty"`
	// Measure is "items" (the default) or "warheads".
	Measure string `yaml:"measure" json:"measure,omitempty"`
	// Weight multiplies each item for the items measure (default 1): "one
	// warhead for each deployed heavy bomber".
	Weight int    `yaml:"weight" json:"weight,omitempty"`
	Cite   string `yaml:"cite" json:"cite"`
}

// Matches reports whether an item of category and status is counted.
func (r Rule) Matches(category, status string) bool {
	return r.Category == category && slices.Contains(r.Statuses, status)
}

// MatchesType is Matches for an item of type typ.
func (r Rule) MatchesType(category, status, typ string) bool {
	return r.Matches(category, status) && (len(r.Types) == 0 || slices.Contains(r.Types, typ))
}

// A Limit is a ceiling on a counted quantity. Its ceiling is a number, or,
// for a freeze, each party's own value on the Baseline date.
type Limit struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Ceiling *int   `yaml:"ceiling" json:"ceiling,omitempty"`
	// Baseline makes the limit a freeze at each party's value on this date.
	Baseline Date `yaml:"baseline" json:"baseline,omitzero"`
	// Effective is the first day the limit applies; Until, if set, the
	// last.
	Effective Date `yaml:"effective" json:"effective"`
	Until     Date `yaml:"until" json:"until,omitzero"`
	// Parties bound by the limit; empty means all.
	Parties []string `yaml:"parties" json:"parties,omitempty"`
	// Binding overrides the treaty's binding strength.
	Binding string `yaml:"binding" json:"binding"`
	Count   []Rule `yaml:"count" json:"count"`
	Cite    string `yaml:"cite" json:"cite"`
}

// Binds reports whether the limit applies to party.
func (l Limit) Binds(party string) bool {
	return len(l.Parties) == 0 || slices.Contains(l.Parties, party)
}

// InForce reports whether the limit applies on d (the treaty itself being
// in force is checked separately).
func (l Limit) InForce(d Date) bool {
	if d.Before(l.Effective) {
		return false
	}
	return l.Until.IsZero() || !d.After(l.Until)
}

// A Reading is an alternative interpretation of the counting rules, such as
// one party's contested count.
type Reading struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	HeldBy string `yaml:"held_by" json:"held_by,omitempty"`
	Note   string `yaml:"note" json:"note"`
	Cite   string `yaml:"cite" json:"cite"`
	// Add lists extra rules, each counting toward the named limit.
	Add []ReadingRule `yaml:"add" json:"add"`
}

// A ReadingRule is a counting rule a reading adds to one limit.
type ReadingRule struct {
	Limit string `yaml:"limit" json:"limit"`
	Rule  `yaml:",inline"`
}

// A NotificationType is a kind of notification, with the fields it must
// carry and its deadline.
type NotificationType struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Due is when the notification must be sent, e.g. "effective + 5d"
	// or "effective - 24h".
	Due DueRule `yaml:"due" json:"due"`
	// Fields the notification must carry, beyond the entry header.
	Fields []string `yaml:"fields" json:"fields,omitempty"`
	// Effect is what the notification does to the treaty database; see
	// Effects.
	Effect string `yaml:"effect" json:"effect"`
	// Initial marks the initial statement of holdings: its items may be
	// declared in any status, and it may be sent in several parts.
	Initial bool `yaml:"initial" json:"initial,omitempty"`
	// Answers names the notification type this one replies to.
	Answers string `yaml:"answers" json:"answers,omitempty"`
	// Optional fields the notification may carry besides Fields.
	Optional []string `yaml:"optional" json:"optional,omitempty"`
	// Step is the step of an inspection this notification records, one
	// of InspectionSteps, or "" (docs/inspections.md, "The sequence").
	Step string `yaml:"inspection_step" json:"inspection_step,omitempty"`
	Cite string `yaml:"cite" json:"cite"`
}

// The steps of an inspection, in their order, that a notification type
// may record (NotificationType.Step).
const (
	StepIntent        = "intent"         // the inspecting party's notice of intent, naming the point of entry
	StepArrival       = "arrival"        // the team's arrival at the point of entry
	StepDesignation   = "designation"    // the inspecting party designates the site
	StepBriefing      = "briefing"       // the inspected party's pre-inspection briefing
	StepRVDesignation = "rv_designation" // the inspectors designate the missile whose warheads they count
	StepReport        = "report"         // the inspection report, logged by the inspecting party
	StepComments      = "comments"       // the inspected party's countersignature, with its comments
	StepResolution    = "resolution"     // an ambiguity of a report resolved
	// StepExhibition is an exhibition held, a record of its own: no step
	// of an inspection, and counted against no quota.
	StepExhibition = "exhibition"
)

// InspectionSteps are the steps of an inspection, in their order, and
// the exhibition.
var InspectionSteps = []string{StepIntent, StepArrival, StepDesignation, StepBriefing, StepRVDesignation, StepReport, StepComments, StepResolution, StepExhibition}

// Allows reports whether a notification of this type may carry field f:
// one of its Fields or Optional.
func (n NotificationType) Allows(f string) bool {
	return slices.Contains(n.Fields, f) || slices.Contains(n.Optional, f)
}

// Effects a notification can have on the treaty database.
var Effects = []string{
	"data",   // a full statement of holdings: replaces nothing, states everything
	"change", // items added, or changing status, facility or warheads
	"move",   // items moving between facilities
	"event",  // a recorded event (launch, departure, inspection notice): no change of holdings
	// Warheads counted per site (docs/warheads.md), in the notification's
	// stock lots:
	"stock",        // a full statement of the party's warheads per site, category and status
	"produce",      // warheads produced or assembled: added at a site
	"dismantle",    // warheads dismantled: removed from a site, and from every count
	"transfer",     // warheads moved from one site to another
	"recategorise", // warheads changing category or status at a site
}

// FlowEffects are the effects that change warhead balances by a
// difference, rather than stating them.
var FlowEffects = []string{"produce", "dismantle", "transfer", "recategorise"}

// WarheadEffect reports whether effect is one of the warhead effects,
// whose notifications carry stock lots instead of items.
func WarheadEffect(effect string) bool {
	return effect == "stock" || slices.Contains(FlowEffects, effect)
}

// A FacilityType is a kind of declared facility, e.g. icbm_base. Each
// inspection type names the facility types it may visit.
type FacilityType struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	Cite string `yaml:"cite" json:"cite"`
}

// An InspectionType is a kind of on-site inspection, or of exhibition:
// what it confirms, where it may go, and its yearly quota.
type InspectionType struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// PerYear is the number a party may conduct in each treaty year. An
	// exhibition has none.
	PerYear int `yaml:"per_year" json:"per_year"`
	// Facilities are the facility types an inspection of this type may
	// visit: a designation of a site of another type is to be refused.
	// Empty for a type that names no site (an exhibition is held where
	// the exhibiting party chooses).
	Facilities []string `yaml:"facilities" json:"facilities,omitempty"`
	// Purposes are what an inspection of this type confirms, as the text
	// says it.
	Purposes []string `yaml:"purposes" json:"purposes,omitempty"`
	// ReentryVehicles marks a type whose inspections include the
	// reentry-vehicle inspection: the inspected party states the warheads
	// on each deployed missile at the site, and the inspectors designate
	// one whose warheads they count.
	ReentryVehicles bool `yaml:"reentry_vehicles" json:"reentry_vehicles,omitempty"`
	// SitesCite is the clause naming the facility types it may visit,
	// quoted by a refusal of a site; Cite if empty.
	SitesCite string `yaml:"sites_cite" json:"sites_cite,omitempty"`
	Cite      string `yaml:"cite" json:"cite"`
}

// SitesClause returns the clause naming the facility types the type may
// visit.
func (it InspectionType) SitesClause() string {
	if it.SitesCite != "" {
		return it.SitesCite
	}
	return it.Cite
}

// MayVisit reports whether an inspection of this type may visit a
// facility of type facilityType.
func (it InspectionType) MayVisit(facilityType string) bool {
	return slices.Contains(it.Facilities, facilityType)
}

// Year says when each treaty year begins: on the anniversary of
// entry into force (the only rule New START and its successors use).
type Year struct {
	Start string `yaml:"start" json:"start"`
	Cite  string `yaml:"cite" json:"cite"`
}

// DataExchange is the schedule of periodic data updates.
type DataExchange struct {
	// AsOf lists the month-day each update states data as of, e.g. 03-01.
	AsOf []string `yaml:"as_of" json:"as_of"`
	// Within is how long after the as-of date the update is due.
	Within Period `yaml:"within" json:"within"`
	// Notification is the notification type that carries the update.
	Notification string `yaml:"notification" json:"notification"`
	// Also lists further dates the parties exchanged data as of, outside
	// the schedule (New START: 5 February 2018, central limits in effect).
	Also []Date `yaml:"also" json:"also,omitempty"`
	Cite string `yaml:"cite" json:"cite"`
}

// Exchanges reports whether d is a date the data exchange states data as of.
func (x *DataExchange) Exchanges(d Date) bool {
	return slices.Contains(x.AsOf, d.String()[5:]) || slices.ContainsFunc(x.Also, d.Equal)
}

// An AckRule is the window for acknowledging a received notification.
type AckRule struct {
	Within Period `yaml:"within" json:"within"`
	Cite   string `yaml:"cite" json:"cite"`
}

// Telemetry is the yearly exchange of telemetric information.
type Telemetry struct {
	LaunchesPerYear int    `yaml:"launches_per_year" json:"launches_per_year"`
	Cite            string `yaml:"cite" json:"cite"`
}

// Party returns the party with the given id.
func (t *Treaty) Party(id string) (Party, bool) {
	i := slices.IndexFunc(t.Parties, func(p Party) bool { return p.ID == id })
	if i < 0 {
		return Party{}, false
	}
	return t.Parties[i], true
}

// Limit returns the limit with the given id.
func (t *Treaty) Limit(id string) (Limit, bool) {
	i := slices.IndexFunc(t.Limits, func(l Limit) bool { return l.ID == id })
	if i < 0 {
		return Limit{}, false
	}
	return t.Limits[i], true
}

// Notification returns the notification type with the given id.
func (t *Treaty) Notification(id string) (NotificationType, bool) {
	i := slices.IndexFunc(t.Notifications, func(n NotificationType) bool { return n.ID == id })
	if i < 0 {
		return NotificationType{}, false
	}
	return t.Notifications[i], true
}

// Inspection returns the inspection type or exhibition with the given
// id (an id names one of either).
func (t *Treaty) Inspection(id string) (InspectionType, bool) {
	for _, list := range [][]InspectionType{t.Inspections, t.Exhibitions} {
		if i := slices.IndexFunc(list, func(it InspectionType) bool { return it.ID == id }); i >= 0 {
			return list[i], true
		}
	}
	return InspectionType{}, false
}

// HasFacilityType reports whether the treaty defines a facility type.
func (t *Treaty) HasFacilityType(id string) bool {
	return slices.ContainsFunc(t.FacilityTypes, func(f FacilityType) bool { return f.ID == id })
}

// FacilityTypeList names the treaty's facility types, in definition
// order, for messages.
func (t *Treaty) FacilityTypeList() string {
	if len(t.FacilityTypes) == 0 {
		return "none: define them in facility_types"
	}
	return strings.Join(ids(t.FacilityTypes, func(f FacilityType) string { return f.ID }), ", ")
}

// HasCategory and HasStatus report whether the treaty defines an id.
func (t *Treaty) HasCategory(id string) bool {
	return slices.ContainsFunc(t.Categories, func(c Category) bool { return c.ID == id })
}

// WarheadCategory reports whether id is a category of warheads.
func (t *Treaty) WarheadCategory(id string) bool {
	return slices.ContainsFunc(t.Categories, func(c Category) bool { return c.ID == id && c.Warhead })
}

func (t *Treaty) HasStatus(id string) bool {
	return slices.ContainsFunc(t.Statuses, func(s Status) bool { return s.ID == id })
}

// StatusList and CategoryList name the treaty's statuses and categories,
// in definition order, for messages: "deployed, non_deployed, …".
func (t *Treaty) StatusList() string {
	return strings.Join(ids(t.Statuses, func(s Status) string { return s.ID }), ", ")
}

func (t *Treaty) CategoryList() string {
	return strings.Join(ids(t.Categories, func(c Category) string { return c.ID }), ", ")
}

// Status returns the status with the given id.
func (t *Treaty) Status(id string) (Status, bool) {
	i := slices.IndexFunc(t.Statuses, func(s Status) bool { return s.ID == id })
	if i < 0 {
		return Status{}, false
	}
	return t.Statuses[i], true
}

// CanChange reports whether the treaty's lifecycle lets an item move from
// status from to status to.
func (t *Treaty) CanChange(from, to string) bool {
	s, ok := t.Status(from)
	return ok && slices.Contains(s.To, to)
}

// ReadingIDs returns the default reading followed by the treaty's own.
func (t *Treaty) ReadingIDs() []string {
	ids := []string{DefaultReading}
	for _, r := range t.Readings {
		ids = append(ids, r.ID)
	}
	return ids
}

// Rules returns the counting rules of limit l under reading r (the default
// reading when r is empty or DefaultReading).
func (t *Treaty) Rules(l Limit, reading string) ([]Rule, error) {
	if reading == "" || reading == DefaultReading {
		return l.Count, nil
	}
	i := slices.IndexFunc(t.Readings, func(r Reading) bool { return r.ID == reading })
	if i < 0 {
		return nil, fmt.Errorf("treaty %s has no reading %q (readings: %v)", t.ID, reading, t.ReadingIDs())
	}
	rules := slices.Clone(l.Count)
	for _, a := range t.Readings[i].Add {
		if a.Limit == l.ID {
			rules = append(rules, a.Rule)
		}
	}
	return rules, nil
}

// Expiry returns the day the treaty ceases to be in force: the end of its
// term with every extension agreed, or, if earlier, the day a party's
// withdrawal takes effect (its notice of withdrawal plus the notice
// period). It is zero for a treaty of indefinite duration that no party
// has left.
func (t *Treaty) Expiry() Date {
	var end Date
	if !t.Dates.Duration.IsZero() {
		end = t.Dates.EntryIntoForce.Add(t.Dates.Duration)
		for _, e := range t.Dates.Extensions {
			end = end.Add(e.Period)
		}
	}
	if w := t.Withdrawal(); !w.IsZero() && (end.IsZero() || w.Before(end)) {
		end = w
	}
	return end
}

// Withdrawal returns the day the first withdrawal takes effect, or zero.
func (t *Treaty) Withdrawal() Date {
	for _, e := range t.Events {
		if e.Kind == "withdrawal" {
			return e.Date.Add(t.Dates.WithdrawalNotice)
		}
	}
	return Date{}
}

// InForce reports whether the treaty is in force on d: on or after entry
// into force and before expiry.
func (t *Treaty) InForce(d Date) bool {
	if t.Dates.EntryIntoForce.IsZero() || d.Before(t.Dates.EntryIntoForce) {
		return false
	}
	exp := t.Expiry()
	return exp.IsZero() || d.Before(exp)
}

// Phase names where the treaty stands on d: "not signed", "signed, not in
// force", "in force" or "expired".
func (t *Treaty) Phase(d Date) string {
	switch {
	case t.Dates.Signature.IsZero() || d.Before(t.Dates.Signature):
		return "not signed"
	case t.InForce(d):
		return "in force"
	case d.Before(t.Dates.EntryIntoForce) || t.Dates.EntryIntoForce.IsZero():
		return "signed, not in force"
	case t.Withdrawal().Equal(t.Expiry()):
		return "terminated by withdrawal"
	}
	return "expired"
}

// EventsUntil returns the events on or before d, in date order.
func (t *Treaty) EventsUntil(d Date) []Event {
	var out []Event
	for _, e := range t.Events {
		if !e.Date.After(d) {
			out = append(out, e)
		}
	}
	return out
}

// Suspended reports whether party had declared a suspension in effect on d.
func (t *Treaty) Suspended(party string, d Date) bool {
	s := false
	for _, e := range t.EventsUntil(d) {
		if e.Party != party && e.Party != "" {
			continue
		}
		switch e.Kind {
		case "suspension":
			s = true
		case "resumption":
			s = false
		}
	}
	return s
}

// YearOf returns the first day of the treaty year containing d.
func (t *Treaty) YearOf(d Date) Date {
	eif := t.Dates.EntryIntoForce
	start := eif.Add(Period{Years: d.Year() - eif.Year()})
	if d.Before(start) {
		start = eif.Add(Period{Years: d.Year() - eif.Year() - 1})
	}
	return start
}

// Package body defines the bodies of accord's log entries: what a
// notification, an acknowledgement and an inspection record say, in one
// canonical JSON encoding each (docs/formats.md). An entry (package
// entry) is the signed envelope; its Body is one of these, by its Kind.
//
// It is public so that a program outside accord can decode what a
// verified entry says with accord's public packages alone (see
// examples/verify). Every parser accepts only the canonical encoding,
// so one body has exactly one encoding, and golden files in testdata/
// pin them byte for byte.
package body

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"

	"accord/entry"
)

// ErrMalformed reports a body that is not the canonical encoding of a
// valid notification, acknowledgement or inspection record.
var ErrMalformed = errors.New("malformed body")

// MaxCount bounds every count in accord: a notification's warheads on an
// item, and (package declaration) every figure of a declaration. With at
// most 4,096 items in a body and 2^63 in an int, no sum of counts from
// valid bodies and declarations can overflow, and a count outside 0 to
// MaxCount is refused wherever it enters, from the operator or a peer.
const MaxCount = 1_000_000_000

// Bounds on what a body may hold. An entry is at most [entry.MaxSize]
// bytes, so a body is too; the other bounds keep every row printable.
const (
	maxItems      = 4096 // items in one notification
	maxFields     = 32   // free fields in one notification
	maxFieldValue = 1024 // bytes in one free field's value
)

// ident is the syntax of UIDs, categories,
// statuses, notification types and free-field names.
var ident = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$`)

// name is the syntax of item types and facilities, which people read:
// an id that may also hold single spaces and parentheses ("Minuteman
// III", "F.E. Warren AFB").
var name = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._:/+()-]| [A-Za-z0-9(]){0,63}$`)

// A Hash is an RFC 6962 leaf hash, written as 64 lowercase hex digits,
// in JSON as everywhere a person reads one (accord log append, log show,
// status, the dashboard), so that a hash can be copied from any of them
// into a correction. Only lowercase hex is accepted, so a body has one
// encoding.
type Hash [32]byte

func (h Hash) MarshalText() ([]byte, error) {
	return []byte(hex.EncodeToString(h[:])), nil
}

func (h *Hash) UnmarshalText(b []byte) error {
	raw, err := hex.DecodeString(string(b))
	if err != nil || len(raw) != len(h) || hex.EncodeToString(raw) != string(b) {
		return fmt.Errorf("leaf hash %q is not 64 lowercase hex digits", b)
	}
	copy(h[:], raw)
	return nil
}

func (h Hash) String() string { t, _ := h.MarshalText(); return string(t) }

// A Ref names one entry of one log: its origin, its index in the log and
// its leaf hash, which pins the exact bytes.
type Ref struct {
	Index    uint64 `json:"index"`
	LeafHash Hash   `json:"leaf_hash"`
	Origin   string `json:"origin"`
}

func (r Ref) String() string { return fmt.Sprintf("%s#%d", r.Origin, r.Index) }

// A Notification is the body of an entry of kind "notification": one
// typed message from the party whose log holds it. The entry's effective
// date is the date the notified facts take effect (for a data update, the
// date the data is as of), and its created time is when it was sent.
//
// Encoding: the canonical JSON of [entry.CanonicalJSON] (compact, members
// sorted by key); [ParseNotification] accepts nothing else, so one
// notification has exactly one encoding. Compatibility: a member may be
// added only as an optional one that old readers reject, never misread;
// a member's meaning never changes.
type Notification struct {
	// Members are declared in key order, so that encoding/json writes the
	// canonical form directly.

	// Answers names the entry, in another party's log, this notification
	// replies to; its deadline may run from that entry's receipt.
	Answers *Ref `json:"answers,omitempty"`
	// Corrects names the earlier entry of the same log, of the same type,
	// that this notification corrects. The corrected entry stays in the
	// log and in the database; from this entry's created time on, its
	// facts are read as this entry states them.
	Corrects *Ref `json:"corrects,omitempty"`
	// Fields holds the other fields the type requires, by name.
	Fields map[string]string `json:"fields,omitempty"`
	// From and To are the facilities items move between, for a type
	// whose effect is "move".
	From string `json:"from,omitempty"`
	// ID, if set, is a name the sending party gives the notification, at
	// most 64 characters of [A-Za-z0-9._:/+-]: a party's notifications
	// have distinct ids, so a client that retries a request with the same
	// id (the operator API's Idempotency-Key) gets the first answer and
	// nothing is appended twice.
	ID string `json:"id,omitempty"`
	// Items are the items the notification states, changes, moves or
	// names, when its type lists the "items" field.
	Items []Item `json:"items,omitempty"`
	// Stock holds the lots of warheads counted per site, for a type whose
	// effect is a warhead statement ("stock") or a flow ("produce",
	// "dismantle", "transfer", "recategorise"): see [Lot] and
	// docs/warheads.md.
	Stock []Lot  `json:"stock,omitempty"`
	To    string `json:"to,omitempty"`
	// Type is the id of one of the treaty's notification types.
	Type string `json:"type"`
}

// An Item is one item as a notification states it. In a full statement
// of holdings (effect "data") or for a new item, UID, Type, Category and
// Status are required and a missing Warheads means none. In a change, an
// omitted member keeps its value. In a move or an event, only UID is
// given.
type Item struct {
	Category string `json:"category,omitempty"`
	Facility string `json:"facility,omitempty"`
	Status   string `json:"status,omitempty"`
	Type     string `json:"type,omitempty"`
	UID      string `json:"uid"`
	Warheads *int   `json:"warheads,omitempty"`
}

// A Lot is a number of warheads of one category and status at one site,
// for parties that count warheads per site rather than declare each by
// UID. In a statement of warhead holdings (effect "stock") it is what
// the site holds; in a flow it is what the flow adds ("produce"),
// removes ("dismantle"), moves from Site to ToSite ("transfer") or
// changes from Category and Status to ToCategory and ToStatus
// ("recategorise"). Count is 1 to [MaxCount] in a flow and 0 to MaxCount
// in a statement.
type Lot struct {
	Category   string `json:"category"`
	Count      int    `json:"count"`
	Site       string `json:"site"`
	Status     string `json:"status"`
	ToCategory string `json:"to_category,omitempty"`
	ToSite     string `json:"to_site,omitempty"`
	ToStatus   string `json:"to_status,omitempty"`
}

// An Acknowledgement is the body of an entry of kind "acknowledgement":
// the receiving party's statement, in its own log, that it received
// Entry. Encoding and compatibility as for [Notification].
type Acknowledgement struct {
	Entry Ref `json:"entry"`
}

// An InspectionRecord is what the registry reads from the body of an
// entry of kind "inspection" in the inspecting party's log: the
// inspection type (counted against that party's quota in the treaty year
// of the entry's effective date) and the party inspected. Other members
// of an inspection body are kept in the log but not read here.
type InspectionRecord struct {
	Type      string `json:"inspection_type"`
	Inspected string `json:"inspected,omitempty"`
}

// ParseNotification decodes a notification body. It fails unless b is
// exactly the encoding [Notification.Encode] gives for the value it
// decodes to, and every member is well formed (not yet checked against a
// treaty: see [Registry.Check]).
func ParseNotification(b []byte) (*Notification, error) {
	var n Notification
	if err := decodeCanonical(b, &n); err != nil {
		return nil, err
	}
	if err := n.wellFormed(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return &n, nil
}

// Encode returns the canonical encoding of n.
func (n *Notification) Encode() ([]byte, error) {
	if err := n.wellFormed(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return encodeCanonical(n)
}

// ParseAcknowledgement decodes an acknowledgement body, canonical only.
func ParseAcknowledgement(b []byte) (*Acknowledgement, error) {
	var a Acknowledgement
	if err := decodeCanonical(b, &a); err != nil {
		return nil, err
	}
	if err := a.Entry.wellFormed(); err != nil {
		return nil, fmt.Errorf("%w: entry: %w", ErrMalformed, err)
	}
	return &a, nil
}

// Encode returns the canonical encoding of a.
func (a *Acknowledgement) Encode() ([]byte, error) {
	if err := a.Entry.wellFormed(); err != nil {
		return nil, fmt.Errorf("%w: entry: %w", ErrMalformed, err)
	}
	return encodeCanonical(a)
}

// ParseInspection reads the members the registry needs from an
// inspection body, ignoring any others. Member names must match exactly:
// encoding/json would also read "Inspection_Type" as inspection_type.
func ParseInspection(b []byte) (*InspectionRecord, error) {
	if len(b) > entry.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(b), entry.MaxSize)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var r InspectionRecord
	for _, m := range []struct {
		name string
		v    *string
	}{{"inspection_type", &r.Type}, {"inspected", &r.Inspected}} {
		if raw, ok := members[m.name]; ok {
			if err := json.Unmarshal(raw, m.v); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, m.name, err)
			}
		}
	}
	if !ident.MatchString(r.Type) {
		return nil, fmt.Errorf("%w: inspection_type %q is not an id", ErrMalformed, r.Type)
	}
	return &r, nil
}

// decodeCanonical strictly decodes b into v and requires b to be v's
// canonical encoding, so that unknown, duplicate, misspelt or reordered
// members and non-canonical numbers are all refused.
func decodeCanonical(b []byte, v any) error {
	if len(b) > entry.MaxSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(b), entry.MaxSize)
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("%w: not valid UTF-8", ErrMalformed)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if d.More() {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	c, err := encodeCanonical(v)
	if err != nil {
		return err
	}
	if !bytes.Equal(c, b) {
		return fmt.Errorf("%w: not canonical JSON (want %.200s)", ErrMalformed, c)
	}
	return nil
}

// encodeCanonical encodes v, a body type whose members are declared in
// key order: encoding/json then writes the canonical form of
// entry.CanonicalJSON (TestEncodeIsCanonical and the fuzz targets check
// this), so no second pass is needed.
func encodeCanonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (n *Notification) wellFormed() error {
	if !ident.MatchString(n.Type) {
		return fmt.Errorf("type %q is not an id", n.Type)
	}
	if len(n.Items) > maxItems {
		return fmt.Errorf("%d items, at most %d", len(n.Items), maxItems)
	}
	for i := range n.Items {
		if err := n.Items[i].wellFormed(); err != nil {
			return fmt.Errorf("items[%d]: %w", i, err)
		}
	}
	if len(n.Stock) > maxItems {
		return fmt.Errorf("%d lots, at most %d", len(n.Stock), maxItems)
	}
	for i := range n.Stock {
		if err := n.Stock[i].wellFormed(); err != nil {
			return fmt.Errorf("stock[%d]: %w", i, err)
		}
	}
	if n.ID != "" && !ident.MatchString(n.ID) {
		return fmt.Errorf("id %q is not an id", n.ID)
	}
	for _, f := range []struct{ name, v string }{{"from", n.From}, {"to", n.To}} {
		if f.v != "" && !name.MatchString(f.v) {
			return fmt.Errorf("%s %q is not a facility id", f.name, f.v)
		}
	}
	if err := wellFormedFields(n.Fields); err != nil {
		return err
	}
	for _, r := range []*Ref{n.Corrects, n.Answers} {
		if r != nil {
			if err := r.wellFormed(); err != nil {
				return err
			}
		}
	}
	return nil
}

func wellFormedFields(fields map[string]string) error {
	if len(fields) > maxFields {
		return fmt.Errorf("%d fields, at most %d", len(fields), maxFields)
	}
	for k, v := range fields {
		if !ident.MatchString(k) {
			return fmt.Errorf("field name %q is not an id", k)
		}
		if v == "" || len(v) > maxFieldValue {
			return fmt.Errorf("field %s: value must be 1 to %d bytes", k, maxFieldValue)
		}
	}
	return nil
}

func (it *Item) wellFormed() error {
	if !ident.MatchString(it.UID) {
		return fmt.Errorf("uid %q is not an id", it.UID)
	}
	if w := it.Warheads; w != nil && (*w < 0 || *w > MaxCount) {
		return fmt.Errorf("item %s: warheads %d is not between 0 and %d", it.UID, *w, MaxCount)
	}
	for _, f := range []struct {
		name, v string
		re      *regexp.Regexp
	}{
		{"type", it.Type, name}, {"category", it.Category, ident}, {"status", it.Status, ident}, {"facility", it.Facility, name},
	} {
		if f.v != "" && !f.re.MatchString(f.v) {
			return fmt.Errorf("item %s: %s %q is not a valid name", it.UID, f.name, f.v)
		}
	}
	return nil
}

func (l *Lot) wellFormed() error {
	if l.Count < 0 || l.Count > MaxCount {
		return fmt.Errorf("count %d is not between 0 and %d", l.Count, MaxCount)
	}
	for _, f := range []struct {
		name, v  string
		re       *regexp.Regexp
		optional bool
	}{
		{"site", l.Site, name, false}, {"category", l.Category, ident, false}, {"status", l.Status, ident, false},
		{"to_site", l.ToSite, name, true}, {"to_category", l.ToCategory, ident, true}, {"to_status", l.ToStatus, ident, true},
	} {
		if (f.v != "" || !f.optional) && !f.re.MatchString(f.v) {
			return fmt.Errorf("%s %q is not a valid name", f.name, f.v)
		}
	}
	return nil
}

func (r *Ref) wellFormed() error {
	if _, _, err := entry.ParseOrigin(r.Origin); err != nil {
		return err
	}
	if r.Index > 1<<62 {
		return fmt.Errorf("index %d out of range", r.Index)
	}
	return nil
}

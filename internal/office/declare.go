package office

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"accord/entry"
	"accord/internal/declaration"
	"accord/internal/ledger"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// ReadDeclaration reads a declaration of the node's party, in any format
// accord check reads (docs/declarations.md), into the unsigned entries
// that record it: one, or consecutive parts if it is too large for one
// entry. name is the file's name in errors. The declaration must declare
// only the node's party, as of one date, at one level: the entries'
// effective date is the rows' as_of, or for undated rows the date given
// apart from them (a given date that contradicts the rows' is refused).
// Either must fall within the treaty's life, from its signature to (not
// including) its expiry. Every refusal is an *InputError.
func (o *Office) ReadDeclaration(name string, data []byte, effective Given) ([]entry.Entry, error) {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		if err := StrictJSON(data); err != nil {
			return nil, inputErrorf("%s: %w", name, err)
		}
	}
	set, err := declaration.Load(o.Treaty, name, bytes.NewReader(data))
	if err != nil {
		return nil, &InputError{Err: err}
	}
	eff, err := effectiveDate(o.Treaty, set, o.Node.Config.Party, effective)
	if err != nil {
		return nil, prefixed(name, err)
	}
	if len(set.Items) > 0 && len(set.Types) > 0 {
		return nil, inputErrorf("%s: declares both items and per-type counts: append each level as its own file", name)
	}
	bodies, err := splitDeclaration(set, maxBody(o.Treaty.ID, o.Node.Config.Party, eff))
	if err != nil {
		return nil, inputErrorf("%s: %w", name, err)
	}
	es := make([]entry.Entry, len(bodies))
	for i, b := range bodies {
		es[i] = entry.Entry{Kind: entry.Declaration, Effective: eff.Time(), Body: b}
	}
	return es, nil
}

// prefixed puts name before the message of an *InputError.
func prefixed(name string, err error) error {
	var in *InputError
	if errors.As(err, &in) {
		return &InputError{Err: fmt.Errorf("%s: %w", name, in.Err), OtherParty: in.OtherParty}
	}
	return err
}

// effectiveDate checks that set declares only party, and returns the
// entries' effective date: the one as_of date the rows carry, or for
// undated rows the given date.
func effectiveDate(t *treaty.Treaty, set *declaration.Set, party string, given Given) (treaty.Date, error) {
	for _, d := range set.Declarations(t) {
		if d.Party != party {
			return treaty.Date{}, otherParty("declares party %s, but this is %s's node", d.Party, party)
		}
	}
	g, err := given.date()
	if err != nil {
		return treaty.Date{}, err
	}
	var d treaty.Date
	switch dates := set.Dates(); {
	case len(dates) > 1:
		return treaty.Date{}, inputErrorf("declares %d dates, %s to %s: append one file per date", len(dates), dates[0], dates[len(dates)-1])
	case len(dates) == 1 && !g.IsZero() && !g.Equal(dates[0]):
		return treaty.Date{}, inputErrorf("%s %s contradicts the file's as_of %s (%s is for undated files)", given.Name, g, dates[0], given.Name)
	case len(dates) == 1:
		d = dates[0]
	case g.IsZero():
		return treaty.Date{}, inputErrorf("declares no as_of date: give %s", givenName(given, "effective"))
	default:
		d = g
	}
	return d, withinLife(t, d)
}

// givenName is how to tell the user to give a value: by the surface's
// name for it, or def.
func givenName(g Given, def string) string {
	if g.Name != "" {
		return g.Name
	}
	return def
}

// withinLife refuses an effective date outside the treaty's life: before
// its signature, or on or after its expiry.
func withinLife(t *treaty.Treaty, d treaty.Date) error {
	if d.Before(t.Dates.Signature) {
		return inputErrorf("effective date %s is before %s was signed (%s)", d, t.ID, t.Dates.Signature)
	}
	if exp := t.Expiry(); !exp.IsZero() && !d.Before(exp) {
		return inputErrorf("effective date %s is not before %s expired (%s)", d, t.ID, exp)
	}
	return nil
}

// maxBody returns the largest body an entry of the log of party in
// treatyID, effective on d, can have while its signed encoding stays below
// entry.MaxSize, whatever its creation time.
func maxBody(treatyID, party string, d treaty.Date) int {
	e := entry.Entry{Treaty: treatyID, Party: party, Kind: entry.Declaration, Effective: d.Time(),
		Created: time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC), Body: []byte("{}")}
	text, err := e.Text()
	if err != nil {
		return 0 // refused again, with its reason, when signed
	}
	sig := len("\n— ") + len(e.Origin()) + 1 + base64.StdEncoding.EncodedLen(4+ed25519.SignatureSize) + 1
	return entry.MaxSize - 1 - (len(text) - len("{}")) - sig
}

// splitDeclaration encodes set as the canonical JSON bodies of one or more
// declaration entries, each at most limit bytes: every body is a
// declaration of some of set's rows, rows whole and in order (items, then
// types, then aggregates), so that together they declare exactly set.
func splitDeclaration(set *declaration.Set, limit int) ([][]byte, error) {
	var bodies [][]byte
	var part declaration.Set
	size := len("{}")
	for i, r := range rowsOf(set) {
		n, err := r.size()
		if err != nil {
			return nil, err
		}
		grow := n + 1 // the row and a comma
		if !has(&part, r.field) {
			grow += len(`"":[],`) + len(r.field)
		}
		if size+grow > limit && size > len("{}") {
			b, err := encodeBody(&part, limit)
			if err != nil {
				return nil, err
			}
			bodies, part, size = append(bodies, b), declaration.Set{}, len("{}")
			grow = n + 1 + len(`"":[],`) + len(r.field)
		}
		if size+grow > limit {
			return nil, fmt.Errorf("row %d alone is too large for an entry (%d bytes)", i+1, n)
		}
		r.add(&part)
		size += grow
	}
	b, err := encodeBody(&part, limit)
	if err != nil {
		return nil, err
	}
	return append(bodies, b), nil
}

// rowsOf lists set's rows in the order the JSON encoding writes them.
func rowsOf(set *declaration.Set) []row {
	var rows []row
	for i := range set.Items {
		rows = append(rows, row{field: "items", v: set.Items[i]})
	}
	for i := range set.Types {
		rows = append(rows, row{field: "types", v: set.Types[i]})
	}
	for i := range set.Aggregates {
		rows = append(rows, row{field: "aggregates", v: set.Aggregates[i]})
	}
	for i := range set.Warheads {
		rows = append(rows, row{field: "warheads", v: set.Warheads[i]})
	}
	return rows
}

// row is one row of a declaration.Set, in the JSON member field.
type row struct {
	field string
	v     any
}

// has reports whether s has a row in the JSON member field.
func has(s *declaration.Set, field string) bool {
	switch field {
	case "items":
		return len(s.Items) > 0
	case "types":
		return len(s.Types) > 0
	case "warheads":
		return len(s.Warheads) > 0
	}
	return len(s.Aggregates) > 0
}

func (r row) size() (int, error) {
	b, err := json.Marshal(r.v)
	if err != nil {
		return 0, err
	}
	c, err := entry.CanonicalJSON(b)
	return len(c), err
}

func (r row) add(s *declaration.Set) {
	switch v := r.v.(type) {
	case declaration.Item:
		s.Items = append(s.Items, v)
	case declaration.TypeCount:
		s.Types = append(s.Types, v)
	case declaration.Aggregate:
		s.Aggregates = append(s.Aggregates, v)
	case declaration.Warhead:
		s.Warheads = append(s.Warheads, v)
	}
}

// encodeBody encodes a part of a declaration as canonical JSON and checks
// the size splitDeclaration computed.
func encodeBody(s *declaration.Set, limit int) ([]byte, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	b, err := entry.CanonicalJSON(raw)
	if err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, fmt.Errorf("declaration part of %d bytes, more than the %d an entry holds", len(b), limit)
	}
	return b, nil
}

// Declare records a declaration of the node's party: es are its parts,
// declaration entries of one date, as ReadDeclaration returns them. Every
// part is checked against the treaty and the database first
// (Registry.Check); if any is refused, nothing is appended and the error
// is a *registry.Refusal. The parts are then sequenced one after another
// under the office's lock, so they get increasing indexes, and applied to
// the database; Declare returns once a published checkpoint covers them
// (waiting for it outside the lock, as Notify does). each, if not nil, is
// called with where each part landed, in order.
func (o *Office) Declare(ctx context.Context, es []entry.Entry, each func(i int, a ledger.Appended)) error {
	log, err := o.Log(ctx)
	if err != nil {
		return err
	}
	created := o.now().UTC().Truncate(time.Millisecond)
	for i := range es {
		es[i].Treaty, es[i].Party, es[i].Kind, es[i].Created = o.Treaty.ID, o.Node.Config.Party, entry.Declaration, created
	}
	var seqs []*ledger.Sequenced
	err = o.locked(func() error {
		if err := o.syncAll(ctx, nil); err != nil {
			return err
		}
		if err := o.checkParts(ctx, es); err != nil {
			return err
		}
		for i := range es {
			s, err := log.Sequence(ctx, es[i])
			if err != nil && i > 0 {
				return fmt.Errorf("parts 1-%d of %d are in the log, part %d failed: %w", i, len(es), i+1, err)
			}
			if err != nil {
				return err
			}
			seqs = append(seqs, s)
		}
		return o.syncAll(ctx, nil)
	})
	if err != nil {
		return err
	}
	for i, s := range seqs {
		a, err := s.Await(ctx)
		if err != nil {
			return err
		}
		if each != nil {
			each(i, a)
		}
	}
	return nil
}

// checkParts checks each part of a declaration as the log's next entry.
// Parts do not depend on each other: a declaration's rows are unique, and
// its parts are one statement of holdings.
func (o *Office) checkParts(ctx context.Context, es []entry.Entry) error {
	next, err := o.Registry.NextIndex(ctx, o.Node.Origin())
	if err != nil {
		return err
	}
	for i := range es {
		rec := registry.RecordOf(&es[i], next, nil)
		if err := o.Registry.Check(ctx, rec); err != nil {
			if len(es) > 1 {
				return fmt.Errorf("part %d of %d: %w", i+1, len(es), err)
			}
			return err
		}
	}
	return nil
}

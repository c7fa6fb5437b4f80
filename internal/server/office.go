package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"accord/entry/body"
	"accord/internal/evidencedir"
	"accord/internal/factsheet"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// NotificationRequest is the body of POST /v1/notifications: the
// notification file of accord notify (docs/database.md), read by the
// office as accord notify reads it.
type NotificationRequest = office.NotificationFile

// maxRequest bounds the body of a request the office reads: it refuses
// one over its own bound (an entry is under 64 KiB), and reading one byte
// more lets it say so.
const maxRequest = 1 << 17

// office returns the node's treaty office, or answers 503 without one.
func (n *Server) treatyOffice(w http.ResponseWriter) *office.Office {
	if n.svc.Load() == nil && !n.readOnly {
		httpError(w, http.StatusServiceUnavailable, errors.New("the node is starting"))
		return nil
	}
	if n.treaty == nil {
		httpError(w, http.StatusServiceUnavailable, errors.New("this node serves no treaty database"))
		return nil
	}
	return n.treaty
}

func (n *Server) serveNotify(w http.ResponseWriter, r *http.Request) {
	o := n.treatyOffice(w)
	if o == nil {
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("notification: %w", err))
		return
	}
	typ := office.Given{Name: "?type=", Value: r.URL.Query().Get("type")}
	nt, day, err := o.ReadNotification("notification", data, typ, office.Given{})
	if err != nil {
		n.officeError(w, r, "notifying", err)
		return
	}
	if err := idempotencyKey(r, nt); err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	sent, err := o.Notify(r.Context(), nt, day)
	if err != nil {
		n.officeError(w, r, "notifying", err)
		return
	}
	writeJSON(w, sent)
}

// officeError answers an error of the office: 400 for bad input, 403 for
// another party's, 422 with the rule for a refusal, 500 otherwise.
func (n *Server) officeError(w http.ResponseWriter, r *http.Request, what string, err error) {
	var refusal *registry.Refusal
	var bad *office.InputError
	switch {
	case errors.As(err, &refusal):
		writeRefusal(w, refusal)
	case errors.As(err, &bad) && bad.OtherParty:
		httpError(w, http.StatusForbidden, fmt.Errorf("%w: %w", node.ErrForbidden, err))
	case errors.As(err, &bad):
		httpError(w, http.StatusBadRequest, err)
	case errors.Is(err, body.ErrMalformed):
		httpError(w, http.StatusUnprocessableEntity, err)
	default:
		n.internalError(w, r, what, err)
	}
}

// idempotencyKey makes the request's Idempotency-Key header the
// notification's id (body.Notification.ID): a client that retries a
// request with the same key gets the first answer, and nothing is
// appended twice. A key that disagrees with an id in the body is refused.
func idempotencyKey(r *http.Request, n *body.Notification) error {
	key := r.Header.Get("Idempotency-Key")
	switch {
	case key == "":
		return nil
	case n.ID != "" && n.ID != key:
		return fmt.Errorf("the Idempotency-Key header %q and the notification's id %q differ", key, n.ID)
	}
	n.ID = key
	return nil
}

// refusalJSON is the body of a 422 answer: the rule broken and why.
type refusalJSON struct {
	Error  string `json:"error"`
	Rule   string `json:"rule"`
	UID    string `json:"uid,omitempty"`
	Reason string `json:"reason"`
}

func writeRefusal(w http.ResponseWriter, ref *registry.Refusal) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnprocessableEntity)
	json.NewEncoder(w).Encode(refusalJSON{Error: ref.Error(), Rule: ref.Rule.Error(), UID: ref.UID, Reason: ref.Reason})
}

func (n *Server) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	n.Logger.ErrorContext(r.Context(), what, "err", err)
	httpError(w, http.StatusInternalServerError, fmt.Errorf("%s: %w", what, err))
}

// synced returns the office with its database brought up to date with
// the logs, or answers the error.
func (n *Server) synced(w http.ResponseWriter, r *http.Request) *office.Office {
	o := n.treatyOffice(w)
	if o == nil {
		return nil
	}
	if n.readOnly {
		return o // the writer keeps the shared database up to date
	}
	if err := o.Sync(r.Context()); err != nil {
		n.internalError(w, r, "reading the logs into the treaty database", err)
		return nil
	}
	return o
}

// party reads the party parameter: a party of the treaty, or "" if
// optional and absent.
func (n *Server) party(r *http.Request, required bool) (string, error) {
	p := r.URL.Query().Get("party")
	if p == "" {
		if required {
			return "", errors.New("party: required")
		}
		return "", nil
	}
	t, err := treaty.Builtin(n.Config.Treaty)
	if err != nil {
		return "", err
	}
	if _, ok := t.Party(p); !ok {
		return "", fmt.Errorf("party: %q is not a party to %s", p, n.Config.Treaty)
	}
	return p, nil
}

// parties returns party, or every party of the treaty if it is "".
func (n *Server) parties(party string) ([]string, error) {
	if party != "" {
		return []string{party}, nil
	}
	t, err := treaty.Builtin(n.Config.Treaty)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range t.Parties {
		out = append(out, p.ID)
	}
	return out, nil
}

// asOf reads the as_of parameter as the end of that day (as accord status
// --as-of does), or returns now.
func asOf(r *http.Request) (time.Time, error) {
	s := r.URL.Query().Get("as_of")
	if s == "" {
		return time.Now().UTC(), nil
	}
	d, err := treaty.ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("as_of: %w", err)
	}
	return d.Time().Add(24*time.Hour - time.Nanosecond), nil
}

// serveInventory answers GET /v1/inventory?party=P&as_of=DATE[&known_at=TIME]
// with the JSON of accord inventory --json.
func (n *Server) serveInventory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	party, err := n.party(r, true)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	day, err := treaty.ParseDate(q.Get("as_of"))
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("as_of: %w", err))
		return
	}
	known := time.Now().UTC()
	if s := q.Get("known_at"); s != "" {
		if known, err = parseTime(s); err != nil {
			httpError(w, http.StatusBadRequest, fmt.Errorf("known_at: %w", err))
			return
		}
	}
	o := n.synced(w, r)
	if o == nil {
		return
	}
	inv, err := o.Inventory(r.Context(), party, day, known)
	if err != nil {
		n.internalError(w, r, "reading the inventory", err)
		return
	}
	writeJSON(w, inv)
}

// serveFactSheet serves the public fact sheet: each party's aggregate
// numbers as of a data-exchange date (as_of, default the latest any party
// provided data for), as known now, in CSV, JSON (default) or HTML. It is
// the only treaty data the node shows without a credential.
func (n *Server) serveFactSheet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if err := factsheet.CheckFormat(format); err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("format: %w", err))
		return
	}
	var day treaty.Date
	if s := q.Get("as_of"); s != "" {
		var err error
		if day, err = treaty.ParseDate(s); err != nil {
			httpError(w, http.StatusBadRequest, fmt.Errorf("as_of: %w", err))
			return
		}
	}
	// Not synced first: that takes the treaty office's lock, which the
	// operator's notifications need, on every anonymous request. The
	// database is kept current by the followers and the notifications
	// themselves, and the cache is keyed by its positions.
	o := n.treatyOffice(w)
	if o == nil {
		return
	}
	reg := o.Registry
	day = factsheet.SheetDate(reg.Treaty(), day)
	positions, err := reg.Positions(r.Context())
	if err != nil {
		n.internalError(w, r, "reading the fact sheet", err)
		return
	}
	key := sheetKey{asOf: day.String(), format: format}
	// Cache-Status (RFC 9211) says whether the sheet was computed.
	if b, current, ok := n.sheets.get(positions, key); ok {
		if current {
			w.Header().Set("Cache-Status", "accord; hit")
		} else {
			w.Header().Set("Cache-Status", `accord; hit; detail="stale, within limits.sheet_refresh"`)
		}
		w.Header().Set("Content-Type", factsheet.ContentType(format))
		w.Write(b)
		return
	}
	release, ok := n.sheets.acquire(w)
	if !ok {
		return
	}
	defer release()
	now := time.Now().UTC()
	stated, err := factsheet.Stated(r.Context(), reg, now)
	if err != nil {
		n.internalError(w, r, "reading the fact sheet", err)
		return
	}
	if day.IsZero() {
		day = factsheet.Latest(reg.Treaty(), stated, treaty.DateOf(now))
	}
	sheet, err := factsheet.ComputeWith(r.Context(), reg.Treaty(), stated, reg.Declaration, day, now)
	if err != nil {
		n.internalError(w, r, "computing the fact sheet", err)
		return
	}
	var b bytes.Buffer
	if err := sheet.Write(&b, format); err != nil {
		n.internalError(w, r, "writing the fact sheet", err)
		return
	}
	n.sheets.put(positions, key, b.Bytes())
	w.Header().Set("Cache-Status", "accord; fwd=miss; stored")
	w.Header().Set("Content-Type", factsheet.ContentType(format))
	w.Write(b.Bytes())
}

// parseTime reads an RFC 3339 time, or a date meaning its midnight UTC.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := treaty.ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: want RFC 3339 or YYYY-MM-DD", s)
	}
	return d.Time(), nil
}

// partiesAt reads the party and as_of parameters of a status or
// findings request: the parties asked about (all by default) and the
// time; it answers 400 or 500 itself when it cannot.
func (n *Server) partiesAt(w http.ResponseWriter, r *http.Request) ([]string, time.Time, bool) {
	party, err := n.party(r, false)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return nil, time.Time{}, false
	}
	at, err := asOf(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return nil, time.Time{}, false
	}
	ps, err := n.parties(party)
	if err != nil {
		n.internalError(w, r, "reading the treaty", err)
		return nil, time.Time{}, false
	}
	return ps, at, true
}

// serveStatus answers GET /v1/status[?as_of=DATE][&party=P][&reading=R]
// with the JSON of accord status --json: one registry.Status per party.
func (n *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	ps, at, ok := n.partiesAt(w, r)
	if !ok {
		return
	}
	reading := r.URL.Query().Get("reading")
	if reading == "" {
		reading = treaty.DefaultReading
	}
	o := n.synced(w, r)
	if o == nil {
		return
	}
	all := []*registry.Status{}
	for _, p := range ps {
		st, err := o.Registry.Status(r.Context(), p, at, reading)
		if err != nil {
			httpError(w, http.StatusBadRequest, err) // an unknown reading
			return
		}
		if err := o.AddHeldEvidence(st); err != nil {
			n.internalError(w, r, "reading evidence", err)
			return
		}
		all = append(all, st)
	}
	writeJSON(w, all)
}

// Findings is the body of GET /v1/findings: the treaty database's
// findings against each party, and the evidence of misbehaving logs.
type Findings struct {
	Findings   []registry.Finding    `json:"findings"`
	SplitViews []evidencedir.Finding `json:"split_views"`
	// Incomplete are the escrowed declarations the node's completeness
	// evidence proves incomplete (docs/escrow.md).
	Incomplete []office.Incomplete `json:"incomplete_declarations"`
}

func (n *Server) serveFindings(w http.ResponseWriter, r *http.Request) {
	ps, at, ok := n.partiesAt(w, r)
	if !ok {
		return
	}
	o := n.synced(w, r)
	if o == nil {
		return
	}
	out := Findings{Findings: []registry.Finding{}, SplitViews: []evidencedir.Finding{}}
	if sv, err := o.SplitViews(); err != nil {
		n.internalError(w, r, "reading evidence", err)
		return
	} else if sv != nil {
		out.SplitViews = sv
	}
	inc, err := o.IncompleteDeclarations()
	if err != nil {
		n.internalError(w, r, "reading escrow evidence", err)
		return
	}
	out.Incomplete = append([]office.Incomplete{}, inc...)
	for _, p := range ps {
		fs, err := o.Registry.Findings(r.Context(), p, at)
		if err != nil {
			n.internalError(w, r, "reading findings", err)
			return
		}
		out.Findings = append(out.Findings, fs...)
	}
	writeJSON(w, out)
}

// maxEntriesPage bounds the entries of one GET /v1/log/entries answer.
const maxEntriesPage = 1000

// errPageFull stops reading the log once a page is full.
var errPageFull = errors.New("page full")

// EntryJSON is one entry of the node's log in GET /v1/log/entries.
type EntryJSON struct {
	Index     uint64          `json:"index"`
	LeafHash  body.Hash       `json:"leaf_hash"`
	Kind      string          `json:"kind"`
	Effective string          `json:"effective"`
	Created   time.Time       `json:"created"`
	Body      json.RawMessage `json:"body"`
}

// Entries is the body of GET /v1/log/entries: entries from an index, and
// the index to ask for next (the log's size once there are no more).
type Entries struct {
	Size    uint64      `json:"size"`
	Entries []EntryJSON `json:"entries"`
	Next    uint64      `json:"next"`
}

// serveEntries answers GET /v1/log/entries?from=N[&limit=K] with up to K
// (at most maxEntriesPage) decoded entries of the node's own log.
func (n *Server) serveEntries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err := uintParam(q.Get("from"), 0)
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("from: %w", err))
		return
	}
	limit, err := uintParam(q.Get("limit"), maxEntriesPage)
	if err != nil || limit == 0 {
		httpError(w, http.StatusBadRequest, fmt.Errorf("limit: want 1 to %d", maxEntriesPage))
		return
	}
	limit = min(limit, maxEntriesPage)
	cp, _, err := ledger.ReadCheckpoint(r.Context(), n.Source(), n.Verifier)
	if err != nil {
		n.internalError(w, r, "reading the checkpoint", err)
		return
	}
	out := Entries{Size: cp.Size, Entries: []EntryJSON{}, Next: cp.Size}
	if from < cp.Size {
		out.Next = from + min(limit, cp.Size-from)
		err = ledger.EntriesFrom(r.Context(), n.Source(), n.Verifier, from, cp.Size, func(rec ledger.Record) error {
			if rec.Index >= out.Next {
				return errPageFull
			}
			out.Entries = append(out.Entries, EntryJSON{rec.Index, body.Hash(rec.LeafHash), string(rec.Entry.Kind),
				rec.Entry.Effective.Format(time.DateOnly), rec.Entry.Created, rec.Entry.Body})
			return nil
		})
		if err != nil && !errors.Is(err, errPageFull) {
			n.internalError(w, r, "reading the log", err)
			return
		}
	}
	writeJSON(w, out)
}

func uintParam(s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

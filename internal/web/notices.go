package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"accord/internal/registry"
	"accord/internal/treaty"
)

type noticeView struct {
	registry.Notice
	Party    string
	TypeName string
	Anchor   string
	Ack      string // in time, late, missing, pending, or empty when not judged
	AckClass string
	AckBy    string
}

type findingView struct {
	registry.Finding
	Anchor string
}

type upcomingView struct {
	registry.Upcoming
	Party  string
	Anchor string
}

type noticesData struct {
	Party     string
	Year      int
	Years     []int
	Type      string
	Types     []treaty.NotificationType
	Exception bool
	Upcoming  []upcomingView
	Findings  []findingView
	Timeline  []noticeView
	Counts    map[string]int
	Window    string
}

func (d *Dashboard) notifications(r *http.Request) (*view, error) {
	data, err := d.noticesOf(r)
	if err != nil {
		return nil, err
	}
	q := params("party", data.Party, "year", strconv.Itoa(data.Year), "type", data.Type)
	if data.Exception {
		q.Set("show", "exceptions")
	}
	if data.Year == 0 {
		q.Del("year")
	}
	return &view{Page: "notifications", Title: "Notifications", Query: q, Data: data, Tables: data.tables}, nil
}

// tables are the notifications due, the findings and the year's
// timeline, as the page shows them.
func (n *noticesData) tables() []*table {
	up := newTable("upcoming", txt("party"), txt("owes"), txt("effective"), txt("due"), txt("entry"))
	for _, u := range n.Upcoming {
		up.add(u.Party, u.Type, u.Effective, u.Due, u.Entry)
	}
	fs := newTable("findings", txt("party"), txt("kind"), txt("finding"), txt("reason"), txt("notification"), txt("effective"), txt("due"), txt("sent"), txt("entry"), txt("by"))
	for _, f := range n.Findings {
		fs.add(f.Party, f.Kind, findingKind(f.Kind), f.Reason, f.Type, f.Effective, f.Due, f.Sent, f.Entry, f.By)
	}
	tl := newTable("timeline", txt("effective"), txt("from"), txt("notification"), txt("corrects"), txt("corrected_by"), txt("deadline"), txt("sent"), txt("state"), txt("reason"), txt("acknowledgement"), txt("acknowledged_by"), txt("entry"))
	for _, x := range n.Timeline {
		tl.add(x.Effective, x.Party, x.Type, x.Corrects, x.CorrectedBy, x.Due, x.Sent, x.State, x.Reason, x.Ack, x.AckBy, x.Entry)
	}
	return []*table{fs, up, tl}
}

func (d *Dashboard) noticesOf(r *http.Request) (*noticesData, error) {
	ctx := r.Context()
	t := d.src.Treaty()
	now := d.src.Now()
	q := r.URL.Query()
	data := noticesData{Party: q.Get("party"), Type: q.Get("type"), Exception: q.Get("show") == "exceptions", Types: t.Notifications, Counts: map[string]int{}}
	if data.Party != "" {
		if _, err := d.partyParam(data.Party); err != nil {
			return nil, err
		}
	}
	if data.Type != "" {
		if _, ok := t.Notification(data.Type); !ok {
			return nil, badRequest("%s has no notification type %q", t.ID, data.Type)
		}
	}
	if a := t.Acknowledgement; a != nil {
		data.Window = a.Within.String()
	}
	pn, err := d.counts.noticesAt(ctx, now)
	if err != nil {
		return nil, err
	}
	acks := map[string]registry.Finding{} // acknowledgement findings, by entry
	var all []noticeView
	for _, p := range t.Parties {
		st := pn.status[p.ID]
		for _, u := range st.Upcoming {
			data.Upcoming = append(data.Upcoming, upcomingView{Upcoming: u, Party: p.ID, Anchor: notificationAnchor(u.Type)})
		}
		for _, fs := range [][]registry.Finding{st.Late, st.Missing, st.Unacknowledged, st.Other} {
			for _, f := range fs {
				data.Counts[f.Kind]++
				if f.Entry != nil && (f.Kind == registry.FindingUnacknowledged || f.Kind == registry.FindingLateAck) {
					acks[f.Entry.String()] = f
				}
				if data.Party == "" || data.Party == f.Party {
					data.Findings = append(data.Findings, findingView{Finding: f, Anchor: notificationAnchor(f.Type)})
				}
			}
		}
		for _, n := range pn.notices[p.ID] {
			all = append(all, noticeView{Notice: n, Party: p.ID, Anchor: notificationAnchor(n.Type)})
		}
	}
	if err := d.heldEvidence(&data, now); err != nil {
		return nil, err
	}
	slices.SortStableFunc(data.Findings, func(a, b findingView) int { return a.Due.Compare(b.Due) })
	slices.SortStableFunc(data.Upcoming, func(a, b upcomingView) int { return a.Due.Compare(b.Due) })
	if err := d.timeline(&data, r, all, acks, now); err != nil {
		return nil, err
	}
	return &data, nil
}

// timeline picks the notices of the year asked (by default the latest
// with any), and says how each was acknowledged.
func (d *Dashboard) timeline(data *noticesData, r *http.Request, all []noticeView, acks map[string]registry.Finding, now time.Time) error {
	t := d.src.Treaty()
	years := map[int]bool{}
	for _, n := range all {
		years[n.Effective.Year()] = true
	}
	for y := range years {
		data.Years = append(data.Years, y)
	}
	slices.Sort(data.Years)
	if len(data.Years) > 0 {
		data.Year = data.Years[len(data.Years)-1]
	}
	if s := r.URL.Query().Get("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 1 || y > 9999 {
			return badRequest("year %q is not a year", s)
		}
		data.Year = y
	}
	window := 24 * time.Hour
	if a := t.Acknowledgement; a != nil {
		window = a.Within.AddTo(time.Time{}).Sub(time.Time{})
	}
	for _, n := range all {
		if n.Effective.Year() != data.Year || (data.Party != "" && n.Party != data.Party) || (data.Type != "" && n.Type != data.Type) {
			continue
		}
		if nt, ok := t.Notification(n.Type); ok {
			n.TypeName = nt.Name
		}
		f, found := acks[n.Entry.String()]
		switch {
		case found && f.Kind == registry.FindingUnacknowledged:
			n.Ack, n.AckClass = "not acknowledged", "bad"
			n.AckBy = f.Party
		case found:
			n.Ack, n.AckClass = "late, "+f.Sent.UTC().Format("2006-01-02 15:04"), "warn"
			n.AckBy = f.Party
		case now.Before(n.Sent.Add(window)):
			n.Ack, n.AckClass = "pending", ""
		default:
			n.Ack, n.AckClass = "in time", "ok"
		}
		if data.Exception && n.State == registry.OnTime && n.AckClass == "ok" {
			continue
		}
		data.Timeline = append(data.Timeline, n)
	}
	slices.SortStableFunc(data.Timeline, func(a, b noticeView) int {
		if c := a.Effective.Compare(b.Effective); c != 0 {
			return c
		}
		return a.Sent.Compare(b.Sent)
	})
	return nil
}

// An EvidenceView is a NodeView that also holds evidence files: split
// views of a party's log, completeness evidence against a party's
// escrowed declaration (docs/escrow.md, "Evidence as a finding").
type EvidenceView interface {
	// HeldEvidence returns the findings the node's evidence proves
	// against party by at.
	HeldEvidence(party string, at time.Time) ([]registry.Finding, error)
}

// heldEvidence adds the findings of the node's evidence files, read on
// every request (they are few and each is checked again).
func (d *Dashboard) heldEvidence(data *noticesData, now time.Time) error {
	ev, ok := d.src.(EvidenceView)
	if !ok {
		return nil
	}
	for _, p := range d.src.Treaty().Parties {
		fs, err := ev.HeldEvidence(p.ID, now)
		if err != nil {
			return err
		}
		for _, f := range fs {
			data.Counts[f.Kind]++
			if data.Party == "" || data.Party == f.Party {
				data.Findings = append(data.Findings, findingView{Finding: f})
			}
		}
	}
	return nil
}

// findingKinds names the kinds of finding for people.
var findingKinds = map[string]string{
	registry.FindingLate:             "late notification",
	registry.FindingMissing:          "missing notification",
	registry.FindingUnacknowledged:   "not acknowledged",
	registry.FindingLateAck:          "late acknowledgement",
	registry.FindingRefused:          "refused entry",
	registry.FindingAckMismatch:      "acknowledgement mismatch",
	registry.FindingOmitted:          "items left out of a statement",
	registry.FindingBalance:          "warhead balance differs from the book",
	registry.FindingFreezeBreach:     "freeze breach",
	registry.FindingDeployedMismatch: "deployed warheads differ from New START data",
	registry.FindingEscrowTotal:      "escrowed total differs from the warhead book",
	registry.FindingEscrowFreeze:     "escrowed total above the freeze baseline",
	registry.FindingIncomplete:       "escrowed declaration proven incomplete",
	registry.FindingSplitView:        "log showed two histories",
	registry.FindingDrawWithheld:     "joint draw not revealed",
	registry.FindingDiscrepancy:      "inspection discrepancy",
	registry.FindingAmbiguity:        "open inspection ambiguity",
}

func findingKind(k string) string {
	if s, ok := findingKinds[k]; ok {
		return s
	}
	return fmt.Sprint(k)
}

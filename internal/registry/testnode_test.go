package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"
)

// A testNode is a registry fed by in-memory, really signed logs of every
// party. send behaves as `accord notify` will: Check, then sign and
// append, then Apply; a refused notification is never appended.
type testNode struct {
	t      testing.TB
	ctx    context.Context
	tr     *treaty.Treaty
	reg    *Registry
	logs   map[string][]Record // by party
	keys   map[string]note.Signer
	checks bool // re-check invariants after every step
}

func newTestNode(t testing.TB) *testNode {
	t.Helper()
	return newTestNodeFor(t, "newstart")
}

// newTestNodeFor is newTestNode for the built-in treaty id.
func newTestNodeFor(t testing.TB, id string) *testNode {
	t.Helper()
	tr, err := treaty.Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{t: t, ctx: context.Background(), tr: tr, logs: map[string][]Record{}, keys: map[string]note.Signer{}, checks: true}
	n.reg = n.open(filepath.Join(t.TempDir(), "registry.db"))
	// Deterministic keys make leaf hashes, and so goldens, reproducible.
	seed := rand.NewChaCha8([32]byte{'a', 'c', 'c', 'o', 'r', 'd'})
	for _, p := range tr.Parties {
		skey, _, err := note.GenerateKey(seed, entry.Origin(tr.ID, p.ID))
		if err != nil {
			t.Fatal(err)
		}
		if n.keys[p.ID], err = note.NewSigner(skey); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func (n *testNode) open(path string) *Registry {
	n.t.Helper()
	reg, err := Open(n.ctx, testConfig(n.t, Config{Treaty: n.tr, Path: path, AckWindow: 24 * time.Hour}))
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { reg.Close() })
	return reg
}

// record signs a new entry for party's log and returns it as a record,
// without appending it.
func (n *testNode) record(party string, kind entry.Kind, eff, recorded string, body []byte) Record {
	n.t.Helper()
	e := &entry.Entry{Treaty: n.tr.ID, Party: party, Kind: kind, Effective: treaty.MustDate(eff).Time(), Created: mustTime(recorded), Body: body}
	b, err := entry.Sign(e, n.keys[party])
	if err != nil {
		n.t.Fatal(err)
	}
	return RecordOf(e, uint64(len(n.logs[party])), b)
}

// send checks a notification and, if it is valid, appends and applies it.
func (n *testNode) send(party, eff, recorded string, body *body.Notification) (Record, error) {
	n.t.Helper()
	b, err := body.Encode()
	if err != nil {
		n.t.Fatal(err)
	}
	return n.sendRaw(party, entry.Notification, eff, recorded, b)
}

func (n *testNode) sendRaw(party string, kind entry.Kind, eff, recorded string, b []byte) (Record, error) {
	n.t.Helper()
	rec := n.record(party, kind, eff, recorded, b)
	if err := n.reg.Check(n.ctx, rec); err != nil {
		return rec, err
	}
	n.logs[party] = append(n.logs[party], rec)
	if err := n.reg.Apply(n.ctx, rec); err != nil {
		n.t.Fatalf("applying %s#%d: %v", rec.Origin, rec.Index, err)
	}
	n.invariants()
	return rec, nil
}

func (n *testNode) mustSend(party, eff, recorded string, body *body.Notification) Record {
	n.t.Helper()
	rec, err := n.send(party, eff, recorded, body)
	if err != nil {
		n.t.Fatalf("%s %s effective %s: %v", party, body.Type, eff, err)
	}
	return rec
}

// ack appends to party's log an acknowledgement of rec.
func (n *testNode) ack(party string, rec Record, recorded string) Record {
	n.t.Helper()
	b, err := (&body.Acknowledgement{Entry: rec.Ref()}).Encode()
	if err != nil {
		n.t.Fatal(err)
	}
	out, err := n.sendRaw(party, entry.Acknowledgement, recorded[:10], recorded, b)
	if err != nil {
		n.t.Fatal(err)
	}
	return out
}

// invariants checks, after every step, that every log is ingested to its
// end and that NextIndex agrees.
func (n *testNode) invariants() {
	n.t.Helper()
	if !n.checks {
		return
	}
	for party, log := range n.logs {
		next, err := n.reg.NextIndex(n.ctx, entry.Origin(n.tr.ID, party))
		if err != nil || next != uint64(len(log)) {
			n.t.Fatalf("log of %s: NextIndex %d, %v; want %d", party, next, err, len(log))
		}
	}
	checkVersions(n.t, n.reg)
}

// dump returns every row of every table, in primary-key order.
func dump(t testing.TB, r *Registry) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"meta", "logs", "entries", "bodies", "corrections", "items", "facilities", "item_history", "item_state", "item_versions", "version_heads", "acks", "ack_mismatches", "report_items", "report_discrepancies", "report_ambiguities", "inspections", "warhead_lots", "warhead_findings"} {
		order := "1, 2"
		if table == "item_versions" {
			order = "1, 2, 3, 5"
		}
		rows, err := r.db.Query(`SELECT * FROM ` + table + ` ORDER BY ` + order)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		// Rows are sorted whole: PostgreSQL returns rows that tie on the
		// first two columns in storage order, not key order.
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%s %q\n", table, vals))
		}
		rows.Close()
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, ""))
	}
	return b.String()
}

func mustTime(s string) time.Time {
	if len(s) == len(time.DateOnly) {
		s += "T12:00:00Z"
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wh(n int) *int { return &n }

// item returns a fully stated item.
func item(uid, typ, category, status, facility string, warheads int) body.Item {
	return body.Item{UID: uid, Type: typ, Category: category, Status: status, Facility: facility, Warheads: &warheads}
}

func uids(uids ...string) []body.Item {
	out := make([]body.Item, len(uids))
	for i, u := range uids {
		out[i] = body.Item{UID: u}
	}
	return out
}

var _ = sql.ErrNoRows

// checkLatest checks that the cached latest state of every item is what
// folding its whole history gives, and that no item lacks one.
func checkLatest(t testing.TB, r *Registry) {
	t.Helper()
	ctx := context.Background()
	s, err := r.begin(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.end()
	rows, err := r.db.QueryContext(ctx, `SELECT DISTINCT party, uid FROM item_history ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var keys [][2]string
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	for _, k := range keys {
		chain, err := s.chain(k[0], k[1], -1)
		if err != nil {
			t.Fatal(err)
		}
		want, ref := fold(r.t, chain)
		if ref != nil {
			t.Fatalf("%s %s: history does not fold: %v", k[0], k[1], ref)
		}
		got, err := s.latest(k[0], k[1])
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case want == nil && got != nil:
			t.Errorf("%s %s: latest state %+v kept for an item with no history as known now", k[0], k[1], got)
		case want != nil && got == nil:
			t.Errorf("%s %s: no latest state kept; want %+v", k[0], k[1], *want)
		case want != nil && (got.state != *want || got.effective != chain[len(chain)-1].effective || got.idx != chain[len(chain)-1].idx):
			t.Errorf("%s %s: latest state %+v, want %+v after #%d", k[0], k[1], *got, *want, chain[len(chain)-1].idx)
		}
	}
}

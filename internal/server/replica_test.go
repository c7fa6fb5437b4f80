package server

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"accord/internal/node"
	"accord/internal/pgtest"
)

// TestReplicas runs a writing node and two read-only replicas (accord
// serve --read-only) as processes sharing one PostgreSQL treaty
// database. While the operator sends notifications to the writer, the
// replicas answer the operator API's reads identically: whenever one
// replica answers the same twice in a row, the other, asked in between,
// answers that too. Once the writer is done, both replicas answer as the
// writer does, the dashboard too, and refuse writes.
func TestReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	w := newNetwork(t, "newstart", "USA")[0]
	w.configure(func(c *node.Config) { c.Database = dsn; c.Limits.SheetRefresh = 1e6 })
	var reps []*proc
	for i := range 2 {
		r := &proc{t: t, party: "USA", dir: filepath.Join(t.TempDir(), fmt.Sprint("replica", i)), addr: freeAddr(t),
			operator: w.operator, flags: []string{"--read-only"}}
		copyDir(t, w.dir, r.dir)
		r.configure(func(*node.Config) {})
		reps = append(reps, r)
	}
	w.start()
	for _, r := range reps {
		r.start()
	}
	const sent = 40
	var done atomic.Bool
	go func() {
		defer done.Store(true)
		for i := range sent {
			body := fmt.Sprintf(`{"type":"initial_data","effective":"2011-02-05","items":[{"uid":"MM3-%d","type":"Minuteman III","category":"icbm","status":"deployed","facility":"Malmstrom","warheads":1}]}`, i)
			if r, err := w.do("POST", "v1/notifications?type=initial_data", w.operator, body); err != nil || r.StatusCode != http.StatusOK {
				t.Errorf("notification %d: %v %v", i, err, r)
				return
			}
		}
	}()
	const inventory = "v1/inventory?party=USA&as_of=2011-02-05&known_at=2030-01-01T00:00:00Z"
	agreed, seen := 0, map[string]bool{}
	for !done.Load() {
		a1, b, a2 := get(t, reps[0], inventory), get(t, reps[1], inventory), get(t, reps[0], inventory)
		if bytes.Equal(a1, a2) {
			agreed++
			if !bytes.Equal(a1, b) {
				t.Fatalf("replicas answer differently while the writer ingests:\n%s\n%s", a1, b)
			}
			seen[string(a1)] = true
		}
	}
	t.Logf("%d rounds in which replica 0 answered the same twice and replica 1 agreed; %d inventories seen", agreed, len(seen))
	if agreed == 0 || len(seen) < 2 {
		t.Errorf("%d rounds with agreeing answers, %d different states seen: the replicas were not read while the writer ingested", agreed, len(seen))
	}
	for _, path := range []string{inventory, "v1/findings?party=USA&as_of=2012-01-01", "v1/status?party=USA&as_of=2012-01-01"} {
		want := get(t, w, path)
		for _, r := range reps {
			if got := get(t, r, path); !bytes.Equal(got, want) {
				t.Errorf("%s: replica %s answers\n%s\nthe writer\n%s", path, r.dir, got, want)
			}
		}
	}
	if n := strings.Count(string(get(t, reps[1], inventory)), `"uid"`); n != sent {
		t.Errorf("the replica's inventory has %d items, want %d", n, sent)
	}
	checkReplicaPages(t, w, reps)
}

// checkReplicaPages checks that the replicas serve the writer's dashboard
// and refuse a notification.
func checkReplicaPages(t *testing.T, w *proc, reps []*proc) {
	t.Helper()
	for _, r := range reps {
		resp, err := r.do("POST", "v1/notifications?type=initial_data", r.operator, `{}`)
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(resp.Body), "read-only replica") {
			t.Errorf("a replica answers a notification with %v %v", err, resp)
		}
	}
	// A fact sheet says when it was computed (known_at): the rest must
	// be the writer's.
	sheet := func(p *proc) []byte {
		return knownAt.ReplaceAll(get(t, p, "factsheet.json?as_of=2011-02-05"), nil)
	}
	want := sheet(w)
	for _, r := range reps {
		if got := sheet(r); !bytes.Equal(got, want) {
			t.Errorf("fact sheet: replica %s answers\n%s\nthe writer\n%s", r.dir, got, want)
		}
	}
}

var knownAt = regexp.MustCompile(`"known_at": "[^"]*"`)

// get returns the body of p's answer to an operator's GET of path, which
// must succeed.
func get(t *testing.T, p *proc, path string) []byte {
	t.Helper()
	r, err := p.do("GET", path, p.operator, "")
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s from %s: %v %v", path, p.dir, err, r)
	}
	return r.Body
}

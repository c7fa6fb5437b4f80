package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"accord/internal/office"
)

// TestIdempotencyKey has a client send 20 notifications, each with its
// own Idempotency-Key, giving up on each after 30 ms, then retry each
// with the same key until it is answered: the log grows by exactly 20,
// each key is answered with one entry, and a key reused for another
// notification is refused (422) and appends nothing.
func TestIdempotencyKey(t *testing.T) {
	ps := newNetwork(t, "newstart", "USA")
	usa := ps[0]
	dumpOnFailure(t, ps)
	usa.start()
	size := usa.size()
	impatient := &http.Client{Timeout: 30 * time.Millisecond}
	post := func(c *http.Client, key, body string) (*http.Response, error) {
		req, _ := http.NewRequest("POST", usa.url()+"v1/notifications", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+usa.operator)
		req.Header.Set("Idempotency-Key", key)
		return c.Do(req)
	}
	body := func(i int) string {
		return fmt.Sprintf(`{"type":"initial_data","effective":"2011-02-05","items":[{"uid":"MM3-%04d","type":"Minuteman III","category":"icbm","status":"deployed","facility":"Malmstrom","warheads":1}]}`, i)
	}
	answered := 0
	for i := range 20 {
		if resp, err := post(impatient, fmt.Sprintf("req-%d", i), body(i)); err == nil {
			resp.Body.Close()
			answered++
		}
	}
	t.Logf("%d of 20 impatient requests answered", answered)
	indexes := map[uint64]bool{}
	for i := range 20 {
		resp, err := post(http.DefaultClient, fmt.Sprintf("req-%d", i), body(i))
		if err != nil {
			t.Fatal(err)
		}
		var s office.Sent
		json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		if resp.StatusCode != 200 || indexes[s.Index] {
			t.Fatalf("retry %d: %s, index %d", i, resp.Status, s.Index)
		}
		indexes[s.Index] = true
	}
	if got := usa.size(); got != size+20 {
		t.Fatalf("the log grew by %d entries for 20 notifications", got-size)
	}
	resp, err := post(http.DefaultClient, "req-3", body(99))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || usa.size() != size+20 {
		t.Fatalf("a reused key for another notification: %s, log %d", resp.Status, usa.size())
	}
}

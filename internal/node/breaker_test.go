package node

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

type fakeTransport struct {
	calls int
	fail  bool
}

func (f *fakeTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls++
	if f.fail {
		return nil, errors.New("timeout")
	}
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

// TestBreaker checks the back-off: after a failure, requests to the host
// fail at once until the pause ends, the pause doubles with each failure
// in a row up to maxBackoff, other hosts are unaffected, and a success
// ends it.
func TestBreaker(t *testing.T) {
	ft := &fakeTransport{fail: true}
	b := newBreaker(ft)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.now = func() time.Time { return now }
	get := func(host string) error {
		req, _ := http.NewRequest("POST", "http://"+host+"/witness/add-checkpoint", nil)
		_, err := b.RoundTrip(req)
		return err
	}
	pause := minBackoff
	for i := 1; i <= 8; i++ {
		calls := ft.calls
		if err := get("rus:7380"); err == nil || ft.calls != calls+1 {
			t.Fatalf("failure %d: not sent (%d calls) or no error", i, ft.calls)
		}
		if err := get("rus:7380"); err == nil || !strings.Contains(err.Error(), "not asked again") || ft.calls != calls+1 {
			t.Fatalf("failure %d: a request in the pause was sent: %v", i, err)
		}
		now = now.Add(pause - time.Nanosecond)
		if get("rus:7380"); ft.calls != calls+1 {
			t.Fatalf("failure %d: sent before the pause of %v ended", i, pause)
		}
		now = now.Add(time.Nanosecond)
		pause = min(2*pause, maxBackoff)
	}
	ft.fail = false
	if err := get("chn:7380"); err != nil {
		t.Fatalf("another host: %v", err)
	}
	if err := get("rus:7380"); err != nil {
		t.Fatalf("after the pause: %v", err)
	}
	ft.fail = true
	get("rus:7380")
	now = now.Add(minBackoff) // a success reset the count: the pause is the first one
	ft.fail = false
	if err := get("rus:7380"); err != nil {
		t.Fatalf("after a success and one failure: %v", err)
	}
}

package escrow

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/entry/body"
)

// sampleLog is a log of two notifications, the sample's commitment, a
// reveal of central and of west, and flows after them.
func sampleLog(t testing.TB) (*testLog, []*Reveal) {
	l := newTestLog(t)
	l.notify(t, "2020-10-01", "warhead_data", lotOf("kirtland", "warhead", "non_deployed", 200))
	l.notify(t, "2020-10-02", "warhead_dismantled", lotOf("kirtland", "warhead", "retired", 9)) // before the commitment: ignored
	c, _, rs := commitSample(t)
	l.commit(t, c)
	l.reveal(t, rs[0], "2020-11-01") // central
	l.notify(t, "2020-12-01", "warhead_transferred", body.Lot{Site: "kirtland", Category: "warhead", Status: "non_deployed", Count: 30, ToSite: "minot"})
	l.reveal(t, rs[2], "2021-01-01") // west
	l.notify(t, "2021-02-01", "warhead_dismantled", lotOf("kirtland", "warhead", "retired", 50))
	l.notifyBody(t, "2021-03-01", &body.Notification{Type: "movement", From: "malmstrom", To: "minot", Items: []body.Item{{UID: "W87-0001"}, {UID: "MM3-0001"}}})
	return l, []*Reveal{rs[0], rs[2]}
}

// TestCheckBundle checks a bundle of every entry from the commitment to
// the checkpoint: it verifies, its flows are the log's notifications
// after the commitment, and each way of leaving an entry out, adding one,
// or changing what was logged fails the check log.
func TestCheckBundle(t *testing.T) {
	l, rs := sampleLog(t)
	cb, err := CheckBundle(l.bundle(t, 2, rs...), l.v, l.policy())
	if err != nil {
		t.Fatal(err)
	}
	if cb.Index != 2 || cb.Size != 8 || len(cb.Reveals) != 2 || len(cb.Flows) != 4 || cb.RevealIndex[1] != 5 || cb.RevealEffect[1] != "2021-01-01" {
		t.Fatalf("checked %+v, flows %+v", cb, cb.Flows)
	}
	other, _ := testKey(t, "accord/us-freeze-2020/USA-2")
	for name, edit := range map[string]func(b *Bundle) *Policy{
		"entry dropped":        func(b *Bundle) *Policy { b.Entries = append(b.Entries[:4:4], b.Entries[5:]...); return nil },
		"last entry dropped":   func(b *Bundle) *Policy { b.Entries = b.Entries[:len(b.Entries)-1]; return nil },
		"entry added":          func(b *Bundle) *Policy { b.Entries = append(b.Entries, b.Entries[3]); return nil },
		"entries swapped":      func(b *Bundle) *Policy { b.Entries[2], b.Entries[4] = b.Entries[4], b.Entries[2]; return nil },
		"prefix dropped":       func(b *Bundle) *Policy { b.Prefix = b.Prefix[1:]; return nil },
		"first moved":          func(b *Bundle) *Policy { b.First++; b.Entries = b.Entries[1:]; return nil },
		"not from commitment":  func(b *Bundle) *Policy { b.First--; b.Prefix, b.Entries = b.Prefix[:0], nil; return nil },
		"reveal left out":      func(b *Bundle) *Policy { b.Reveals = b.Reveals[:1]; return nil },
		"reveal added":         func(b *Bundle) *Policy { b.Reveals = append(b.Reveals, b.Reveals[0]); return nil },
		"reveals swapped":      func(b *Bundle) *Policy { b.Reveals[0], b.Reveals[1] = b.Reveals[1], b.Reveals[0]; return nil },
		"unknown type":         func(b *Bundle) *Policy { return &Policy{Effects: map[string]string{"movement": "move"}} },
		"checkpoint re-signed": func(b *Bundle) *Policy { b.Checkpoint = resign(t, b.Checkpoint, other); return nil },
	} {
		t.Run(name, func(t *testing.T) {
			b := l.bundle(t, 2, rs...)
			p := edit(b)
			if name == "not from commitment" {
				b = l.bundle(t, 1, rs...)
			}
			if p == nil {
				p = l.policy()
			}
			if _, err := CheckBundle(b, l.v, p); !errors.Is(err, ErrLog) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want the check log to fail in one line", err)
			}
		})
	}
}

// resign returns the checkpoint's text signed by s alone.
func resign(t *testing.T, cp []byte, s note.Signer) []byte {
	text, _, _ := bytes.Cut(cp, []byte("\n\n"))
	out, err := note.Sign(&note.Note{Text: string(text) + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBundleFlows checks that the flows read from the log are checked
// against the reveals: a lot that leaves a revealed site takes no more
// than the reveal lists there plus what arrived since, and a warhead by
// UID moves only from where it is.
func TestBundleFlows(t *testing.T) {
	for name, tc := range map[string]struct {
		n     *body.Notification
		check *CheckError
	}{
		"lot within the reveal":     {stock("warhead_dismantled", lotOf("kirtland", "warhead", "non_deployed", 200-30)), nil},
		"lot over the reveal":       {stock("warhead_dismantled", lotOf("kirtland", "warhead", "non_deployed", 200-30+1)), ErrFlow},
		"lot over, after a flow":    {stock("warhead_dismantled", lotOf("kirtland", "warhead", "retired", 1)), ErrFlow},
		"lot within what arrived":   {stock("warhead_transferred", body.Lot{Site: "minot", Category: "warhead", Status: "non_deployed", Count: 10 + 30, ToSite: "bangor"}), nil},
		"lot over what arrived":     {stock("warhead_transferred", body.Lot{Site: "minot", Category: "warhead", Status: "non_deployed", Count: 10 + 30 + 1, ToSite: "bangor"}), ErrFlow},
		"recategorised over":        {stock("warhead_recategorised", body.Lot{Site: "minot", Category: "warhead", Status: "deployed", Count: 41, ToStatus: "retired"}), ErrFlow},
		"recategorised within":      {stock("warhead_recategorised", body.Lot{Site: "minot", Category: "warhead", Status: "deployed", Count: 40, ToStatus: "retired"}), nil},
		"lot at a hidden site":      {stock("warhead_dismantled", lotOf("kings-bay", "warhead", "deployed", 500)), nil},
		"item moved from elsewhere": {&body.Notification{Type: "movement", From: "minot", To: "bangor", Items: []body.Item{{UID: "W87-0002"}}}, ErrFlow},
		"item dismantled twice":     {&body.Notification{Type: "change_in_data", Items: []body.Item{{UID: "W87-0002", Status: "dismantled"}, {UID: "W87-0002", Status: "dismantled"}}}, ErrFlow},
		"undeclared item dismantled": {&body.Notification{Type: "change_in_data", Items: []body.Item{
			{UID: "W87-0077", Type: "W87", Category: "warhead", Status: "dismantled", Facility: "malmstrom"}}}, ErrFlow},
		"item produced": {&body.Notification{Type: "change_in_data", Items: []body.Item{
			{UID: "W87-0077", Type: "W87", Category: "warhead", Status: "deployed", Facility: "malmstrom"}}}, nil},
		"declared item restated elsewhere": {&body.Notification{Type: "change_in_data", Items: []body.Item{
			{UID: "W87-0002", Type: "W87", Category: "warhead", Status: "deployed", Facility: "minot"}}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			l, rs := sampleLog(t)
			l.notifyBody(t, "2021-04-01", tc.n)
			_, err := CheckBundle(l.bundle(t, 2, rs...), l.v, l.policy())
			if tc.check == nil && err != nil || tc.check != nil && !errors.Is(err, tc.check) {
				t.Fatalf("got %v, want %v", err, tc.check)
			}
		})
	}
}

func stock(typ string, lots ...body.Lot) *body.Notification {
	return &body.Notification{Type: typ, Stock: lots}
}

// TestBundleWitness checks the check witness: the checkpoint must carry
// valid cosignatures of the quorum of the verifier's witnesses.
func TestBundleWitness(t *testing.T) {
	l, rs := sampleLog(t)
	rus, rusV := testWitness(t, "witness/RUS")
	chn, chnV := testWitness(t, "witness/CHN")
	_, gbrV := testWitness(t, "witness/GBR")
	b := l.cosigned(t, 2, []note.Signer{rus, chn}, rs...)
	for name, tc := range map[string]struct {
		witnesses []note.Verifier
		quorum    int
		ok        bool
	}{
		"none asked":        {nil, 0, true},
		"both":              {[]note.Verifier{rusV, chnV}, 0, true},
		"one of a third":    {[]note.Verifier{rusV, chnV, gbrV}, 2, true},
		"all of a third":    {[]note.Verifier{rusV, chnV, gbrV}, 0, false},
		"uncosigned":        {[]note.Verifier{gbrV}, 0, false},
		"quorum over given": {[]note.Verifier{rusV}, 2, false},
	} {
		t.Run(name, func(t *testing.T) {
			p := l.policy(tc.witnesses...)
			p.Quorum = tc.quorum
			cb, err := CheckBundle(b, l.v, p)
			if tc.ok && (err != nil || len(cb.Cosigned) < tc.quorum) || !tc.ok && !errors.Is(err, ErrWitness) {
				t.Fatalf("got %v, want ok %v", err, tc.ok)
			}
		})
	}
	forged := bytes.Replace(b.Checkpoint, []byte("— witness/RUS "), []byte("— witness/RUS "), 1)
	i := bytes.Index(forged, []byte("— witness/RUS ")) + len("— witness/RUS ") + 10
	forged[i] ^= 'A' ^ 'B'
	if forged[i] == b.Checkpoint[i] {
		t.Fatal("not forged")
	}
	b.Checkpoint = forged
	if _, err := CheckBundle(b, l.v, l.policy(rusV)); !errors.Is(err, ErrWitness) {
		t.Fatalf("a forged cosignature: %v", err)
	}
}

// TestParseBundle checks the bundle file's form: what is not exactly a
// bundle is unreadable, before any check; a version 1 bundle is refused
// by name.
func TestParseBundle(t *testing.T) {
	l, rs := sampleLog(t)
	good := string(l.bundle(t, 2, rs...).Marshal())
	if _, err := ParseBundle([]byte(good)); err != nil {
		t.Fatal(err)
	}
	v1 := `{"format":"accord escrow bundle v1","commitment":"x","reveals":[]}`
	if _, err := ParseBundle([]byte(v1)); err == nil || !strings.Contains(err.Error(), "no longer read") {
		t.Fatalf("a version 1 bundle: %v", err)
	}
	many := `{"format":"accord escrow bundle v2","checkpoint":"","first":0,"prefix":[],"entries":[` + strings.Repeat(`"",`, MaxBundleEntries) + `""],"reveals":[]}`
	for name, bad := range map[string]string{
		"format":         strings.Replace(good, "v2\"", "v3\"", 1),
		"unknown member": strings.Replace(good, `"first"`, `"x": 1, "first"`, 1),
		"trailing data":  good + "{}",
		"no entries":     strings.Replace(good, `"entries": [`, `"entries": [], "x": [`, 1),
		"too many":       many,
		"non-canonical":  strings.Replace(good, `=",`, `B",`, 1),
		"short prefix":   strings.Replace(good, `"prefix": [`+"\n"+`    "`, `"prefix": [`+"\n"+`    "AAAA`, 1),
		"empty":          "",
	} {
		if _, err := ParseBundle([]byte(bad)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	_ = entry.Commitment
}

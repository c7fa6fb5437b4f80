package escrow

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/entry/body"
)

// testLog is a party's log in memory, USA's under us-freeze-2020: its
// entries, signed with a fixed key, and the bundles of them.
type testLog struct {
	s       note.Signer
	v       note.Verifier
	entries [][]byte
}

func newTestLog(t testing.TB) *testLog {
	s, v := testKey(t, "accord/us-freeze-2020/USA")
	return &testLog{s: s, v: v}
}

// add signs e, dated day, and appends it; it returns its index.
func (l *testLog) add(t testing.TB, kind entry.Kind, day string, b []byte) uint64 {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	e := &entry.Entry{Treaty: "us-freeze-2020", Party: "USA", Kind: kind, Effective: d, Created: d.Add(time.Hour), Body: b}
	enc, err := entry.Sign(e, l.s)
	if err != nil {
		t.Fatal(err)
	}
	l.entries = append(l.entries, enc)
	return uint64(len(l.entries) - 1)
}

func (l *testLog) commit(t testing.TB, c *Commitment) uint64 {
	return l.add(t, entry.Commitment, c.Date, (&LogBody{Commitment: c}).Marshal())
}

func (l *testLog) reveal(t testing.TB, r *Reveal, day string) uint64 {
	return l.add(t, entry.Commitment, day, (&LogBody{Reveal: LogReveal(r)}).Marshal())
}

// notify logs a notification of type typ with the given lots.
func (l *testLog) notify(t testing.TB, day, typ string, lots ...body.Lot) uint64 {
	return l.notifyBody(t, day, &body.Notification{Type: typ, Stock: lots})
}

func (l *testLog) notifyBody(t testing.TB, day string, n *body.Notification) uint64 {
	t.Helper()
	b, err := n.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return l.add(t, entry.Notification, day, b)
}

func lotOf(site, category, status string, n int) body.Lot {
	return body.Lot{Site: site, Category: category, Status: status, Count: n}
}

// bundle returns the bundle of the entries from first to the end, with
// a checkpoint signed by the log and cosigned by the witnesses given.
func (l *testLog) bundle(t testing.TB, first uint64, reveals ...*Reveal) *Bundle {
	return l.cosigned(t, first, nil, reveals...)
}

func (l *testLog) cosigned(t testing.TB, first uint64, witnesses []note.Signer, reveals ...*Reveal) *Bundle {
	t.Helper()
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	var prefix [][]byte
	for i, e := range l.entries {
		if uint64(i) == first {
			prefix = r.Hashes()
		}
		leaf := entry.LeafHash(e)
		r.Append(leaf[:], nil)
	}
	root, _ := r.GetRootHash(nil)
	text := fmt.Sprintf("%s\n%d\n%s\n", l.v.Name(), len(l.entries), base64.StdEncoding.EncodeToString(root))
	cp, err := note.Sign(&note.Note{Text: text}, append([]note.Signer{l.s}, witnesses...)...)
	if err != nil {
		t.Fatal(err)
	}
	b := &Bundle{Checkpoint: cp, First: first, Prefix: prefix, Entries: l.entries[first:]}
	for _, rv := range reveals {
		b.Reveals = append(b.Reveals, rv.Marshal())
	}
	return b
}

// testEffects are the effects of us-freeze-2020's notification types
// that the tests log.
var testEffects = map[string]string{
	"warhead_data": "stock", "warhead_produced": "produce", "warhead_dismantled": "dismantle",
	"warhead_transferred": "transfer", "warhead_recategorised": "recategorise",
	"change_in_data": "change", "movement": "move", "launch": "event",
}

func (l *testLog) policy(witnesses ...note.Verifier) *Policy {
	return &Policy{Effects: testEffects, Witnesses: witnesses}
}

// testWitness returns a fixed c2sp.org/tlog-cosignature signer and
// verifier named name.
func testWitness(t testing.TB, name string) (note.Signer, note.Verifier) {
	seed := sha256.Sum256([]byte("escrow test witness " + name))
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	pk := append([]byte{0x04}, pub...)
	h := sha256.Sum256(append([]byte(name+"\n"), pk...))
	vkey := fmt.Sprintf("%s+%x+%s", name, h[:4], base64.StdEncoding.EncodeToString(pk))
	skey := fmt.Sprintf("PRIVATE+KEY+%s+%x+%s", name, h[:4], base64.StdEncoding.EncodeToString(append([]byte{0x04}, seed[:]...)))
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

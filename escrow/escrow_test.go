package escrow

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"
	"golang.org/x/mod/sumdb/note"
)

// testSecret returns a fixed secret named by s.
func testSecret(s string) *[SecretSize]byte {
	h := sha256.Sum256([]byte("escrow test secret " + s))
	return &h
}

// testKeys returns a fixed signer and verifier key named name.
func testKeys(t testing.TB, name string) (skey, vkey string) {
	seed := sha256.Sum256([]byte("escrow test key " + name))
	skey, vkey, err := note.GenerateKey(bytes.NewReader(seed[:]), name)
	if err != nil {
		t.Fatal(err)
	}
	return skey, vkey
}

// testVKey returns the verifier key of testKeys(name).
func testVKey(t testing.TB, name string) string {
	_, vkey := testKeys(t, name)
	return vkey
}

// testKey returns a fixed note signer and verifier named name.
func testKey(t testing.TB, name string) (note.Signer, note.Verifier) {
	skey, vkey := testKeys(t, name)
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// sample returns a small declaration with warhead and site entries in
// three regions, entries out of order.
func sample() *Declaration {
	return &Declaration{Party: "USA", Date: "2020-10-20", Capacity: 8, Regions: []Region{
		{ID: "west", Entries: []Entry{
			{Site: "kirtland", Counts: map[Category]uint32{NondeployedStrategic: 200, Retired: 50}},
			{Site: "bangor", UID: "W88-0001", Category: DeployedStrategic},
			{Site: "bangor", UID: "W76-0101", Category: NondeployedStrategic},
		}},
		{ID: "central", Entries: []Entry{
			{Site: "minot", Counts: map[Category]uint32{DeployedStrategic: 40, NondeployedStrategic: 10}},
			{Site: "malmstrom", UID: "W87-0002", Category: DeployedStrategic},
			{Site: "malmstrom", UID: "W87-0001", Category: DeployedStrategic},
		}},
		{ID: "east", Entries: []Entry{
			{Site: "kings-bay", UID: "W76-0001", Category: DeployedStrategic},
			{Site: "kings-bay", Counts: map[Category]uint32{DeployedStrategic: 100}},
		}},
	}}
}

// commitSample commits sample() and reveals every region.
func commitSample(t testing.TB) (*Commitment, *Opening, []*Reveal) {
	c, o, err := Commit(testSecret("USA"), sample())
	if err != nil {
		t.Fatal(err)
	}
	var rs []*Reveal
	for _, id := range []string{"central", "east", "west"} {
		r, err := o.Reveal(id)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return c, o, rs
}

func TestCommitRevealVerify(t *testing.T) {
	c, _, rs := commitSample(t)
	if c.Total != 405 || len(c.Regions) != 3 || c.Regions[0].ID != "central" {
		t.Fatalf("total %d, regions %v", c.Total, c.Regions)
	}
	for n := 0; n <= len(rs); n++ {
		v, err := Verify(c, rs[:n]...)
		if err != nil {
			t.Fatalf("verify with %d reveals: %v", n, err)
		}
		if v.Complete() != (n == 3) {
			t.Errorf("%d reveals: complete %v", n, v.Complete())
		}
	}
	if rs[0].Count != 52 || rs[1].Count != 101 || rs[2].Count != 252 {
		t.Errorf("counts %d %d %d", rs[0].Count, rs[1].Count, rs[2].Count)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c, _, rs := commitSample(t)
	b := c.Marshal()
	c2, err := ParseCommitment(b)
	if err != nil || !bytes.Equal(c2.Marshal(), b) {
		t.Fatalf("commitment round trip: %v", err)
	}
	for _, r := range rs {
		b := r.Marshal()
		r2, err := ParseReveal(b)
		if err != nil || !bytes.Equal(r2.Marshal(), b) {
			t.Fatalf("reveal %s round trip: %v", r.Region, err)
		}
		if _, err := Verify(c2, r2); err != nil {
			t.Fatalf("reparsed reveal %s: %v", r.Region, err)
		}
	}
}

// TestSaltIsHKDF checks the one-HMAC salt against crypto/hkdf.Expand.
func TestSaltIsHKDF(t *testing.T) {
	k, err := newKeys(testSecret("USA"), "USA", "2020-10-20")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint32{0, 1, 1 << 20} {
		info := append([]byte(domain+" salt\x00"+"\x03USA2020-10-20"+"\x04east"), byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
		want, err := hkdf.Expand(sha256.New, k.prk, string(info), 32)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.salt("east", i); !bytes.Equal(got[:], want) {
			t.Errorf("salt %d = %x, want %x", i, got, want)
		}
	}
}

// TestEntryEncoding pins the entry encodings byte by byte (docs/escrow.md).
func TestEntryEncoding(t *testing.T) {
	for _, tc := range []struct {
		e    Entry
		want string
	}{
		{Entry{}, "00"},
		{Entry{Site: "s1", UID: "W1", Category: Retired}, "01" + "027331" + "025731" + "05"},
		{Entry{Site: "s1", Counts: map[Category]uint32{DeployedStrategic: 1, NonstrategicStored: 258}},
			"02" + "027331" + "00000001" + "00000000" + "00000000" + "00000102" + "00000000"},
	} {
		b := MarshalEntry(&tc.e)
		if got := hex.EncodeToString(b); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.e, got, tc.want)
		}
		if _, err := ParseEntry(b); err != nil {
			t.Errorf("%+v: %v", tc.e, err)
		}
	}
}

// TestGeneratorH pins H: the encoding docs/escrow.md gives.
func TestGeneratorH(t *testing.T) {
	h := GeneratorH()
	if got := hex.EncodeToString(h[:]); got != generatorHHex {
		t.Errorf("H = %s, want %s", got, generatorHHex)
	}
	var base [32]byte
	if h == base {
		t.Error("H is the identity")
	}
}

const generatorHHex = "7aef2752006cccf0f50e84b77f4d9e5689b6c3c69c3a243cb45e54a6c962114c"

func TestCommitRefuses(t *testing.T) {
	for name, edit := range map[string]func(d *Declaration){
		"bad party":          func(d *Declaration) { d.Party = "U S" },
		"bad date":           func(d *Declaration) { d.Date = "2020-10-32" },
		"no regions":         func(d *Declaration) { d.Regions = nil },
		"repeated region":    func(d *Declaration) { d.Regions[1].ID = "west" },
		"repeated uid":       func(d *Declaration) { d.Regions[1].Entries[1].UID = "W88-0001" },
		"repeated site":      func(d *Declaration) { d.Regions[0].Entries[1] = Entry{Site: "kirtland", Counts: map[Category]uint32{}} },
		"unknown category":   func(d *Declaration) { d.Regions[0].Entries[1].Category = "strategic" },
		"uid and counts":     func(d *Declaration) { d.Regions[0].Entries[1].Counts = map[Category]uint32{} },
		"neither":            func(d *Declaration) { d.Regions[0].Entries[0].Counts = nil },
		"empty site":         func(d *Declaration) { d.Regions[0].Entries[0].Site = "" },
		"capacity too small": func(d *Declaration) { d.Capacity = 2 },
		"capacity not pow2":  func(d *Declaration) { d.Capacity = 6 },
	} {
		d := sample()
		edit(d)
		if _, _, err := Commit(testSecret("USA"), d); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line", name, err)
		}
	}
}

// TestDefaultCapacity checks that capacity 0 pads every region to hold
// all entries.
func TestDefaultCapacity(t *testing.T) {
	d := sample()
	d.Capacity = 0
	c, _, err := Commit(testSecret("USA"), d)
	if err != nil || c.Capacity != 8 {
		t.Fatalf("capacity %v, %v; want 8 for 8 entries", c, err)
	}
}

// TestPaddingHidesCount: the commitment and every reveal of another
// region are the same size whatever a hidden region holds.
func TestPaddingHidesCount(t *testing.T) {
	d1, d2 := sample(), sample()
	d2.Regions[0].Entries = d2.Regions[0].Entries[:1]
	c1, o1, _ := Commit(testSecret("USA"), d1)
	c2, o2, _ := Commit(testSecret("USA"), d2)
	r1, _ := o1.Reveal("east")
	r2, _ := o2.Reveal("east")
	if len(c1.Marshal()) != len(c2.Marshal()) || len(r1.Marshal()) != len(r2.Marshal()) {
		t.Error("sizes depend on the hidden region's entries")
	}
	if c1.Root == c2.Root || c1.Regions[2].Count == c2.Regions[2].Count {
		t.Error("different declarations, same root or count commitment")
	}
}

// TestNegativeCount: without range proofs a party can commit a negative
// count for a region; it is caught when the region opens.
func TestNegativeCount(t *testing.T) {
	// west holds 252; committed as -48, the total reads 405-300 = 105.
	c, o, err := commit(testSecret("USA"), sample(), cheat{countDelta: map[string]int64{"west": -300}})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCommitment(c); err != nil || c.Total != 105 {
		t.Fatalf("the cheat does not open its total %d: %v", c.Total, err)
	}
	central, _ := o.Reveal("central")
	west, _ := o.Reveal("west")
	if _, err := Verify(c, central); err != nil {
		t.Fatalf("before opening west: %v", err)
	}
	_, err = Verify(c, central, west)
	if !errors.Is(err, ErrCountCommitment) {
		t.Fatalf("opening west: %v, want %v", err, ErrCountCommitment)
	}
}

// TestByteFlip: any single byte changed in a commitment or a reveal fails
// verification.
func TestByteFlip(t *testing.T) {
	c, _, rs := commitSample(t)
	cb := c.Marshal()
	for _, r := range rs {
		rb := r.Marshal()
		for i := range rb {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(rb)
				b[i] ^= x
				if err := verifyBytes(cb, b); err == nil {
					t.Fatalf("reveal %s: byte %d ^ %#x verifies", r.Region, i, x)
				}
			}
		}
	}
	for i := range cb {
		b := bytes.Clone(cb)
		b[i] ^= 0x01
		if err := verifyBytes(b, rs[0].Marshal()); err == nil {
			t.Fatalf("commitment byte %d flipped verifies", i)
		}
	}
}

func verifyBytes(cb, rb []byte) error {
	c, err := ParseCommitment(cb)
	if err != nil {
		return err
	}
	r, err := ParseReveal(rb)
	if err != nil {
		return err
	}
	_, err = Verify(c, r)
	return err
}

func TestCheckErrors(t *testing.T) {
	err := fail(ErrTree, "east", "x %d", 1)
	if !errors.Is(err, ErrTree) || errors.Is(err, ErrCount) {
		t.Error("errors.Is does not match on the check")
	}
	var ce *CheckError
	if !errors.As(err, &ce) || ce.Check != "tree" || err.Error() != "escrow check tree failed for region east: x 1" {
		t.Errorf("%v", err)
	}
}

// TestValidID checks validID against the regular expression of entry's ids.
func TestValidID(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	for _, s := range []string{"", "a", "A.b_c-9", ".a", "-", "a b", "é", "a/b", strings.Repeat("x", 64), strings.Repeat("x", 65), "a\n"} {
		if validID(s) != re.MatchString(s) {
			t.Errorf("validID(%q) = %v", s, validID(s))
		}
	}
}

// TestElementDerivation checks the library's one-way map against
// libsodium's crypto_core_ristretto255_from_hash example (php.net,
// sodium_crypto_core_ristretto255_from_hash), the map H is derived with.
func TestElementDerivation(t *testing.T) {
	in, _ := hex.DecodeString("5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1" +
		"4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6")
	got := encodeElement(ristretto255.NewElement().FromUniformBytes(in))
	if want := "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"; hex.EncodeToString(got[:]) != want {
		t.Errorf("from_hash = %x, want %s", got, want)
	}
}

func TestParseObservation(t *testing.T) {
	o := Observation{Region: "central", Site: "minot", Category: DeployedStrategic, Count: 41, Date: "2021-05-04"}
	good := o.Text()
	if p, err := ParseObservation(good); err != nil || p.Text() != good {
		t.Fatalf("%q: %v", good, err)
	}
	for name, bad := range map[string]string{
		"empty":            "",
		"no final newline": strings.TrimSuffix(good, "\n"),
		"count 0":          strings.Replace(good, "count 41", "count 0", 1),
		"leading zero":     strings.Replace(good, "count 41", "count 041", 1),
		"uid and count":    strings.Replace(good, "count 41", "uid W1\ncount 41", 1),
		"bad category":     strings.Replace(good, "deployed_strategic", "strategic", 1),
		"bad date":         strings.Replace(good, "2021-05-04", "2021-5-4", 1),
		"short hash":       strings.Replace(good, "commitment 00", "commitment 0", 1),
		"upper-case hash":  strings.Replace(good, "commitment 00", "commitment 0A", 1),
		"lines swapped":    strings.Replace(good, "region central\nsite minot", "site minot\nregion central", 1),
		"extra space":      strings.Replace(good, "site minot", "site  minot", 1),
	} {
		_, err := ParseObservation(bad)
		if !errors.Is(err, ErrEncoding) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

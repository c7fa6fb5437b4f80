// Package indep is a second verifier of escrowed declarations, written
// from docs/escrow.md alone to check that the document specifies the
// format completely: it does not import accord/escrow, and it must agree
// with it on every vector in testdata/escrow.
//
// Verify returns the name of the first check that fails ("" when all
// pass), as docs/escrow.md, "Checks", orders them.
package indep

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gtank/ristretto255"
	"golang.org/x/mod/sumdb/note"
)

// Input is everything a verdict depends on.
type Input struct {
	Commitment   []byte
	Reveals      [][]byte
	Baseline     *uint64
	Flows        []Flow
	InspectorKey string
	Observation  []byte
}

// Flow is a flow notification (docs/escrow.md, "Flows").
type Flow struct {
	Kind, Date, UID, Site, To string
	Category, ToCategory      string
	Count                     uint64
}

type region struct {
	id string
	c  *ristretto255.Element
}

type commitment struct {
	hash     [32]byte
	party    string
	date     string
	capacity uint32
	root     []byte
	total    uint64
	blind    *ristretto255.Scalar
	regions  []region
}

type leaf struct {
	salt  []byte
	raw   []byte // the entry encoding
	kind  byte
	site  string
	uid   string
	cat   byte
	count [5]uint32
}

type reveal struct {
	commitment []byte
	region     string
	count      uint64
	blind      *ristretto255.Scalar
	path       [][]byte
	leaves     []leaf
}

// cursor reads big-endian fields; ok turns false for good at the first
// short read.
type cursor struct {
	b  []byte
	ok bool
}

func (c *cursor) take(n int) []byte {
	if !c.ok || n > len(c.b) {
		c.ok = false
		return make([]byte, n)
	}
	v := c.b[:n]
	c.b = c.b[n:]
	return v
}

func (c *cursor) u8() byte    { return c.take(1)[0] }
func (c *cursor) u16() uint16 { return binary.BigEndian.Uint16(c.take(2)) }
func (c *cursor) u32() uint32 { return binary.BigEndian.Uint32(c.take(4)) }
func (c *cursor) u64() uint64 { return binary.BigEndian.Uint64(c.take(8)) }

func (c *cursor) ident() string { return c.name(isID) }
func (c *cursor) site() string  { return c.name(isSite) }

func (c *cursor) name(valid func(string) bool) string {
	s := string(c.take(int(c.u8())))
	if !valid(s) {
		c.ok = false
	}
	return s
}

// siteName is a facility name as docs/escrow.md allows for a site.
var siteName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._:/+()-]| [A-Za-z0-9(]){0,63}$`)

func isSite(s string) bool { return isID(s) || len(s) <= 64 && siteName.MatchString(s) }

func isID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range []byte(s) {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return true
}

func isDate(s string) bool {
	t, err := time.Parse("2006-01-02", s)
	return err == nil && t.Format("2006-01-02") == s
}

func pow2(n uint32) bool { return n >= 1 && n <= 1<<24 && n&(n-1) == 0 }

func scalar(b []byte) *ristretto255.Scalar {
	s := ristretto255.NewScalar()
	if s.Decode(b) != nil {
		return nil
	}
	return s
}

func element(b []byte) *ristretto255.Element {
	e := ristretto255.NewElement()
	if e.Decode(b) != nil {
		return nil
	}
	return e
}

func parseCommitment(b []byte) *commitment {
	c := &cursor{b: b, ok: bytes.HasPrefix(b, []byte("accord escrow commitment v1\n"))}
	c.take(28)
	k := &commitment{hash: sha256.Sum256(b), party: c.ident(), date: string(c.take(10))}
	k.capacity = c.u32()
	k.root = c.take(32)
	k.total = c.u64()
	k.blind = scalar(c.take(32))
	n := int(c.u16())
	for i := 0; i < n && c.ok; i++ {
		r := region{id: c.ident(), c: element(c.take(32))}
		if r.c == nil || i > 0 && r.id <= k.regions[i-1].id {
			c.ok = false
		}
		k.regions = append(k.regions, r)
	}
	if !c.ok || len(c.b) != 0 || !isDate(k.date) || !pow2(k.capacity) || k.blind == nil || n < 1 || n > 4096 {
		return nil
	}
	return k
}

func parseReveal(b []byte) *reveal {
	c := &cursor{b: b, ok: bytes.HasPrefix(b, []byte("accord escrow reveal v1\n"))}
	c.take(24)
	r := &reveal{commitment: c.take(32), region: c.ident(), count: c.u64(), blind: scalar(c.take(32))}
	np := int(c.u8())
	if np > 12 {
		return nil
	}
	for range np {
		r.path = append(r.path, c.take(32))
	}
	nl := c.u32()
	if !c.ok || !pow2(nl) || uint64(len(c.b)) < uint64(nl)*33 || r.blind == nil {
		return nil
	}
	for range nl {
		l, ok := parseLeaf(c)
		if !ok {
			return nil
		}
		r.leaves = append(r.leaves, l)
	}
	if len(c.b) != 0 {
		return nil
	}
	return r
}

func parseLeaf(c *cursor) (leaf, bool) {
	l := leaf{salt: c.take(32)}
	start := c.b
	switch l.kind = c.u8(); l.kind {
	case 0:
	case 1:
		l.site, l.uid, l.cat = c.site(), c.ident(), c.u8()
		if l.cat < 1 || l.cat > 5 {
			return l, false
		}
	case 2:
		l.site = c.site()
		for i := range l.count {
			l.count[i] = c.u32()
		}
	default:
		return l, false
	}
	if c.ok {
		l.raw = start[:len(start)-len(c.b)]
	}
	return l, c.ok
}

func (l *leaf) warheads() uint64 {
	switch l.kind {
	case 1:
		return 1
	case 2:
		var n uint64
		for _, x := range l.count {
			n += uint64(x)
		}
		return n
	}
	return 0
}

func lenPrefixed(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func node(a, b []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(a)
	h.Write(b)
	return h.Sum(nil)
}

// mth is the RFC 6962 tree hash over hashes taken as leaf hashes.
func mth(d [][]byte) []byte {
	if len(d) == 1 {
		return d[0]
	}
	k := 1
	for k<<1 < len(d) {
		k <<= 1
	}
	return node(mth(d[:k]), mth(d[k:]))
}

// regionRoot hashes the leaves of region name and folds them pairwise.
func regionRoot(name string, leaves []leaf) []byte {
	level := make([][]byte, len(leaves))
	for i, l := range leaves {
		var idx [4]byte
		binary.BigEndian.PutUint32(idx[:], uint32(i))
		msg := bytes.Join([][]byte{{0}, []byte("accord/escrow/v1 leaf"), lenPrefixed(name), idx[:], l.salt, l.raw}, nil)
		sum := sha256.Sum256(msg)
		level[i] = sum[:]
	}
	for len(level) > 1 {
		next := make([][]byte, len(level)/2)
		for i := range next {
			next[i] = node(level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0]
}

// climb is the RFC 9162 inclusion verification from docs/escrow.md.
func climb(r []byte, m, n uint64, path [][]byte) ([]byte, bool) {
	fn, sn := m, n-1
	for _, p := range path {
		if sn == 0 {
			return nil, false
		}
		if fn%2 == 1 || fn == sn {
			r = node(p, r)
			if fn%2 == 0 {
				for fn%2 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = node(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return r, sn == 0
}

func num(n uint64) *ristretto255.Scalar {
	b := make([]byte, 32)
	binary.LittleEndian.PutUint64(b, n)
	return scalar(b)
}

var genH = func() *ristretto255.Element {
	d := sha512.Sum512([]byte("accord/escrow/v1 pedersen H"))
	return ristretto255.NewElement().FromUniformBytes(d[:])
}()

// open returns n·G + b·H.
func open(n uint64, b *ristretto255.Scalar) *ristretto255.Element {
	g := ristretto255.NewElement().ScalarBaseMult(num(n))
	h := ristretto255.NewElement().ScalarMult(b, genH)
	return g.Add(g, h)
}

// Derive recomputes a salt and a blinding factor from a secret, for the
// tests: docs/escrow.md, "Keys from the secret".
func Derive(secret []byte, party, date, region string, i uint32) (salt, blind []byte) {
	prk, _ := hkdf.Extract(sha256.New, secret, []byte("accord/escrow/v1"))
	ctx := append(lenPrefixed(party), date...)
	var idx [4]byte
	binary.BigEndian.PutUint32(idx[:], i)
	info := string(bytes.Join([][]byte{[]byte("accord/escrow/v1 salt\x00"), ctx, lenPrefixed(region), idx[:]}, nil))
	salt, _ = hkdf.Expand(sha256.New, prk, info, 32)
	wide, _ := hkdf.Expand(sha256.New, prk, string(bytes.Join([][]byte{[]byte("accord/escrow/v1 blind\x00"), ctx, lenPrefixed(region)}, nil)), 64)
	return salt, ristretto255.NewScalar().FromUniformBytes(wide).Encode(nil)
}

// state is what the reveals established.
type state struct {
	c        *commitment
	opened   map[string]*reveal
	uids     map[string]bool
	revealed uint64
}

// Verify returns the first failed check's name, or "".
func Verify(in *Input) string {
	c := parseCommitment(in.Commitment)
	if c == nil {
		return "encoding"
	}
	var rs []*reveal
	for _, b := range in.Reveals {
		r := parseReveal(b)
		if r == nil {
			return "encoding"
		}
		rs = append(rs, r)
	}
	sum := ristretto255.NewElement().Zero()
	for _, r := range c.regions {
		sum.Add(sum, r.c)
	}
	if sum.Equal(open(c.total, c.blind)) != 1 {
		return "total"
	}
	st := &state{c: c, opened: map[string]*reveal{}, uids: map[string]bool{}}
	for _, r := range rs {
		if f := st.add(r); f != "" {
			return f
		}
	}
	if in.Baseline != nil && c.total > *in.Baseline {
		return "freeze"
	}
	if f := st.flows(in.Flows); f != "" || in.Observation == nil {
		return f
	}
	return st.evidence(in)
}

func (st *state) add(r *reveal) string {
	c := st.c
	if !bytes.Equal(r.commitment, c.hash[:]) {
		return "commitment"
	}
	idx := -1
	for i, g := range c.regions {
		if g.id == r.region {
			idx = i
		}
	}
	if idx < 0 || st.opened[r.region] != nil {
		return "region"
	}
	if uint32(len(r.leaves)) != c.capacity {
		return "tree"
	}
	root, ok := climb(regionRoot(r.region, r.leaves), uint64(idx), uint64(len(c.regions)), r.path)
	if !ok || !bytes.Equal(root, c.root) {
		return "tree"
	}
	if !ordered(r.leaves) {
		return "order"
	}
	var n uint64
	for i := range r.leaves {
		n += r.leaves[i].warheads()
	}
	if n != r.count {
		return "count"
	}
	if open(n, r.blind).Equal(c.regions[idx].c) != 1 {
		return "count_commitment"
	}
	for _, l := range r.leaves {
		if l.kind == 1 {
			if st.uids[l.uid] {
				return "uid"
			}
			st.uids[l.uid] = true
		}
	}
	st.opened[r.region] = r
	st.revealed += n
	if st.revealed > c.total {
		return "hidden"
	}
	return ""
}

func ordered(ls []leaf) bool {
	for i := 1; i < len(ls); i++ {
		a, b := ls[i-1], ls[i]
		if b.kind == 0 {
			continue
		}
		if a.kind == 0 || a.site > b.site || a.site == b.site && a.uid >= b.uid {
			return false
		}
	}
	return true
}

// flows applies docs/escrow.md, "Flows".
func (st *state) flows(fs []Flow) string {
	for _, f := range fs {
		if !flowWellFormed(f) {
			return "encoding"
		}
	}
	where := map[string]string{} // uid → site, "gone" when dismantled
	withUIDs, withCounts := map[string]bool{}, map[string]bool{}
	siteOpen := map[string]bool{}
	held := map[string]uint64{} // site + "/" + category → warheads
	for _, r := range st.opened {
		for _, l := range r.leaves {
			switch l.kind {
			case 1:
				where[l.uid] = l.site
				withUIDs[l.site] = true
				held[l.site+"/"+categories[l.cat-1]]++
			case 2:
				withCounts[l.site] = true
				for i, n := range l.count {
					held[l.site+"/"+categories[i]] += uint64(n)
				}
			}
			if l.kind != 0 {
				siteOpen[l.site] = true
			}
		}
	}
	complete := len(st.opened) == len(st.c.regions)
	// a stable sort by date, by insertion
	var sorted []Flow
	for _, f := range fs {
		i := len(sorted)
		for i > 0 && sorted[i-1].Date > f.Date {
			i--
		}
		sorted = append(sorted[:i], append([]Flow{f}, sorted[i:]...)...)
	}
	for _, f := range sorted {
		if f.Date <= st.c.date {
			continue
		}
		if f.UID == "" {
			if lotFails(f, held, siteOpen[f.Site] || complete) {
				return "flow"
			}
			continue
		}
		at, known := where[f.UID]
		switch {
		case f.Kind == "produced":
			if known {
				return "flow"
			}
			where[f.UID] = f.Site
			continue
		case known && (at == "gone" || at != f.Site):
			return "flow"
		case !known && !withCounts[f.Site] && (withUIDs[f.Site] || complete):
			return "flow"
		}
		if f.Kind == "transferred" {
			where[f.UID] = f.To
		} else if known {
			where[f.UID] = "gone"
		}
	}
	return ""
}

// flowWellFormed checks a flow's form (docs/escrow.md, "Flows").
func flowWellFormed(f Flow) bool {
	kinds := map[string]bool{"produced": true, "dismantled": true, "transferred": true, "recategorised": true}
	ok := isDate(f.Date) && isSite(f.Site) && kinds[f.Kind] &&
		(f.Kind == "transferred") == (f.To != "") && (f.Kind != "transferred" || isSite(f.To))
	if f.UID != "" {
		return ok && isID(f.UID) && f.Kind != "recategorised" && f.Category == "" && f.ToCategory == "" && f.Count == 0
	}
	return ok && f.Count >= 1 && f.Count <= 1e9 && slices.Contains(categories, f.Category) &&
		(f.Kind == "recategorised") == (f.ToCategory != "") &&
		(f.Kind != "recategorised" || slices.Contains(categories, f.ToCategory) && f.ToCategory != f.Category)
}

// lotFails books a lot and reports whether it leaves more than a known
// site holds.
func lotFails(f Flow, held map[string]uint64, known bool) bool {
	from := f.Site + "/" + f.Category
	if f.Kind == "produced" {
		held[from] += f.Count
		return false
	}
	if held[from] < f.Count {
		if known {
			return true
		}
		held[from] = 0
	} else {
		held[from] -= f.Count
	}
	if f.Kind == "transferred" {
		held[f.To+"/"+f.Category] += f.Count
	}
	if f.Kind == "recategorised" {
		held[f.Site+"/"+f.ToCategory] += f.Count
	}
	return false
}

var categories = []string{"deployed_strategic", "nondeployed_strategic", "nonstrategic_deployed", "nonstrategic_stored", "retired"}

// evidence applies docs/escrow.md, "Completeness evidence".
func (st *state) evidence(in *Input) string {
	v, err := note.NewVerifier(in.InspectorKey)
	if err != nil {
		return "signature"
	}
	n, err := note.Open(in.Observation, note.VerifierList(v))
	if err != nil {
		return "signature"
	}
	o, ok := parseObservation(n.Text)
	if !ok {
		return "encoding"
	}
	r := st.opened[o.region]
	if o.commitment != hex.EncodeToString(st.c.hash[:]) || o.date < st.c.date || r == nil {
		return "observation"
	}
	var arrived uint64
	for _, f := range in.Flows {
		in := f.Kind == "produced" && f.Site == o.site || f.Kind == "transferred" && f.To == o.site
		if in && f.Date > st.c.date && f.Date <= o.date && (o.uid == "" || f.UID == o.uid) {
			arrived += max(f.Count, 1)
		}
	}
	if o.uid != "" {
		if st.uids[o.uid] || arrived > 0 {
			return "accounted"
		}
		return ""
	}
	declared := arrived
	for _, l := range r.leaves {
		if l.site == o.site && l.kind == 2 {
			declared += uint64(l.count[o.cat-1])
		}
		if l.site == o.site && l.kind == 1 && l.cat == o.cat {
			declared++
		}
	}
	if o.count <= declared {
		return "accounted"
	}
	return ""
}

type observation struct {
	commitment, region, site, uid, date string
	cat                                 byte
	count                               uint64
}

func parseObservation(text string) (observation, bool) {
	var o observation
	lines := strings.SplitAfter(text, "\n")
	if len(lines) != 8 || lines[7] != "" || lines[0] != "accord escrow observation v1\n" {
		return o, false
	}
	field := func(i int, name string) (string, bool) {
		v, ok := strings.CutPrefix(lines[i], name+" ")
		v, nl := strings.CutSuffix(v, "\n")
		return v, ok && nl && !strings.Contains(v, "\n")
	}
	var oks [6]bool
	o.commitment, oks[0] = field(1, "commitment")
	o.region, oks[1] = field(2, "region")
	o.site, oks[2] = field(3, "site")
	cat, ok3 := field(4, "category")
	oks[3] = ok3
	o.date, oks[5] = field(6, "date")
	if u, ok := field(5, "uid"); ok {
		o.uid, oks[4] = u, isID(u)
	} else if c, ok := field(5, "count"); ok {
		n, err := strconv.ParseUint(c, 10, 64)
		o.count, oks[4] = n, err == nil && n > 0 && strconv.FormatUint(n, 10) == c
	}
	for i, c := range categories {
		if c == cat {
			o.cat = byte(i + 1)
		}
	}
	h, err := hex.DecodeString(o.commitment)
	good := err == nil && len(h) == 32 && hex.EncodeToString(h) == o.commitment &&
		isID(o.region) && isSite(o.site) && o.cat != 0 && isDate(o.date)
	for _, ok := range oks {
		good = good && ok
	}
	return o, good
}

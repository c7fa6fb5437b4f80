package escrow

import "encoding/binary"

// appendString appends enc(s): one length byte, then s.
func appendString(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...)
}

// Entry kinds, the first byte of an entry's encoding.
const (
	kindPadding = 0
	kindWarhead = 1
	kindSite    = 2
)

// appendEntry appends e's encoding: 0x00 for padding; 0x01 enc(site)
// enc(uid) category for a warhead; 0x02 enc(site) and five uint32 counts,
// in [Categories] order, for a site.
func appendEntry(b []byte, e *Entry) []byte {
	switch {
	case e.Padding():
		return append(b, kindPadding)
	case e.UID != "":
		b = appendString(append(b, kindWarhead), e.Site)
		return append(appendString(b, e.UID), e.Category.code())
	}
	b = appendString(append(b, kindSite), e.Site)
	for _, c := range Categories {
		b = binary.BigEndian.AppendUint32(b, e.Counts[c])
	}
	return b
}

// reader decodes canonical encodings; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fail(ErrEncoding, "", format, args...)
	}
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.fail("truncated %s", what)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte1(what string) byte {
	if b := r.bytes(1, what); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) uint16(what string) uint16 {
	if b := r.bytes(2, what); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) uint32(what string) uint32 {
	if b := r.bytes(4, what); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) uint64(what string) uint64 {
	if b := r.bytes(8, what); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *reader) hash(what string) (h [32]byte) {
	copy(h[:], r.bytes(32, what))
	return h
}

// id reads enc(s) and checks s is an identifier.
func (r *reader) id(what string) string { return r.name(what, validID) }

// site reads enc(s) and checks s is a site.
func (r *reader) site() string { return r.name("site", validSite) }

func (r *reader) name(what string, valid func(string) bool) string {
	s := string(r.bytes(int(r.byte1(what)), what))
	if r.err == nil && !valid(s) {
		r.fail("invalid %s %q", what, s)
	}
	return s
}

// end fails unless every byte was read.
func (r *reader) end() {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
}

// entry reads one entry encoding.
func (r *reader) entry() Entry {
	switch k := r.byte1("entry kind"); {
	case r.err != nil || k == kindPadding:
		return Entry{}
	case k == kindWarhead:
		e := Entry{Site: r.site(), UID: r.id("uid")}
		c := r.byte1("category")
		if r.err == nil && (c == 0 || int(c) > len(Categories)) {
			r.fail("unknown category %d", c)
			return e
		}
		e.Category = Categories[max(c, 1)-1]
		return e
	case k == kindSite:
		e := Entry{Site: r.site(), Counts: map[Category]uint32{}}
		for _, c := range Categories {
			if n := r.uint32("count"); n != 0 {
				e.Counts[c] = n
			}
		}
		return e
	default:
		r.fail("unknown entry kind %d", k)
		return Entry{}
	}
}

// ParseEntry decodes one entry encoding, which must be all of b.
func ParseEntry(b []byte) (Entry, error) {
	r := &reader{b: b}
	e := r.entry()
	r.end()
	return e, r.err
}

// MarshalEntry returns e's encoding.
func MarshalEntry(e *Entry) []byte { return appendEntry(nil, e) }

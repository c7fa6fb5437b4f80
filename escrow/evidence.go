package escrow

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// observationHeader is the first line of an observation's note text.
const observationHeader = "accord escrow observation v1"

// Observation is an inspector's record of warheads of a declared kind seen
// at a site of a region: one warhead by UID, or Count of them of Category.
// It is signed as a note (c2sp.org/signed-note) by the inspector's key.
//
// Compatibility: the note text (docs/escrow.md, "Observation") is fixed by
// its first line "accord escrow observation v1"; [ParseObservation]
// accepts only the canonical text, and any change needs a new first line.
type Observation struct {
	Commitment [32]byte // the Hash of the commitment the region belongs to
	Region     string
	Site       string
	Category   Category
	UID        string // the warhead seen, or "" for a count
	Count      uint64 // warheads seen, when UID is ""; 0 when UID is set
	Date       string // YYYY-MM-DD
}

// Text returns o's canonical note text.
func (o *Observation) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\ncommitment %x\nregion %s\nsite %s\ncategory %s\n",
		observationHeader, o.Commitment, o.Region, o.Site, o.Category)
	if o.UID != "" {
		fmt.Fprintf(&b, "uid %s\n", o.UID)
	} else {
		fmt.Fprintf(&b, "count %d\n", o.Count)
	}
	fmt.Fprintf(&b, "date %s\n", o.Date)
	return b.String()
}

// ParseObservation decodes an observation's note text. It fails with
// [ErrEncoding] unless text is exactly the canonical text of a valid
// observation.
func ParseObservation(text string) (*Observation, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 8 || lines[7] != "" || lines[0] != observationHeader {
		return nil, fail(ErrEncoding, "", "not an escrow observation v1 of 7 lines")
	}
	f := map[string]string{}
	for i, key := range []string{"commitment", "region", "site", "category", "", "date"} {
		k, v, _ := strings.Cut(lines[i+1], " ")
		if key == "" && (k == "uid" || k == "count") {
			key = k
		}
		if k != key {
			return nil, fail(ErrEncoding, "", "observation line %d: want %s", i+2, cmp.Or(key, "uid or count"))
		}
		f[key] = v
	}
	o := &Observation{Region: f["region"], Site: f["site"], Category: Category(f["category"]), UID: f["uid"], Date: f["date"]}
	if err := o.parseValues(f); err != nil {
		return nil, err
	}
	if o.Text() != text {
		return nil, fail(ErrEncoding, "", "observation is not canonical")
	}
	return o, nil
}

// parseValues decodes the commitment hash and count and checks o.
func (o *Observation) parseValues(f map[string]string) error {
	h, err := hex.DecodeString(f["commitment"])
	if err != nil || len(h) != 32 {
		return fail(ErrEncoding, "", "observation commitment: want 64 hex digits")
	}
	copy(o.Commitment[:], h)
	if c, ok := f["count"]; ok {
		if o.Count, err = strconv.ParseUint(c, 10, 64); err != nil || o.Count == 0 {
			return fail(ErrEncoding, "", "observation count %q: want a positive number", c)
		}
	}
	return o.check()
}

func (o *Observation) check() error {
	_, err := parseDate(o.Date)
	switch {
	case err != nil:
		return fail(ErrEncoding, "", "observation: %v", err)
	case !validID(o.Region) || !validSite(o.Site):
		return fail(ErrEncoding, "", "observation: invalid region %q or site %q", o.Region, o.Site)
	case o.Category.code() == 0:
		return fail(ErrEncoding, "", "observation: unknown category %q", o.Category)
	case o.UID != "" && (!validID(o.UID) || o.Count != 0), o.UID == "" && o.Count == 0:
		return fail(ErrEncoding, "", "observation: want a uid or a positive count")
	}
	return nil
}

// SignObservation returns o as a note signed by the inspector's key s.
func SignObservation(o *Observation, s note.Signer) ([]byte, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: o.Text()}, s)
}

// OpenObservation checks that b is an observation note signed by v and
// decodes it. It fails with [ErrSignature] or [ErrEncoding].
func OpenObservation(b []byte, v note.Verifier) (*Observation, error) {
	n, err := note.Open(b, note.VerifierList(v))
	if err != nil {
		return nil, fail(ErrSignature, "", "observation not signed by %s: %v", v.Name(), err)
	}
	return ParseObservation(n.Text)
}

// CheckEvidence checks completeness evidence: an observation note signed
// by the inspector's key v, of a region v's reveals opened, dated on or
// after the commitment. It returns nil when the evidence proves the
// declaration was incomplete when it was made: nothing revealed, nor any
// flow since the commitment up to the observation, accounts for the item
// (docs/escrow.md, "Completeness evidence"). It fails with [ErrAccounted]
// when the observation is accounted for and so proves nothing, and with
// [ErrSignature], [ErrEncoding] or [ErrObservation] when it cannot be used.
func (v *Verified) CheckEvidence(signed []byte, inspector note.Verifier, flows []Flow) error {
	for i := range flows {
		if err := flows[i].check(); err != nil {
			return err
		}
	}
	return v.checkEvidence(signed, inspector, flows)
}

// checkEvidence is CheckEvidence with flows known to be well formed.
func (v *Verified) checkEvidence(signed []byte, inspector note.Verifier, flows []Flow) error {
	o, err := OpenObservation(signed, inspector)
	if err != nil {
		return err
	}
	if err := v.usable(o); err != nil {
		return err
	}
	if o.UID != "" {
		return v.accountUID(o, flows)
	}
	return v.accountCount(o, flows)
}

// usable checks that o is about v's commitment, an opened region, and not
// dated before the commitment.
func (v *Verified) usable(o *Observation) error {
	c := v.Commitment
	switch {
	case o.Commitment != c.Hash():
		return fail(ErrObservation, o.Region, "the observation is about another commitment")
	case o.Date < c.Date:
		return fail(ErrObservation, o.Region, "observed on %s, before the commitment of %s", o.Date, c.Date)
	case v.reveal(o.Region) == nil:
		return fail(ErrObservation, o.Region, "the region is not revealed")
	}
	return nil
}

func (v *Verified) reveal(region string) *Reveal {
	for _, r := range v.Reveals {
		if r.Region == region {
			return r
		}
	}
	return nil
}

// arrivals counts the warheads that flows after the commitment, up to
// date, bring to site: the warhead uid, or if uid is "" any warhead, one
// by UID or a lot's count.
func (v *Verified) arrivals(flows []Flow, uid, site, date string) (n uint64) {
	for _, f := range flows {
		in := f.Kind == Produced && f.Site == site || f.Kind == Transferred && f.To == site
		if in && (uid == "" || f.UID == uid) && f.Date > v.Commitment.Date && f.Date <= date {
			n += f.weight()
		}
	}
	return n
}

// accountUID checks an observation of one warhead by UID.
func (v *Verified) accountUID(o *Observation, flows []Flow) error {
	if region, ok := v.UIDs[o.UID]; ok {
		return fail(ErrAccounted, o.Region, "%s is declared in region %s: the observation proves nothing", o.UID, region)
	}
	if v.arrivals(flows, o.UID, o.Site, o.Date) > 0 {
		return fail(ErrAccounted, o.Region, "%s arrived at %s after the commitment: the observation proves nothing", o.UID, o.Site)
	}
	return nil
}

// accountCount checks an observation of a count of warheads.
func (v *Verified) accountCount(o *Observation, flows []Flow) error {
	var declared uint64
	for _, l := range v.reveal(o.Region).Leaves {
		e := &l.Entry
		switch {
		case e.Site != o.Site:
		case e.UID == "":
			declared += uint64(e.Counts[o.Category])
		case e.Category == o.Category:
			declared++
		}
	}
	arrived := v.arrivals(flows, "", o.Site, o.Date)
	if o.Count <= declared+arrived {
		return fail(ErrAccounted, o.Region, "%d %s at %s: %d declared and %d arrived since account for them; the observation proves nothing",
			o.Count, o.Category, o.Site, declared, arrived)
	}
	return nil
}

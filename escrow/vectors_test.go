package escrow

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

var update = flag.Bool("update", false, "rewrite the test vectors in testdata/escrow")

// vectorDir holds the test vectors, shared with the independent verifier.
const vectorDir = "../testdata/escrow"

// vector is one test vector, as docs/escrow.md ("Test vectors") describes.
type vector struct {
	Description  string       `json:"description"`
	Declaration  *Declaration `json:"declaration,omitempty"`
	Commitment   string       `json:"commitment"`
	Reveals      []string     `json:"reveals"`
	Baseline     *uint64      `json:"baseline,omitempty"`
	Flows        []Flow       `json:"flows,omitempty"`
	InspectorKey string       `json:"inspector_key,omitempty"`
	Observation  string       `json:"observation,omitempty"`
	Verdict      string       `json:"verdict"` // verified, incomplete or failed
	Check        string       `json:"check,omitempty"`
}

// runVector verifies v as docs/escrow.md says and returns its verdict and
// the failed check.
func runVector(v *vector) (string, string) {
	err := verifyVector(v)
	var ce *CheckError
	switch {
	case err == nil && v.Observation != "":
		return "incomplete", ""
	case err == nil:
		return "verified", ""
	case errors.As(err, &ce):
		return "failed", ce.Check
	}
	return "failed", "error: " + err.Error()
}

func verifyVector(v *vector) error {
	c, err := ParseCommitment(unhex(v.Commitment))
	if err != nil {
		return err
	}
	var rs []*Reveal
	for _, h := range v.Reveals {
		r, err := ParseReveal(unhex(h))
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	ver, err := Verify(c, rs...)
	if err != nil {
		return err
	}
	if v.Baseline != nil {
		if err := ver.CheckFreeze(*v.Baseline); err != nil {
			return err
		}
	}
	if err := ver.CheckFlows(v.Flows); err != nil || v.Observation == "" {
		return err
	}
	key, err := note.NewVerifier(v.InspectorKey)
	if err != nil {
		return err
	}
	return ver.CheckEvidence([]byte(v.Observation), key, v.Flows)
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		return []byte("not hex")
	}
	return b
}

func TestVectors(t *testing.T) {
	cases := vectorCases(t)
	if *update {
		writeVectors(t, cases)
	}
	files, _ := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if len(files) != len(cases) {
		t.Errorf("%d vector files, %d cases: run go test ./escrow -run TestVectors -update", len(files), len(cases))
	}
	negative := 0
	for name, v := range cases {
		got, err := os.ReadFile(filepath.Join(vectorDir, name+".json"))
		if err != nil || !bytes.Equal(got, encodeVector(t, v)) {
			t.Errorf("%s: vector file differs from its case (%v): run with -update", name, err)
			continue
		}
		verdict, check := runVector(v)
		if verdict != v.Verdict || check != v.Check {
			t.Errorf("%s: %s %s, want %s %s", name, verdict, check, v.Verdict, v.Check)
		}
		if v.Verdict == "failed" {
			negative++
		}
	}
	if negative < 20 {
		t.Errorf("%d negative vectors, want at least 20", negative)
	}
}

func encodeVector(t *testing.T, v *vector) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func writeVectors(t *testing.T, cases map[string]*vector) {
	old, _ := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	for _, f := range old {
		os.Remove(f)
	}
	os.MkdirAll(vectorDir, 0o755)
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		if err := os.WriteFile(filepath.Join(vectorDir, name+".json"), encodeVector(t, cases[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// builder makes vectors from one commitment.
type builder struct {
	t testing.TB
	d *Declaration
	c *Commitment
	o *Opening
}

func newBuilder(t testing.TB, d *Declaration, ch cheat) *builder {
	c, o, err := commit(testSecret(d.Party), d, ch)
	if err != nil {
		t.Fatal(err)
	}
	return &builder{t: t, d: d, c: c, o: o}
}

// reveal returns a fresh reveal of region.
func (b *builder) reveal(region string) *Reveal {
	r, err := b.o.Reveal(region)
	if err != nil {
		b.t.Fatal(err)
	}
	return r
}

// vector returns a vector of b's commitment with reveals.
func (b *builder) vector(desc, check string, reveals ...*Reveal) *vector {
	v := &vector{Description: desc, Declaration: b.d, Commitment: hex.EncodeToString(b.c.Marshal()), Reveals: []string{}}
	for _, r := range reveals {
		v.Reveals = append(v.Reveals, hex.EncodeToString(r.Marshal()))
	}
	v.Verdict, v.Check = "failed", check
	if check == "" {
		v.Verdict = "verified"
	}
	return v
}

// observe adds an observation signed by the inspector (or by signer).
func (b *builder) observe(v *vector, o Observation, signer string) *vector {
	o.Commitment = b.c.Hash()
	s, _ := testKey(b.t, signer)
	signed, err := SignObservation(&o, s)
	if err != nil {
		b.t.Fatal(err)
	}
	v.InspectorKey, v.Observation = testVKey(b.t, "inspector-RUS"), string(signed)
	if v.Verdict == "verified" {
		v.Verdict = "incomplete"
	}
	return v
}

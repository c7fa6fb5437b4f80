package indep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorFile is a test vector as docs/escrow.md, "Test vectors", lists it.
type vectorFile struct {
	Declaration *struct {
		Party string `json:"party"`
		Date  string `json:"date"`
	} `json:"declaration"`
	Commitment   string   `json:"commitment"`
	Reveals      []string `json:"reveals"`
	Baseline     *uint64  `json:"baseline"`
	Flows        []Flow   `json:"flows"`
	InspectorKey string   `json:"inspector_key"`
	Observation  string   `json:"observation"`
	Verdict      string   `json:"verdict"`
	Check        string   `json:"check"`
}

func (f *Flow) UnmarshalJSON(b []byte) error {
	var j struct {
		Kind, Date, UID, Site, To string
		Category                  string `json:"category"`
		ToCategory                string `json:"to_category"`
		Count                     uint64 `json:"count"`
	}
	err := json.Unmarshal(b, &j)
	*f = Flow(j)
	return err
}

func loadVectors(t *testing.T) map[string]*vectorFile {
	files, err := filepath.Glob("../../../testdata/escrow/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	out := map[string]*vectorFile{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v := &vectorFile{}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = v
	}
	return out
}

func input(t *testing.T, v *vectorFile) *Input {
	in := &Input{Baseline: v.Baseline, Flows: v.Flows, InspectorKey: v.InspectorKey}
	var err error
	if in.Commitment, err = hex.DecodeString(v.Commitment); err != nil {
		t.Fatal(err)
	}
	for _, r := range v.Reveals {
		b, err := hex.DecodeString(r)
		if err != nil {
			t.Fatal(err)
		}
		in.Reveals = append(in.Reveals, b)
	}
	if v.Observation != "" {
		in.Observation = []byte(v.Observation)
	}
	return in
}

// TestVectors: the independent verifier reaches every vector's verdict.
func TestVectors(t *testing.T) {
	vs := loadVectors(t)
	failed := 0
	for name, v := range vs {
		got := Verify(input(t, v))
		want := v.Check
		if v.Verdict != "failed" {
			want = ""
		} else {
			failed++
		}
		if got != want {
			t.Errorf("%s: check %q failed, want %q (%s)", name, got, want, v.Verdict)
		}
	}
	if failed < 20 {
		t.Errorf("%d failing vectors, want at least 20", failed)
	}
}

// TestKeys: the salts and blinding factor of a vector's reveal are the
// ones docs/escrow.md derives from the test secret.
func TestKeys(t *testing.T) {
	v := loadVectors(t)["ok-full-cycle"]
	secret := sha256.Sum256([]byte("escrow test secret " + v.Declaration.Party))
	in := input(t, v)
	for _, b := range in.Reveals {
		r := parseReveal(b)
		for i, l := range r.leaves {
			salt, blind := Derive(secret[:], v.Declaration.Party, v.Declaration.Date, r.region, uint32(i))
			if !bytes.Equal(salt, l.salt) || !bytes.Equal(blind, r.blind.Encode(nil)) {
				t.Fatalf("region %s leaf %d: salt or blind is not the derived one", r.region, i)
			}
		}
	}
}

// TestByteFlip: any single byte changed in a reveal or the commitment of
// a verified vector fails.
func TestByteFlip(t *testing.T) {
	in := input(t, loadVectors(t)["ok-full-cycle"])
	if Verify(in) != "" {
		t.Fatal("ok-full-cycle does not verify")
	}
	flip := func(b []byte, i int) {
		b[i] ^= 0x01
		if Verify(in) == "" {
			t.Fatalf("byte %d flipped verifies", i)
		}
		b[i] ^= 0x01
	}
	for _, r := range in.Reveals {
		for i := range r {
			flip(r, i)
		}
	}
	for i := range in.Commitment {
		flip(in.Commitment, i)
	}
}

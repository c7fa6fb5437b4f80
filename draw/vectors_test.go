package draw

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/draw/vectors.json")

const vectorFile = "../testdata/draw/vectors.json"

// vector is one known-answer vector of docs/draws.md ("Test vectors"):
// two shares, the value hashes each commitment carries, the seed, the
// first words of its stream, and the picks, one uniform integer and one
// weighted index drawn from it, each from a fresh stream.
type vector struct {
	Description string        `json:"description"`
	Draw        string        `json:"draw"`
	Shares      []vectorShare `json:"shares"`
	Seed        string        `json:"seed"`
	Words       []string      `json:"words"` // the stream's first 5 words, hex
	Of          uint64        `json:"of"`
	Pick        uint64        `json:"pick"`
	Picks       []uint64      `json:"picks"`
	Uniform     uint64        `json:"uniform"` // Uniform(of)
	Weights     []uint64      `json:"weights"`
	Weighted    int           `json:"weighted"`
}

type vectorShare struct {
	Origin    string `json:"origin"`
	Index     uint64 `json:"index"`
	Value     string `json:"value"`
	ValueHash string `json:"value_hash"`
}

// compute fills in everything the vector's inputs determine.
func (v *vector) compute(t *testing.T) {
	var sh [2]Share
	for i := range v.Shares {
		s := &v.Shares[i]
		b, err := hex.DecodeString(s.Value)
		if err != nil || len(b) != ValueSize {
			t.Fatalf("%s: value %q", v.Description, s.Value)
		}
		sh[i] = Share{Origin: s.Origin, Index: s.Index, Value: [ValueSize]byte(b)}
		h := HashValue(s.Origin, v.Draw, &sh[i].Value)
		s.ValueHash = hex.EncodeToString(h[:])
	}
	seed, err := Seed(v.Draw, sh[0], sh[1])
	if err != nil {
		t.Fatal(err)
	}
	v.Seed = hex.EncodeToString(seed[:])
	st := NewStream(seed)
	v.Words = nil
	for range 5 {
		v.Words = append(v.Words, hex.EncodeToString(bigEndian(st.Word())))
	}
	if v.Picks, err = NewStream(seed).Sample(v.Pick, v.Of); err != nil {
		t.Fatal(err)
	}
	v.Uniform = NewStream(seed).Uniform(v.Of)
	if v.Weighted, err = NewStream(seed).Weighted(v.Weights); err != nil {
		t.Fatal(err)
	}
}

func bigEndian(w uint64) []byte {
	return []byte{byte(w >> 56), byte(w >> 48), byte(w >> 40), byte(w >> 32), byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w)}
}

// TestVectors recomputes every vector of testdata/draw/vectors.json and
// compares it byte for byte; -update rewrites the file.
func TestVectors(t *testing.T) {
	old, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(old, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 4 {
		t.Fatalf("%d vectors", len(vs))
	}
	for i := range vs {
		vs[i].compute(t)
	}
	got, _ := json.MarshalIndent(vs, "", "  ")
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(vectorFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, old) {
		t.Fatalf("%s does not match the draws computed (run go test ./draw -run TestVectors -update and review the diff)", vectorFile)
	}
}

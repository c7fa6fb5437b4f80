package node

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/internal/witness"
)

// loadConfigBytes writes b to the configuration file in dir and loads it.
func loadConfigBytes(t testing.TB, dir string, b []byte) (*Config, error) {
	path := filepath.Join(dir, ConfigFile)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return LoadConfig(path)
}

// peerKeys returns fixed log and witness verifier keys of party's node in
// newstart.
func peerKeys(tb testing.TB, party string) (logVKey, witnessVKey string) {
	seed := sha256.Sum256([]byte("config fuzz " + party))
	_, vkey, err := note.GenerateKey(bytes.NewReader(append(seed[:], seed[:]...)), entry.Origin("newstart", party))
	if err != nil {
		tb.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	return vkey, witness.VerifierKey(WitnessName("newstart", party), pub)
}

// sameConfig reports whether a and b configure the same node: a nil list
// and an empty one are the same.
func sameConfig(a, b *Config) bool {
	x, y := *a, *b
	for _, c := range []*Config{&x, &y} {
		if len(c.Peers) == 0 {
			c.Peers = nil
		}
		if len(c.Witness.Extra) == 0 {
			c.Witness.Extra = nil
		}
	}
	return reflect.DeepEqual(x, y)
}

// FuzzLoadConfig checks that LoadConfig never panics, and that a
// configuration it accepts is written by Marshal as a file that loads to
// the same configuration, which Marshal then writes identically.
func FuzzLoadConfig(f *testing.F) {
	initial := &Config{Treaty: "newstart", Party: "USA"}
	initial.defaults()
	f.Add(initial.Marshal())

	logVKey, witnessVKey := peerKeys(f, "RUS")
	_, extraVKey := peerKeys(f, "USA")
	full := *initial
	full.Listen = "127.0.0.1:7381"
	full.Log = LogConfig{CheckpointInterval: 250 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond}
	full.Peers = []Peer{{Party: "RUS", URL: "https://rus.example:7380/", LogVKey: logVKey, WitnessVKey: witnessVKey, TokenFile: "peers/RUS.token"}}
	full.Witness = WitnessConfig{Policy: "1", Timeout: 1500 * time.Millisecond,
		Extra: []ExtraWitness{{VKey: extraVKey, URL: "https://witness.example/w"}}}
	full.Sync = SyncConfig{Interval: 20 * time.Millisecond, Timeout: 2 * time.Second, MaxBackoff: 90 * time.Second}
	full.TLSCert, full.TLSKey, full.TLSCA = "tls/cert.pem", "/etc/accord/key.pem", "tls/ca.pem"
	// One directory serves every input of a fuzz process, which runs them
	// one at a time: a directory per input would cost more than the
	// parsing.
	dir := f.TempDir()
	if c, err := loadConfigBytes(f, dir, full.Marshal()); err != nil || !sameConfig(c, &full) {
		f.Fatalf("a configuration with every field set does not load back: %v", err)
	}
	f.Add(full.Marshal())

	for _, b := range []string{
		"treaty: newstart\nparty: RUS\n",
		"{treaty: newstart, party: USA, listen: 'localhost:0', peers: [], witness: {policy: none}}\n",
		`{"treaty":"newstart","party":"USA","sync":{"interval":"1s","timeout":"10s","max_backoff":"1h"}}`,
		"treaty: newstart\nparty: USA\nlog:\n  checkpoint_interval: 1m\n  batch_max_age: 1s\n",
		"treaty: newstart\nparty: USA\nwitness:\n  policy: any\n  timeout: 100ms\n",
		"treaty: newstart\nparty: USA\ntypo: 1\n",
		"treaty: newstart\nparty: USA\nsync:\n  interval: 5 s\n",
		"treaty: newstart\nparty: USA\nlisten: nohost\n",
		"treaty: newstart\nparty: USA\npeers:\n  - party: USA\n",
		"treaty: &t newstart\nparty: USA\nlisten: *t\n",
		"treaty: newstart\nparty: USA\n---\ntreaty: other\n",
	} {
		f.Add([]byte(b))
	}
	// The file Marshal writes, without its comments, keeps inputs short.
	var compact strings.Builder
	for _, l := range strings.SplitAfter(string(full.Marshal()), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			compact.WriteString(l)
		}
	}
	f.Add([]byte(compact.String()))
	f.Add([]byte(strings.Replace(compact.String(), "policy: 1", "policy: \"2\"", 1)))
	f.Add([]byte(strings.Replace(compact.String(), "policy: 1", "policy: \"+1\"", 1)))
	f.Add([]byte(strings.ReplaceAll(compact.String(), "\n", "\r\n")))
	f.Add([]byte(strings.Replace(compact.String(), "listen: 127.0.0.1:7381", `listen: "[::1]:7381"`, 1)))

	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := loadConfigBytes(t, dir, b)
		if err != nil {
			return
		}
		m := c.Marshal()
		c2, err := loadConfigBytes(t, dir, m)
		if err != nil {
			t.Fatalf("accepted config written by Marshal does not load: %v\ninput: %q", err, b)
		}
		if !sameConfig(c, c2) {
			t.Fatalf("config changed in Marshal and LoadConfig:\n%+v\n%+v\ninput: %q", *c, *c2, b)
		}
		if m2 := c2.Marshal(); !bytes.Equal(m, m2) {
			t.Fatalf("Marshal is not stable:\n%s\n%s", m, m2)
		}
	})
}

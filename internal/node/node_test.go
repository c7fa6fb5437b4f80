package node

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInitRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := Init(t.Context(), filepath.Join(dir, "n"), "newstart", "USA"); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(t.Context(), filepath.Join(dir, "n"), "newstart", "USA"); !errors.Is(err, ErrExists) {
		t.Fatalf("second Init = %v, want ErrExists", err)
	}
	for _, c := range [][2]string{{"nosuch", "USA"}, {"newstart", "FRA"}} {
		if _, err := Init(t.Context(), filepath.Join(dir, c[0]+c[1]), c[0], c[1]); err == nil {
			t.Errorf("Init(%s, %s) succeeded", c[0], c[1])
		}
		if _, err := os.Stat(filepath.Join(dir, c[0]+c[1])); err == nil {
			t.Errorf("Init(%s, %s) left a directory", c[0], c[1])
		}
	}
}

func TestKeyMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	if _, err := Init(t.Context(), dir, "newstart", "USA"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v, %v", fi.Mode(), err)
	}
	os.Chmod(filepath.Join(dir, KeyFile), 0o644)
	if _, err := Open(t.Context(), dir, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Open with a readable key = %v", err)
	}
	probs, _ := Fsck(t.Context(), dir, nil)
	if len(probs) == 0 {
		t.Fatal("fsck found no problem with a readable key")
	}
}

func TestConfigValidate(t *testing.T) {
	c := Config{Treaty: "nosuch", Party: "USA", Listen: "nohost", Log: LogConfig{CheckpointInterval: time.Millisecond, BatchMaxAge: time.Hour}}
	err := c.Validate()
	for _, want := range []string{"treaty:", "listen:", "log.checkpoint_interval:", "log.batch_max_age:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want a problem with %s", err, want)
		}
	}
}

// TestConfigDocumented checks that the file init writes documents every
// field of Config and loads back to the same values.
func TestConfigDocumented(t *testing.T) {
	c := &Config{Treaty: "newstart", Party: "USA"}
	c.defaults()
	b := c.Marshal()
	for _, key := range []string{"treaty", "party", "listen", "log", "checkpoint_interval", "batch_max_age"} {
		if !strings.Contains(string(b), "# "+key) && key != "log" {
			t.Errorf("%s is not documented in the config file", key)
		}
	}
	path := filepath.Join(t.TempDir(), ConfigFile)
	os.WriteFile(path, b, 0o644)
	got, err := LoadConfig(path)
	if err != nil || !bytes.Equal(got.Marshal(), b) {
		t.Fatalf("LoadConfig = %+v, %v; want %+v", got, err, c)
	}
	os.WriteFile(path, append(b, "typo: 1\n"...), 0o644)
	if _, err := LoadConfig(path); err == nil {
		t.Fatal("LoadConfig accepted an unknown field")
	}
}

package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// names returns the names in dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

func checkFile(t *testing.T, path, want string, mode fs.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", filepath.Base(path), b, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != mode {
		t.Errorf("%s has mode %v, want %v", filepath.Base(path), fi.Mode(), mode)
	}
}

// withUmask runs the test under umask 027, so that the expected modes do
// not depend on the caller's.
func withUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	t.Cleanup(func() { syscall.Umask(old) })
}

// TestWriteFileMode checks that a written file has the mode given, less
// the umask, and that a replaced file takes the new mode.
func TestWriteFileMode(t *testing.T) {
	withUmask(t)
	dir := t.TempDir()
	secret, public := filepath.Join(dir, "secret"), filepath.Join(dir, "public")
	for _, c := range []struct {
		path string
		perm fs.FileMode
		want fs.FileMode
	}{
		{secret, 0o600, 0o600},
		{public, 0o644, 0o640},
		{public, 0o600, 0o600}, // replaced: the new mode, not the old
	} {
		if err := WriteFile(c.path, []byte("x"), c.perm); err != nil {
			t.Fatal(err)
		}
		checkFile(t, c.path, "x", c.want)
	}
}

// TestWriteFileReplace checks that WriteFile replaces a file's content
// whole, shorter or longer, and leaves no temporary file behind.
func TestWriteFileReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, s := range []string{"a long first content", "short", "", "longer than before"} {
		if err := WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		checkFile(t, path, s, 0o600)
		if got := names(t, dir); !slices.Equal(got, []string{"state.json"}) {
			t.Fatalf("directory holds %v", got)
		}
	}
}

// TestWriteFileError checks that a failed write leaves the old file as it
// was and no temporary file, whether the failure comes while writing the
// temporary file (a failing sync) or when renaming it.
func TestWriteFileError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	if err := WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	errSync := errors.New("sync failed")
	syncFile = func(*os.File) error { return errSync }
	err := WriteFile(path, []byte("new"), 0o600)
	syncFile = (*os.File).Sync
	if !errors.Is(err, errSync) {
		t.Fatalf("WriteFile with a failing sync: %v", err)
	}
	checkFile(t, path, "old", 0o600)
	sub := filepath.Join(dir, "sub")
	if err := os.MkdirAll(filepath.Join(sub, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(sub, []byte("new"), 0o600); err == nil {
		t.Fatal("WriteFile over a directory succeeded")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"key", "sub"}) {
		t.Fatalf("directory holds %v", got)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o600); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("WriteFile in a missing directory: %v", err)
	}
}

// TestWriteNewFile checks that WriteNewFile creates a file, refuses one
// that exists with fs.ErrExist and changes nothing, and leaves no
// temporary file either way.
func TestWriteNewFile(t *testing.T) {
	withUmask(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "evidence.json")
	if err := WriteNewFile(path, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "first", 0o640)
	err := WriteNewFile(path, []byte("second"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteNewFile over an existing file: %v", err)
	}
	checkFile(t, path, "first", 0o640)
	syncFile = func(*os.File) error { return errors.New("sync failed") }
	err = WriteNewFile(filepath.Join(dir, "other.json"), []byte("x"), 0o600)
	syncFile = (*os.File).Sync
	if err == nil {
		t.Fatal("WriteNewFile with a failing sync succeeded")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"evidence.json"}) {
		t.Fatalf("directory holds %v", got)
	}
}

// TestMkdirAll checks that MkdirAll creates missing parents, accepts an
// existing directory and refuses a file in the way.
func TestMkdirAll(t *testing.T) {
	withUmask(t)
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	for range 2 {
		if err := MkdirAll(deep+"/", 0o755); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(deep)
		if err != nil || fi.Mode() != fs.ModeDir|0o750 {
			t.Fatalf("after MkdirAll: %v, %v", fi.Mode(), err)
		}
	}
	if err := WriteFile(filepath.Join(dir, "a", "f"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(filepath.Join(dir, "a", "f", "g"), 0o755); !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("MkdirAll under a file: %v", err)
	}
}

// Package durable writes the files of a node that must survive a crash:
// keys, configuration, tokens, the trust store, the witness's cosigned
// checkpoints, the copies of peers' logs and evidence. The log itself is
// written by Tessera and the treaty database by SQLite, each with its own
// guarantee.
//
// The guarantee, whether the process is killed at any instant or the
// machine loses power (on a file system and disk that honour fsync):
//
//   - once [WriteFile] returns nil, the file holds the new content, and
//     still does after a crash; if the crash comes before it returns, the
//     file holds either its old content (or is absent, if it was) or the
//     new content, in full: never a mix, never a truncated or empty file;
//   - once [WriteNewFile] returns nil, the new file exists with its content;
//     before, it is either absent or complete;
//   - once [MkdirAll] returns nil, the directories it created exist.
//
// How: the content goes to a temporary file in the same directory, which
// is written, synced and closed, then renamed over the file (or, for
// WriteNewFile, linked to its name), and the directory is synced so that
// the new name is on disk too. A crash may leave a temporary file named
// ".tmp-" and a number beside the file; no reader of a node's files looks
// at such names, and they may be removed.
//
// Modes are those given, less the process's umask, as with [os.WriteFile]:
// 0600 for secrets and treaty data. Writes to different files are
// independent; concurrent writes to one file leave one of them in full.
package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
)

// syncFile syncs a file's content to disk; tests replace it to inject a
// failure.
var syncFile = (*os.File).Sync

// WriteFile replaces the file at path with data, with mode perm, atomically
// and durably. The directory must exist. On error the file is unchanged
// and no temporary file is left.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// WriteNewFile creates the file at path holding data, with mode perm,
// atomically and durably. If path exists it returns an error for which
// errors.Is(err, fs.ErrExist) holds and changes nothing. The directory
// must exist, on a file system that supports hard links.
func WriteNewFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	err = os.Link(tmp, path)
	os.Remove(tmp)
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// writeTemp writes data to a new temporary file beside path and syncs it.
// It returns the temporary file's name, or an error having removed it.
func writeTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	f, err := createTemp(filepath.Dir(path), perm)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = syncFile(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// createTemp creates a new file named ".tmp-" and a random number in dir,
// with mode perm less the umask.
func createTemp(dir string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf(".tmp-%d", rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, ".tmp-*"), Err: fs.ErrExist}
}

// MkdirAll creates dir and any missing parents, like [os.MkdirAll], and
// syncs the parent of each directory it creates, so that it is still there
// after a crash.
func MkdirAll(dir string, perm fs.FileMode) error {
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

// syncDir syncs the directory dir, so that the names it holds are on disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

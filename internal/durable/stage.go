package durable

import (
	"os"
	"path/filepath"
)

// Stage replaces the file at path with data, like [WriteFile], but leaves
// syncing its directory to a later [SyncDirs]: the file's content is on
// disk when Stage returns, but after a crash before SyncDirs the file may
// hold its old content (or be absent). Never a mix. A writer of many
// files in few directories stages them all, syncs the directories once,
// and only then records what they hold.
func Stage(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// SyncDirs syncs each directory, so that the names of the files staged in
// it are on disk.
func SyncDirs(dirs ...string) error {
	for _, d := range dirs {
		if err := syncDir(filepath.Clean(d)); err != nil {
			return err
		}
	}
	return nil
}

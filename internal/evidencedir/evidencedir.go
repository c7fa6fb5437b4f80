// Package evidencedir keeps evidence files (package evidence) in a
// directory: a node's DIR/evidence, or a trust store's evidence/. Files
// are written durably and never overwritten, so evidence once found
// survives a crash and is never replaced by a later file of the same
// name.
package evidencedir

import (
	"accord/evidence"
	"accord/internal/durable"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Write stores e in dir as <escaped origin>-<older size>-<newer size>.json
// unless a file of that name exists, and returns its path. The file is
// written durably (package durable): once Write returns it is on disk,
// and a crash never leaves a partial file.
func Write(dir string, e *evidence.Evidence) (string, error) {
	a, b := sizeOf(e.Older), sizeOf(e.Newer)
	name := fmt.Sprintf("%s-%s-%s.json", url.PathEscape(strings.ReplaceAll(e.Origin, "/", "_")), a, b)
	path := filepath.Join(dir, name)
	if err := durable.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	err := durable.WriteNewFile(path, e.Marshal(), 0o644)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return path, nil
}

func sizeOf(cp string) string {
	lines := strings.SplitN(cp, "\n", 3)
	if len(lines) < 2 {
		return "x"
	}
	return lines[1]
}

// Finding is one evidence file in a node's evidence directory, as status
// lists it.
type Finding struct {
	File        string    `json:"file"`
	Origin      string    `json:"origin"`
	Explanation string    `json:"explanation"`
	DetectedAt  time.Time `json:"detected_at"`
}

// List returns the findings of the evidence files in dir, oldest first.
// Files that do not parse are skipped.
func List(dir string) ([]Finding, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			continue
		}
		e, err := evidence.Parse(b)
		if err != nil {
			continue
		}
		fs = append(fs, Finding{File: de.Name(), Origin: e.Origin, Explanation: e.Explanation, DetectedAt: e.DetectedAt})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].DetectedAt.Before(fs[j].DetectedAt) })
	return fs, nil
}

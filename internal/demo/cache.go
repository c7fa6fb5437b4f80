package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"accord/internal/node"
)

// cacheFormat names the layout of a cached world; changing what Build
// writes without changing the accord binary (never, since the key hashes
// the binary) or changing this layout needs a new value.
const cacheFormat = "accord-demo-cache-1"

// A built world is kept in Options.Cache, one directory per scenario,
// seed and accord binary (cacheKey), holding the parties' data
// directories as Build left them, before any node ran. A later Build of
// the same world copies them instead of recording the logs again, then
// gives each node new addresses and an operator token of its own; the
// nodes' keys and the logs' entries are those of the first build. Only
// the latest build of a scenario and seed is kept.
//
// The cache is trusted as the data directories are: an attacker who can
// write it can change what the demo's nodes hold, as one who can write
// the directories can.

// cacheKey names the cached world of opts: its scenario, its seed and a
// hash of exe, the binary that builds it, so that a world built by
// another version of accord is never reused.
func cacheKey(opts Options, exe string) (string, error) {
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", cacheFormat)
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d-%s", opts.Scenario, opts.Seed, hex.EncodeToString(h.Sum(nil))[:24]), nil
}

// cached returns the directory of opts's world in the cache, and whether
// it is there; "" if there is no cache.
func (d *Demo) cached() (string, bool, error) {
	if d.opts.Cache == "" {
		return "", false, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", false, err
	}
	key, err := cacheKey(d.opts, exe)
	if err != nil {
		return "", false, err
	}
	dir := filepath.Join(d.opts.Cache, key)
	_, err = os.Stat(dir)
	if err != nil && !os.IsNotExist(err) {
		return "", false, err
	}
	return dir, err == nil, nil
}

// copyCached copies the parties' directories of the cached world in
// cache into dir.
func copyCached(cache, dir string) error {
	des, err := os.ReadDir(cache)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, de := range des {
		if err := copyTree(filepath.Join(cache, de.Name()), filepath.Join(dir, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

// removeParties removes what a failed copy left of the parties'
// directories.
func (d *Demo) removeParties() error {
	for _, id := range d.World.Parties {
		if err := os.RemoveAll(filepath.Join(d.Dir, strings.ToLower(id))); err != nil {
			return err
		}
	}
	return nil
}

// restore configures the nodes of a world copied from the cache: new
// addresses, operator tokens, and what accord.yaml says of today.
func (d *Demo) restore(ctx context.Context, cache string) error {
	stage := "configuring the nodes of the world built before (" + cache + ")"
	d.progress(stage, 0, 1)
	for _, id := range d.World.Parties {
		p := &Party{ID: id, Dir: filepath.Join(d.Dir, strings.ToLower(id))}
		if _, err := os.Stat(filepath.Join(p.Dir, node.ConfigFile)); err != nil {
			return fmt.Errorf("the cached world %s: %w", cache, err)
		}
		d.Nodes = append(d.Nodes, p)
	}
	if err := d.assignAddrs(); err != nil {
		return err
	}
	if err := d.configure(ctx); err != nil {
		return err
	}
	d.progress(stage, 1, 1)
	return nil
}

// store copies the nodes' directories, as Build left them, into the cache
// at dir, and removes the cached builds of the same scenario and seed by
// other binaries. The copy is made beside dir and renamed, so that a
// failed or concurrent store leaves no partial world under dir's name.
func (d *Demo) store(dir string) error {
	if err := os.MkdirAll(d.opts.Cache, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(d.opts.Cache, ".new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, p := range d.Nodes {
		if err := copyTree(p.Dir, filepath.Join(tmp, filepath.Base(p.Dir))); err != nil {
			return err
		}
	}
	if err := d.evict(filepath.Base(dir)); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

// evict removes the cached builds of the scenario and seed of key but
// for other binaries.
func (d *Demo) evict(key string) error {
	prefix := fmt.Sprintf("%s-%d-", d.opts.Scenario, d.opts.Seed)
	des, err := os.ReadDir(d.opts.Cache)
	if err != nil {
		return err
	}
	for _, de := range des {
		if n := de.Name(); strings.HasPrefix(n, prefix) && n != key {
			if err := os.RemoveAll(filepath.Join(d.opts.Cache, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyTree copies the directory src to dst, which must not exist: its
// directories, and its regular files with their permissions.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := de.Info()
		if err != nil {
			return err
		}
		switch {
		case de.IsDir():
			return os.Mkdir(to, info.Mode().Perm()|0o700)
		case info.Mode().IsRegular():
			return copyFile(path, to, info.Mode().Perm())
		default:
			return fmt.Errorf("%s: not a regular file or directory", path)
		}
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the lock a process holds on a data directory while it
// serves the node or rebuilds its treaty database.
const LockFile = "node.lock"

// ErrBusy reports a data directory another process holds: a second
// accord serve, or accord reindex while the node serves, would write
// files under the other process's feet.
var ErrBusy = errors.New("the data directory is in use")

// A Lock is an exclusive hold on a data directory, released by Close or
// by the process's exit (it is a flock on DIR/node.lock).
type Lock struct{ f *os.File }

// Lock takes the data directory for what, e.g. "accord serve", or fails
// at once with ErrBusy naming the holder's process id and what it does.
func (n *Node) Lock(what string) (*Lock, error) {
	path := filepath.Join(n.Dir, LockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s holds %s", ErrBusy, describeHolder(holder), n.Dir)
		}
		return nil, fmt.Errorf("locking %s: %w", LockFile, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+" "+what+"\n"), 0)
	return &Lock{f}, nil
}

// describeHolder turns the lock file's "<pid> <what>" into words.
func describeHolder(b []byte) string {
	pid, what, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok {
		return "another process"
	}
	return fmt.Sprintf("%s (process %s)", what, pid)
}

// Close releases the lock.
func (l *Lock) Close() error { return l.f.Close() }

package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"accord/internal/ledger"
)

// Problem is one thing wrong with a data directory, with a hint at what to
// do about it.
type Problem struct {
	File string `json:"file"` // the file at fault, relative to the data directory
	Err  string `json:"error"`
	Hint string `json:"hint,omitempty"`
}

func (p Problem) String() string {
	s := p.File + ": " + p.Err
	if p.Hint != "" {
		s += " (" + p.Hint + ")"
	}
	return s
}

// Fsck checks the data directory dir offline and returns every problem it
// finds: the configuration, the keys and their file modes, the log
// (checkpoint signature, every entry, every tile, the root), each peer's
// log copied in DIR/peers (the same, up to its checkpoint) and, if ts is
// not nil, that the log extends the checkpoint ts holds for it. It
// changes nothing. The returned Verified is nil if the log could not be
// checked.
func Fsck(ctx context.Context, dir string, ts *ledger.TrustStore) ([]Problem, *ledger.Verified) {
	var probs []Problem
	add := func(file string, err error, hint string) {
		probs = append(probs, Problem{File: file, Err: err.Error(), Hint: hint})
	}
	cfg, err := LoadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			add(ConfigFile, errors.New(line), "fix the file; docs/log.md documents every field")
		}
		return probs, nil
	}
	n := &Node{Dir: dir, Config: cfg}
	probs = append(probs, CheckAccess(dir)...)
	if err := checkKeyMode(filepath.Join(dir, KeyFile)); err != nil {
		add(KeyFile, err, "the key may have leaked: consider a new node")
	}
	if err := checkKeyMode(filepath.Join(dir, WitnessKeyFile)); err != nil {
		add(WitnessKeyFile, err, "the witness key may have leaked: make a new one and give the peers its vkey")
	}
	if err := n.loadKeys(); err != nil {
		add(VKeyFile+", "+KeyFile+", "+WitnessVKeyFile+", "+WitnessKeyFile, err, "restore the keys from a backup")
		return probs, nil
	}
	res, err := ledger.Verify(ctx, n.Source(), n.Verifier, nil)
	if err != nil {
		add(LogDir, err, "the log is damaged: restore it from a backup or a peer's copy")
		return probs, nil
	}
	if ts != nil {
		if _, _, err := ts.Check(n.Verifier, res); err != nil {
			add(LogDir, err, fmt.Sprintf("this machine saw another history of the log; keep %s as evidence", ts.Dir))
		}
	}
	return append(probs, n.checkPeers(ctx)...), res
}

// CheckAccess returns a problem for the data directory, and for each
// file in it that grants access, if others than its owner can read or
// write it: the directory holds treaty data that needs a credential over
// HTTP, and whoever can write DIR/tokens can grant access. accord serve
// refuses to start on any of them; accord fsck lists them.
func CheckAccess(dir string) []Problem {
	var probs []Problem
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		probs = append(probs, Problem{File: ".", Err: fmt.Sprintf("the data directory's mode %v lets others read or enter it", fi.Mode().Perm()),
			Hint: fmt.Sprintf("chmod 700 %s", dir)})
	}
	for _, f := range []string{TokensFile, ConfigFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err == nil && fi.Mode().Perm()&0o022 != 0 {
			probs = append(probs, Problem{File: f, Err: fmt.Sprintf("mode %v lets others write it", fi.Mode().Perm()),
				Hint: fmt.Sprintf("chmod 600 %s", filepath.Join(dir, f))})
		}
	}
	return probs
}

package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/internal/durable"
	"accord/internal/witness"
)

// Init creates a node for party in the built-in treaty in dir, which must
// not exist or be empty: a new log key, its verifier key, a documented
// configuration and an empty log with a signed checkpoint. It refuses to
// touch an existing node. On failure it removes what it created.
func Init(ctx context.Context, dir, treatyID, party string) (n *Node, err error) {
	cfg := &Config{Treaty: treatyID, Party: party}
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := makeEmptyDir(dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if err := writeFiles(dir, cfg); err != nil {
		return nil, err
	}
	if n, err = Open(ctx, dir, nil); err != nil {
		return nil, err
	}
	l, err := n.OpenLog(ctx) // creates the empty log and its checkpoint
	if err != nil {
		return nil, err
	}
	return n, l.Close(ctx)
}

// makeEmptyDir creates dir, or accepts it if it exists and is empty.
func makeEmptyDir(dir string) error {
	des, err := os.ReadDir(dir)
	switch {
	case notExist(err):
		return durable.MkdirAll(dir, 0o700)
	case err != nil:
		return err
	case Exists(dir):
		return fmt.Errorf("%w in %s", ErrExists, dir)
	case len(des) > 0:
		return fmt.Errorf("%s is not empty", dir)
	}
	return os.Chmod(dir, 0o700)
}

func writeFiles(dir string, cfg *Config) error {
	skey, vkey, err := note.GenerateKey(rand.Reader, entry.Origin(cfg.Treaty, cfg.Party))
	if err != nil {
		return err
	}
	wskey, wvkey, err := witness.GenerateKey(WitnessName(cfg.Treaty, cfg.Party))
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{KeyFile, []byte(skey + "\n"), 0o600},
		{VKeyFile, []byte(vkey + "\n"), 0o644},
		{WitnessKeyFile, []byte(wskey + "\n"), 0o600},
		{WitnessVKeyFile, []byte(wvkey + "\n"), 0o644},
		{ConfigFile, cfg.Marshal(), 0o600},
	}
	for _, f := range files {
		if err := durable.WriteNewFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

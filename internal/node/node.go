// Package node is a party's accord node as it lies on disk: its data
// directory, holding the node's configuration, keys, bearer tokens and
// log, and what opens and checks them (Open, Init, OpenLog, Fsck, the
// token store). Package server serves a node on the network; package
// office keeps its treaty database.
//
// A data directory DIR holds:
//
//	DIR/accord.yaml  the configuration (Config), documented field by field
//	DIR/log.key      the log's private signing key, mode 0600, never printed
//	DIR/log.vkey     the log's public verifier key, given to the other parties
//	DIR/log/         the log: checkpoint and tiles (c2sp.org/tlog-tiles)
//	DIR/witness.key  the witness's private cosigning key, mode 0600
//	DIR/witness.vkey its verifier key (c2sp.org/tlog-cosignature)
//	DIR/tokens       SHA-256 hashes of the bearer tokens the node accepts
//	DIR/witness/     the last checkpoint cosigned for each peer's log
//	DIR/peers/P/     the verified copy of peer P's log and its follower state
//	DIR/evidence/    evidence of misbehaving logs, one JSON file each
//	DIR/escrow.key   the escrow secret, mode 0600, never printed (package office)
//	DIR/escrow/      the declarations committed in escrow, mode 0600 (package office)
//
// Trust model: DIR/log.key is trusted: whoever reads it can sign entries
// and checkpoints in the party's name. DIR/witness.key likewise can
// cosign any checkpoint in the party's name. DIR/accord.yaml is trusted by
// the node; so are DIR/tokens (whoever rewrites it can grant access),
// DIR/witness/ and DIR/peers/ (whoever rewrites them can make the node
// accept a fork it saw before). The other parties trust only
// DIR/log.vkey and DIR/witness.vkey, received out of band.
package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/transparency-dev/tessera"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/internal/ledger"
	"accord/internal/witness"
)

// Names of the files in a data directory.
const (
	KeyFile         = "log.key"
	VKeyFile        = "log.vkey"
	LogDir          = "log"
	WitnessKeyFile  = "witness.key"
	WitnessVKeyFile = "witness.vkey"
	WitnessDir      = "witness"
	PeersDir        = "peers"
	EvidenceDir     = "evidence"
)

// ErrExists reports that accord init was pointed at an existing node.
var ErrExists = errors.New("a node already exists")

// Node is an opened data directory.
type Node struct {
	Dir      string
	Config   *Config
	Verifier note.Verifier // the log's public key
	Logger   *slog.Logger

	// WitnessVerifier is the witness's public cosignature key.
	WitnessVerifier note.Verifier

	signer        note.Signer
	witnessSigner note.Signer

	tokensOnce sync.Once
	tokens     *tokenStore
}

// WitnessName returns the name of the node's witness key,
// accord/<treaty>/<party>/witness.
func WitnessName(treatyID, party string) string { return entry.Origin(treatyID, party) + "/witness" }

// Origin returns the origin of the node's log, accord/<treaty>/<party>.
func (n *Node) Origin() string { return n.Verifier.Name() }

// Open opens the node in dir: it reads and validates the configuration
// and the keys. It does not open the log for appending; see [Node.OpenLog].
func Open(ctx context.Context, dir string, logger *slog.Logger) (*Node, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, err := LoadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("opening node: %w", err)
	}
	n := &Node{Dir: dir, Config: cfg, Logger: logger}
	if err := n.loadKeys(); err != nil {
		return nil, fmt.Errorf("opening node in %s: %w", dir, err)
	}
	return n, nil
}

func (n *Node) loadKeys() error {
	origin := entry.Origin(n.Config.Treaty, n.Config.Party)
	v, err := ReadVerifier(filepath.Join(n.Dir, VKeyFile))
	if err != nil {
		return err
	}
	if v.Name() != origin {
		return fmt.Errorf("%s: key of log %s, but accord.yaml names log %s", VKeyFile, v.Name(), origin)
	}
	if err := checkKeyMode(filepath.Join(n.Dir, KeyFile)); err != nil {
		return err
	}
	skey, err := os.ReadFile(filepath.Join(n.Dir, KeyFile))
	if err != nil {
		return err
	}
	s, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil || s.Name() != origin || s.KeyHash() != v.KeyHash() {
		return fmt.Errorf("%s: not the private key of %s", KeyFile, VKeyFile)
	}
	n.Verifier, n.signer = v, s
	return n.loadWitnessKey()
}

func (n *Node) loadWitnessKey() error {
	name := WitnessName(n.Config.Treaty, n.Config.Party)
	vb, err := os.ReadFile(filepath.Join(n.Dir, WitnessVKeyFile))
	if err != nil {
		return err
	}
	v, err := witness.NewVerifier(string(vb))
	if err != nil {
		return fmt.Errorf("%s: %w", WitnessVKeyFile, err)
	}
	if err := checkKeyMode(filepath.Join(n.Dir, WitnessKeyFile)); err != nil {
		return err
	}
	sb, err := os.ReadFile(filepath.Join(n.Dir, WitnessKeyFile))
	if err != nil {
		return err
	}
	s, err := witness.NewSigner(string(sb))
	if err != nil || s.Name() != name || v.Name() != name || s.KeyHash() != v.KeyHash() {
		return fmt.Errorf("%s: not the private key of %s, named %s", WitnessKeyFile, WitnessVKeyFile, name)
	}
	n.WitnessVerifier, n.witnessSigner = v, s
	return nil
}

// checkKeyMode refuses a private key file that others can read.
func checkKeyMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s: mode %v lets others read the private key (chmod 600 it)", filepath.Base(path), fi.Mode().Perm())
	}
	return nil
}

// ReadVerifier reads a signed-note verifier key file such as log.vkey.
func ReadVerifier(path string) (note.Verifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a verifier key: %w", filepath.Base(path), err)
	}
	return v, nil
}

// OpenLog opens the node's log for appending. Each checkpoint it
// publishes is first sent to the configured witnesses for cosigning.
// Close the log when done.
func (n *Node) OpenLog(ctx context.Context) (*ledger.Log, error) {
	wg, err := n.Config.witnessGroup()
	if err != nil {
		return nil, err
	}
	client, err := n.witnessClient()
	if err != nil {
		return nil, err
	}
	l, err := ledger.Open(ctx, ledger.Options{
		Dir:                filepath.Join(n.Dir, LogDir),
		Signer:             n.signer,
		Verifier:           n.Verifier,
		Logger:             n.Logger,
		CheckpointInterval: n.Config.Log.CheckpointInterval,
		BatchMaxAge:        n.Config.Log.BatchMaxAge,
		Witnesses:          wg,
		WitnessOptions:     tessera.WitnessOptions{Timeout: n.Config.Witness.Timeout, FailOpen: true},
		HTTPClient:         client,
	})
	if errors.Is(err, ledger.ErrCorrupt) {
		return nil, fmt.Errorf("%w; refusing to append (accord fsck --data %s checks the whole log)", err, n.Dir)
	}
	return l, err
}

// witnessClient returns the client the log asks witnesses with: one
// request may take half the witness timeout, so a witness that does not
// answer leaves time to publish the checkpoint without it, and a witness
// that keeps failing is backed off from (breaker).
func (n *Node) witnessClient() (*http.Client, error) {
	c, err := n.HTTPClient()
	if err != nil {
		return nil, err
	}
	c.Transport = newBreaker(c.Transport)
	c.Timeout = n.Config.Witness.Timeout / 2
	return c, nil
}

// HTTPClient returns the client the node reaches its peers with: the
// system's CAs plus the configuration's tls_ca, and the sync timeout on
// every request.
func (n *Node) HTTPClient() (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if n.Config.TLSCA != "" {
		pem, err := os.ReadFile(n.Path(n.Config.TLSCA))
		if err != nil {
			return nil, fmt.Errorf("tls_ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls_ca: no PEM certificate in %s", n.Config.TLSCA)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t, Timeout: n.Config.Sync.Timeout}, nil
}

// Path resolves a configured path relative to the data directory.
func (n *Node) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(n.Dir, p)
}

// Source returns the node's log for reading.
func (n *Node) Source() ledger.Source { return ledger.DirSource(filepath.Join(n.Dir, LogDir)) }

// Exists reports whether dir holds a node's configuration.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ConfigFile))
	return err == nil
}

// notExist reports whether err means a file is missing.
func notExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// NewWitness opens the node's witness (package witness) for the logs
// whose keys are given, with its state in DIR/witness.
func (n *Node) NewWitness(logs []note.Verifier) (*witness.Witness, error) {
	return witness.New(n.witnessSigner, logs, filepath.Join(n.Dir, WitnessDir), n.Logger)
}

// PeerToken reads the token peer p issued to this node, if configured:
// a file in the data directory that only its owner may read.
func (n *Node) PeerToken(p Peer) (string, error) {
	if p.TokenFile == "" {
		return "", nil
	}
	path := n.Path(p.TokenFile)
	if err := checkKeyMode(path); err != nil {
		return "", fmt.Errorf("peer %s: %w", p.Party, err)
	}
	tok, err := ReadTokenFile(path)
	if err != nil {
		return "", fmt.Errorf("peer %s: %w", p.Party, err)
	}
	return tok, nil
}

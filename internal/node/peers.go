package node

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/tessera"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/internal/treaty"
	"accord/internal/witness"
)

// validatePeers returns one error per problem with the peers.
func (c *Config) validatePeers() []error {
	var errs []error
	t, _ := treaty.Builtin(c.Treaty)
	seen := map[string]bool{}
	for i, p := range c.Peers {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("peers[%d] (%s): %s", i, p.Party, fmt.Sprintf(format, args...)))
		}
		switch {
		case p.Party == c.Party:
			bad("party: a node is not its own peer")
		case seen[p.Party]:
			bad("party: listed twice")
		case t != nil:
			if _, ok := t.Party(p.Party); !ok {
				bad("party: %q is not a party to %s", p.Party, c.Treaty)
			}
		}
		seen[p.Party] = true
		if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("url: %q is not an http:// or https:// URL", p.URL)
		}
		if v, err := note.NewVerifier(p.LogVKey); err != nil {
			bad("log_vkey: not a verifier key: %v", err)
		} else if want := entry.Origin(c.Treaty, p.Party); v.Name() != want {
			bad("log_vkey: key of %s, want %s", v.Name(), want)
		}
		if _, err := witness.NewVerifier(p.WitnessVKey); err != nil {
			bad("witness_vkey: %v", err)
		}
		if p.TokenFile != "" && !filepath.IsLocal(p.TokenFile) {
			bad("token_file: %q is not a path inside the data directory", p.TokenFile)
		}
	}
	return errs
}

// validateWitness returns one error per problem with the witness policy.
func (c *Config) validateWitness() []error {
	var errs []error
	n := len(c.Peers) + len(c.Witness.Extra)
	if _, err := policyThreshold(c.Witness.Policy, n); err != nil {
		errs = append(errs, fmt.Errorf("witness.policy: %w", err))
	}
	if t := c.Witness.Timeout; t < 100*time.Millisecond || t > time.Minute {
		errs = append(errs, fmt.Errorf("witness.timeout: %v is not between 100ms and 1m", t))
	}
	for i, w := range c.Witness.Extra {
		if _, err := witness.NewVerifier(w.VKey); err != nil {
			errs = append(errs, fmt.Errorf("witness.extra[%d].vkey: %w", i, err))
		}
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("witness.extra[%d].url: %q is not an http:// or https:// URL", i, w.URL))
		}
	}
	return errs
}

// policyThreshold returns how many of n witnesses policy requires.
func policyThreshold(policy string, n int) (int, error) {
	switch policy {
	case "all":
		return n, nil
	case "any":
		return min(1, n), nil
	case "none":
		return 0, nil
	}
	k, err := strconv.Atoi(policy)
	if err != nil || k < 0 || k > n {
		return 0, fmt.Errorf("%q is not all, any, none or a number from 0 to %d (the witnesses configured)", policy, n)
	}
	return k, nil
}

// WitnessPolicy returns the configuration's witness policy in the Sigsum
// policy format Tessera reads: the peers' witnesses, then the extra ones,
// of which the policy's threshold must cosign. It is empty if there is no
// witness.
func (c *Config) WitnessPolicy() (string, error) {
	var b strings.Builder
	var names []string
	add := func(vkey, root string) {
		name := fmt.Sprintf("w%d", len(names))
		names = append(names, name)
		fmt.Fprintf(&b, "witness %s %s %s\n", name, strings.TrimSpace(vkey), root)
	}
	for _, p := range c.Peers {
		add(p.WitnessVKey, strings.TrimSuffix(p.URL, "/")+"/witness")
	}
	for _, e := range c.Witness.Extra {
		add(e.VKey, strings.TrimSuffix(e.URL, "/"))
	}
	if len(names) == 0 {
		return "", nil
	}
	k, err := policyThreshold(c.Witness.Policy, len(names))
	if err != nil {
		return "", err
	}
	if k == 0 {
		b.WriteString("quorum none\n")
	} else {
		fmt.Fprintf(&b, "group g %d %s\nquorum g\n", k, strings.Join(names, " "))
	}
	return b.String(), nil
}

// witnessGroup returns the Tessera witness group of the configuration,
// or nil if there is no witness.
func (c *Config) witnessGroup() (*tessera.WitnessGroup, error) {
	p, err := c.WitnessPolicy()
	if err != nil || p == "" {
		return nil, err
	}
	g, err := tessera.NewWitnessGroupFromPolicy([]byte(p))
	if err != nil {
		return nil, fmt.Errorf("witness policy: %w", err)
	}
	return &g, nil
}

package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"accord/internal/node"
)

func init() { register(newDashboardLinkCmd) }

// defaultLinkLifetime is how long a dashboard link works unless --valid
// says otherwise: long enough to paste it into a browser, short enough
// that one found later in a terminal's scrollback is dead.
const defaultLinkLifetime = 15 * time.Minute

func newDashboardLinkCmd() *cobra.Command {
	var dir, base string
	var valid time.Duration
	c := &cobra.Command{
		Use:   "dashboard-link --data DIR [--url URL] [--valid DURATION]",
		Short: "Print a one-time link that opens the node's dashboard",
		Long: `Print a one-time link that opens the dashboard accord serve serves.

The dashboard shows the parties' treaty data, so its pages need the
operator's session; this command, run by the operator on the node's
machine, issues one. The link's code works once, within --valid (15
minutes by default): opening it sets a session cookie for 12 hours and
goes to the overview. The node keeps only the code's SHA-256 hash
(DIR/logins). The link's address is accord.yaml's listen address, or
--url, the node's address as the browser reaches it.

Examples:
  accord dashboard-link --data usa
  accord dashboard-link --data usa --url https://usa.example:7380/ --valid 1h`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			n, err := node.Open(c.Context(), dir, nil)
			if err != nil {
				return err
			}
			if base == "" {
				base = listenURL(n.Config)
			}
			l, err := n.AddLogin(time.Now(), valid)
			if err != nil {
				return fmt.Errorf("dashboard-link: %w", err)
			}
			fmt.Fprintln(c.OutOrStdout(), strings.TrimSuffix(base, "/")+"/login?code="+l.Code)
			fmt.Fprintf(c.ErrOrStderr(), "opens the dashboard once, until %s\n", l.Expires.UTC().Format("2006-01-02 15:04:05 UTC"))
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().StringVar(&base, "url", "", "the node's URL as the browser reaches it (default: from accord.yaml's listen)")
	c.Flags().DurationVar(&valid, "valid", defaultLinkLifetime, "how long the link works, if unused")
	c.MarkFlagRequired("data")
	return c
}

// listenURL returns the URL of a node listening on c.Listen: https if it
// serves TLS, localhost for an address without a host.
func listenURL(c *node.Config) string {
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return scheme + "://" + c.Listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

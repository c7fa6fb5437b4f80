// Command accord is a verifiable ledger for arms-control treaties.
//
// Each subcommand lives in a file of its own in this directory and adds
// itself to the root command from an init function.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit statuses, as DESIGN.md sets them.
const (
	exitOK       = 0 // success
	exitFailed   = 1 // a check found a limit exceeded or a verification failed
	exitBadInput = 2 // bad input or usage
)

// failure marks an error as a failed check or verification (exit status 1)
// rather than bad input (exit status 2).
type failure struct{ err error }

func (f failure) Error() string { return f.err.Error() }
func (f failure) Unwrap() error { return f.err }

// errReported reports bad input whose explanation was already printed on
// stderr.
var errReported = errors.New("bad input reported")

// errExceeded reports that a check printed its result and found a limit
// exceeded; nothing more is printed on stderr.
var errExceeded = errors.New("a limit in force is exceeded")

// errDiffer reports that treaty diff printed differences; like diff(1),
// it exits with status 1 and prints nothing more.
var errDiffer = errors.New("the treaties differ")

// commands holds the subcommands registered by the files of this package.
var commands []func() *cobra.Command

func register(c func() *cobra.Command) { commands = append(commands, c) }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "accord",
		Short: "accord is a verifiable ledger for arms-control treaties",
		Long: `accord is a verifiable ledger for arms-control treaties.

Examples:
  accord init --party USA --treaty newstart --data usa
  accord log append --data usa declarations.csv
  accord check --treaty newstart --as-of 2020-09-01 declarations.csv
  accord treaty list
  accord treaty show newstart --as-of 2023-03-01`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see %s --help)", err, c.CommandPath())
	})
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

// run executes accord with args and returns its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errExceeded), errors.Is(err, errDiffer):
		return exitFailed
	case errors.Is(err, errReported):
		return exitBadInput
	}
	fmt.Fprintf(stderr, "accord: %v\n", err)
	var f failure
	if errors.As(err, &f) {
		return exitFailed
	}
	return exitBadInput
}

func main() {
	// A node's files hold treaty data that needs a credential over HTTP:
	// everything accord creates (the log's tiles and bundles, treaty.db
	// and its WAL, keys, tokens) is for the node's user alone, whatever
	// the library that creates it asks for.
	syscall.Umask(0o077)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// plural returns "1 entry" or "n entries": n and the noun that agrees
// with it.
func plural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Command verify is an independent verifier of accord's signed data,
// written against accord's public packages alone (entry, entry/body and
// evidence) and golang.org/x/mod's signed notes: it is what a party, an
// inspector or a journalist outside accord would run.
//
// Given the log's verifier key, it checks receipts (c2sp.org/tlog-proof,
// as `accord log proof` writes them) and prints what each proven entry
// says, and checks evidence files of a misbehaving log (as `accord log
// verify` and a node write them).
//
//	go run ./examples/verify --vkey usa/log.vkey e0.tlog-proof
//	go run ./examples/verify --vkey usa/log.vkey --evidence accord_newstart_USA-1-2.json
//
// Exit status: 0 when everything verifies, 1 when something does not,
// 2 on bad usage or an unreadable file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/entry/body"
	"accord/evidence"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks an error of usage or input, exit status 2.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vkey := fs.String("vkey", "", "the log's verifier key file (log.vkey)")
	ev := fs.Bool("evidence", false, "the files are evidence files, not receipts")
	if err := fs.Parse(args); err != nil || *vkey == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: verify --vkey LOG.VKEY [--evidence] FILE...")
		return 2
	}
	v, err := readVerifier(*vkey)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return 2
	}
	status := 0
	for _, f := range fs.Args() {
		check := checkReceipt
		if *ev {
			check = checkEvidence
		}
		if err := check(f, v, stdout); err != nil {
			fmt.Fprintf(stderr, "verify: %s: %v\n", f, err)
			status = max(status, exitStatus(err))
		}
	}
	return status
}

func exitStatus(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

func readVerifier(path string) (note.Verifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a verifier key: %w", path, err)
	}
	return v, nil
}

// checkReceipt checks a receipt and prints the entry it proves.
func checkReceipt(path string, v note.Verifier, out io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	r, err := entry.ParseReceipt(b)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	e, cp, err := entry.CheckReceipt(r, v, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: entry %d of %s (checkpoint of %d entries) verified\n", path, r.Index, cp.Origin, cp.Size)
	fmt.Fprintf(out, "  %s by %s, effective %s, created %s\n", e.Kind, e.Party, e.Effective.Format("2006-01-02"), e.Created.Format("2006-01-02T15:04:05Z07:00"))
	return describe(e, out)
}

// describe prints what the body of a verified entry says.
func describe(e *entry.Entry, out io.Writer) error {
	switch e.Kind {
	case entry.Notification:
		n, err := body.ParseNotification(e.Body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  notification %s, %d items\n", n.Type, len(n.Items))
		for _, it := range n.Items {
			fmt.Fprintf(out, "    %s %s %s %s %s\n", it.UID, it.Type, it.Category, it.Status, it.Facility)
		}
	case entry.Acknowledgement:
		a, err := body.ParseAcknowledgement(e.Body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  acknowledges %s#%d, leaf hash %x\n", a.Entry.Origin, a.Entry.Index, a.Entry.LeafHash[:])
	default:
		fmt.Fprintf(out, "  body %s\n", e.Body)
	}
	return nil
}

// checkEvidence checks an evidence file against the log's key.
func checkEvidence(path string, v note.Verifier, out io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	e, err := evidence.Parse(b)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	ver, err := evidence.Verify(e, v)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: proves that %s showed two inconsistent histories: %d entries with root %x, and %d entries with root %x\n",
		path, ver.Origin, ver.Older.Size, ver.Older.Hash, ver.Newer.Size, ver.Newer.Hash)
	return nil
}

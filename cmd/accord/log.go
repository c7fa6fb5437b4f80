package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/internal/evidencedir"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/office"
)

func init() { register(newLogCmd) }

func newLogCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "log",
		Short: "Append to, list, verify and prove a party's signed log",
		Long: `Append to, list, verify and prove a party's signed log.

Examples:
  accord log append --data usa declarations.csv
  accord log show --data usa
  accord log verify usa
  accord log verify http://localhost:7380/log/ --vkey usa.vkey --token-file usa.token
  accord log proof --data usa --index 0 > entry0.tlog-proof
  accord log verify-proof entry0.tlog-proof --vkey usa.vkey`,
	}
	c.AddCommand(newLogAppendCmd(), newLogShowCmd(), newLogVerifyCmd(), newLogProofCmd(), newLogVerifyProofCmd())
	return c
}

func newLogAppendCmd() *cobra.Command {
	var dir, effective string
	var asJSON bool
	c := &cobra.Command{
		Use:   "append --data DIR [--effective DATE] FILE",
		Short: "Validate, sign and append a declaration to the node's log",
		Long: `Validate, sign and append a declaration to the node's log.

FILE is a declaration in any format accord check reads. It must declare
only the node's party, as of one date: the entry's effective date is the
file's as_of. --effective gives the date of a file whose rows carry none.
Either must fall between the treaty's signature and its expiry.

append returns once the entry is durably in the log and covered by a
published checkpoint, and prints its index and leaf hash. A declaration
too large for one entry (65535 bytes) is recorded as consecutive entries,
each a declaration of some of its rows, in order; append prints each.

Examples:
  accord log append --data usa us-2020-09-01.csv
  accord log append --data usa --effective 2020-09-01 --json us-undated.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runLogAppend(c, dir, effective, args[0], asJSON)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().StringVar(&effective, "effective", "", "effective date of an undated FILE, YYYY-MM-DD")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per entry appended")
	c.MarkFlagRequired("data")
	return c
}

func runLogAppend(c *cobra.Command, dir, effective, file string, asJSON bool) error {
	ctx := c.Context()
	o, err := office.Open(ctx, dir, nil)
	if err != nil {
		return err
	}
	defer o.Close(ctx)
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	es, err := o.ReadDeclaration(file, data, office.Given{Name: "--effective", Value: effective})
	if err != nil {
		return err
	}
	w := c.OutOrStdout()
	err = o.Declare(ctx, es, func(i int, a ledger.Appended) {
		printAppended(w, o.Node.Origin(), a, i, len(es), asJSON)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// printAppended prints where part i of n of a declaration landed.
func printAppended(w io.Writer, origin string, a ledger.Appended, i, n int, asJSON bool) {
	leaf := hex.EncodeToString(a.LeafHash[:])
	switch {
	case asJSON && n == 1:
		json.NewEncoder(w).Encode(map[string]any{"origin": origin, "index": a.Index, "leaf_hash": leaf})
	case asJSON:
		json.NewEncoder(w).Encode(map[string]any{"origin": origin, "index": a.Index, "leaf_hash": leaf, "part": i + 1, "parts": n})
	case n == 1:
		fmt.Fprintf(w, "appended entry %d to %s, leaf hash %s\n", a.Index, origin, leaf)
	default:
		fmt.Fprintf(w, "appended entry %d to %s, leaf hash %s (part %d of %d)\n", a.Index, origin, leaf, i+1, n)
	}
}

func newLogShowCmd() *cobra.Command {
	var dir string
	var asJSON bool
	c := &cobra.Command{
		Use:   "show --data DIR [--json]",
		Short: "List the entries of the node's log",
		Long: `List the entries of the node's log, up to its checkpoint, checking each
entry's signature.

Examples:
  accord log show --data usa
  accord log show --data usa --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			n, err := node.Open(c.Context(), dir, nil)
			if err != nil {
				return err
			}
			cp, _, err := ledger.ReadCheckpoint(c.Context(), n.Source(), n.Verifier)
			if err != nil {
				return failure{err}
			}
			var recs []ledger.Record
			err = ledger.Entries(c.Context(), n.Source(), n.Verifier, cp.Size, func(r ledger.Record) error {
				recs = append(recs, r)
				return nil
			})
			if err != nil {
				return failure{err}
			}
			return printRecords(c.OutOrStdout(), recs, asJSON)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per entry, a line each")
	c.MarkFlagRequired("data")
	return c
}

type recordJSON struct {
	Index     uint64          `json:"index"`
	Kind      entry.Kind      `json:"kind"`
	Effective string          `json:"effective"`
	Created   time.Time       `json:"created"`
	LeafHash  string          `json:"leaf_hash"`
	Body      json.RawMessage `json:"body"`
}

func printRecords(w io.Writer, recs []ledger.Record, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range recs {
			enc.Encode(recordJSON{r.Index, r.Entry.Kind, r.Entry.Effective.Format(time.DateOnly),
				r.Entry.Created, hex.EncodeToString(r.LeafHash[:]), r.Entry.Body})
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tKIND\tEFFECTIVE\tCREATED\tBYTES\tLEAF HASH")
	for _, r := range recs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%.16s\n", r.Index, r.Entry.Kind, r.Entry.Effective.Format(time.DateOnly),
			r.Entry.Created.Format(time.RFC3339), len(r.Encoded), hex.EncodeToString(r.LeafHash[:]))
	}
	return tw.Flush()
}

func newLogVerifyCmd() *cobra.Command {
	var vkey, trust, evidence, tokenFile string
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify DIR|URL [--vkey FILE] [--token-file FILE] [--trust-store DIR] [--json]",
		Short: "Check a log end to end, offline or remote",
		Long: `Check a log end to end, offline or remote.

verify checks the checkpoint's signature, every entry's signature and
canonical encoding, every hash tile, the root hash recomputed from all
entries, and that the log extends the last checkpoint this machine saw
for it (kept in the trust store), so a rollback or fork is caught; the
two signed checkpoints and an explanation (and for a fork, the Merkle
proof) are then written to an evidence file, whose path the error names.
The argument is a node's data directory (its log.vkey is used unless --vkey
is given), a log directory, or the URL of a served log. An accord node
serves entry bundles only with a credential: --token-file names a file
holding a token the node issued (accord token add), sent as a bearer
token; checkpoints and hash tiles need none.

Exit status: 0 when the log verifies, 1 when it does not, 2 on bad input.

Examples:
  accord log verify usa
  accord log verify http://localhost:7380/log/ --vkey usa.vkey --token-file usa.token
  accord log verify --trust-store /tmp/trust --json usa`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runLogVerify(c, args[0], vkey, tokenFile, trust, evidence, asJSON)
		},
	}
	c.Flags().StringVar(&vkey, "vkey", "", "the log's verifier key file (default: DIR/log.vkey)")
	c.Flags().StringVar(&trust, "trust-store", "", "trust store directory (default: $XDG_CONFIG_HOME/accord/trust)")
	c.Flags().StringVar(&tokenFile, "token-file", "", "a file holding the token to read a served log's entries with")
	c.Flags().StringVar(&evidence, "evidence", "", "where to write evidence of a rollback or fork (default: the trust store's evidence/)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func runLogVerify(c *cobra.Command, loc, vkey, tokenFile, trust, evidenceDir string, asJSON bool) error {
	src, v, vkeyText, err := openLog(loc, vkey)
	if err != nil {
		return err
	}
	if tokenFile != "" {
		hs, ok := src.(*ledger.HTTPSource)
		if !ok {
			return fmt.Errorf("--token-file: %s is not a URL; a local log needs no token", loc)
		}
		if hs.Token, err = node.ReadTokenFile(tokenFile); err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
	}
	ts, err := openTrustStore(trust)
	if err != nil {
		return err
	}
	res, err := ledger.Verify(c.Context(), src, v, ts)
	var inc *ledger.InconsistencyError
	if errors.As(err, &inc) {
		if evidenceDir == "" {
			evidenceDir = filepath.Join(ts.Dir, "evidence")
		}
		path, werr := writeEvidence(evidenceDir, inc, loc, vkeyText)
		if werr != nil {
			return failure{fmt.Errorf("%s: %w (writing evidence: %w)", loc, err, werr)}
		}
		return failure{fmt.Errorf("%s: %w; evidence written to %s", loc, err, path)}
	}
	if err != nil {
		return failure{fmt.Errorf("%s: %w", loc, err)}
	}
	return printVerified(c.OutOrStdout(), res, asJSON)
}

// writeEvidence records inc in dir as an evidence file and returns its
// path.
func writeEvidence(dir string, inc *ledger.InconsistencyError, source, vkey string) (string, error) {
	ev, err := inc.Evidence(vkey, source, time.Now())
	if err != nil {
		return "", err
	}
	return evidencedir.Write(dir, ev)
}

func printVerified(w io.Writer, res *ledger.Verified, asJSON bool) error {
	cp := res.Checkpoint
	root := base64.StdEncoding.EncodeToString(cp.Hash)
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"origin": cp.Origin, "size": cp.Size,
			"root": root, "seen_before": res.Seen, "previous_size": res.Previous, "kinds": res.Kinds})
	}
	fmt.Fprintf(w, "%s: %s verified, root %s\n", cp.Origin, plural(cp.Size, "entry", "entries"), root)
	if res.Seen {
		fmt.Fprintf(w, "consistent with the checkpoint of size %d seen before\n", res.Previous)
	} else {
		fmt.Fprintf(w, "first checkpoint of this log seen here: remembered\n")
	}
	return nil
}

// openLog resolves a DIR|URL argument and a --vkey flag into the log's
// source, its verifier and the verifier key's text.
func openLog(loc, vkey string) (ledger.Source, note.Verifier, string, error) {
	if node.Exists(loc) {
		if vkey == "" {
			vkey = filepath.Join(loc, node.VKeyFile)
		}
		loc = filepath.Join(loc, node.LogDir)
	}
	if vkey == "" {
		return nil, nil, "", errors.New("--vkey is required unless the argument is a node's data directory")
	}
	v, err := node.ReadVerifier(vkey)
	if err != nil {
		return nil, nil, "", err
	}
	text, err := os.ReadFile(vkey)
	if err != nil {
		return nil, nil, "", err
	}
	src, err := ledger.OpenSource(loc)
	if err != nil {
		return nil, nil, "", err
	}
	return src, v, strings.TrimSpace(string(text)), nil
}

func openTrustStore(dir string) (*ledger.TrustStore, error) {
	if dir != "" {
		return &ledger.TrustStore{Dir: dir}, nil
	}
	return ledger.DefaultTrustStore()
}

func vkeyString(n *node.Node) string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, node.VKeyFile))
	return strings.TrimSpace(string(b))
}

func newLogProofCmd() *cobra.Command {
	var dir, index string
	c := &cobra.Command{
		Use:   "proof --data DIR --index N",
		Short: "Print an offline receipt that an entry is in the log",
		Long: `Print an offline receipt that an entry is in the log: the entry, its
inclusion proof and the signed checkpoint, in the c2sp.org/tlog-proof@v1
format. Anyone with the log's verifier key can check it offline with
accord log verify-proof.

Examples:
  accord log proof --data usa --index 0 > entry0.tlog-proof`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			i, err := strconv.ParseUint(index, 10, 64)
			if err != nil {
				return fmt.Errorf("--index %q is not an entry index", index)
			}
			n, err := node.Open(c.Context(), dir, nil)
			if err != nil {
				return err
			}
			r, err := ledger.Prove(c.Context(), n.Source(), n.Verifier, i)
			if err != nil {
				return err
			}
			_, err = c.OutOrStdout().Write(r.Marshal())
			return err
		},
	}
	c.Flags().StringVar(&dir, "data", "", "data directory (required)")
	c.Flags().StringVar(&index, "index", "", "the entry's index (required)")
	c.MarkFlagRequired("data")
	c.MarkFlagRequired("index")
	return c
}

func newLogVerifyProofCmd() *cobra.Command {
	var vkey, entryFile string
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify-proof RECEIPT --vkey FILE [--entry FILE] [--json]",
		Short: "Check an offline receipt",
		Long: `Check an offline receipt (c2sp.org/tlog-proof@v1): the checkpoint's
signature by the log key, the inclusion proof, and the entry's signature
and encoding. The entry is the one the receipt carries, or --entry.

Exit status: 0 when the receipt proves the entry is in the log, 1 when
it does not, 2 on bad input.

Examples:
  accord log verify-proof entry0.tlog-proof --vkey usa.vkey`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runVerifyProof(c.OutOrStdout(), args[0], vkey, entryFile, asJSON)
		},
	}
	c.Flags().StringVar(&vkey, "vkey", "", "the log's verifier key file (required)")
	c.Flags().StringVar(&entryFile, "entry", "", "the encoded entry, if the receipt does not carry it")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	c.MarkFlagRequired("vkey")
	return c
}

func runVerifyProof(w io.Writer, file, vkey, entryFile string, asJSON bool) error {
	v, err := node.ReadVerifier(vkey)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var enc []byte
	if entryFile != "" {
		if enc, err = os.ReadFile(entryFile); err != nil {
			return err
		}
	}
	r, err := entry.ParseReceipt(b)
	if err != nil {
		return fmt.Errorf("%s is not a receipt: %w", file, err) // bad input, not a failed check
	}
	e, cp, err := entry.CheckReceipt(r, v, enc)
	if err != nil {
		return failure{fmt.Errorf("%s: %w", file, err)}
	}
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"origin": cp.Origin, "index": r.Index, "size": cp.Size,
			"kind": e.Kind, "effective": e.Effective.Format(time.DateOnly), "created": e.Created})
	}
	fmt.Fprintf(w, "entry %d of %s is in the log of %s: %s effective %s, created %s\n",
		r.Index, cp.Origin, plural(cp.Size, "entry", "entries"), e.Kind, e.Effective.Format(time.DateOnly), e.Created.Format(time.RFC3339))
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/entry"
	"accord/evidence"
	"accord/internal/declaration"
	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/treaty"
)

func runAccord(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, &out, &out)
	return code, out.String()
}

// TestLogVerifyExitStatus checks that a tampered log fails verification
// with exit status 1, and bad input exits 2.
func TestLogVerifyExitStatus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "usa")
	trust := filepath.Join(t.TempDir(), "trust")
	if code, out := runAccord(t, "init", "--party", "USA", "--treaty", "newstart", "--data", dir); code != 0 {
		t.Fatal(out)
	}
	if code, out := runAccord(t, "log", "append", "--data", dir, "../../testdata/us-2020-09-01-types.csv"); code != 0 {
		t.Fatal(out)
	}
	if code, out := runAccord(t, "log", "verify", "--trust-store", trust, dir); code != 0 {
		t.Fatal(out)
	}
	bundle := filepath.Join(dir, "log", "tile", "entries", "000.p", "1")
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 1
	os.WriteFile(bundle, b, 0o644)
	if code, out := runAccord(t, "log", "verify", "--trust-store", trust, dir); code != exitFailed || !bytes.Contains([]byte(out), []byte("entry 0")) {
		t.Fatalf("tampered log: exit %d, %s", code, out)
	}
	if code, out := runAccord(t, "log", "verify", "--vkey", "nosuch.vkey", dir); code != exitBadInput {
		t.Fatalf("missing key: exit %d, %s", code, out)
	}
	if code, out := runAccord(t, "fsck", "--data", dir); code != exitFailed {
		t.Fatalf("fsck of tampered log: exit %d, %s", code, out)
	}
}

// runAccordErr runs accord and returns its exit status, stdout and stderr.
func runAccordErr(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// newNode creates a node in a temporary directory and returns it.
func newNode(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "usa")
	if code, out := runAccord(t, "init", "--party", "USA", "--treaty", "newstart", "--data", dir); code != 0 {
		t.Fatal(out)
	}
	return dir
}

// logSize returns the size of the node's published checkpoint.
func logSize(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "log", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")[1]
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// oneLine fails unless msg is one line with no rendering of byte slices.
func oneLine(t *testing.T, msg string) {
	t.Helper()
	if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") || strings.ContainsAny(msg, "[]") {
		t.Fatalf("error is not one plain line: %q", msg)
	}
}

// TestLogAppendEffective checks that an entry's effective date is the
// file's as_of, that --effective gives it only for undated files and only
// within the treaty's life, and that a refused file appends nothing.
func TestLogAppendEffective(t *testing.T) {
	dir := newNode(t)
	dated := "../../testdata/us-2020-09-01-types.csv"
	undated := writeFile(t, "undated.csv", "party,type,category,status,count,warheads\nUSA,B-52H,heavy_bomber,deployed,36,0\n")
	twoDates := writeFile(t, "two.csv", "as_of,party,type,category,status,count,warheads\n"+
		"2020-09-01,USA,B-52H,heavy_bomber,deployed,36,0\n2021-03-01,USA,B-52H,heavy_bomber,deployed,38,0\n")
	refused := []struct {
		name string
		args []string
		want string
	}{
		{"contradicts as_of", []string{"--effective", "2020-09-02", dated}, "contradicts the file's as_of 2020-09-01"},
		{"before signature, dated file", []string{"--effective", "2009-01-01", dated}, "contradicts"},
		{"undated without --effective", []string{undated}, "give --effective"},
		{"before signature", []string{"--effective", "2010-04-07", undated}, "before newstart was signed (2010-04-08)"},
		{"at expiry", []string{"--effective", "2026-02-05", undated}, "not before newstart expired (2026-02-05)"},
		{"after expiry", []string{"--effective", "2030-01-01", undated}, "not before newstart expired"},
		{"no such month", []string{"--effective", "2020-13-01", undated}, `--effective: invalid date "2020-13-01": there is no month 13`},
		{"no such day", []string{"--effective", "2020-02-30", undated}, "the day does not exist: February 2020 has 29 days"},
		{"not a date", []string{"--effective", "2020/02/03", undated}, "want YYYY-MM-DD"},
		{"two dates", []string{twoDates}, "declares 2 dates"},
		{"two dates with --effective", []string{"--effective", "2020-09-01", twoDates}, "declares 2 dates"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := logSize(t, dir)
			code, _, stderr := runAccordErr(t, append([]string{"log", "append", "--data", dir}, tc.args...)...)
			if code != exitBadInput || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, %q; want exit 2 and %q", code, stderr, tc.want)
			}
			oneLine(t, stderr)
			if after := logSize(t, dir); after != before {
				t.Fatalf("refused append changed the log size from %s to %s", before, after)
			}
		})
	}
	for _, args := range [][]string{
		{dated},
		{"--effective", "2020-09-01", dated},
		{"--effective", "2010-04-08", undated},
		{"--effective", "2026-02-04", undated},
	} {
		if code, out := runAccord(t, append([]string{"log", "append", "--data", dir}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, out)
		}
	}
	code, out := runAccord(t, "log", "show", "--data", dir, "--json")
	for _, want := range []string{`"effective":"2020-09-01"`, `"effective":"2010-04-08"`, `"effective":"2026-02-04"`} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("log show: exit %d, want %s in\n%s", code, want, out)
		}
	}
}

// TestLogAppendLarge appends an 800-item declaration, too large for one
// entry, and checks it is recorded as consecutive entries, each below
// entry.MaxSize and each a valid declaration of the next rows in order,
// which together are the whole file.
func TestLogAppendLarge(t *testing.T) {
	dir := newNode(t)
	runAccord(t, "log", "append", "--data", dir, "../../testdata/us-2020-09-01-types.csv") // entry 0
	var csv strings.Builder
	csv.WriteString("as_of,party,uid,type,category,status,facility,warheads\n")
	for i := range 800 {
		fmt.Fprintf(&csv, "2021-03-01,USA,MM3-%04d,Minuteman III,icbm,deployed,F.E. Warren Air Force Base,%d\n", i, 1+i%3)
	}
	file := writeFile(t, "items.csv", csv.String())
	code, stdout, stderr := runAccordErr(t, "log", "append", "--data", dir, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 2 {
		t.Fatalf("an 800-item declaration in %d entries:\n%s", len(lines), stdout)
	}
	for i, l := range lines {
		want := fmt.Sprintf(`^appended entry %d to accord/newstart/USA, leaf hash [0-9a-f]{64} \(part %d of %d\)$`, i+1, i+1, len(lines))
		if !regexp.MustCompile(want).MatchString(l) {
			t.Fatalf("line %q, want %s", l, want)
		}
	}

	tr, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	whole, err := declaration.LoadFile(tr, file)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var items []declaration.Item
	err = ledger.Entries(t.Context(), n.Source(), n.Verifier, uint64(1+len(lines)), func(r ledger.Record) error {
		if r.Index == 0 {
			return nil
		}
		if len(r.Encoded) >= entry.MaxSize || r.Entry.Kind != entry.Declaration ||
			!r.Entry.Effective.Equal(time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("entry %d: %d bytes, %s effective %s", r.Index, len(r.Encoded), r.Entry.Kind, r.Entry.Effective)
		}
		part, err := declaration.Load(tr, fmt.Sprintf("entry %d", r.Index), bytes.NewReader(r.Entry.Body))
		if err != nil {
			return fmt.Errorf("entry %d is not a declaration: %w", r.Index, err)
		}
		if len(part.Items) == 0 || len(part.Types)+len(part.Aggregates) != 0 {
			return fmt.Errorf("entry %d: %d items, %d types, %d aggregates", r.Index, len(part.Items), len(part.Types), len(part.Aggregates))
		}
		items = append(items, part.Items...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(items, whole.Items) {
		t.Fatalf("the entries declare %d items, not the file's %d in order", len(items), len(whole.Items))
	}
	if code, out := runAccord(t, "log", "verify", "--trust-store", t.TempDir(), dir); code != 0 {
		t.Fatal(out)
	}
	// The parts are one statement of holdings, counted as items: the
	// latest statement, later than the per-type one of entry 0.
	if code, out := runAccord(t, "inventory", "--data", dir, "--party", "USA", "--as-of", "2021-03-01"); code != 0 ||
		!strings.Contains(out, "\n800 items of USA as of 2021-03-01") || !strings.Contains(out, "declared per type as of 2020-09-01") {
		t.Fatalf("inventory: exit %d\n%s", code, out)
	}
	code, out := runAccord(t, "status", "--data", dir, "--party", "USA", "--as-of", "2100-01-01")
	if code != 0 || !strings.Contains(out, "counted                     items in the treaty database on 2100-01-01") ||
		!strings.Contains(out, "warheads                    1599/1550") || strings.Contains(out, "omitted") {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
}

// TestLogVerifyProofErrors checks verify-proof's exit statuses and that
// its errors are one line: 2 for a file that is not a receipt, 1 for a
// receipt that does not verify.
func TestLogVerifyProofErrors(t *testing.T) {
	dir := newNode(t)
	undated := writeFile(t, "undated.csv", "party,type,category,status,count,warheads\nUSA,B-52H,heavy_bomber,deployed,36,0\n")
	for _, d := range []string{"2020-09-01", "2020-09-02", "2020-09-03"} {
		if code, out := runAccord(t, "log", "append", "--data", dir, "--effective", d, undated); code != 0 {
			t.Fatal(out)
		}
	}
	vkey := filepath.Join(dir, "log.vkey")
	code, receipt, _ := runAccordErr(t, "log", "proof", "--data", dir, "--index", "0")
	if code != 0 {
		t.Fatal(receipt)
	}
	for _, tc := range []struct {
		name    string
		content string
		code    int
	}{
		{"index edited", strings.Replace(receipt, "\nindex 0\n", "\nindex 1\n", 1), exitFailed},
		{"proof hash edited", strings.Replace(receipt, "\nindex 0\n", "\nindex 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 1), exitFailed},
		{"checkpoint edited", strings.Replace(receipt, "\naccord/newstart/USA\n3\n", "\naccord/newstart/USA\n4\n", 1), exitFailed},
		{"a CSV file", "as_of,party\n2020-09-01,USA\n", exitBadInput},
		{"no index", "c2sp.org/tlog-proof@v1\n\nx\n", exitBadInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.content == receipt {
				t.Fatal("edit did not apply")
			}
			f := writeFile(t, "r.tlog-proof", tc.content)
			code, _, stderr := runAccordErr(t, "log", "verify-proof", f, "--vkey", vkey)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			oneLine(t, stderr)
		})
	}
}

// TestFsckNotANode checks that fsck of a directory that does not exist
// or holds no node is bad input, explained in one line.
func TestFsckNotANode(t *testing.T) {
	for _, tc := range []struct{ dir, want string }{
		{filepath.Join(t.TempDir(), "nonexistent"), "no directory"},
		{t.TempDir(), "is not a node's data directory"},
		{writeFile(t, "file", "x"), "is not a directory"},
	} {
		code, stdout, stderr := runAccordErr(t, "fsck", "--data", tc.dir)
		if code != exitBadInput || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Fatalf("fsck --data %s: exit %d, %q %q; want exit 2 and %q", tc.dir, code, stdout, stderr, tc.want)
		}
		oneLine(t, stderr)
	}
}

// TestLogVerifyForkEvidence shows verify a fork of a log it has seen,
// two histories under the same key, and checks the evidence file it
// writes proves the fork offline.
func TestLogVerifyForkEvidence(t *testing.T) {
	a := newNode(t)
	undated := writeFile(t, "undated.csv", "party,type,category,status,count,warheads\nUSA,B-52H,heavy_bomber,deployed,36,0\n")
	runAccord(t, "log", "append", "--data", a, "--effective", "2020-09-01", undated)
	b := filepath.Join(t.TempDir(), "fork")
	if err := os.CopyFS(b, os.DirFS(a)); err != nil {
		t.Fatal(err)
	}
	keys, _ := filepath.Glob(filepath.Join(b, "*.key"))
	for _, k := range keys {
		os.Chmod(k, 0o600) // os.CopyFS does not keep modes
	}
	runAccord(t, "log", "append", "--data", a, "--effective", "2020-09-02", undated)
	for _, d := range []string{"2020-09-03", "2020-09-04", "2020-09-05"} {
		if code, out := runAccord(t, "log", "append", "--data", b, "--effective", d, undated); code != 0 {
			t.Fatal(out)
		}
	}
	trust := t.TempDir()
	if code, out := runAccord(t, "log", "verify", "--trust-store", trust, a); code != 0 {
		t.Fatal(out)
	}
	code, _, stderr := runAccordErr(t, "log", "verify", "--trust-store", trust, "--vkey", filepath.Join(a, "log.vkey"), b)
	oneLine(t, stderr)
	m := regexp.MustCompile(`forked: its first 2 entries differ .*; evidence written to (.*)\n$`).FindStringSubmatch(stderr)
	if code != exitFailed || m == nil {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	raw, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	ev, err := evidence.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, err := node.ReadVerifier(filepath.Join(a, "log.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := evidence.Verify(ev, v)
	if err != nil || got.Older.Size != 2 || got.Newer.Size != 4 || len(ev.Sources) != 2 {
		t.Fatalf("evidence %s: %v", raw, err)
	}
	if code, out := runAccord(t, "evidence", "verify", m[1], "--vkey", filepath.Join(a, "log.vkey")); code != 0 {
		t.Fatalf("accord evidence verify: exit %d, %s", code, out)
	}
}

// TestLeafHashesAgree: the leaf hash log append prints is the one log
// show and status print, in the same hex, so it can be copied from one
// to the other (a correction names an entry by it).
func TestLeafHashesAgree(t *testing.T) {
	dir := newNode(t)
	code, out := runAccord(t, "log", "append", "--data", dir, "--json", "../../testdata/us-2020-09-01-types.csv")
	var appended struct {
		LeafHash string `json:"leaf_hash"`
	}
	if err := json.Unmarshal([]byte(out), &appended); code != 0 || err != nil || len(appended.LeafHash) != 64 {
		t.Fatalf("log append: exit %d, %v\n%s", code, err, out)
	}
	if code, out := runAccord(t, "log", "show", "--data", dir, "--json"); code != 0 || !strings.Contains(out, `"leaf_hash":"`+appended.LeafHash+`"`) {
		t.Errorf("log show does not print %s:\n%s", appended.LeafHash, out)
	}
	// The declaration, recorded after its deadline, is a late update:
	// status names its entry by the same hash.
	if code, out := runAccord(t, "status", "--data", dir, "--party", "USA", "--json"); code != 0 || !strings.Contains(out, `"leaf_hash": "`+appended.LeafHash+`"`) {
		t.Errorf("status does not name the entry by %s:\n%s", appended.LeafHash, out)
	}
	if code, out := runAccord(t, "log", "show", "--data", dir); code != 0 || !strings.Contains(out, " "+appended.LeafHash[:16]+"\n") {
		t.Errorf("log show's table does not begin the hash with %s:\n%s", appended.LeafHash[:16], out)
	}
}

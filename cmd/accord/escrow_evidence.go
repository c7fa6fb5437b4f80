package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"accord/escrow"
	"accord/internal/node"
)

func init() {
	escrowCommands = append(escrowCommands, newEscrowObserveCmd, newEscrowEvidenceCmd)
}

func newEscrowObserveCmd() *cobra.Command {
	var o observeFlags
	c := &cobra.Command{
		Use:   "observe --key KEY (--commitment HASH | --bundle FILE --vkey KEY) --region R --site S --category C (--uid U | --count N) --date D",
		Short: "Sign an inspector's observation in an opened region",
		Long: `Sign an inspector's observation: one warhead (--uid) or a number of
warheads of a category (--count) seen at a site of an opened region of a
party's commitment: its hash (--commitment, as accord escrow verify --json
prints it), or a bundle of it (--bundle), checked with the party's log key
(--vkey). The note is written to stdout, or to -o FILE.

KEY is a signed-note private key file: the inspecting party's log key
(DIR/log.key; the note's first line, "accord escrow observation v1", keeps
it apart from entries and checkpoints) or an inspector's own. Whoever
checks the observation needs the matching verifier key.

Examples:
  accord escrow observe --key rus/log.key --bundle escrow-USA-east.json --vkey usa.vkey \
    --region east --site kings-bay --category deployed_strategic --uid W76-0009 --date 2021-03-01 -o seen.note
  accord escrow observe --key rus/log.key --commitment 3f2a... --region west \
    --site kirtland --category retired --count 3 --date 2021-03-01`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return runEscrowObserve(c, &o) },
	}
	f := c.Flags()
	f.StringVar(&o.key, "key", "", "the signed-note private key file to sign with (required)")
	f.StringVar(&o.commitment, "commitment", "", "the commitment's hash, 64 hex digits")
	f.StringVar(&o.bundle, "bundle", "", "instead of --commitment, a bundle of the commitment, checked with --vkey")
	f.StringVar(&o.vkey, "vkey", "", "with --bundle, the party's log verifier key file")
	f.StringVar(&o.obs.Region, "region", "", "the opened region (required)")
	f.StringVar(&o.obs.Site, "site", "", "the site (required)")
	f.StringVar(&o.category, "category", "", "the warheads' category (required)")
	f.StringVar(&o.obs.UID, "uid", "", "the warhead seen")
	f.Uint64Var(&o.obs.Count, "count", 0, "the number of warheads seen, without --uid")
	f.StringVar(&o.obs.Date, "date", "", "the day of the observation, YYYY-MM-DD (required)")
	f.StringVarP(&o.out, "out", "o", "", "the file to write (default stdout)")
	for _, name := range []string{"key", "region", "site", "category", "date"} {
		c.MarkFlagRequired(name)
	}
	return c
}

type observeFlags struct {
	key, commitment, bundle, vkey, category, out string
	obs                                          escrow.Observation
}

func runEscrowObserve(c *cobra.Command, o *observeFlags) error {
	if err := o.commitmentHash(); err != nil {
		return err
	}
	o.obs.Category = escrow.Category(o.category)
	skey, err := os.ReadFile(o.key)
	if err != nil {
		return err
	}
	s, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return fmt.Errorf("%s: not a signed-note private key", o.key)
	}
	signed, err := escrow.SignObservation(&o.obs, s)
	if err != nil {
		return err
	}
	if o.out == "" {
		_, err = c.OutOrStdout().Write(signed)
		return err
	}
	return os.WriteFile(o.out, signed, 0o600)
}

// commitmentHash sets the observation's commitment from --commitment, or
// from the commitment of --bundle, checked with --vkey.
func (o *observeFlags) commitmentHash() error {
	if (o.commitment == "") == (o.bundle == "") || (o.bundle == "") != (o.vkey == "") {
		return errors.New("give --commitment HASH, or --bundle FILE with --vkey KEY")
	}
	if o.bundle == "" {
		h, err := hex.DecodeString(o.commitment)
		if err != nil || len(h) != 32 {
			return fmt.Errorf("--commitment %q is not 64 hex digits", o.commitment)
		}
		copy(o.obs.Commitment[:], h)
		return nil
	}
	v, err := node.ReadVerifier(o.vkey)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(o.bundle)
	if err != nil {
		return err
	}
	b, err := escrow.ParseBundle(data)
	if err != nil {
		return fmt.Errorf("%s: %w", o.bundle, err)
	}
	p, err := escrowPolicy(v.Name(), nil, 0)
	if err != nil {
		return err
	}
	cb, err := escrow.CheckBundle(b, v, p)
	if err != nil {
		return failure{fmt.Errorf("%s: %w", o.bundle, err)}
	}
	o.obs.Commitment = cb.Commitment.Hash()
	return nil
}

func newEscrowEvidenceCmd() *cobra.Command {
	var vkey, inspector, out string
	c := &cobra.Command{
		Use:   "evidence BUNDLE OBSERVATION --vkey KEY --inspector-vkey KEY",
		Short: "Write completeness evidence: an observation no reveal accounts for",
		Long: `Put a party's bundle, an inspector's signed observation in a region it
opened into one evidence file, once it proves the declaration was
incomplete when committed: the item observed is in no reveal and no flow
the bundle's log records since the commitment. Anyone checks the file
offline with accord evidence verify.

Exit status: 0 the evidence proves it, and the file is written; 1 it
does not (the check that fails is named: accounted when the item is in a
reveal, observation when the region is not opened); 2 a file cannot be
read.

Examples:
  accord escrow evidence escrow-USA-east.json seen.note --vkey usa.vkey --inspector-vkey rus.vkey -o incomplete.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			return runEscrowEvidence(c, args[0], args[1], vkey, inspector, out)
		},
	}
	c.Flags().StringVar(&vkey, "vkey", "", "the party's log verifier key file (required)")
	c.Flags().StringVar(&inspector, "inspector-vkey", "", "the inspector's verifier key file (required)")
	c.Flags().StringVarP(&out, "out", "o", "escrow-evidence.json", "the evidence file to write")
	c.MarkFlagRequired("vkey")
	c.MarkFlagRequired("inspector-vkey")
	return c
}

func runEscrowEvidence(c *cobra.Command, bundle, observation, vkey, inspector, out string) error {
	e := &escrow.Evidence{}
	for _, k := range []struct {
		file string
		dst  *string
	}{{vkey, &e.PartyKey}, {inspector, &e.InspectorKey}} {
		if _, err := node.ReadVerifier(k.file); err != nil {
			return err
		}
		b, _ := os.ReadFile(k.file)
		*k.dst = strings.TrimSpace(string(b))
	}
	var err error
	if e.Observation, err = os.ReadFile(observation); err != nil {
		return err
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		return err
	}
	if e.Bundle, err = escrow.ParseBundle(data); err != nil {
		return fmt.Errorf("%s: %w", bundle, err)
	}
	p, err := escrowPolicy(keyName(e.PartyKey), nil, 0)
	if err != nil {
		return err
	}
	cb, o, err := escrow.ProveIncomplete(e, nil, nil, p)
	if err != nil {
		return evidenceFailure(err)
	}
	if err := os.WriteFile(out, e.Marshal(), 0o600); err != nil {
		return err
	}
	printIncomplete(c.OutOrStdout(), cb, o)
	fmt.Fprintf(c.OutOrStdout(), "wrote %s\n", out)
	return nil
}

// evidenceFailure makes a failed check exit 1 and anything else 2.
func evidenceFailure(err error) error {
	var ce *escrow.CheckError
	if errors.As(err, &ce) {
		return failure{err}
	}
	return err
}

// runEscrowEvidenceVerify is accord evidence verify for a file of
// completeness evidence. vkey and inspector, if given, are the keys to
// check it with instead of the file's.
func runEscrowEvidenceVerify(c *cobra.Command, file string, data []byte, vkey, inspector string, asJSON bool) error {
	e, err := escrow.ParseEvidence(data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	keys := make([]note.Verifier, 2)
	for i, k := range []string{vkey, inspector} {
		if k != "" {
			if keys[i], err = node.ReadVerifier(k); err != nil {
				return err
			}
		}
	}
	origin := keyName(e.PartyKey)
	if keys[0] != nil {
		origin = keys[0].Name()
	}
	p, err := escrowPolicy(origin, nil, 0)
	if err != nil {
		return err
	}
	cb, o, err := escrow.ProveIncomplete(e, keys[0], keys[1], p)
	if err != nil {
		return evidenceFailure(fmt.Errorf("%s: %w", file, err))
	}
	if asJSON {
		h := cb.Commitment.Hash()
		return json.NewEncoder(c.OutOrStdout()).Encode(map[string]any{"proven": true, "kind": "incomplete_declaration",
			"party": cb.Commitment.Party, "origin": cb.Entry.Origin(), "commitment": hex.EncodeToString(h[:]),
			"entry": cb.Index, "region": o.Region, "site": o.Site, "category": o.Category, "uid": o.UID,
			"count": o.Count, "date": o.Date})
	}
	printIncomplete(c.OutOrStdout(), cb, o)
	return nil
}

func printIncomplete(w io.Writer, cb *escrow.CheckedBundle, o *escrow.Observation) {
	cm := cb.Commitment
	item := o.UID + " (" + string(o.Category) + ")"
	if o.UID == "" {
		item = plural(o.Count, "warhead", "warheads") + " (" + string(o.Category) + ")"
	}
	fmt.Fprintf(w, "proven: %s's declaration of %s (entry %d of %s) was incomplete when committed\n", cm.Party, cm.Date, cb.Index, cb.Entry.Origin())
	if o.UID != "" {
		fmt.Fprintf(w, "%s seen at %s in region %s on %s: in no reveal and no flow since\n", item, o.Site, o.Region, o.Date)
		return
	}
	fmt.Fprintf(w, "%s seen at %s in region %s on %s: more than its reveal and the flows since account for\n", item, o.Site, o.Region, o.Date)
}

// keyName is the name of a signed-note verifier key, the text before
// its first "+".
func keyName(vkey string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(vkey), "+")
	return name
}

package office

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"accord/escrow"
	"accord/internal/durable"
	"accord/internal/node"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// EscrowEvidenceDir is where a node keeps the completeness evidence it
// accepted (docs/escrow.md, "Completeness evidence"), one file per
// evidence, named by its SHA-256.
const EscrowEvidenceDir = node.EvidenceDir + "/escrow"

// maxEscrowEvidence bounds the evidence files a node reads back: each is
// checked again whenever findings are listed.
const maxEscrowEvidence = 1000

// An Incomplete declaration, as a node's completeness evidence proves it.
type Incomplete struct {
	File       string `json:"file"`       // its name in EscrowEvidenceDir
	Party      string `json:"party"`      // the party whose declaration was incomplete
	Commitment string `json:"commitment"` // the commitment's hash, hex
	Entry      uint64 `json:"entry"`      // the commitment's index in the party's log
	Date       string `json:"date"`       // the commitment's date
	Inspector  string `json:"inspector"`  // the party whose key signed the observation
	Observed   string `json:"observed"`   // what was seen, where and when, in words
	Seen       string `json:"seen"`       // the observation's date
}

// KeepEscrowEvidence checks completeness evidence with the log keys the
// node knows (its own and its peers'), never the keys in the file: the
// bundle must be signed by the accused party's log key and the
// observation by another party's. Evidence that proves the declaration
// incomplete is written durably to EscrowEvidenceDir, where it is a
// finding against the party; anything else is refused and nothing is
// written. Keeping the same evidence twice keeps one file.
func (o *Office) KeepEscrowEvidence(data []byte) (string, *Incomplete, error) {
	inc, err := o.proveIncomplete(data)
	if err != nil {
		return "", nil, err
	}
	dir := o.Node.Path(EscrowEvidenceDir)
	if err := durable.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, inc.File)
	if err := durable.WriteNewFile(path, data, 0o644); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", nil, err
	}
	return path, inc, nil
}

// proveIncomplete checks data as KeepEscrowEvidence does.
func (o *Office) proveIncomplete(data []byte) (*Incomplete, error) {
	e, err := escrow.ParseEvidence(data)
	if err != nil {
		return nil, inputErrorf("not completeness evidence: %w", err)
	}
	keys, err := o.partyKeys()
	if err != nil {
		return nil, err
	}
	accused, err := knownKey(keys, e.PartyKey, "party_vkey")
	if err != nil {
		return nil, err
	}
	inspector, err := knownKey(keys, e.InspectorKey, "inspector_vkey")
	if err != nil {
		return nil, err
	}
	if accused == inspector {
		return nil, inputErrorf("inspector_vkey: the observation is signed by %s, the accused party itself", accused)
	}
	policy, err := EscrowPolicy(keys[accused].Name(), nil, 0)
	if err != nil {
		return nil, err
	}
	cb, obs, err := escrow.ProveIncomplete(e, keys[accused], keys[inspector], policy)
	if err != nil {
		return nil, inputErrorf("the evidence proves nothing: %w", err)
	}
	if cb.Commitment.Party != accused {
		return nil, inputErrorf("party_vkey: %s's key, but the commitment is %s's", accused, cb.Commitment.Party)
	}
	return incomplete(data, cb, obs, inspector), nil
}

func incomplete(data []byte, cb *escrow.CheckedBundle, obs *escrow.Observation, inspector string) *Incomplete {
	sum := sha256.Sum256(data)
	h := cb.Commitment.Hash()
	what := fmt.Sprintf("warhead %s (%s)", obs.UID, obs.Category)
	if obs.UID == "" {
		what = fmt.Sprintf("%d warheads (%s)", obs.Count, obs.Category)
	}
	return &Incomplete{
		File: hex.EncodeToString(sum[:]) + ".json", Party: cb.Commitment.Party, Commitment: hex.EncodeToString(h[:]),
		Entry: cb.Index, Date: cb.Commitment.Date, Inspector: inspector, Seen: obs.Date,
		Observed: fmt.Sprintf("%s seen at %s in region %s on %s, accounted for by no reveal or flow", what, obs.Site, obs.Region, obs.Date),
	}
}

// partyKeys returns the log verifier keys the node knows, by party.
func (o *Office) partyKeys() (map[string]note.Verifier, error) {
	keys := map[string]note.Verifier{o.Node.Config.Party: o.Node.Verifier}
	for _, p := range o.Node.Config.Peers {
		v, err := note.NewVerifier(p.LogVKey)
		if err != nil {
			return nil, fmt.Errorf("peer %s: log_vkey: %w", p.Party, err)
		}
		keys[p.Party] = v
	}
	return keys, nil
}

// knownKey returns the party whose log key is the verifier key vkey.
func knownKey(keys map[string]note.Verifier, vkey, field string) (string, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return "", inputErrorf("%s: %w", field, err)
	}
	// The name and key hash select one of the node's own keys, which is
	// the key the evidence is then checked with: a key in the file never
	// is.
	for party, k := range keys {
		if k.Name() == v.Name() && k.KeyHash() == v.KeyHash() {
			return party, nil
		}
	}
	return "", inputErrorf("%s: %s is the log key of no party this node knows", field, v.Name())
}

// IncompleteDeclarations returns what the evidence the node keeps proves,
// each file checked again with the keys the node knows now; a file that
// no longer proves anything (a key rotated, a file edited) is skipped.
func (o *Office) IncompleteDeclarations() ([]Incomplete, error) {
	dir := o.Node.Path(EscrowEvidenceDir)
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Incomplete
	for _, de := range des[:min(len(des), maxEscrowEvidence)] {
		if !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return nil, err
		}
		if inc, err := o.proveIncomplete(data); err == nil && inc.File == de.Name() {
			out = append(out, *inc)
		}
	}
	slices.SortFunc(out, func(a, b Incomplete) int { return strings.Compare(a.Seen+a.File, b.Seen+b.File) })
	return out, nil
}

// AddHeldEvidence adds to st, a party's status, the findings the node's
// evidence proves against the party by st.At: split views of its log
// (AddSplitViews) and incomplete escrowed declarations, each dated the
// day of the observation that proves it.
func (o *Office) AddHeldEvidence(st *registry.Status) error {
	if err := o.AddSplitViews(st); err != nil {
		return err
	}
	incs, err := o.IncompleteDeclarations()
	if err != nil {
		return fmt.Errorf("reading escrow evidence: %w", err)
	}
	for _, inc := range incs {
		seen, err := treaty.ParseDate(inc.Seen)
		if err != nil || inc.Party != st.Party || seen.Time().After(st.At) {
			continue
		}
		st.Other = append(st.Other, registry.Finding{
			Kind: registry.FindingIncomplete, Party: st.Party, Sent: seen.Time(),
			Reason: fmt.Sprintf("declaration of %s (commitment %s…, entry %d) was incomplete: %s, observed by %s (evidence %s; check it with accord evidence verify)",
				inc.Date, inc.Commitment[:12], inc.Entry, inc.Observed, inc.Inspector, filepath.Join(EscrowEvidenceDir, inc.File)),
		})
	}
	return nil
}

package web

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/note"

	"accord/entry"
	"accord/entry/body"
	"accord/internal/treaty"
)

type entryData struct {
	Party      treaty.Party
	Origin     string
	Index      uint64
	Entry      *entry.Entry
	Body       string
	Receipt    string
	LeafHash   string   // hex, as the CLI prints it
	Proof      []string // hex
	Checkpoint string
	TreeSize   uint64
	Root       string // hex, as every hash a person reads
	RootBase64 string // as the checkpoint states it
	VKey       string
	Verified   bool
	Problem    string
	// Acks is, for an acknowledgement, the entry it acknowledges and that
	// entry's leaf hash in hex (the body states it in base64).
	Acks     *body.Ref
	AcksHash string
}

// receipt reads the receipt of the entry named by the path.
func (d *Dashboard) receipt(r *http.Request) (treaty.Party, string, uint64, []byte, error) {
	p, err := d.partyParam(r.PathValue("party"))
	if err != nil {
		return p, "", 0, nil, err
	}
	index, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		return p, "", 0, nil, badRequest("entry index %q is not a number", r.PathValue("index"))
	}
	origin := entry.Origin(d.src.Treaty().ID, p.ID)
	b, err := d.src.Proof(r.Context(), origin, index)
	return p, origin, index, b, err
}

// entry shows an entry and checks its receipt against the log's key.
func (d *Dashboard) entry(w http.ResponseWriter, r *http.Request) error {
	p, origin, index, b, err := d.receipt(r)
	if err != nil {
		return err
	}
	data := entryData{Party: p, Origin: origin, Index: index, Receipt: string(b)}
	if err := d.check(r, &data, b); err != nil {
		data.Problem = err.Error()
	}
	return d.render(w, r, http.StatusOK, "entry", fmt.Sprintf("%s entry %d", p.ID, index), data)
}

// check verifies the receipt b with the log's verifier key, filling in
// what the page shows.
func (d *Dashboard) check(r *http.Request, data *entryData, b []byte) error {
	rc, err := entry.ParseReceipt(b)
	if err != nil {
		return err
	}
	for _, h := range rc.Proof {
		data.Proof = append(data.Proof, hex.EncodeToString(h))
	}
	data.Checkpoint = string(rc.Checkpoint)
	if rc.Entry != nil {
		lh := entry.LeafHash(rc.Entry)
		data.LeafHash = hex.EncodeToString(lh[:])
	}
	logs, err := d.src.Logs(r.Context())
	if err != nil {
		return err
	}
	for _, l := range logs {
		if l.Origin == data.Origin {
			data.VKey = l.VKey
		}
	}
	if data.VKey == "" {
		return fmt.Errorf("no verifier key for log %s", data.Origin)
	}
	v, err := note.NewVerifier(data.VKey)
	if err != nil {
		return fmt.Errorf("verifier key of %s: %w", data.Origin, err)
	}
	e, cp, err := entry.CheckReceipt(rc, v, nil)
	if err != nil {
		return err
	}
	if rc.Index != data.Index {
		return fmt.Errorf("the receipt is for entry %d, not %d", rc.Index, data.Index)
	}
	data.Entry, data.TreeSize, data.Verified = e, cp.Size, true
	data.Root, data.RootBase64 = hex.EncodeToString(cp.Hash), base64.StdEncoding.EncodeToString(cp.Hash)
	if e.Kind == entry.Acknowledgement {
		if a, err := body.ParseAcknowledgement(e.Body); err == nil {
			data.Acks, data.AcksHash = &a.Entry, hex.EncodeToString(a.Entry.LeafHash[:])
		}
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, e.Body, "", "  ") == nil {
		data.Body = pretty.String()
	} else {
		data.Body = string(e.Body)
	}
	return nil
}

// proof serves an entry's receipt as a file.
func (d *Dashboard) proof(w http.ResponseWriter, r *http.Request) error {
	p, _, index, b, err := d.receipt(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.tlog-proof"`, p.ID, index))
	_, err = w.Write(b)
	return err
}

package webtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"accord/entry"
	"accord/entry/body"
	"accord/escrow"
	"accord/internal/treaty"
	"accord/internal/web"
)

// Commit commits party to d with secret, logging the commitment as an
// entry of kind commitment effective on d's date and sent at sent, as
// office.Commit does on a node. It returns the entry's reference and the
// opening the reveals are made from.
func (w *World) Commit(ctx context.Context, secret *[escrow.SecretSize]byte, d *escrow.Declaration, sent time.Time) (body.Ref, *escrow.Opening, error) {
	c, o, err := escrow.Commit(secret, d)
	if err != nil {
		return body.Ref{}, nil, err
	}
	day, err := treaty.ParseDate(d.Date)
	if err != nil {
		return body.Ref{}, nil, err
	}
	ref, err := w.Append(ctx, d.Party, entry.Commitment, day, sent, (&escrow.LogBody{Commitment: c}).Marshal())
	return ref, o, err
}

// Reveal opens region of o, logs its record as party's entry effective
// eff and sent at sent, as office.Reveal does, and stores the reveal's
// bytes in w.Reveals, as a node does once it holds them.
func (w *World) Reveal(ctx context.Context, party string, o *escrow.Opening, region string, eff treaty.Date, sent time.Time) (body.Ref, error) {
	r, err := o.Reveal(region)
	if err != nil {
		return body.Ref{}, err
	}
	ref, err := w.Append(ctx, party, entry.Commitment, eff, sent, (&escrow.LogBody{Reveal: escrow.LogReveal(r)}).Marshal())
	if err != nil {
		return body.Ref{}, err
	}
	w.StoreReveal(party, r.Marshal())
	return ref, nil
}

// StoreReveal stores b as party's reveal under its SHA-256. A test that
// tampers with a stored reveal calls it with other bytes under the
// original hash through w.Reveals directly.
func (w *World) StoreReveal(party string, b []byte) [32]byte {
	h := sha256.Sum256(b)
	if w.Reveals == nil {
		w.Reveals = map[string]map[[32]byte][]byte{}
	}
	if w.Reveals[party] == nil {
		w.Reveals[party] = map[[32]byte][]byte{}
	}
	w.Reveals[party][h] = b
	return h
}

// Reveal implements web.RevealStore.
func (v view) Reveal(ctx context.Context, party string, h [32]byte) ([]byte, error) {
	b, ok := v.w.Reveals[party][h]
	if !ok {
		return nil, fmt.Errorf("%w: reveal %x of %s", web.ErrNotFound, h[:4], party)
	}
	return b, nil
}

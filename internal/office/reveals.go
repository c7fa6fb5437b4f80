package office

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"accord/entry"
	"accord/escrow"
	"accord/internal/ledger"
)

// RevealsDir holds the bytes of the reveals a node holds, its own and its
// peers': DIR/reveals/<PARTY>/<sha256 hex>, each named by the SHA-256 its
// party's log records for it (docs/escrow.md, "In the demo"). A log
// records only a reveal's hash; these are its bytes.
//
// Trust: the files are not trusted. A reveal is public once its party has
// logged it, and every reader checks it (against its name, and escrow.Verify
// against the commitment): whoever writes here can at most make the node
// serve nothing, or show a reveal as not verified.
const RevealsDir = "reveals"

// MaxReveal bounds a reveal's bytes, served or fetched: a reveal of a
// region of 2^18 leaves of site entries (about 120 bytes a leaf with its
// salt) fits, one of escrow.MaxCapacity leaves does not and is never
// fetched.
const MaxReveal = 32 << 20

// ErrNoReveal is the error of ReadReveal for a reveal the node does not
// hold.
var ErrNoReveal = errors.New("no such reveal")

// RevealPath returns the file of party's reveal whose SHA-256 is h.
func (o *Office) RevealPath(party string, h [32]byte) string {
	return filepath.Join(o.Node.Dir, RevealsDir, party, hex.EncodeToString(h[:]))
}

// ReadReveal returns the bytes of party's reveal whose SHA-256 is h, as
// stored: the caller checks them. A reveal the node does not hold is
// ErrNoReveal.
func (o *Office) ReadReveal(party string, h [32]byte) ([]byte, error) {
	f, err := os.Open(o.RevealPath(party, h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoReveal
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxReveal+1))
	if err == nil && len(b) > MaxReveal {
		err = fmt.Errorf("reveal %x of %s: more than %d bytes", h[:4], party, MaxReveal)
	}
	return b, err
}

// storeReveal writes b as party's reveal whose SHA-256 is h, replacing
// nothing: the write goes to a temporary file renamed into place.
func (o *Office) storeReveal(party string, h [32]byte, b []byte) error {
	path := o.RevealPath(party, h)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".reveal-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err = errors.Join(err, tmp.Sync(), tmp.Chmod(0o644), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// held reports whether the node holds party's reveal h.
func (o *Office) held(party string, h [32]byte) bool {
	_, err := os.Stat(o.RevealPath(party, h))
	return err == nil
}

// A logged escrow: a commitment of a log and its reveal records, in log
// order.
type logged struct {
	commitments map[[32]byte]*escrow.Commitment // by hash
	reveals     []*escrow.LoggedReveal
}

// escrowLog reads the escrow entries of one log from index from up to its
// checkpoint, adding them to into, and returns the index it read to.
func escrowLog(ctx context.Context, s source, from uint64, into *logged) (uint64, error) {
	cp, _, err := ledger.ReadCheckpoint(ctx, s.src, s.v)
	if errors.Is(err, fs.ErrNotExist) {
		return from, nil
	}
	if err != nil || cp.Size <= from {
		return from, err
	}
	err = ledger.EntriesFrom(ctx, s.src, s.v, from, cp.Size, func(r ledger.Record) error {
		if r.Entry.Kind != entry.Commitment {
			return nil
		}
		b, err := escrow.ParseLogBody(r.Entry.Body)
		switch {
		case err != nil:
		case b.Commitment != nil:
			into.commitments[b.Commitment.Hash()] = b.Commitment
		default:
			into.reveals = append(into.reveals, b.Reveal)
		}
		return nil
	})
	return cp.Size, err
}

// KeepOwnReveals stores, under RevealsDir, every reveal the node's own
// log records that it does not hold yet, made again from the escrow
// secret and the declaration kept in DIR/escrow/ (Reveal logs a reveal's
// hash, not its bytes). A reveal whose bytes do not hash to what the log
// records is an error, and is not stored. It returns how many it stored.
func (o *Office) KeepOwnReveals(ctx context.Context) (int, error) {
	srcs, err := o.sources()
	if err != nil {
		return 0, err
	}
	l := &logged{commitments: map[[32]byte]*escrow.Commitment{}}
	if _, err := escrowLog(ctx, srcs[0], 0, l); err != nil {
		return 0, err
	}
	return o.keepOwn(l)
}

// keepOwn stores the reveals of l, the own log's, that the node does not
// hold, and leaves in l.reveals those it could not make.
func (o *Office) keepOwn(l *logged) (int, error) {
	party, stored := o.Node.Config.Party, 0
	openings := map[[32]byte]*escrow.Opening{}
	var errs []error
	var left []*escrow.LoggedReveal
	for _, r := range l.reveals {
		if o.held(party, r.Hash) {
			continue
		}
		b, err := o.remake(l, openings, r)
		if err == nil {
			err = o.storeReveal(party, r.Hash, b)
		}
		if err != nil {
			errs, left = append(errs, fmt.Errorf("reveal of region %s: %w", r.Region, err)), append(left, r)
			continue
		}
		stored++
	}
	l.reveals = left
	return stored, errors.Join(errs...)
}

// remake returns the bytes of the logged reveal r, made from its
// commitment's opening.
func (o *Office) remake(l *logged, openings map[[32]byte]*escrow.Opening, r *escrow.LoggedReveal) ([]byte, error) {
	op := openings[r.Commitment]
	if op == nil {
		c := l.commitments[r.Commitment]
		if c == nil {
			return nil, fmt.Errorf("its commitment %x is not in the log", r.Commitment[:4])
		}
		var err error
		if op, err = o.reopen(c); err != nil {
			return nil, err
		}
		openings[r.Commitment] = op
	}
	rv, err := op.Reveal(r.Region)
	if err != nil {
		return nil, err
	}
	b := rv.Marshal()
	if sha256.Sum256(b) != r.Hash {
		return nil, fmt.Errorf("made again, it does not hash to the logged %x", r.Hash[:4])
	}
	return b, nil
}

// revealFetchTimeout bounds one fetch of a reveal: MaxReveal at 10 Mbit/s
// takes under 30 s.
const revealFetchTimeout = 30 * time.Second

// revealRetry is how long a reveal that could not be fetched (the peer
// down, or serving bytes that do not hash to the logged hash) waits
// before it is asked for again, so that a hostile peer costs one request
// and one log line a minute per reveal.
const revealRetry = time.Minute

// A RevealFetcher fetches the reveals the node's peers' logs record and
// the node does not hold, from each peer's node at GET /escrow/{sha256},
// after the node has followed their logs. Bytes that do not hash to the
// logged hash are dropped, and the failure logged.
//
// A RevealFetcher is used by one goroutine at a time. It keeps how far it
// has read each peer's mirror in memory: a new one reads every mirror
// from the start once.
type RevealFetcher struct {
	Office *Office
	Client *http.Client
	// Now gives the time for the retry of failed fetches; time.Now if nil.
	Now func() time.Time

	read map[string]uint64 // log's party → entries read
	own  *logged           // the own log's escrow entries not yet stored
	// ownRetry is when to try again to make the own reveals that could
	// not be made (the secret or a declaration missing): not before.
	ownRetry time.Time
	wanted   map[string][]*escrow.LoggedReveal
	failed   map[[32]byte]time.Time // reveal → when to ask again
}

// Fetch runs one round: it stores the node's own reveals it lacks (as
// KeepOwnReveals, from what the own log gained since the last round), reads what each peer's mirror gained since the last
// round, and fetches every recorded reveal not held, except those that
// failed less than a minute ago. It returns how many reveals it stored; a
// failed fetch is logged, not returned; an own reveal that cannot be made
// is returned, and not tried again for a minute.
func (f *RevealFetcher) Fetch(ctx context.Context) (int, error) {
	o := f.Office
	if f.read == nil {
		f.read, f.wanted, f.failed = map[string]uint64{}, map[string][]*escrow.LoggedReveal{}, map[[32]byte]time.Time{}
		f.own = &logged{commitments: map[[32]byte]*escrow.Commitment{}}
	}
	srcs, err := o.sources()
	if err != nil {
		return 0, err
	}
	party := o.Node.Config.Party
	if f.read[party], err = escrowLog(ctx, srcs[0], f.read[party], f.own); err != nil {
		return 0, fmt.Errorf("own log: %w", err)
	}
	stored := 0
	if now := f.now(); !now.Before(f.ownRetry) {
		if stored, err = o.keepOwn(f.own); err != nil {
			f.ownRetry = now.Add(revealRetry)
			return stored, err
		}
	}
	for i, p := range o.Node.Config.Peers {
		l := &logged{commitments: map[[32]byte]*escrow.Commitment{}}
		if f.read[p.Party], err = escrowLog(ctx, srcs[i+1], f.read[p.Party], l); err != nil {
			return stored, fmt.Errorf("log of %s: %w", p.Party, err)
		}
		f.wanted[p.Party] = append(f.wanted[p.Party], l.reveals...)
		stored += f.fetchPeer(ctx, p.Party, p.URL)
	}
	return stored, nil
}

// fetchPeer fetches party's wanted reveals from its node at base, and
// keeps wanted those it could not get.
func (f *RevealFetcher) fetchPeer(ctx context.Context, party, base string) int {
	o, now, stored := f.Office, f.now(), 0
	var left []*escrow.LoggedReveal
	for _, r := range f.wanted[party] {
		if o.held(party, r.Hash) {
			continue
		}
		if t, ok := f.failed[r.Hash]; ok && now.Before(t) {
			left = append(left, r)
			continue
		}
		err := f.fetchOne(ctx, party, base, r.Hash)
		if err != nil {
			o.Node.Logger.WarnContext(ctx, "peer reveal not fetched", "party", party, "region", r.Region, "reveal", hex.EncodeToString(r.Hash[:]), "err", err)
			f.failed[r.Hash] = now.Add(revealRetry)
			left = append(left, r)
			continue
		}
		delete(f.failed, r.Hash)
		stored++
	}
	f.wanted[party] = left
	return stored
}

// fetchOne gets party's reveal h from base/escrow/{h}, and stores it if
// its bytes hash to h.
func (f *RevealFetcher) fetchOne(ctx context.Context, party, base string, h [32]byte) error {
	ctx, cancel := context.WithTimeout(ctx, revealFetchTimeout)
	defer cancel()
	u := strings.TrimSuffix(base, "/") + "/escrow/" + hex.EncodeToString(h[:])
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxReveal+1))
	switch {
	case err != nil:
		return fmt.Errorf("GET %s: %w", u, err)
	case len(b) > MaxReveal:
		return fmt.Errorf("GET %s: more than %d bytes: dropped", u, MaxReveal)
	case sha256.Sum256(b) != h:
		return fmt.Errorf("GET %s: the bytes served do not hash to the logged reveal: dropped", u)
	}
	return f.Office.storeReveal(party, h, b)
}

func (f *RevealFetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

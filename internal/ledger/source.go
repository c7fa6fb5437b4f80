package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
)

// Source reads the resources of a tiled log (c2sp.org/tlog-tiles). Each
// method returns an error wrapping [fs.ErrNotExist] when the resource is
// missing. A partial resource (p > 0) that is missing is looked up as the
// full resource, since a log may delete partial tiles once they fill.
// client.HTTPFetcher and client.FileFetcher from Tessera satisfy it too.
type Source interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// Resource size limits, so that a hostile server cannot exhaust memory.
const (
	maxCheckpoint = 1 << 20
	maxTile       = 32 * 256
	maxBundle     = 256 * (2 + 1<<16)
)

// Timeouts for reading a remote log. A server that stops answering must
// make verify fail, not hang: http.DefaultClient waits forever.
var (
	// dialTimeout bounds connecting: a host that does not accept a TCP
	// connection in 10 s is down or filtered.
	dialTimeout = 10 * time.Second
	// tlsTimeout bounds the TLS handshake, for the same reason.
	tlsTimeout = 10 * time.Second
	// headerTimeout bounds the wait for a response once the request is
	// sent: serving a tile or checkpoint is a file read, so 30 s means the
	// server is stuck.
	headerTimeout = 30 * time.Second
	// fetchTimeout bounds one whole resource, body included: the largest,
	// a full entry bundle of maxBundle (16 MiB), takes about 2 min at
	// 1 Mbit/s.
	fetchTimeout = 3 * time.Minute
)

// NewHTTPClient returns the client [OpenSource] reads remote logs with:
// every connection, handshake, response and resource has a time limit.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: dialTimeout}).DialContext
	t.TLSHandshakeTimeout = tlsTimeout
	t.ResponseHeaderTimeout = headerTimeout
	return &http.Client{Transport: t, Timeout: fetchTimeout}
}

// OpenSource returns a Source for loc: an http:// or https:// URL prefix of
// a served log, or a local directory holding a log's checkpoint and tiles.
func OpenSource(loc string) (Source, error) {
	if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
		u, err := url.Parse(strings.TrimSuffix(loc, "/") + "/")
		if err != nil {
			return nil, fmt.Errorf("log URL: %w", err)
		}
		return &HTTPSource{URL: u, Client: NewHTTPClient()}, nil
	}
	if _, err := os.Stat(filepath.Join(loc, layout.CheckpointPath)); err != nil {
		return nil, fmt.Errorf("no log in %s: %w", loc, err)
	}
	return DirSource(loc), nil
}

// DirSource reads a log from a local directory.
type DirSource string

func (d DirSource) read(ctx context.Context, p string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(string(d), filepath.FromSlash(p)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, p, limit)
}

func (d DirSource) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	return d.read(ctx, layout.CheckpointPath, maxCheckpoint)
}

func (d DirSource) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return partialOrFull(p, func(p uint8) ([]byte, error) { return d.read(ctx, layout.TilePath(level, index, p), maxTile) })
}

func (d DirSource) ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return partialOrFull(p, func(p uint8) ([]byte, error) { return d.read(ctx, layout.EntriesPath(index, p), maxBundle) })
}

// HTTPSource reads a log served at URL, which ends in a slash.
type HTTPSource struct {
	URL    *url.URL
	Client *http.Client
	// Token, if set, is sent as a bearer credential with every request:
	// an accord node serves entry bundles only to its parties.
	Token string
}

func (h *HTTPSource) get(ctx context.Context, p string, limit int64) ([]byte, error) {
	u := h.URL.JoinPath(p).String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return readLimited(resp.Body, u, limit)
	case http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w", u, fs.ErrNotExist)
	}
	return nil, fmt.Errorf("%s: %s", u, resp.Status)
}

func (h *HTTPSource) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	return h.get(ctx, layout.CheckpointPath, maxCheckpoint)
}

func (h *HTTPSource) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return partialOrFull(p, func(p uint8) ([]byte, error) { return h.get(ctx, layout.TilePath(level, index, p), maxTile) })
}

func (h *HTTPSource) ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return partialOrFull(p, func(p uint8) ([]byte, error) { return h.get(ctx, layout.EntriesPath(index, p), maxBundle) })
}

func partialOrFull(p uint8, read func(p uint8) ([]byte, error)) ([]byte, error) {
	b, err := read(p)
	if p > 0 && errors.Is(err, fs.ErrNotExist) {
		return read(0)
	}
	return b, err
}

func readLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("%s: larger than %d bytes", name, limit)
	}
	return b, err
}

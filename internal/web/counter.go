package web

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"accord/entry"
	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/treaty"
)

// maxCached bounds the declarations a counter keeps.
const maxCached = 1024

// A counter counts declarations with the engine and keeps the
// declarations it read from the treaty database, which are costly to
// build (a replay of every item's history).
//
// A declaration depends only on the entries ingested and the time it is
// known at, so the cache is keyed by each log's ingested size and by the
// day of Source.Now: an entry ingested empties it, and so does midnight.
// Within a day, the entries a node ingests are created before it ingests
// them, so the declarations as known at any time of the day since are
// the same.
type counter struct {
	src Source

	mu     sync.Mutex
	key    string
	decls  map[declKey]*declaration.Declaration
	stated map[string][]treaty.Date
}

type declKey struct {
	party string
	asOf  treaty.Date
}

func newCounter(src Source) *counter { return &counter{src: src} }

// state returns the cache key now, and the time counts are known at.
func (c *counter) state(ctx context.Context) (string, time.Time, error) {
	now := c.src.Now().UTC()
	t := c.src.Treaty()
	var b strings.Builder
	b.WriteString(now.Format(time.DateOnly))
	for _, p := range t.Parties {
		n, err := c.src.Registry().NextIndex(ctx, entry.Origin(t.ID, p.ID))
		if err != nil {
			return "", now, err
		}
		fmt.Fprintf(&b, " %s:%d", p.ID, n)
	}
	return b.String(), now, nil
}

// sync empties the cache if the database or the day changed.
func (c *counter) sync(ctx context.Context) (time.Time, error) {
	key, now, err := c.state(ctx)
	if err != nil {
		return now, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if key != c.key || len(c.decls) > maxCached {
		c.key, c.decls, c.stated = key, map[declKey]*declaration.Declaration{}, nil
	}
	return now, nil
}

// declaration returns party's declaration on asOf as known at knownAt.
func (c *counter) declaration(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) (*declaration.Declaration, error) {
	k := declKey{party, asOf}
	c.mu.Lock()
	d, ok := c.decls[k]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := c.src.Registry().Declaration(ctx, party, asOf, knownAt)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.decls != nil {
		c.decls[k] = d
	}
	c.mu.Unlock()
	return d, nil
}

// statedDates returns the dates each party stated its full holdings.
func (c *counter) statedDates(ctx context.Context, knownAt time.Time) (map[string][]treaty.Date, error) {
	c.mu.Lock()
	s := c.stated
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := factsheet.Stated(ctx, c.src.Registry(), knownAt)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.stated = s
	c.mu.Unlock()
	return s, nil
}

// evaluate counts every party that declared anything by asOf, under
// each of readings, as known now. It returns the results and the time
// they are known at.
func (c *counter) evaluate(ctx context.Context, asOf treaty.Date, readings []string) ([]engine.Result, time.Time, error) {
	now, err := c.sync(ctx)
	if err != nil {
		return nil, now, err
	}
	t := c.src.Treaty()
	decls, err := c.prefetch(ctx, []treaty.Date{asOf}, now)
	if err != nil {
		return nil, now, err
	}
	var out []engine.Result
	for _, rd := range readings {
		res, err := engine.Evaluate(t, asOf, rd, decls[asOf])
		if err != nil {
			return nil, now, err
		}
		out = append(out, res)
	}
	return out, now, nil
}

// prefetch reads every party's declaration on each date, in parallel,
// and returns those with any item, by date.
func (c *counter) prefetch(ctx context.Context, dates []treaty.Date, knownAt time.Time) (map[treaty.Date][]*declaration.Declaration, error) {
	t := c.src.Treaty()
	type job struct {
		i     int
		party string
		d     treaty.Date
	}
	var jobs []job
	for _, d := range dates {
		for _, p := range t.Parties {
			jobs = append(jobs, job{len(jobs), p.ID, d})
		}
	}
	got := make([]*declaration.Declaration, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, j := range jobs {
		g.Go(func() error {
			d, err := c.declaration(gctx, j.party, j.d, knownAt)
			got[j.i] = d
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := map[treaty.Date][]*declaration.Declaration{}
	for _, j := range jobs {
		if d := got[j.i]; len(d.Items) > 0 {
			out[j.d] = append(out[j.d], d)
		}
	}
	return out, nil
}

package web

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"accord/internal/declaration"
	"accord/internal/engine"
	"accord/internal/factsheet"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// maxCached bounds the declarations a counter keeps.
const maxCached = 1024

// A counter counts declarations with the engine and keeps the
// declarations it read from the treaty database, which are costly to
// build (a replay of every item's history).
//
// A declaration depends only on the entries ingested and the time it is
// known at, so the cache is keyed by the treaty database's positions
// (registry.Positions, each log's ingested size) and by the day of
// NodeView.Now: an entry ingested empties it, and so does midnight.
// Within a day, the entries a node ingests are created before it ingests
// them, so the declarations as known at any time of the day since are
// the same.
type counter struct {
	src NodeView

	mu      sync.Mutex
	key     string
	decls   map[declKey]*declaration.Declaration
	stated  map[string][]treaty.Date
	notices *partyNotices

	// reads counts the costly reads of the treaty database (declarations,
	// stated dates, statuses and notices) the counter made, cached or
	// not: a warm page makes none.
	reads atomic.Int64
}

// partyNotices are every party's status and notices as known at one
// minute: the notifications page reads them whatever its filters.
type partyNotices struct {
	at      time.Time
	status  map[string]*registry.Status
	notices map[string][]registry.Notice
}

type declKey struct {
	party string
	asOf  treaty.Date
}

func newCounter(src NodeView) *counter { return &counter{src: src} }

// state returns the cache key now, and the time counts are known at.
func (c *counter) state(ctx context.Context) (string, time.Time, error) {
	now := c.src.Now().UTC()
	pos, err := c.src.Registry().Positions(ctx)
	if err != nil {
		return "", now, err
	}
	return now.Format(time.DateOnly) + " " + pos, now, nil
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
		c.key, c.decls, c.stated, c.notices = key, map[declKey]*declaration.Declaration{}, nil, nil
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
	c.reads.Add(1)
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
	c.reads.Add(1)
	s, err := factsheet.Stated(ctx, c.src.Registry(), knownAt)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.stated = s
	c.mu.Unlock()
	return s, nil
}

// noticesAt returns every party's status and notices as known at now,
// computed afresh at most once a minute for an unchanged database.
func (c *counter) noticesAt(ctx context.Context, now time.Time) (*partyNotices, error) {
	at := now.Truncate(time.Minute)
	if _, err := c.sync(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	pn := c.notices
	c.mu.Unlock()
	if pn != nil && pn.at.Equal(at) {
		return pn, nil
	}
	c.reads.Add(1)
	pn = &partyNotices{at: at, status: map[string]*registry.Status{}, notices: map[string][]registry.Notice{}}
	for _, p := range c.src.Treaty().Parties {
		st, err := c.src.Registry().Status(ctx, p.ID, now, "")
		if err != nil {
			return nil, err
		}
		ns, err := c.src.Registry().Notices(ctx, p.ID, now)
		if err != nil {
			return nil, err
		}
		pn.status[p.ID], pn.notices[p.ID] = st, ns
	}
	c.mu.Lock()
	c.notices = pn
	c.mu.Unlock()
	return pn, nil
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
// and returns those that declare anything, by date. A date's list also holds each
// party's declaration on the baseline date of every freeze in effect by
// then, against which the engine counts the freeze.
func (c *counter) prefetch(ctx context.Context, dates []treaty.Date, knownAt time.Time) (map[treaty.Date][]*declaration.Declaration, error) {
	t := c.src.Treaty()
	type job struct {
		i     int
		party string
		d     treaty.Date
	}
	bases := baselines(t)
	var jobs []job
	for _, d := range slices.Concat(dates, bases) {
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
	byDate := map[treaty.Date][]*declaration.Declaration{}
	for _, j := range jobs {
		if d := got[j.i]; declares(d) && !slices.Contains(byDate[j.d], d) {
			byDate[j.d] = append(byDate[j.d], d)
		}
	}
	out := map[treaty.Date][]*declaration.Declaration{}
	for _, d := range dates {
		out[d] = byDate[d]
		for _, b := range bases {
			if b.Before(d) {
				out[d] = append(out[d], byDate[b]...)
			}
		}
	}
	return out, nil
}

// declares reports whether d holds anything to count: items, type counts
// (warheads counted per site among them) or aggregates.
func declares(d *declaration.Declaration) bool {
	return len(d.Items) > 0 || len(d.Types) > 0 || len(d.Warheads) > 0 || d.Aggregate != nil
}

// baselines returns the baseline dates of the treaty's freezes.
func baselines(t *treaty.Treaty) []treaty.Date {
	var out []treaty.Date
	for _, l := range t.Limits {
		if !l.Baseline.IsZero() && !slices.Contains(out, l.Baseline) {
			out = append(out, l.Baseline)
		}
	}
	return out
}

package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"accord/internal/demo"
	"accord/internal/web"
)

func init() { register(newDemoCmd) }

// demoExecutable is the accord binary the demo runs each node with: this
// one, unless a test says otherwise.
var demoExecutable = os.Executable

type demoFlags struct {
	scenario, listen, dir string
	seed                  uint64
	buildOnly             bool
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
	c := &cobra.Command{
		Use:   "demo [--scenario newstart|trilateral] [--seed N] [--listen ADDR]",
		Short: "A simulated New START world with real nodes and a dashboard, in one command",
		Long: `Start a real node for each party in a temporary directory, fill their logs
with a simulated implementation of New START from entry into force (5 Feb
2011) to expiry (5 Feb 2026), let the nodes verify, acknowledge and
witness each other, and serve the dashboard.

The item-level data is simulated and calibrated so that at every data
exchange the engine's counts equal the published aggregate numbers; the
treaty's events and dates are real. The same --seed gives the same world.

Examples:
  accord demo
  accord demo --scenario trilateral --seed 7 --listen 127.0.0.1:9090`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c.Context(), c.OutOrStdout(), c.ErrOrStderr(), f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.scenario, "scenario", "newstart", "newstart (USA, RUS) or trilateral (with CHN, under trilateral-draft)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the simulation")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address of the dashboard")
	fl.StringVar(&f.dir, "dir", "", "directory for the nodes (default: a new temporary directory, removed on exit)")
	fl.BoolVar(&f.buildOnly, "build-only", false, "build the nodes' logs and stop, without serving")
	return c
}

func runDemo(ctx context.Context, stdout, stderr io.Writer, f demoFlags) error {
	dir := f.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "accord-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil && !f.buildOnly {
		return fmt.Errorf("--listen: %w", err)
	}
	if ln != nil {
		defer ln.Close()
	}
	fmt.Fprintln(stdout, demo.Banner)
	start := time.Now()
	bar := &stageBar{w: stderr}
	d, err := demo.Build(ctx, demo.Options{Scenario: f.scenario, Seed: f.seed, Dir: dir, Progress: bar.update})
	if err != nil {
		return err
	}
	if f.buildOnly {
		bar.done()
		fmt.Fprintf(stdout, "built %d parties' logs in %s, in %s\n", len(d.Nodes), dir, time.Since(start).Round(100*time.Millisecond))
		return nil
	}
	exe, err := demoExecutable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); d.Wait() }()
	if err := d.Start(ctx, exe); err != nil {
		return err
	}
	bar.done()
	return serveDashboard(ctx, stdout, d, ln, start)
}

// serveDashboard serves the first party's dashboard until ctx ends.
func serveDashboard(ctx context.Context, stdout io.Writer, d *demo.Demo, ln net.Listener, start time.Time) error {
	p := d.Nodes[0]
	src, err := demo.NewSource(ctx, p.Node, d.Banner(), d.World.Calibration)
	if err != nil {
		return err
	}
	defer src.Close(context.WithoutCancel(ctx))
	token := newSessionToken()
	dash, err := web.New(web.Config{Source: src, Authorize: sessionAuth(token)})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: withSession(token, dash), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "ready in %s: %d nodes (%s), logs in %s\n", time.Since(start).Round(100*time.Millisecond), len(d.Nodes), nodeList(d), d.Dir)
	fmt.Fprintf(stdout, "dashboard of %s's treaty office: http://%s/?session=%s\n", p.ID, ln.Addr(), token)
	fmt.Fprintf(stdout, "public fact sheet: http://%s/factsheet.html\n", ln.Addr())
	fmt.Fprintln(stdout, "press Ctrl-C to stop")
	g, gctx := errgroup.WithContext(ctx)
	// The history page counts every party on every data-exchange date;
	// compute it now rather than on its first visit.
	g.Go(func() error {
		if err := dash.Warm(gctx); err != nil && gctx.Err() == nil {
			return fmt.Errorf("preparing the history page: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	return g.Wait()
}

func nodeList(d *demo.Demo) string {
	s := ""
	for i, p := range d.Nodes {
		if i > 0 {
			s += ", "
		}
		s += p.ID + " at http://" + p.Addr + "/"
	}
	return s
}

// The dashboard of the demo shows the parties' data only to a browser that
// opened the session link printed on the terminal: the link sets a cookie.
const sessionCookie = "accord_session"

func newSessionToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionAuth(token string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		c, err := r.Cookie(sessionCookie)
		return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(token)) == 1
	}
}

// withSession turns ?session=TOKEN into a cookie and redirects to the
// same page without it.
func withSession(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := r.URL.Query().Get("session")
		if s == "" || subtle.ConstantTimeCompare([]byte(s), []byte(token)) != 1 {
			h.ServeHTTP(w, r)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		q := r.URL.Query()
		q.Del("session")
		u := *r.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
	})
}

// stageBar shows Build's progress on one terminal line per stage, ending
// each line with the time the stage took.
type stageBar struct {
	w       io.Writer
	stage   string
	last    int
	started time.Time
}

func (b *stageBar) update(p demo.Progress) {
	if p.Stage != b.stage {
		b.done()
		b.stage, b.last, b.started = p.Stage, -1, time.Now()
	}
	pct := 100
	if p.Total > 0 {
		pct = p.Done * 100 / p.Total
	}
	if pct == b.last {
		return
	}
	b.last = pct
	fmt.Fprintf(b.w, "\r%s: %3d%% (%d/%d)", p.Stage, pct, p.Done, p.Total)
}

func (b *stageBar) done() {
	if b.stage != "" {
		fmt.Fprintf(b.w, ", %s\n", time.Since(b.started).Round(100*time.Millisecond))
		b.stage = ""
	}
}

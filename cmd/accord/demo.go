package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"accord/internal/demo"
	"accord/internal/sim"
)

func init() { register(newDemoCmd) }

// demoExecutable is the accord binary the demo runs each node with: this
// one, unless a test says otherwise.
var demoExecutable = os.Executable

type demoFlags struct {
	scenario, listen, dir string
	seed                  uint64
	buildOnly, noCache    bool
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
	c := &cobra.Command{
		Use:   "demo [--scenario newstart|trilateral|freeze|freeze-breach] [--seed N] [--listen ADDR]",
		Short: "A simulated New START world with real nodes and a dashboard, in one command",
		Long: `Start a real node for each party in a temporary directory, fill their logs
with a simulated implementation of New START from entry into force (5 Feb
2011) to expiry (5 Feb 2026), let the nodes verify, acknowledge and
witness each other, and print a one-time link that opens the first
party's dashboard, which its node serves.

A built world is kept in the user's cache directory (accord/demo in
$XDG_CACHE_HOME or ~/.cache), the latest per scenario and seed, and
copied the next time the same accord binary builds the same scenario and
seed; --no-cache builds afresh and keeps nothing.

The item-level data is simulated and calibrated so that at every data
exchange the engine's counts equal the published aggregate numbers; the
treaty's events and dates are real. The same --seed gives the same world.

Scenarios:
  newstart       the United States and Russia under New START, 2011 to 2026
  trilateral     with China under the hypothetical trilateral-draft from
                 5 Feb 2021, and every party's warheads per site
  freeze         the US position of October 2020 (us-freeze-2020): New START
                 extended to 5 Feb 2022, warheads per site exchanged as of
                 20 Oct 2020, flows between exchanges, no breach; each
                 party commits to its warheads of 20 Oct 2020 and reveals
                 them region by region over a year (escrow, simulated)
  freeze-breach  the same world with one simulated breach of the freeze

Examples:
  accord demo
  accord demo --scenario freeze-breach
  accord demo --scenario trilateral --seed 7 --listen 127.0.0.1:9090`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c.Context(), c.OutOrStdout(), c.ErrOrStderr(), f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.scenario, "scenario", "newstart", "newstart (USA, RUS), trilateral (with CHN, under trilateral-draft), freeze or freeze-breach (under us-freeze-2020)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the simulation")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address of the first party's node: its API and dashboard")
	fl.StringVar(&f.dir, "dir", "", "directory for the nodes (default: a new temporary directory, removed on exit)")
	fl.BoolVar(&f.buildOnly, "build-only", false, "build the nodes' logs and stop, without serving")
	fl.BoolVar(&f.noCache, "no-cache", false, "build the world afresh, neither reusing nor keeping a build in the user's cache directory")
	return c
}

func runDemo(ctx context.Context, stdout, stderr io.Writer, f demoFlags) error {
	if !slices.Contains(sim.Scenarios, f.scenario) {
		return fmt.Errorf("--scenario %q: not one of %s", f.scenario, strings.Join(sim.Scenarios, ", "))
	}
	dir := f.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "accord-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	// The first node's address is checked now, not after the build.
	if ln, err := net.Listen("tcp", f.listen); err != nil && !f.buildOnly {
		return fmt.Errorf("--listen: %w", err)
	} else if err == nil {
		f.listen = ln.Addr().String()
		ln.Close()
	}
	fmt.Fprintln(stdout, demo.ScenarioBanner(f.scenario))
	start := time.Now()
	bar := &stageBar{w: stderr}
	d, err := demo.Build(ctx, demo.Options{Scenario: f.scenario, Seed: f.seed, Dir: dir, Listen: f.listen, Cache: demoCache(f), Progress: bar.update})
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
	return printDashboard(ctx, stdout, d, start)
}

// demoCache is the directory where the demo keeps the worlds it built,
// in the user's cache directory: "" with --no-cache or if there is none.
func demoCache(f demoFlags) string {
	if f.noCache {
		return ""
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "accord", "demo")
}

// printDashboard prints the login link of the first party's dashboard,
// which its node serves, and waits until ctx ends or a node stops.
func printDashboard(ctx context.Context, stdout io.Writer, d *demo.Demo, start time.Time) error {
	p := d.Nodes[0]
	link, err := p.LoginLink()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ready in %s: %d nodes (%s), logs in %s\n", time.Since(start).Round(100*time.Millisecond), len(d.Nodes), nodeList(d), d.Dir)
	fmt.Fprintf(stdout, "dashboard of %s's treaty office: %s\n", p.ID, link)
	fmt.Fprintf(stdout, "public fact sheet: http://%s/factsheet.html\n", p.Addr)
	fmt.Fprintln(stdout, "press Ctrl-C to stop")
	return d.Watch(ctx)
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

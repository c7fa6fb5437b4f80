// Package demo builds accord's demonstration: a real node for each party
// in a directory of its own, peering with the others on loopback, whose
// logs hold a simulated implementation of the treaty (package sim) from
// entry into force to expiry, with acknowledgements and inspection
// records; then it starts each node with accord serve, and the first
// party's node serves its own dashboard, opened with a login link
// (LoginLink).
//
// The item-level data is simulated and calibrated to the published
// aggregate numbers; Build says so in its progress reports, and writes
// it into each node's accord.yaml (its dashboard section: a banner, and
// the file of the dates whose figures the simulation interpolated), so
// that the dashboard says it on every page.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"accord/internal/node"
	"accord/internal/office"
	"accord/internal/sim"
	"accord/internal/treaty"
)

// Banner is what the dashboard says on every page of the demo.
const Banner = "Demonstration: item-level data simulated, calibrated to the published New START aggregates; treaty events and dates are real."

// warheadBanner is what the banner adds in the scenarios with warheads
// per site.
const warheadBanner = " Warheads per site simulated, their totals calibrated to the US government's published stockpile and dismantlements and to SIPRI and Nuclear Notebook estimates (docs/warheads.md)."

// escrowBanner is what the banner adds in the freeze scenarios, whose
// parties commit to and reveal escrowed declarations (escrow.go).
const escrowBanner = " The escrowed declarations (each party's commitment of 20 October 2020 and its reveals, region by region, over the following year) are simulated: no party ever made one."

// ScenarioBanner is Banner for a scenario: for those with warheads it
// says what is simulated, and for freeze-breach that the breach is.
func ScenarioBanner(scenario string) string {
	b := Banner
	switch scenario {
	case sim.Freeze, sim.FreezeBreach:
		b += " The freeze is the US position of October 2020 (us-freeze-2020), never agreed: New START ends on 5 February 2022 in this world." + warheadBanner + escrowBanner
	case sim.Trilateral:
		b += warheadBanner
	}
	if scenario == sim.FreezeBreach {
		x := sim.SimulatedBreach
		b += fmt.Sprintf(" SIMULATED BREACH: on %s %s produces warheads that take its total %d above its baseline; no such breach occurred.", x.Date, x.Party, x.Excess)
	}
	return b
}

// Options configure a demonstration.
type Options struct {
	Scenario string // one of sim.Scenarios: "newstart" (USA, RUS), "trilateral" (with CHN), "freeze" or "freeze-breach"
	Seed     uint64
	// Dir is where the nodes are created, one subdirectory per party; it
	// must not exist or be empty.
	Dir string
	// Listen is the address of the first party's node, whose dashboard
	// the demo opens; empty or port 0 for a free port on loopback.
	Listen string
	// Cache, if set, is a directory where Build keeps the world it built
	// and from which it copies a world built before by the same accord
	// binary with the same scenario and seed (cache.go).
	Cache string
	// Progress, if set, is told what Build is doing.
	Progress func(Progress)
	Logger   *slog.Logger
}

// Progress is one step of Build.
type Progress struct {
	Stage       string // what is being done
	Done, Total int
}

// A Demo is a built demonstration: its world and its nodes.
type Demo struct {
	Dir   string
	World *sim.World
	Nodes []*Party
	opts  Options
}

// A Party is one party's node in the demonstration.
type Party struct {
	ID       string
	Dir      string
	Addr     string // host:port its node listens on
	Operator string // an operator token for its API and dashboard
	Node     *node.Node

	exited chan struct{} // closed when its serve process exits
}

// Build creates the nodes and fills their logs with the simulated world,
// or copies them from Options.Cache if the same binary built the same
// world before (cache.go).
func Build(ctx context.Context, opts Options) (*Demo, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Demo{Dir: opts.Dir, opts: opts}
	cache, hit, err := d.cached()
	if err != nil {
		return nil, fmt.Errorf("demo cache: %w", err)
	}
	copied := make(chan error, 1)
	if hit {
		go func() { copied <- copyCached(cache, d.Dir) }() // while the world is simulated
	}
	if err := d.simulate(); err != nil {
		if hit {
			<-copied
		}
		return nil, err
	}
	if hit {
		err := <-copied
		if err == nil {
			if err := d.restore(ctx, cache); err != nil {
				return nil, err
			}
			return d, nil
		}
		// Another build may have just replaced the cached world: build
		// afresh.
		opts.Logger.WarnContext(ctx, "copying the cached world", "cache", cache, "err", err)
		if err := d.removeParties(); err != nil {
			return nil, err
		}
	}
	if err := d.createNodes(ctx); err != nil {
		return nil, err
	}
	if err := d.record(ctx); err != nil {
		return nil, err
	}
	if cache != "" {
		if err := d.store(cache); err != nil {
			opts.Logger.WarnContext(ctx, "keeping the built world", "cache", opts.Cache, "err", err)
		}
	}
	return d, nil
}

// simulate builds the world the demo records.
func (d *Demo) simulate() error {
	const stage = "simulating the treaty's implementation (item-level data simulated, calibrated to public aggregates)"
	d.progress(stage, 0, 1)
	w, err := sim.BuildWith(d.opts.Scenario, d.opts.Seed, nil)
	if err != nil {
		return err
	}
	d.World = w
	d.progress(stage, 1, 1)
	return nil
}

func (d *Demo) progress(stage string, done, total int) {
	if d.opts.Progress != nil {
		d.opts.Progress(Progress{Stage: stage, Done: done, Total: total})
	}
}

// Party returns the node of party id.
func (d *Demo) Party(id string) *Party {
	for _, p := range d.Nodes {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// createNodes initialises a node per party, each peering with all the
// others: keys exchanged, peer tokens issued and stored.
func (d *Demo) createNodes(ctx context.Context) error {
	for _, id := range d.World.Parties {
		p := &Party{ID: id, Dir: filepath.Join(d.Dir, strings.ToLower(id))}
		n, err := node.Init(ctx, p.Dir, d.World.Treaty.ID, id)
		if err != nil {
			return err
		}
		p.Node = n
		d.Nodes = append(d.Nodes, p)
	}
	if err := d.assignAddrs(); err != nil {
		return err
	}
	for _, p := range d.Nodes {
		if err := d.peer(p); err != nil {
			return fmt.Errorf("configuring %s: %w", p.ID, err)
		}
	}
	return d.configure(ctx)
}

// peer has every other party's node issue p a peer token, which p stores,
// and lists them in p's accord.yaml with their keys.
func (d *Demo) peer(p *Party) error {
	var peers []node.Peer
	for _, q := range d.Nodes {
		if q == p {
			continue
		}
		tok, err := q.Node.AddToken(p.ID, node.RolePeer)
		if err != nil {
			return err
		}
		tf := filepath.Join(node.PeersDir, q.ID+".token")
		if err := os.MkdirAll(filepath.Join(p.Dir, node.PeersDir), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(p.Dir, tf), []byte(tok+"\n"), 0o600); err != nil {
			return err
		}
		peers = append(peers, node.Peer{Party: q.ID, URL: "http://" + q.Addr + "/", LogVKey: readKey(q.Dir, node.VKeyFile), WitnessVKey: readKey(q.Dir, node.WitnessVKeyFile), TokenFile: tf})
	}
	path := filepath.Join(p.Dir, node.ConfigFile)
	c, err := node.LoadConfig(path)
	if err != nil {
		return err
	}
	c.Peers = peers
	return os.WriteFile(path, c.Marshal(), 0o600)
}

// assignAddrs gives every node a free address on loopback, the first
// node Options.Listen if set.
func (d *Demo) assignAddrs() error {
	for i, p := range d.Nodes {
		listen := ""
		if i == 0 {
			listen = d.opts.Listen
		}
		var err error
		if p.Addr, err = freeAddr(listen); err != nil {
			return err
		}
	}
	return nil
}

// configure writes into every node's accord.yaml its address and its
// peers', whether it is silent today, and the demo's banner; then it
// opens the node again and gives it an operator token.
func (d *Demo) configure(ctx context.Context) error {
	for _, p := range d.Nodes {
		if err := d.configureNode(ctx, p); err != nil {
			return fmt.Errorf("configuring %s: %w", p.ID, err)
		}
	}
	return nil
}

func (d *Demo) configureNode(ctx context.Context, p *Party) error {
	path := filepath.Join(p.Dir, node.ConfigFile)
	c, err := node.LoadConfig(path)
	if err != nil {
		return err
	}
	c.Listen = p.Addr
	for i := range c.Peers {
		q := d.Party(c.Peers[i].Party)
		if q == nil {
			return fmt.Errorf("peer %s is not a party of the demo", c.Peers[i].Party)
		}
		c.Peers[i].URL = "http://" + q.Addr + "/"
	}
	// A party that has suspended its participation does not act: its node
	// follows and witnesses the others but acknowledges nothing, so that
	// the findings against it are about its silence since the suspension,
	// not acknowledgements dated the day the demo starts.
	c.Silent = d.World.Treaty.Suspended(p.ID, treaty.DateOf(time.Now()))
	c.Witness.Timeout = 2 * time.Second
	c.Sync.Interval = 100 * time.Millisecond // in step within moments, on loopback
	c.Dashboard.Banner, c.Dashboard.Interpolated = d.Banner(), interpolatedFile
	if err := d.writeInterpolated(filepath.Join(p.Dir, interpolatedFile)); err != nil {
		return err
	}
	if err := os.WriteFile(path, c.Marshal(), 0o600); err != nil {
		return err
	}
	n, err := node.Open(ctx, p.Dir, d.opts.Logger)
	if err != nil {
		return err
	}
	p.Node = n
	p.Operator, err = n.AddToken(p.ID, node.RoleOperator)
	return err
}

func readKey(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return strings.TrimSpace(string(b))
}

// openOffice opens party p's treaty office.
func (p *Party) openOffice(ctx context.Context) (*office.Office, error) {
	return office.OpenNode(ctx, p.Node)
}

// freeAddr returns addr (default 127.0.0.1:0) with its port, if 0, one
// free now; it fails if addr cannot be listened on.
func freeAddr(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Banner is what the dashboard says of the demo's data on every page,
// naming the dates whose aggregates were interpolated.
func (d *Demo) Banner() string {
	b := ScenarioBanner(d.opts.Scenario)
	if len(d.World.Interpolated) > 0 {
		var ds []string
		for _, x := range d.World.Interpolated {
			ds = append(ds, x.String())
		}
		b += " No figures were published for " + strings.Join(ds, ", ") + ": the simulation interpolates them."
	}
	return b
}

// interpolatedFile is the file, in each node's directory, of the dates
// whose figures the simulation interpolated (node.DashboardConfig).
const interpolatedFile = "interpolated.csv"

// writeInterpolated writes, as "party,date" rows, every party's dates
// whose figures the simulation interpolated, no figure having been
// published.
func (d *Demo) writeInterpolated(path string) error {
	var b strings.Builder
	b.WriteString("party,date\n")
	for _, t := range d.World.Calibration {
		if t.Interpolated {
			fmt.Fprintf(&b, "%s,%s\n", t.Party, t.Date)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// loginLifetime is how long the demo's dashboard link works: as long as
// a demo is likely to run.
const loginLifetime = 24 * time.Hour

// LoginLink returns a one-time link that opens p's dashboard, as accord
// dashboard-link prints it.
func (p *Party) LoginLink() (string, error) {
	l, err := p.Node.AddLogin(time.Now(), loginLifetime)
	if err != nil {
		return "", err
	}
	return p.url() + "login?code=" + l.Code, nil
}

// Watch waits until ctx ends or a node's process exits, which it
// reports.
func (d *Demo) Watch(ctx context.Context) error {
	exited := make(chan *Party, len(d.Nodes))
	for _, p := range d.Nodes {
		go func() {
			select {
			case <-p.exited:
				exited <- p
			case <-ctx.Done():
			}
		}()
	}
	select {
	case <-ctx.Done():
		return nil
	case p := <-exited:
		return fmt.Errorf("%s's node stopped: see %s", p.ID, filepath.Join(p.Dir, "serve.log"))
	}
}

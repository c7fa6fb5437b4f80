package node

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/goccy/go-yaml"

	"accord/internal/ledger"
	"accord/internal/treaty"
)

// ConfigFile is the name of a node's configuration file in its data
// directory.
const ConfigFile = "accord.yaml"

// Config is a node's configuration, read from DIR/accord.yaml. accord init
// writes it with every field documented; `accord fsck` and every command
// that opens the node validate it.
type Config struct {
	// Treaty is the id of the built-in treaty the node takes part in, as
	// `accord treaty list` prints it, e.g. "newstart". It is part of the
	// log's origin: changing it after init makes the log unreadable.
	Treaty string `yaml:"treaty"`

	// Party is the node's party in the treaty, its ISO 3166 alpha-3 code,
	// e.g. "USA". It is part of the log's origin, like Treaty.
	Party string `yaml:"party"`

	// Listen is the TCP address `accord serve` listens on, host:port.
	// `accord serve --listen` overrides it. Default "localhost:7380".
	Listen string `yaml:"listen"`

	// Log tunes how entries are appended to the party's log.
	Log LogConfig `yaml:"log"`

	// Peers are the other parties' nodes: this node follows each one's
	// log, witnesses it, and asks it to witness this node's log.
	Peers []Peer `yaml:"peers"`

	// Silent makes the node follow, verify and witness its peers' logs
	// without acknowledging their entries in its own log: the node of a
	// party that has suspended its participation and does not act under
	// the treaty. Its silence is then what the others' findings are
	// about. Default false.
	Silent bool `yaml:"silent"`

	// Witness says whose cosignatures this node gathers for its own
	// checkpoints.
	Witness WitnessConfig `yaml:"witness"`

	// Sync tunes how peers are followed.
	Sync SyncConfig `yaml:"sync"`

	// Limits bound what one client of the node's HTTP server may cost it.
	Limits LimitsConfig `yaml:"limits"`

	// TLSCert and TLSKey are PEM files (paths relative to the data
	// directory, or absolute) with the certificate chain and private key
	// accord serve presents; both or neither. Without them it serves
	// plain HTTP, for loopback and tests only.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`

	// TLSCA is a PEM file of CA certificates trusted, besides the
	// system's, for peers' https URLs; for operator-run private CAs.
	TLSCA string `yaml:"tls_ca"`

	// Dashboard says what the dashboard (docs/dashboard.md) tells its
	// visitors about the data.
	Dashboard DashboardConfig `yaml:"dashboard"`

	// Database is the treaty database: empty (the default) for the
	// embedded SQLite file DIR/treaty.db, or the URL of a PostgreSQL
	// database, postgres://USER@HOST:PORT/DB (docs/database.md,
	// "PostgreSQL"), which several read-only `accord serve` replicas may
	// share with the one node that appends. Keep the password out of this
	// file: PostgreSQL's PGPASSWORD or ~/.pgpass supply it. accord never
	// prints the URL.
	Database string `yaml:"database"`
}

// DashboardConfig says what the dashboard tells its visitors about the
// data, for a node whose data is not real (accord demo writes it).
type DashboardConfig struct {
	// Banner is shown at the top of every page and in the public fact
	// sheet, e.g. "Demonstration: item-level data simulated". Empty (the
	// default) for a real node: no banner.
	Banner string `yaml:"banner"`

	// Interpolated is a CSV file (relative to the data directory, or
	// absolute) with a header "party,date" and a row per party and date
	// whose numbers are not figures the party stated but interpolated
	// between them; the history draws them as hollow markers. Empty (the
	// default) for a real node.
	Interpolated string `yaml:"interpolated"`
}

// Peer is another party's node.
type Peer struct {
	// Party is the peer's party, e.g. "RUS"; another party of the treaty.
	Party string `yaml:"party"`

	// URL is the peer node's base URL, e.g. "https://rus.example:7380/".
	// Its log is under log/, its witness under witness/.
	URL string `yaml:"url"`

	// LogVKey is the verifier key of the peer's log (its log.vkey),
	// received out of band. Its name must be accord/<treaty>/<party>.
	LogVKey string `yaml:"log_vkey"`

	// WitnessVKey is the peer's witness key (its witness.vkey), a
	// c2sp.org/tlog-cosignature Ed25519 key, received out of band.
	WitnessVKey string `yaml:"witness_vkey"`

	// TokenFile is a file (relative to the data directory, mode 0600)
	// holding the bearer token the peer's operator issued to this party
	// ("accord token add --role peer"), presented to read its entries.
	// Without it the peer's entries cannot be read.
	TokenFile string `yaml:"token_file"`
}

// WitnessConfig is the node's witness policy for its own log.
type WitnessConfig struct {
	// Policy is how many of the witnesses (the peers, then Extra) must
	// cosign a checkpoint: "all" (the default), "any", "none" or a number.
	// A checkpoint that misses the policy within Timeout is published
	// without the missing cosignatures, so that no party can halt
	// another's log by refusing to cosign; the next one tries again.
	Policy string `yaml:"policy"`

	// Timeout is how long publishing a checkpoint waits for cosignatures.
	// Between 100ms and 1m. Default 5s.
	Timeout time.Duration `yaml:"timeout"`

	// Extra are witnesses besides the peers, e.g. an independent public
	// witness.
	Extra []ExtraWitness `yaml:"extra"`
}

// ExtraWitness is a c2sp.org/tlog-witness witness that is not a peer.
type ExtraWitness struct {
	// VKey is the witness's cosignature verifier key.
	VKey string `yaml:"vkey"`
	// URL is the witness's URL prefix: requests go to URL/add-checkpoint.
	URL string `yaml:"url"`
}

// SyncConfig tunes how peers are followed.
type SyncConfig struct {
	// Interval is how often a peer's checkpoint is fetched when all is
	// well. Between 10ms and 10m. Default 1s.
	Interval time.Duration `yaml:"interval"`

	// Timeout bounds one request to a peer, so that a slow peer cannot
	// hold up its follower for ever. Between 100ms and 10m. Default 10s.
	Timeout time.Duration `yaml:"timeout"`

	// MaxBackoff is the longest wait between retries of an unreachable or
	// misbehaving peer; waits double from Interval with jitter. Default 1m.
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// LimitsConfig bounds what one client may cost the node: its public
// routes face anyone.
type LimitsConfig struct {
	// ConnsPerClient is how many connections one client address may hold
	// open at once; more are closed as they arrive. Between 1 and 100000.
	// Default 256.
	ConnsPerClient int `yaml:"conns_per_client"`

	// PublicRate is how many requests a second one client address may
	// make without a credential (log checkpoint and tiles, witness,
	// health, fact sheet), in bursts of up to twice that; more are
	// answered 429. Requests with a valid token are not counted. Between
	// 0.1 and 100000. Default 50.
	PublicRate float64 `yaml:"public_rate"`

	// PublicWork is how many public answers that must be computed (fact
	// sheets not yet cached) run at once; more are answered 503. Between
	// 1 and 64. Default 2.
	PublicWork int `yaml:"public_work"`

	// SheetRefresh is how long a computed public fact sheet is served
	// after the logs have moved on, so that the operator's notifications
	// do not each make the next anonymous request recompute it. Between
	// 1ms and 1h. Default 10s.
	SheetRefresh time.Duration `yaml:"sheet_refresh"`
}

// LogConfig tunes the party's log.
type LogConfig struct {
	// CheckpointInterval is how often a new signed checkpoint is published
	// while entries arrive: an append returns once one covers its entry.
	// At least 100ms, at most 1m. Default 100ms.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`

	// BatchMaxAge is how long an entry may wait for others to be
	// sequenced in one batch. At most 1s. Default 10ms, which 0s (like
	// unset) also means.
	BatchMaxAge time.Duration `yaml:"batch_max_age"`
}

// DefaultListen is the address `accord serve` listens on by default.
const DefaultListen = "localhost:7380"

// defaults fills in unset fields.
func (c *Config) defaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Log.CheckpointInterval == 0 {
		c.Log.CheckpointInterval = ledger.DefaultCheckpointInterval
	}
	if c.Log.BatchMaxAge == 0 {
		c.Log.BatchMaxAge = ledger.DefaultBatchMaxAge
	}
	if c.Witness.Policy == "" {
		c.Witness.Policy = "all"
	}
	if c.Witness.Timeout == 0 {
		c.Witness.Timeout = DefaultWitnessTimeout
	}
	if c.Sync.Interval == 0 {
		c.Sync.Interval = DefaultSyncInterval
	}
	if c.Sync.Timeout == 0 {
		c.Sync.Timeout = DefaultSyncTimeout
	}
	if c.Sync.MaxBackoff == 0 {
		c.Sync.MaxBackoff = DefaultMaxBackoff
	}
	if c.Limits.ConnsPerClient == 0 {
		c.Limits.ConnsPerClient = DefaultConnsPerClient
	}
	if c.Limits.PublicRate == 0 {
		c.Limits.PublicRate = DefaultPublicRate
	}
	if c.Limits.PublicWork == 0 {
		c.Limits.PublicWork = DefaultPublicWork
	}
	if c.Limits.SheetRefresh == 0 {
		c.Limits.SheetRefresh = DefaultSheetRefresh
	}
}

// Defaults of the peering settings.
const (
	DefaultWitnessTimeout = 5 * time.Second
	DefaultSyncInterval   = time.Second
	DefaultSyncTimeout    = 10 * time.Second
	DefaultMaxBackoff     = time.Minute
)

// Defaults of the limits on clients.
const (
	DefaultConnsPerClient = 256
	DefaultPublicRate     = 50
	DefaultPublicWork     = 2
	DefaultSheetRefresh   = 10 * time.Second
)

// Validate checks the configuration and returns one error per problem.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if t, err := treaty.Builtin(c.Treaty); err != nil {
		bad("treaty: %v (see accord treaty list)", err)
	} else if _, ok := t.Party(c.Party); !ok {
		bad("party: %q is not a party to %s", c.Party, c.Treaty)
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen: %q is not host:port", c.Listen)
	}
	if i := c.Log.CheckpointInterval; i < 100*time.Millisecond || i > time.Minute {
		bad("log.checkpoint_interval: %v is not between 100ms and 1m", i)
	}
	if a := c.Log.BatchMaxAge; a < 0 || a > time.Second {
		bad("log.batch_max_age: %v is not between 0s and 1s", a)
	}
	errs = append(errs, c.validatePeers()...)
	errs = append(errs, c.validateWitness()...)
	if i := c.Sync.Interval; i < 10*time.Millisecond || i > 10*time.Minute {
		bad("sync.interval: %v is not between 10ms and 10m", i)
	}
	if i := c.Sync.Timeout; i < 100*time.Millisecond || i > 10*time.Minute {
		bad("sync.timeout: %v is not between 100ms and 10m", i)
	}
	if b := c.Sync.MaxBackoff; b < c.Sync.Interval || b > time.Hour {
		bad("sync.max_backoff: %v is not between sync.interval and 1h", b)
	}
	if n := c.Limits.ConnsPerClient; n < 1 || n > 100000 {
		bad("limits.conns_per_client: %d is not between 1 and 100000", n)
	}
	if r := c.Limits.PublicRate; !(r >= 0.1 && r <= 100000) {
		bad("limits.public_rate: %v is not between 0.1 and 100000", r)
	}
	if n := c.Limits.PublicWork; n < 1 || n > 64 {
		bad("limits.public_work: %d is not between 1 and 64", n)
	}
	if d := c.Limits.SheetRefresh; d < time.Millisecond || d > time.Hour {
		bad("limits.sheet_refresh: %v is not between 1ms and 1h", d)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls_cert, tls_key: give both or neither")
	}
	if d := c.Database; d != "" && !strings.HasPrefix(d, "postgres://") && !strings.HasPrefix(d, "postgresql://") {
		bad("database: not a PostgreSQL URL (postgres://USER@HOST:PORT/DB); leave it empty for the embedded SQLite file")
	}
	if strings.ContainsAny(c.Dashboard.Banner, "\n\r") {
		bad("dashboard.banner: one line, without line breaks")
	}
	return errors.Join(errs...)
}

// LoadConfig reads and validates a configuration file. Unknown fields are
// errors, so that a misspelt setting is not silently ignored.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.defaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// configTemplate is the file accord init writes: every field of Config,
// with its documentation.
var configTemplate = template.Must(template.New(ConfigFile).Parse(`# accord node configuration (see docs/log.md).

# treaty is the id of the built-in treaty the node takes part in, as
# "accord treaty list" prints it. It is part of the log's origin: changing
# it after init makes the log unreadable.
treaty: {{.Treaty}}

# party is the node's party in the treaty, its ISO 3166 alpha-3 code. It is
# part of the log's origin, like treaty.
party: {{.Party}}

# listen is the TCP address "accord serve" listens on, host:port.
# "accord serve --listen" overrides it.
listen: {{printf "%q" .Listen}}

log:
  # checkpoint_interval is how often a new signed checkpoint is published
  # while entries arrive: an append returns once one covers its entry.
  # Between 100ms and 1m.
  checkpoint_interval: {{.Log.CheckpointInterval}}

  # batch_max_age is how long an entry may wait for others to be sequenced
  # in one batch. Between 0s and 1s; 0s means the default, 10ms.
  batch_max_age: {{.Log.BatchMaxAge}}

# peers are the other parties' nodes (docs/network.md): this node follows
# each one's log, witnesses it, and asks it to witness this node's log.
# One entry per peer:
#   - party: RUS                      # the peer's party
#     url: https://rus.example:7380/  # its node's base URL
#     log_vkey: accord/newstart/RUS+...          # its log.vkey, received out of band
#     witness_vkey: accord/newstart/RUS/witness+... # its witness.vkey, likewise
#     token_file: peers/RUS.token     # the token it issued to this party (mode 0600)
peers:{{if not .Peers}} []{{end}}
{{- range .Peers}}
  - party: {{.Party}}
    url: {{printf "%q" .URL}}
    log_vkey: {{printf "%q" .LogVKey}}
    witness_vkey: {{printf "%q" .WitnessVKey}}
    token_file: {{printf "%q" .TokenFile}}
{{- end}}

# silent: true makes the node follow, verify and witness the peers' logs
# without acknowledging their entries: the node of a party that has
# suspended its participation and does not act under the treaty.
silent: {{.Silent}}

witness:
  # policy is how many of the witnesses (the peers, then extra) must cosign
  # each checkpoint of this node's log: all, any, none or a number. One
  # that misses it within the timeout is published without the missing
  # cosignatures, and the next checkpoint tries again.
  policy: {{printf "%q" .Witness.Policy}}

  # timeout is how long publishing a checkpoint waits for cosignatures.
  # Between 100ms and 1m.
  timeout: {{.Witness.Timeout}}

  # extra are witnesses besides the peers (c2sp.org/tlog-witness), each
  # with its cosignature verifier key and URL prefix:
  #   - vkey: witness.example/w+...+...
  #     url: https://witness.example/
  extra:{{if not .Witness.Extra}} []{{end}}
{{- range .Witness.Extra}}
    - vkey: {{printf "%q" .VKey}}
      url: {{printf "%q" .URL}}
{{- end}}

sync:
  # interval is how often each peer's checkpoint is fetched. Between 10ms
  # and 10m.
  interval: {{.Sync.Interval}}

  # timeout bounds one request to a peer. Between 100ms and 10m.
  timeout: {{.Sync.Timeout}}

  # max_backoff is the longest wait between retries of an unreachable or
  # misbehaving peer.
  max_backoff: {{.Sync.MaxBackoff}}

limits:
  # conns_per_client is how many connections one client address may hold
  # open at once; more are closed as they arrive. Between 1 and 100000.
  conns_per_client: {{.Limits.ConnsPerClient}}

  # public_rate is how many requests a second one client address may make
  # without a credential (log checkpoint and tiles, witness, health, fact
  # sheet), in bursts of twice that; more are answered 429. Requests with
  # a valid token are not counted. Between 0.1 and 100000.
  public_rate: {{.Limits.PublicRate}}

  # public_work is how many fact sheets not yet cached are computed at
  # once; more are answered 503. Between 1 and 64.
  public_work: {{.Limits.PublicWork}}

  # sheet_refresh is how long a computed public fact sheet is served after
  # the logs have moved on, so that notifications do not each make the
  # next anonymous request recompute it. Between 1ms and 1h.
  sheet_refresh: {{.Limits.SheetRefresh}}

# tls_cert and tls_key are PEM files (relative to this directory, or
# absolute): the certificate chain and key accord serve presents. Both or
# neither; without them it serves plain HTTP, for loopback and tests only.
tls_cert: {{printf "%q" .TLSCert}}
tls_key: {{printf "%q" .TLSKey}}

# tls_ca is a PEM file of CA certificates trusted, besides the system's,
# for peers' https URLs.
tls_ca: {{printf "%q" .TLSCA}}

dashboard:
  # banner is shown at the top of every dashboard page and in the public
  # fact sheet when the data is not real, e.g. "Demonstration: item-level
  # data simulated". Empty for a real node.
  banner: {{printf "%q" .Dashboard.Banner}}

  # interpolated is a CSV file (relative to this directory, or absolute)
  # with a header "party,date" and a row per party and date whose numbers
  # were interpolated, not stated; the history draws them hollow. Empty
  # for a real node.
  interpolated: {{printf "%q" .Dashboard.Interpolated}}

# database is the treaty database: empty for the embedded SQLite file
# treaty.db in this directory, or the URL of a PostgreSQL database,
# postgres://USER@HOST:PORT/DB, for an office that outgrows one file
# (docs/database.md). Give the password in PGPASSWORD or ~/.pgpass, not
# here.
database: {{printf "%q" .Database}}
`))

// Marshal returns the configuration as a documented YAML file.
func (c *Config) Marshal() []byte {
	var b bytes.Buffer
	if err := configTemplate.Execute(&b, c); err != nil {
		panic(err) // the template only formats the fields of c
	}
	return b.Bytes()
}

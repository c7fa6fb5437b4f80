package node

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
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
}

// LogConfig tunes the party's log.
type LogConfig struct {
	// CheckpointInterval is how often a new signed checkpoint is published
	// while entries arrive: an append returns once one covers its entry.
	// At least 100ms, at most 1m. Default 100ms.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`

	// BatchMaxAge is how long an entry may wait for others to be
	// sequenced in one batch. At most 1s. Default 10ms.
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
}

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
listen: {{.Listen}}

log:
  # checkpoint_interval is how often a new signed checkpoint is published
  # while entries arrive: an append returns once one covers its entry.
  # Between 100ms and 1m.
  checkpoint_interval: {{.Log.CheckpointInterval}}

  # batch_max_age is how long an entry may wait for others to be sequenced
  # in one batch. Between 0s and 1s.
  batch_max_age: {{.Log.BatchMaxAge}}
`))

// Marshal returns the configuration as a documented YAML file.
func (c *Config) Marshal() []byte {
	var b bytes.Buffer
	if err := configTemplate.Execute(&b, c); err != nil {
		panic(err) // the template only formats the fields of c
	}
	return b.Bytes()
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"accord/internal/factsheet"
	"accord/internal/node"
	"accord/internal/registry"
	"accord/internal/treaty"
)

func init() { register(newExportCmd) }

func newExportCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "export",
		Short: "Export public data",
		Long: `Export public data: the fact sheet of aggregate numbers.

Examples:
  accord export factsheet --data usa --as-of 2020-09-01
  accord export factsheet --data usa --as-of 2020-09-01 --format html > factsheet.html`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(newExportFactsheetCmd())
	return c
}

func newExportFactsheetCmd() *cobra.Command {
	var dir, asOf, knownAt, format string
	c := &cobra.Command{
		Use:   "factsheet --data DIR --as-of DATE [--format csv|json|html]",
		Short: "Print each party's aggregate numbers on a date, as the parties publish them",
		Long: `Print the public fact sheet: each party's aggregate numbers on a date,
one per limit, counted by the treaty's rules from the node's treaty
database, the way the State Department published New START's after
every data exchange. A party whose data is not current on the date (it
provided none as of the latest data exchange) is left out, and named in
the JSON and HTML forms.

The fact sheet holds aggregates only, no item: it is what may be
published.

Examples:
  accord export factsheet --data usa --as-of 2020-09-01
  accord export factsheet --data usa --as-of 2023-03-01 --format json
  accord export factsheet --data usa --as-of 2020-09-01 --format html > factsheet.html`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			d, err := treaty.ParseDate(asOf)
			if err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
			if err := factsheet.CheckFormat(format); err != nil {
				return fmt.Errorf("--format: %w", err)
			}
			known := time.Now().UTC()
			if knownAt != "" {
				if known, err = parseTime(knownAt); err != nil {
					return fmt.Errorf("--known-at: %w", err)
				}
			}
			reg, err := openDatabase(c, dir)
			if err != nil {
				return err
			}
			defer reg.Close()
			sheet, err := factsheet.Compute(c.Context(), reg, d, known)
			if err != nil {
				return err
			}
			return sheet.Write(c.OutOrStdout(), format)
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&asOf, "as-of", "", "the date of the numbers, YYYY-MM-DD (required)")
	c.Flags().StringVar(&knownAt, "known-at", "", "as known at this time, RFC 3339 or YYYY-MM-DD (default: now)")
	c.Flags().StringVar(&format, "format", "csv", "csv, json or html")
	c.MarkFlagRequired("data")
	c.MarkFlagRequired("as-of")
	return c
}

// openDatabase opens the treaty database of the node in dir, for
// reading, with the treaty its configuration names.
func openDatabase(c *cobra.Command, dir string) (*registry.Registry, error) {
	cfg, err := node.LoadConfig(filepath.Join(dir, node.ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not a node's data directory (no %s; see accord init)", dir, node.ConfigFile)
	}
	if err != nil {
		return nil, err
	}
	t, err := treaty.Builtin(cfg.Treaty)
	if err != nil {
		return nil, err
	}
	if cfg.Database != "" {
		return registry.Open(c.Context(), registry.Config{Treaty: t, DSN: cfg.Database})
	}
	path := filepath.Join(dir, "treaty.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s has no treaty database (run accord reindex --data %s)", dir, dir)
	}
	return registry.Open(c.Context(), registry.Config{Treaty: t, Path: path})
}

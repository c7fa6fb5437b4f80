package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"accord/internal/office"
	"accord/internal/registry"
)

func init() { register(newNotifyCmd) }

func newNotifyCmd() *cobra.Command {
	var dir, typ, effective string
	var asJSON bool
	c := &cobra.Command{
		Use:   "notify --data DIR --type TYPE FILE",
		Short: "Validate, sign and log a notification",
		Long: `Validate a notification against its type and the party's treaty database,
sign it and append it to the node's log.

FILE is the notification in JSON (docs/notifications.md) with its effective
date, or a per-item declaration in CSV whose rows become its items. A
notification the rules refuse changes nothing and says why.

Examples:
  accord notify --data usa --type initial_data usa-initial.csv
  accord notify --data usa --type movement move.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			o, err := office.Open(ctx, dir, nil)
			if err != nil {
				return err
			}
			defer o.Close(ctx)
			if _, ok := o.Treaty.Notification(typ); !ok {
				return fmt.Errorf("--type: %s has no notification type %q (see accord treaty show %s)", o.Treaty.ID, typ, o.Treaty.ID)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			n, day, err := o.ReadNotification(args[0], data, office.Given{Name: "--type", Value: typ}, office.Given{Name: "--effective", Value: effective})
			if err != nil {
				return err
			}
			sent, err := o.Notify(ctx, n, day)
			var refusal *registry.Refusal
			var bad *office.InputError
			if errors.As(err, &refusal) || errors.As(err, &bad) {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), sent)
			}
			printSent(c.OutOrStdout(), o.Node.Origin(), sent)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "data", "", "the node's data directory (required)")
	c.Flags().StringVar(&typ, "type", "", "the notification type, one of the treaty's (required)")
	c.Flags().StringVar(&effective, "effective", "", "effective date, YYYY-MM-DD, if FILE does not give it")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.MarkFlagRequired("data")
	c.MarkFlagRequired("type")
	return c
}

func printSent(w io.Writer, origin string, s *office.Sent) {
	fmt.Fprintf(w, "appended %s notification as entry %d of %s, leaf hash %x\n", s.Notice.Type, s.Index, origin, s.LeafHash[:])
	switch {
	case s.Notice.Due.IsZero():
		fmt.Fprintf(w, "effective %s, sent %s: no deadline\n", s.Notice.Effective, s.Notice.Sent.Format("2006-01-02T15:04:05Z"))
	default:
		fmt.Fprintf(w, "effective %s, sent %s, due %s: %s\n", s.Notice.Effective, s.Notice.Sent.Format("2006-01-02T15:04:05Z"),
			s.Notice.Due.Format("2006-01-02T15:04:05Z"), strings.ReplaceAll(s.Notice.State, "_", " "))
	}
}

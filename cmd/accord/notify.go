package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"accord/entry/body"
	"accord/internal/declaration"
	"accord/internal/office"
	"accord/internal/registry"
	"accord/internal/treaty"
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
			n, day, err := readNotification(o.Treaty, o.Node.Config.Party, typ, effective, args[0])
			if err != nil {
				return err
			}
			sent, err := o.Notify(ctx, n, day)
			var refusal *registry.Refusal
			if errors.As(err, &refusal) {
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

// notificationFile is the JSON form of a notification to send: the body
// members and the effective date.
type notificationFile struct {
	Effective treaty.Date `json:"effective"`
	body.Notification
}

// readNotification reads a notification of type typ from path.
func readNotification(t *treaty.Treaty, party, typ, effective, path string) (*body.Notification, treaty.Date, error) {
	nt, ok := t.Notification(typ)
	if !ok {
		return nil, treaty.Date{}, fmt.Errorf("--type: %s has no notification type %q (see accord treaty show %s)", t.ID, typ, t.ID)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, treaty.Date{}, err
	}
	var f notificationFile
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		err = decodeStrict(data, &f)
	} else {
		err = itemsFromCSV(t, party, path, data, &f)
	}
	if err != nil {
		return nil, treaty.Date{}, err
	}
	if f.Type != "" && f.Type != nt.ID {
		return nil, treaty.Date{}, fmt.Errorf("%s: type %q, but --type %s", path, f.Type, nt.ID)
	}
	f.Type = nt.ID
	if effective != "" {
		d, err := treaty.ParseDate(effective)
		if err != nil {
			return nil, treaty.Date{}, fmt.Errorf("--effective: %w", err)
		}
		if !f.Effective.IsZero() && !f.Effective.Equal(d) {
			return nil, treaty.Date{}, fmt.Errorf("%s: effective %s, but --effective %s", path, f.Effective, d)
		}
		f.Effective = d
	}
	if f.Effective.IsZero() {
		return nil, treaty.Date{}, fmt.Errorf("%s: no effective date: give \"effective\" or --effective", path)
	}
	return &f.Notification, f.Effective, nil
}

func decodeStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("reading notification: %w", err)
	}
	return nil
}

// itemsFromCSV reads a per-item declaration of party as a notification's
// items; its rows' as_of date, if any, is the effective date.
func itemsFromCSV(t *treaty.Treaty, party, path string, data []byte, f *notificationFile) error {
	s, err := declaration.Load(t, path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	if len(s.Types)+len(s.Aggregates) > 0 {
		return fmt.Errorf("%s: a notification states items: give a per-item declaration (party,uid,type,category,status,...)", path)
	}
	for _, it := range s.Items {
		if it.Party != party {
			return fmt.Errorf("%s: item %s is declared by %s, but this is %s's node", path, it.UID, it.Party, party)
		}
		if !it.AsOf.IsZero() && !f.Effective.IsZero() && !it.AsOf.Equal(f.Effective) {
			return fmt.Errorf("%s: rows declare both %s and %s: one notification has one effective date", path, f.Effective, it.AsOf)
		}
		if !it.AsOf.IsZero() {
			f.Effective = it.AsOf
		}
		w := it.Warheads
		f.Items = append(f.Items, body.Item{UID: it.UID, Type: it.Type, Category: it.Category, Status: it.Status, Facility: it.Facility, Warheads: &w})
	}
	return nil
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"accord/internal/confidence"
)

// maxCampaignFile bounds a --campaign file: MaxInspections of about 120
// bytes each.
const maxCampaignFile = 8 << 20

// fileCampaign reads --campaign, a JSON array of inspections (date,
// category, population, misdeclared, sample), and computes it.
func (a confidenceArgs) fileCampaign(c *cobra.Command) ([]confidence.Step, error) {
	for _, f := range []string{"population", "misdeclared", "sample"} {
		if c.Flags().Changed(f) {
			return nil, fmt.Errorf("--campaign gives every inspection: --%s is not for it", f)
		}
	}
	b, err := os.ReadFile(a.campaignFile)
	if err != nil {
		return nil, err
	}
	if len(b) > maxCampaignFile {
		return nil, fmt.Errorf("%s: more than %d bytes", a.campaignFile, maxCampaignFile)
	}
	var ins []confidence.Inspection
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&ins); err != nil {
		return nil, fmt.Errorf("%s: not a JSON array of inspections (date, category, population, misdeclared, sample): %w", a.campaignFile, err)
	}
	steps, err := confidence.Campaign(ins)
	var e *confidence.Error
	if errors.As(err, &e) {
		return nil, fmt.Errorf("%s: %w", a.campaignFile, err)
	}
	return steps, err
}

// printCampaign prints a dated campaign by category, or its JSON with the
// chart's series.
func printCampaign(w io.Writer, steps []confidence.Step, asJSON bool) error {
	if asJSON {
		return writeJSON(w, struct {
			Inspections []confidence.Step   `json:"inspections"`
			Chart       []confidence.Series `json:"chart"`
		}{steps, confidence.Chart(steps)})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tCATEGORY\tPOPULATION\tMISDECLARED\tSAMPLE\tTHIS INSPECTION\tCATEGORY SO FAR\tSO FAR")
	for _, s := range steps {
		date := "-"
		if !s.Date.IsZero() {
			date = s.Date.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", date, orDash(s.Category), s.Population, s.Misdeclared, s.Sample,
			probability(s.Detect), probability(s.CategoryCumulative), probability(s.Cumulative))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package sim

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"accord/internal/treaty"
)

// typesCSV is the table of record for per-type figures: the United
// States' data by type as the State Department published it, with each
// row's source. Its header comment gives the sources.
//
//go:embed types.csv
var typesCSV string

// volumesCSV is the table of record for the number of notifications the
// parties exchanged, with each figure's source.
//
//go:embed volumes.csv
var volumesCSV string

// A Volume is a published count of notifications exchanged by all
// parties before a date: more than MoreThan.
type Volume struct {
	Date     treaty.Date
	MoreThan int
	Source   string
}

// PublishedVolumes parses the embedded volume figures, in file order.
func PublishedVolumes() ([]Volume, error) {
	return readTable(strings.NewReader(volumesCSV), "volumes", 3, parseVolume)
}

func parseVolume(row []string) (Volume, error) {
	d, err := treaty.ParseDate(row[0])
	if err != nil {
		return Volume{}, err
	}
	n, err := strconv.Atoi(row[1])
	if err != nil {
		return Volume{}, fmt.Errorf("more_than: %w", err)
	}
	return Volume{Date: d, MoreThan: n, Source: row[2]}, nil
}

// readTable reads one of the tables of record: CSV with '#' comments, a
// header line, and fields columns per row, each row parsed by parse.
// Errors name the table (what) and the row's line.
func readTable[T any](in io.Reader, what string, fields int, parse func([]string) (T, error)) ([]T, error) {
	r := csv.NewReader(in)
	r.Comment = '#'
	r.FieldsPerRecord = fields
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("reading %s: no header", what)
	}
	var out []T
	for i, row := range rows[1:] {
		v, err := parse(row)
		if err != nil {
			return nil, fmt.Errorf("%s row %d: %w", what, i+2, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// A TypeCount is one published per-type figure: how many items of a
// type, category and status a party declared on a date.
type TypeCount struct {
	Date     treaty.Date
	Party    string
	Type     string // as the fact sheets name it, e.g. "MM-III"
	Category string
	Status   string
	Count    int
	// Calibrated says the simulated world meets the figure exactly.
	Calibrated bool
	Source     string
}

// PublishedTypes parses the embedded per-type figures, in file order.
func PublishedTypes() ([]TypeCount, error) {
	return readTable(strings.NewReader(typesCSV), "per-type figures", 8, parseTypeCount)
}

func parseTypeCount(row []string) (TypeCount, error) {
	d, err := treaty.ParseDate(row[0])
	if err != nil {
		return TypeCount{}, err
	}
	n, err := strconv.Atoi(row[5])
	if err != nil {
		return TypeCount{}, fmt.Errorf("count: %w", err)
	}
	if row[6] != "yes" && row[6] != "no" {
		return TypeCount{}, fmt.Errorf("calibrated %q: want yes or no", row[6])
	}
	return TypeCount{Date: d, Party: row[1], Type: row[2], Category: row[3], Status: row[4], Count: n, Calibrated: row[6] == "yes", Source: row[7]}, nil
}

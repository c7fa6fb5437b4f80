package main

import (
	"context"
	"errors"
	"slices"
	"time"

	"accord/internal/declaration"
	"accord/internal/factsheet"
	"accord/internal/office"
	"accord/internal/scenario"
	"accord/internal/treaty"
)

// scenarioDeclarations returns the party's declarations a scenario
// compares, from files or from the node's treaty database in f.data, and
// the dates its upload potential is shown on over time: those the files
// declare, or the treaty's data-exchange dates, up to d.
func scenarioDeclarations(ctx context.Context, f scenarioFlags, d treaty.Date, files []string) ([]*declaration.Declaration, []treaty.Date, error) {
	switch {
	case f.data != "" && len(files) > 0:
		return nil, nil, errors.New("--data: give declaration files or a node's data directory, not both")
	case f.data != "":
		return nodeDeclarations(ctx, f.data, f.party, d)
	case len(files) == 0:
		return nil, nil, errors.New("no declaration file: give one or more, or --data DIR")
	}
	set, err := scenario.LoadFiles(files...)
	if err != nil {
		return nil, nil, err
	}
	base, err := treaty.Builtin("trilateral-draft") // every option's parties, in order
	if err != nil {
		return nil, nil, err
	}
	series := slices.DeleteFunc(set.Dates(), func(x treaty.Date) bool { return x.After(d) })
	return set.Declarations(base), series, nil
}

// nodeDeclarations reads the party's declarations from the treaty
// database of the node in dir, as known now.
func nodeDeclarations(ctx context.Context, dir, party string, d treaty.Date) ([]*declaration.Declaration, []treaty.Date, error) {
	o, err := office.Open(ctx, dir, nil)
	if err != nil {
		return nil, nil, err
	}
	defer o.Close(ctx)
	if _, ok := o.Treaty.Party(party); !ok {
		return nil, nil, errors.New("--party: " + party + " is not a party to " + o.Treaty.ID + " (parties: " + partyIDs(o.Treaty) + ")")
	}
	now := time.Now().UTC()
	// The data-exchange dates up to d, but not past today or the
	// treaty's expiry: no declaration is in force after them that is
	// not in force on them.
	end := d
	if today := treaty.DateOf(now); today.Before(end) {
		end = today
	}
	if exp := o.Treaty.Expiry(); !exp.IsZero() && exp.Before(end) {
		end = exp
	}
	series := factsheet.Exchanges(o.Treaty, end)
	decls, err := scenario.Gather(d, series, func(x treaty.Date) (*declaration.Declaration, error) {
		return o.Registry.Declaration(ctx, party, x, now)
	})
	return decls, series, err
}

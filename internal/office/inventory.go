package office

import (
	"context"
	"time"

	"accord/internal/declaration"
	"accord/internal/registry"
	"accord/internal/treaty"
)

// An Inventory is the body of a 200 answer to GET /v1/inventory, and what
// accord inventory --json prints: a party's items on AsOf as known at
// KnownAt, and its latest declared counts on or before AsOf.
type Inventory struct {
	Party   string             `json:"party"`
	AsOf    treaty.Date        `json:"as_of"`
	KnownAt time.Time          `json:"known_at"`
	Items   []declaration.Item `json:"items"` // sorted by UID
	// Counts is the party's latest per-type or aggregate declaration on or
	// before AsOf (registry.Counts), or null. Whether it or the items are
	// what status counts, status says.
	Counts *declaration.Set `json:"counts"`
	// Warheads are the party's warhead balances on AsOf per site,
	// category and status (registry.Balances), counted per site and per
	// item; omitted when it holds none.
	Warheads []registry.Balance `json:"warheads,omitempty"`
}

// Inventory reads party's inventory from the treaty database.
func (o *Office) Inventory(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) (*Inventory, error) {
	reg := o.Registry
	items, err := reg.Inventory(ctx, party, asOf, knownAt)
	if err != nil {
		return nil, err
	}
	counts, err := reg.Counts(ctx, party, asOf, knownAt)
	if err != nil {
		return nil, err
	}
	warheads, err := reg.Balances(ctx, party, asOf, knownAt)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Party: party, AsOf: asOf, KnownAt: knownAt.UTC(), Items: items, Warheads: warheads}
	if inv.Items == nil {
		inv.Items = []declaration.Item{}
	}
	if counts != nil {
		inv.Counts = &declaration.Set{Types: counts.Types}
		if counts.Aggregate != nil {
			inv.Counts.Aggregates = []declaration.Aggregate{*counts.Aggregate}
		}
	}
	return inv, nil
}

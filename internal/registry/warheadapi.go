package registry

import (
	"context"
	"errors"
	"time"

	"accord/entry/body"
	"accord/internal/treaty"
)

// Kinds of finding on warheads (docs/warheads.md).
const (
	FindingBalance          = "balance"           // a warhead statement that disagrees with the book
	FindingFreezeBreach     = "freeze_breach"     // the event that took a party's total above its freeze baseline
	FindingDeployedMismatch = "deployed_mismatch" // deployed strategic warheads that disagree with New START's emplaced warheads
)

// A Balance is the number of warheads one party holds at one site in one
// category and status on a date.
type Balance struct {
	Site     string `json:"site"`
	Category string `json:"category"`
	Status   string `json:"status"`
	// Count is the whole balance: PerItem of them are warheads declared
	// by UID, the rest are counted per site in stock lots.
	Count   int64 `json:"count"`
	PerItem int64 `json:"per_item,omitempty"`
}

// A WarheadEvent is one entry that stated or changed a party's warheads,
// and the party's totals after it.
type WarheadEvent struct {
	Entry     body.Ref    `json:"entry"`
	Effective treaty.Date `json:"effective"`
	Recorded  time.Time   `json:"recorded"`
	Type      string      `json:"type"`   // the notification type
	Effect    string      `json:"effect"` // stock, produce, dismantle, transfer, recategorise, or item (per-item warheads)
	// Lots are the lots the entry states or moves; for per-item
	// warheads, one lot of count 1 per warhead that changed.
	Lots []body.Lot `json:"lots"`
	// Total is the party's warheads after the event, in every warhead
	// category and status but dismantled.
	Total   int64         `json:"total"`
	Freezes []FreezePoint `json:"freezes,omitempty"`
}

// A FreezePoint is one freeze limit's value for the party after an event.
type FreezePoint struct {
	Limit string `json:"limit"`
	Value int64  `json:"value"`
	// Baseline is the party's value on the baseline date; nil when the
	// party had made no warhead statement by then (no_data).
	Baseline *int64 `json:"baseline,omitempty"`
	InForce  bool   `json:"in_force"`
	// Breach is set on the event that took Value above Baseline.
	Breach bool `json:"breach,omitempty"`
}

var errNotBuilt = errors.New("warhead balances: not built yet")

// Balances returns party's warhead balances on asOf as known at knownAt,
// sorted by site, category and status; keys with a zero balance are left
// out.
func (r *Registry) Balances(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) ([]Balance, error) {
	return nil, errNotBuilt
}

// WarheadEvents returns every event on party's warheads as known at
// knownAt, in date order (then log order), with its totals after it.
func (r *Registry) WarheadEvents(ctx context.Context, party string, knownAt time.Time) ([]WarheadEvent, error) {
	return nil, errNotBuilt
}

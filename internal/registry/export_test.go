package registry

import (
	"context"
	"time"

	"accord/internal/declaration"
	"accord/internal/treaty"
)

// OldInventory is oldInventory, for the tests of package registry_test.
func (r *Registry) OldInventory(ctx context.Context, party string, asOf treaty.Date, knownAt time.Time) ([]declaration.Item, error) {
	s, err := r.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer s.end()
	return r.oldInventory(s, party, asOf, knownAt)
}

package office

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"accord/internal/declaration"
)

// TestSplitDeclaration checks that every part is within the limit, that
// the parts hold every row (warheads per site included), that a part is
// closed only when the next row does not fit, and that a row too large
// for any entry is refused.
func TestSplitDeclaration(t *testing.T) {
	set := &declaration.Set{}
	for i := range 300 {
		set.Items = append(set.Items, declaration.Item{Party: "USA", UID: fmt.Sprintf("U%d", i), Type: "T", Category: "icbm", Status: "deployed"})
		if i%7 == 0 {
			set.Types = append(set.Types, declaration.TypeCount{Party: "USA", Type: fmt.Sprint(i), Category: "icbm", Status: "deployed", Count: i})
		}
		if i%5 == 0 {
			set.Warheads = append(set.Warheads, declaration.Warhead{Party: "USA", Site: fmt.Sprintf("Site %d", i), Category: "warhead", Status: "retired", Count: i})
		}
	}
	for _, limit := range []int{200, 1000, 4096, 65000} {
		bodies, err := splitDeclaration(set, limit)
		if err != nil {
			t.Fatal(err)
		}
		var got declaration.Set
		for i, b := range bodies {
			if len(b) > limit {
				t.Fatalf("limit %d: part %d has %d bytes", limit, i, len(b))
			}
			var part declaration.Set
			if err := json.Unmarshal(b, &part); err != nil {
				t.Fatal(err)
			}
			if i > 0 && len(bodies[i-1])+200 < limit {
				t.Fatalf("limit %d: part %d closed at %d bytes", limit, i-1, len(bodies[i-1]))
			}
			got.Merge(&part)
		}
		if !slices.Equal(got.Items, set.Items) || !slices.Equal(got.Types, set.Types) || !slices.Equal(got.Warheads, set.Warheads) {
			t.Fatalf("limit %d: parts do not add up to the declaration", limit)
		}
	}
	if _, err := splitDeclaration(set, 50); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("row larger than the limit: %v", err)
	}
}

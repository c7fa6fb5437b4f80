package treaty

import (
	"testing"
)

func TestBuiltins(t *testing.T) {
	for _, id := range []string{"newstart", "newstart-freeze-2020", "trilateral-draft"} {
		tr, err := Builtin(id)
		if err != nil {
			t.Fatalf("Builtin(%q): %v", id, err)
		}
		if tr.ID != id {
			t.Errorf("Builtin(%q).ID = %q", id, tr.ID)
		}
	}
}

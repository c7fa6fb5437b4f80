package sim

import (
	"strconv"
	"testing"

	"accord/internal/treaty"
)

func itoa(i int) string { return strconv.Itoa(i) }

func mustTreaty(t testing.TB) *treaty.Treaty {
	t.Helper()
	ns, err := treaty.Builtin("newstart")
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

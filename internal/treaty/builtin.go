package treaty

import (
	"embed"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
)

//go:embed treaties/*.yaml
var builtinFS embed.FS

var builtins = sync.OnceValues(loadBuiltins)

func loadBuiltins() (map[string]*Treaty, error) {
	entries, err := builtinFS.ReadDir("treaties")
	if err != nil {
		return nil, err
	}
	// Two passes: definitions without a base first, so that the others
	// can inherit from them.
	out := map[string]*Treaty{}
	for _, derived := range []bool{false, true} {
		for _, e := range entries {
			data, err := builtinFS.ReadFile("treaties/" + e.Name())
			if err != nil {
				return nil, err
			}
			var head struct {
				Base string `yaml:"base"`
			}
			if err := yaml.Unmarshal(data, &head); err != nil {
				return nil, fmt.Errorf("%s: %w", e.Name(), err)
			}
			if (head.Base != "") != derived {
				continue
			}
			t, err := load(e.Name(), data, out)
			if err != nil {
				return nil, err
			}
			out[t.ID] = t
		}
	}
	return out, nil
}

// Builtin returns the built-in treaty with the given id.
func Builtin(id string) (*Treaty, error) {
	all, err := builtins()
	if err != nil {
		return nil, fmt.Errorf("built-in treaties: %w", err)
	}
	t, ok := all[id]
	if !ok {
		return nil, fmt.Errorf("unknown treaty %q (built in: %s)", id, strings.Join(BuiltinIDs(), ", "))
	}
	return t, nil
}

// BuiltinIDs lists the built-in treaties' ids in order.
func BuiltinIDs() []string {
	all, _ := builtins()
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// List returns the built-in treaties in id order.
func List() []*Treaty {
	all, _ := builtins()
	var out []*Treaty
	for _, id := range BuiltinIDs() {
		out = append(out, all[id])
	}
	return out
}

// inherit returns the definition t (decoded from data) completed with every
// top-level key it leaves out, taken from its built-in base.
func inherit(t *Treaty, data []byte, bases map[string]*Treaty) (*Treaty, error) {
	base, ok := bases[t.Base]
	if !ok {
		return nil, fmt.Errorf("unknown base treaty %q: a base must be a built-in treaty without a base of its own", t.Base)
	}
	var keys map[string]any
	if err := yaml.Unmarshal(data, &keys); err != nil {
		return nil, err
	}
	merged := *base
	mv, tv := reflect.ValueOf(&merged).Elem(), reflect.ValueOf(t).Elem()
	for i := 0; i < mv.NumField(); i++ {
		tag := strings.Split(mv.Type().Field(i).Tag.Get("yaml"), ",")[0]
		if _, present := keys[tag]; present {
			mv.Field(i).Set(tv.Field(i))
		}
	}
	return &merged, nil
}

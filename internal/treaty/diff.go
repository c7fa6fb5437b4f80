package treaty

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// A Change is one clause that differs between two treaties. A is empty
// for a clause only B has, B for one only A has.
type Change struct {
	Clause string `json:"clause"`
	A      string `json:"a,omitempty"`
	B      string `json:"b,omitempty"`
}

// Diff compares two treaties clause by clause. Clauses are named by path,
// with list elements named by their id where they have one
// (limits.warheads.ceiling). Citations are compared only if cites is set.
func Diff(a, b *Treaty, cites bool) ([]Change, error) {
	ta, err := tree(a)
	if err != nil {
		return nil, err
	}
	tb, err := tree(b)
	if err != nil {
		return nil, err
	}
	var out []Change
	diffValue("", ta, tb, cites, &out)
	return out, nil
}

// tree is a treaty as generic JSON values, ready to walk.
func tree(t *Treaty) (any, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	var v any
	err = json.Unmarshal(data, &v)
	return v, err
}

// skipped are clauses that identify a definition rather than state terms.
var skipped = []string{"id", "version", "base", "title", "short_title", "summary"}

func diffValue(path string, a, b any, cites bool, out *[]Change) {
	ma, aok := a.(map[string]any)
	mb, bok := b.(map[string]any)
	if aok && bok {
		diffMaps(path, ma, mb, cites, out)
		return
	}
	la, aok := keyed(a)
	lb, bok := keyed(b)
	if aok && bok {
		diffMaps(path, la, lb, cites, out)
		return
	}
	sa, sb := render(a), render(b)
	if sa != sb {
		*out = append(*out, Change{Clause: path, A: sa, B: sb})
	}
}

func diffMaps(path string, a, b map[string]any, cites bool, out *[]Change) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		if (k == "cite" && !cites) || (path == "" && slices.Contains(skipped, k)) {
			continue
		}
		p := k
		if path != "" {
			p = path + "." + k
		}
		va, aok := a[k]
		vb, bok := b[k]
		switch {
		case !aok:
			leaves(p, vb, cites, func(c, v string) { *out = append(*out, Change{Clause: c, B: v}) })
		case !bok:
			leaves(p, va, cites, func(c, v string) { *out = append(*out, Change{Clause: c, A: v}) })
		default:
			diffValue(p, va, vb, cites, out)
		}
	}
}

// leaves calls each with every clause of a value only one treaty has,
// down to its scalars (and lists of scalars), so that an added limit
// reads as its name, ceiling and counting rules, not as one JSON object.
func leaves(path string, v any, cites bool, each func(clause, value string)) {
	m, ok := v.(map[string]any)
	if !ok {
		m, ok = keyed(v)
	}
	if !ok {
		each(path, render(v))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "cite" && !cites || k == "id" {
			continue
		}
		leaves(path+"."+k, m[k], cites, each)
	}
}

// keyed turns a list of objects that all have an id (or a date, for
// events and extensions) into a map keyed by it.
func keyed(v any) (map[string]any, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	m := map[string]any{}
	for i, x := range list {
		o, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		k := fmt.Sprint(o["id"])
		if o["id"] == nil {
			k = strconv.Itoa(i)
		}
		m[k] = o
	}
	return m, true
}

// render is a compact form of a value for the reader: scalars as they
// are, lists joined with commas, objects as JSON without citations.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, render(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		delete(x, "cite")
		data, _ := json.Marshal(x)
		return string(data)
	}
	return fmt.Sprint(v)
}

package scenario

import (
	"cmp"
	"fmt"
	"slices"

	"accord/internal/declaration"
)

// A key is one type of item in one category and status.
type key struct{ typ, category, status string }

type cell struct{ count, warheads int }

// holdings are a declaration's items and type counts added up per type,
// category and status: the level a change and upload potential work at.
type holdings map[key]cell

func holdingsOf(d *declaration.Declaration) holdings {
	h := holdings{}
	for _, it := range d.Items {
		h.add(key{it.Type, it.Category, it.Status}, 1, it.Warheads)
	}
	for _, tc := range d.Types {
		h.add(key{tc.Type, tc.Category, tc.Status}, tc.Count, tc.Warheads)
	}
	return h
}

func (h holdings) add(k key, count, warheads int) {
	c := h[k]
	c.count += count
	c.warheads += warheads
	h[k] = c
}

// get is the cell of a type in a category and status.
func (h holdings) get(typ, category, status string) cell {
	return h[key{typ, category, status}]
}

// kind says what a type is in h: its missile category ("icbm", "slbm"),
// or "heavy_bomber", or "" if h holds none of it.
func (h holdings) kind(typ string) string {
	for k := range h {
		if k.typ != typ {
			continue
		}
		switch k.category {
		case "icbm", "slbm", "heavy_bomber":
			return k.category
		}
	}
	return ""
}

// launcher is the launcher category of a missile category.
func launcher(missile string) string { return missile + "_launcher" }

// move takes n items (and warheads) of a type and category from one
// status to another.
func (h holdings) move(typ, category, from, to string, n, warheads int) {
	h.add(key{typ, category, from}, -n, -warheads)
	h.add(key{typ, category, to}, n, warheads)
}

// declaration writes the holdings back as type counts, sorted, keeping
// d's warheads counted per site.
func (h holdings) declaration(d *declaration.Declaration) *declaration.Declaration {
	out := &declaration.Declaration{Party: d.Party, AsOf: d.AsOf, Warheads: d.Warheads}
	for k, c := range h {
		if c.count == 0 && c.warheads == 0 {
			continue
		}
		out.Types = append(out.Types, declaration.TypeCount{AsOf: d.AsOf, Party: d.Party, Type: k.typ, Category: k.category, Status: k.status, Count: c.count, Warheads: c.warheads})
	}
	slices.SortFunc(out.Types, func(a, b declaration.TypeCount) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Category, b.Category), cmp.Compare(a.Status, b.Status))
	})
	return out
}

// Apply returns d with c's steps applied in order. d is not modified. A
// step the holdings cannot take (retiring more missiles than are
// deployed, uploading past a type's most warheads in the force-facts
// table) is an error naming the change file's line.
func (c *Change) Apply(d *declaration.Declaration) (*declaration.Declaration, error) {
	if d.Aggregate != nil {
		return nil, fmt.Errorf("%s: %s declared pre-counted aggregates on %s: a change needs holdings per type or per item", c.File, d.Party, d.AsOf)
	}
	h := holdingsOf(d)
	for i, s := range c.Steps {
		if err := h.apply(s); err != nil {
			return nil, fmt.Errorf("%s:%d: steps[%d] (%s): %w", c.File, s.Line, i, s, err)
		}
	}
	return h.declaration(d), nil
}

func (h holdings) apply(s Step) error {
	s.Type = h.resolve(s.Type)
	kind := h.kind(s.Type)
	if kind == "" {
		return fmt.Errorf("no missile or heavy bomber of type %q is declared", s.Type)
	}
	switch s.Action {
	case Retire:
		return h.retire(s, kind)
	case Eliminate:
		return h.eliminate(s, kind)
	case Upload, Download:
		return h.upload(s, kind)
	}
	return h.deploy(s, kind)
}

func (h holdings) retire(s Step, kind string) error {
	m := h.get(s.Type, kind, "deployed")
	if s.N > m.count {
		return fmt.Errorf("only %d are deployed", m.count)
	}
	if l := h.get(s.Type, launcher(kind), "deployed"); kind != "heavy_bomber" && s.N > l.count {
		return fmt.Errorf("only %d deployed launchers are declared", l.count)
	}
	// The warheads come off with the missiles (the average load, rounded
	// down) and leave the declared holdings: a non-deployed missile
	// carries none.
	h.add(key{s.Type, kind, "deployed"}, -s.N, -m.warheads*s.N/m.count)
	h.add(key{s.Type, kind, "non_deployed"}, s.N, 0)
	if kind == "heavy_bomber" {
		return nil
	}
	h.move(s.Type, launcher(kind), "deployed", "non_deployed", s.N, 0)
	return nil
}

func (h holdings) eliminate(s Step, kind string) error {
	cat := kind
	if kind != "heavy_bomber" {
		cat = launcher(kind)
	}
	l := h.get(s.Type, cat, s.Status)
	if s.N > l.count {
		return fmt.Errorf("only %d %s %s are declared", l.count, s.Status, cat)
	}
	if s.Status == "deployed" && kind != "heavy_bomber" {
		return fmt.Errorf("retire deployed missiles first: a deployed launcher holds a deployed missile")
	}
	h.move(s.Type, cat, s.Status, "eliminated", s.N, 0)
	return nil
}

func (h holdings) upload(s Step, kind string) error {
	if kind == "heavy_bomber" {
		return fmt.Errorf("a heavy bomber's warheads are counted one per bomber: upload applies to missiles")
	}
	m := h.get(s.Type, kind, "deployed")
	delta := s.N * m.count
	if s.Action == Download {
		if delta > m.warheads {
			return fmt.Errorf("%d deployed carry %d warheads, fewer than %d", m.count, m.warheads, delta)
		}
		delta = -delta
	}
	if err := withinLoad(s.Type, m.count, m.warheads+delta); err != nil {
		return err
	}
	h.add(key{s.Type, kind, "deployed"}, 0, delta)
	return nil
}

// withinLoad refuses more warheads on n missiles of a type than the
// force-facts table's highest load allows.
func withinLoad(typ string, n, warheads int) error {
	f, ok := Facts()[typ]
	if ok && warheads > n*f.High() {
		return fmt.Errorf("%d warheads on %d missiles is more than the %d per missile the force-facts table allows", warheads, n, f.High())
	}
	return nil
}

func (h holdings) deploy(s Step, kind string) error {
	m := h.get(s.Type, kind, "non_deployed")
	if s.N > m.count {
		return fmt.Errorf("only %d are non-deployed", m.count)
	}
	if kind == "heavy_bomber" {
		if s.Load != 0 {
			return fmt.Errorf("a heavy bomber takes no load: it counts as one warhead")
		}
		h.move(s.Type, kind, "non_deployed", "deployed", s.N, 0)
		return nil
	}
	if s.Load == 0 {
		return fmt.Errorf("load is required: the warheads on each missile deployed")
	}
	if l := h.get(s.Type, launcher(kind), "non_deployed"); s.N > l.count {
		return fmt.Errorf("only %d non-deployed launchers are declared", l.count)
	}
	if err := withinLoad(s.Type, s.N, s.N*s.Load); err != nil {
		return err
	}
	h.move(s.Type, kind, "non_deployed", "deployed", s.N, 0)
	h.add(key{s.Type, kind, "deployed"}, 0, s.N*s.Load)
	h.move(s.Type, launcher(kind), "non_deployed", "deployed", s.N, 0)
	return nil
}

// resolve returns the name h holds typ under: typ itself, or another name
// of the same type in the force-facts table (Minuteman III for MM-III).
func (h holdings) resolve(typ string) string {
	f, ok := Facts()[typ]
	if h.kind(typ) != "" || !ok {
		return typ
	}
	for _, name := range append([]string{f.Type}, f.Aliases...) {
		if h.kind(name) != "" {
			return name
		}
	}
	return typ
}

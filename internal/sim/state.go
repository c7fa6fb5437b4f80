package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"accord/internal/declaration"
)

// A unit is one simulated item and, for a loaded launcher and its
// missile, its partner.
type unit struct {
	declaration.Item
	pair *unit
}

// A force is one party's items as the generator evolves them. Every
// change goes through a method that returns the steps notifying it, so
// that the notifications and the state never disagree.
type force struct {
	party  string
	groups []*group
	rng    *rand.Rand
	units  map[string]*unit
	// launchers and missiles hold each group's items that are not
	// eliminated, in the order they were declared.
	launchers [][]*unit
	missiles  [][]*unit
	nextSlot  []int
	serials   []*serials
	boats     map[string]int // boat → seeded rank, for tubeRank
}

// serials hands out missile serial numbers in a seeded order, so that the
// seed decides which missile stands in which silo.
type serials struct {
	prefix string
	perm   []int
	next   int
}

func (s *serials) uid() string {
	n := s.next + 1
	if s.next < len(s.perm) {
		n = s.perm[s.next] + 1
	}
	s.next++
	return fmt.Sprintf("%s-%04d", s.prefix, n)
}

func newForce(party string, groups []*group, rng *rand.Rand) *force {
	f := &force{party: party, groups: groups, rng: rng, units: map[string]*unit{}, boats: map[string]int{}}
	f.launchers = make([][]*unit, len(groups))
	f.missiles = make([][]*unit, len(groups))
	f.nextSlot = make([]int, len(groups))
	var boats []string
	for _, g := range groups {
		if g.slots.kind == "tube" {
			for _, st := range g.slots.sites {
				boats = append(boats, g.slots.prefix+"-"+st.code)
			}
		}
	}
	for i, p := range rng.Perm(len(boats)) {
		f.boats[boats[i]] = p
	}
	for _, g := range groups {
		prefix := g.missilePrefix
		if prefix == "" {
			prefix = party + "-" + strings.ToUpper(g.id) + "-M"
		}
		// Serials past the permuted block (later production) count on.
		f.serials = append(f.serials, &serials{prefix: prefix, perm: rng.Perm(g.slots.capacity() + g.spares + 40)})
	}
	return f
}

func (f *force) add(gi int, it declaration.Item) *unit {
	u := &unit{Item: it}
	u.Party = f.party
	f.units[u.UID] = u
	if f.isMissile(gi, it.Category) {
		f.missiles[gi] = append(f.missiles[gi], u)
	} else {
		f.launchers[gi] = append(f.launchers[gi], u)
	}
	return u
}

func (f *force) isMissile(gi int, category string) bool {
	return f.groups[gi].missile != "" && category == f.groups[gi].missile
}

// newLauncher declares the group's next launcher slot in status.
func (f *force) newLauncher(gi int, status string) *unit {
	g := f.groups[gi]
	uid, fac := g.slots.slot(f.nextSlot[gi])
	f.nextSlot[gi]++
	return f.add(gi, declaration.Item{UID: uid, Type: g.typ, Category: g.launcher, Status: status, Facility: fac})
}

// newMissile declares a new non-deployed missile in the group's store.
func (f *force) newMissile(gi int) *unit {
	g := f.groups[gi]
	return f.add(gi, declaration.Item{UID: f.serials[gi].uid(), Type: g.typ, Category: g.missile, Status: "non_deployed", Facility: g.store})
}

// remove forgets an eliminated item's place in its group.
func (f *force) remove(gi int, u *unit) {
	del := func(s []*unit) []*unit { return slices.DeleteFunc(s, func(x *unit) bool { return x == u }) }
	f.launchers[gi] = del(f.launchers[gi])
	f.missiles[gi] = del(f.missiles[gi])
}

// counted returns the group's launchers in status (deployed or
// non_deployed).
func (f *force) withStatus(us []*unit, status string) []*unit {
	var out []*unit
	for _, u := range us {
		if u.Status == status {
			out = append(out, u)
		}
	}
	return out
}

func (f *force) count(gi int) (counted, deployed, warheads int) {
	for _, u := range f.launchers[gi] {
		switch u.Status {
		case "deployed":
			deployed++
			counted++
			if u.pair != nil {
				warheads += u.pair.Warheads
			}
		case "non_deployed":
			counted++
		}
	}
	return counted, deployed, warheads
}

// pick removes and returns a random element of us.
func (f *force) pick(us *[]*unit) *unit {
	i := f.rng.IntN(len(*us))
	u := (*us)[i]
	*us = slices.Delete(*us, i, i+1)
	return u
}

// holdings returns every item not eliminated, in UID order.
func (f *force) holdings() []declaration.Item {
	var out []declaration.Item
	for _, u := range f.units {
		if u.Status != "eliminated" {
			out = append(out, u.Item)
		}
	}
	slices.SortFunc(out, func(a, b declaration.Item) int { return strings.Compare(a.UID, b.UID) })
	return out
}

package escrow

import (
	"cmp"
	"strings"
	"time"

	"accord/entry"
	"accord/entry/body"
)

// LotCategory maps a treaty's warhead category and status to the escrow
// category they are accountable as (docs/escrow.md, "Categories"):
// warhead and nonstrategic_warhead, each deployed or non_deployed, and
// either retired. Any other pair (dismantled warheads, other categories)
// is not escrowed: ok is false.
func LotCategory(category, status string) (c Category, ok bool) {
	strategic := category == "warhead"
	if !strategic && category != "nonstrategic_warhead" {
		return "", false
	}
	switch {
	case status == "retired":
		return Retired, true
	case status == "deployed" && strategic:
		return DeployedStrategic, true
	case status == "non_deployed" && strategic:
		return NondeployedStrategic, true
	case status == "deployed":
		return NonstrategicDeployed, true
	case status == "non_deployed":
		return NonstrategicStored, true
	}
	return "", false
}

// lotKinds are the flow kinds of the treaty's warhead flow effects.
var lotKinds = map[string]FlowKind{"produce": Produced, "dismantle": Dismantled, "transfer": Transferred, "recategorise": Recategorised}

// logFlows returns the flows a notification entry of the party's log
// records, read with the treaty's effects: the lots of a warhead flow,
// and the warheads of a change or a move of items.
func logFlows(e *entry.Entry, index uint64, effects map[string]string) ([]Flow, error) {
	n, err := body.ParseNotification(e.Body)
	if err != nil {
		return nil, fail(ErrLog, "", "entry %d: %v", index, err)
	}
	effect, ok := effects[n.Type]
	if !ok {
		return nil, fail(ErrLog, "", "entry %d: notification type %q is not one of the treaty's", index, n.Type)
	}
	day := e.Effective.Format(time.DateOnly)
	switch {
	case lotKinds[effect] != "":
		return lotFlows(n.Stock, lotKinds[effect], day), nil
	case effect == "change":
		return changeFlows(n.Items, day), nil
	case effect == "move":
		return moveFlows(n, day), nil
	}
	return nil, nil
}

// lotFlows returns the flows of a warhead flow's lots.
func lotFlows(lots []body.Lot, kind FlowKind, day string) []Flow {
	var out []Flow
	for _, l := range lots {
		from, ok := LotCategory(l.Category, l.Status)
		if !ok || l.Count < 1 {
			continue
		}
		f := Flow{Kind: kind, Date: day, Site: l.Site, Category: from, Count: uint64(l.Count)}
		if kind == Transferred {
			f.To = l.ToSite
		}
		if kind == Recategorised {
			to, ok := LotCategory(cmp.Or(l.ToCategory, l.Category), cmp.Or(l.ToStatus, l.Status))
			switch {
			case !ok:
				f.Kind = Dismantled // out of every escrowed category
			case to == from:
				continue
			default:
				f.ToCategory = to
			}
		}
		out = append(out, f)
	}
	return out
}

// changeFlows returns the flows of a change of items: an item stated in
// full of a warhead category, and an item dismantled.
func changeFlows(items []body.Item, day string) []Flow {
	var out []Flow
	for _, it := range items {
		_, warhead := LotCategory(it.Category, "retired")
		switch {
		case it.Status == "dismantled":
			site := ""
			if warhead {
				site = it.Facility
			}
			out = append(out, Flow{Kind: Dismantled, Date: day, UID: it.UID, Site: site, item: itemDismantle})
		case warhead && it.Type != "" && it.Status != "" && it.Facility != "":
			out = append(out, Flow{Kind: Produced, Date: day, UID: it.UID, Site: it.Facility, item: itemStated})
		}
	}
	return out
}

// moveFlows returns the flows of a move of items, each followed only if
// it is a warhead known here.
func moveFlows(n *body.Notification, day string) []Flow {
	var out []Flow
	for _, it := range n.Items {
		out = append(out, Flow{Kind: Transferred, Date: day, UID: it.UID, Site: n.From, To: n.To, item: itemMoved})
	}
	return out
}

// ValidID reports whether s is an id: a party, region or UID
// (docs/escrow.md, "Notation").
func ValidID(s string) bool { return validID(s) }

// RegionOf returns the region id a site makes when each site is a region
// of its own: the site with each run of characters an id does not allow
// replaced by "-" ("F.E. Warren AFB" makes "F.E.-Warren-AFB"). ok is false
// if that is not an id.
func RegionOf(site string) (id string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(site); i++ {
		c := site[i]
		switch {
		case alnum(c) || c == '.' || c == '_' || c == '-':
			b.WriteByte(c)
		case !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	id = strings.TrimRight(b.String(), "-")
	return id, validID(id)
}

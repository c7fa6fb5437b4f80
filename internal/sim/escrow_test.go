package sim

import (
	"testing"
	"time"

	"accord/escrow"
	"accord/internal/treaty"
)

// TestEscrows checks the freeze scenarios' escrowed declarations: each
// party commits, on the baseline date, to exactly the warheads of its
// baseline statement, site by site and category by category, each site
// in the region of its facility kind; the commitment's total is the
// statement's; and every region is revealed once, in order, after the
// commitment and within a year of it. The other scenarios have none.
func TestEscrows(t *testing.T) {
	for _, sc := range []string{Freeze, FreezeBreach} {
		w := world(t, sc, 1)
		if len(w.Escrows) != len(w.Parties) {
			t.Fatalf("%s: %d escrows for %d parties", sc, len(w.Escrows), len(w.Parties))
		}
		for i, x := range w.Escrows {
			checkEscrow(t, w, w.Parties[i], &x)
		}
	}
	if w := world(t, NewSTART, 1); len(w.Escrows) != 0 {
		t.Errorf("newstart: %d escrows", len(w.Escrows))
	}
}

func checkEscrow(t *testing.T, w *World, party string, x *Escrow) {
	t.Helper()
	d := &x.Declaration
	base := treaty.MustDate("2020-10-20")
	if d.Party != party || d.Date != base.String() {
		t.Fatalf("%s: declaration of %s on %s", party, d.Party, d.Date)
	}
	kind := map[string]string{}
	for _, f := range w.Facilities {
		kind[f.ID] = f.Kind
	}
	declared := map[string]uint64{}
	for _, r := range d.Regions {
		for _, e := range r.Entries {
			if kind[e.Site] != r.ID {
				t.Errorf("%s: site %s (%s) in region %s", party, e.Site, kind[e.Site], r.ID)
			}
			declared[e.Site] += e.Warheads()
		}
	}
	stated, total := map[string]uint64{}, uint64(0)
	for _, e := range w.Events {
		if e.Party == party && e.Type == warheadData && e.Effective.Equal(base) {
			for _, l := range e.Stock {
				stated[l.Site] += uint64(l.Count)
				total += uint64(l.Count)
			}
		}
	}
	if len(stated) == 0 || len(stated) != len(declared) {
		t.Errorf("%s: %d sites stated, %d declared", party, len(stated), len(declared))
	}
	for s, n := range stated {
		if declared[s] != n {
			t.Errorf("%s: %s holds %d warheads, %d declared", party, s, n, declared[s])
		}
	}
	var secret [escrow.SecretSize]byte
	c, _, err := escrow.Commit(&secret, d)
	if err != nil || c.Total != total {
		t.Fatalf("%s: commitment total %v (%v), want %d", party, c, err, total)
	}
	if !x.Sent.After(statementSent(w, party, base)) {
		t.Errorf("%s: commitment sent %s, not after its statement", party, x.Sent)
	}
	checkRevealSteps(t, party, d, x.Reveals, base)
	for _, s := range x.Reveals {
		if !s.Sent.After(x.Sent) || s.Sent.Before(s.Date.Time()) {
			t.Errorf("%s: region %s effective %s sent %s, commitment sent %s", party, s.Region, s.Date, s.Sent, x.Sent)
		}
	}
}

// statementSent is when party's warhead statement effective on d was sent.
func statementSent(w *World, party string, d treaty.Date) (sent time.Time) {
	for _, e := range w.Events {
		if e.Party == party && e.Type == warheadData && e.Effective.Equal(d) {
			sent = e.Sent
		}
	}
	return sent
}

func checkRevealSteps(t *testing.T, party string, d *escrow.Declaration, steps []RevealStep, base treaty.Date) {
	t.Helper()
	if len(steps) != len(d.Regions) || len(steps) < 2 {
		t.Fatalf("%s: %d reveals of %d regions", party, len(steps), len(d.Regions))
	}
	last := base
	seen := map[string]bool{}
	for _, s := range steps {
		if seen[s.Region] || !s.Date.After(last) || s.Date.After(base.AddDays(revealYear)) {
			t.Errorf("%s: region %s revealed on %s (after %s, seen %v)", party, s.Region, s.Date, last, seen[s.Region])
		}
		seen[s.Region], last = true, s.Date
	}
}

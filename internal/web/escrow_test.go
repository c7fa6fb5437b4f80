package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"accord/internal/confidence"
	"accord/internal/sim"
	"accord/internal/treaty"
	"accord/internal/web"
	"accord/internal/web/webtest"
)

// escrowWorld is the demo's freeze scenario (seed 1) in a test world, with
// each party's simulated escrow committed and every region revealed as
// the demo does it (sim.Escrow), each reveal's bytes held by the view.
func escrowWorld(t testing.TB) *webtest.World {
	t.Helper()
	escrowOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-web-escrow-")
		if err != nil {
			escrowErr = err
			return
		}
		escrowW, escrowErr = buildEscrow(context.Background(), dir+"/treaty.db")
	})
	if escrowErr != nil {
		t.Fatal(escrowErr)
	}
	return escrowW
}

var (
	escrowOnce sync.Once
	escrowW    *webtest.World
	escrowErr  error
)

func buildEscrow(ctx context.Context, path string) (*webtest.World, error) {
	w, err := webtest.Build(ctx, sim.Freeze, 1, path)
	if err != nil {
		return nil, err
	}
	for _, x := range w.Sim.Escrows {
		secret := sha256.Sum256([]byte("escrow secret of " + x.Declaration.Party))
		_, o, err := w.Commit(ctx, &secret, &x.Declaration, x.Sent)
		if err != nil {
			return nil, fmt.Errorf("%s commitment: %w", x.Declaration.Party, err)
		}
		for _, s := range x.Reveals {
			if _, err := w.Reveal(ctx, x.Declaration.Party, o, s.Region, s.Date, s.Sent); err != nil {
				return nil, fmt.Errorf("%s reveal of %s: %w", x.Declaration.Party, s.Region, err)
			}
		}
	}
	return w, nil
}

// altered is a view whose store holds other bytes, or none, for some
// reveals.
type altered struct {
	web.NodeView
	store web.RevealStore
	bytes map[[32]byte][]byte // nil bytes: not held
}

func (a altered) Reveal(ctx context.Context, party string, h [32]byte) ([]byte, error) {
	if b, ok := a.bytes[h]; ok {
		if b == nil {
			return nil, fmt.Errorf("%w: not held", web.ErrNotFound)
		}
		return b, nil
	}
	return a.store.Reveal(ctx, party, h)
}

// loggedReveals returns party's logged reveal hashes in the world, in the
// order of its escrow's reveals.
func loggedReveals(t testing.TB, w *webtest.World, party string) [][32]byte {
	t.Helper()
	cs, err := w.Reg.Escrows(context.Background(), party, w.Clock)
	if err != nil || len(cs) != 1 {
		t.Fatalf("%s escrows: %v %v", party, cs, err)
	}
	var out [][32]byte
	for _, x := range w.Sim.Escrows {
		if x.Declaration.Party != party {
			continue
		}
		for _, s := range x.Reveals {
			for _, r := range cs[0].Regions {
				if r.ID == s.Region {
					var h [32]byte
					if _, err := hex.Decode(h[:], []byte(r.RevealHash)); err != nil {
						t.Fatal(err)
					}
					out = append(out, h)
				}
			}
		}
	}
	return out
}

// commitment returns the article of party's commitment on an escrow page.
func commitment(t testing.TB, page, party string) string {
	t.Helper()
	i := strings.Index(page, `<article class="commitment" id="commitment-`+party+`-`)
	if i < 0 {
		t.Fatalf("no commitment of %s on the page", party)
	}
	s := page[i:]
	return s[:strings.Index(s, "</article>")]
}

// TestEscrowPage checks the escrow page of the demo's freeze scenario:
// as known now, each party's commitment of 20 October 2020 with its
// total, every region open with its count and verified (log, tree, order,
// count, count_commitment), the reveals together (uid, hidden) and the
// total against the freeze baseline verified, every region and warhead
// revealed, and the confidence 100%; as known on 1 March 2021, only the
// regions whose reveals were recorded by then open, the rest hidden, and
// the confidence confidence.Detect's for that many regions opened.
func TestEscrowPage(t *testing.T) {
	w := escrowWorld(t)
	srv := newServer(t, w.View())
	page := mustGet(t, srv, "/escrow")
	for _, x := range w.Sim.Escrows {
		p, d := x.Declaration.Party, &x.Declaration
		c := commitment(t, page, p)
		var total uint64
		for _, r := range d.Regions {
			var n uint64
			for _, e := range r.Entries {
				n += e.Warheads()
			}
			total += n
			row := fmt.Sprintf(`<tr class="region open" data-region="%s" data-state="open" data-check="verified">`, r.ID)
			if !strings.Contains(c, row) || !strings.Contains(c, fmt.Sprintf(`data-count="%d"`, n)) {
				t.Errorf("%s: region %s is not shown open with %d warheads and verified", p, r.ID, n)
			}
		}
		for _, want := range []string{`data-verified="true"`, fmt.Sprintf(`data-total="%d"`, total), fmt.Sprintf(`data-opened="%d" data-regions="%d"`, len(d.Regions), len(d.Regions)),
			"Commitment of 20 October 2020", `<tr class="check" data-scope="commitment" data-ok="true">`, `data-scope="total against the baseline" data-ok="true"`,
			fmt.Sprintf(`data-scope="%d revealed regions together" data-ok="true"`, len(d.Regions)), "(100.0%), holding", `data-k="1" data-p="1.000000"`} {
			if !strings.Contains(c, want) {
				t.Errorf("%s: the commitment lacks %s", p, want)
			}
		}
		if strings.Contains(c, `data-ok="false"`) {
			t.Errorf("%s: a check failed", p)
		}
	}
	checkEscrowOn(t, w, mustGet(t, srv, "/escrow?date=2021-03-01"), treaty.MustDate("2021-03-01"))
}

// checkEscrowOn checks an escrow page as known at the end of day.
func checkEscrowOn(t *testing.T, w *webtest.World, page string, day treaty.Date) {
	t.Helper()
	end := day.AddDays(1).Time()
	for _, x := range w.Sim.Escrows {
		p := x.Declaration.Party
		c := commitment(t, page, p)
		opened := 0
		for _, s := range x.Reveals {
			state := "hidden"
			if s.Sent.Before(end) {
				state, opened = "open", opened+1
			}
			if !strings.Contains(c, fmt.Sprintf(`data-region="%s" data-state="%s"`, s.Region, state)) {
				t.Errorf("%s on %s: region %s not %s", p, day, s.Region, state)
			}
		}
		if opened == 0 || opened == len(x.Reveals) {
			t.Fatalf("%s on %s: %d of %d regions open: the date shows no partial state", p, day, opened, len(x.Reveals))
		}
		for k := 1; k <= 3; k++ {
			want, _ := confidence.Detect(len(x.Reveals), k, opened)
			if !strings.Contains(c, fmt.Sprintf(`data-k="%d" data-p="%.6f"`, k, want)) {
				t.Errorf("%s on %s: no confidence %.6f for %d misdeclared regions, %d of %d opened", p, day, want, k, opened, len(x.Reveals))
			}
		}
		if !strings.Contains(c, `data-verified="true"`) {
			t.Errorf("%s on %s: the reveals so far are not verified", p, day)
		}
	}
}

// TestEscrowTampered checks that a reveal whose stored bytes were changed
// is shown failed, naming the check (log: the bytes are not the ones
// whose hash the log records), and its commitment not verified, while
// the other party's stays verified; and that a reveal the node does not
// hold is shown not held, not verified.
func TestEscrowTampered(t *testing.T) {
	w := escrowWorld(t)
	hs := loggedReveals(t, w, "RUS")
	good := w.Reveals["RUS"][hs[0]]
	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 1
	v := altered{NodeView: w.View(), store: w.View().(web.RevealStore), bytes: map[[32]byte][]byte{hs[0]: bad, hs[1]: nil}}
	page := mustGet(t, newServer(t, v), "/escrow")
	rus := commitment(t, page, "RUS")
	for _, want := range []string{`data-verified="false"`, `data-check="failed"`, `data-failed="log"`, "failed: log", "is not the one entry", `data-check="not_held"`, "not held"} {
		if !strings.Contains(rus, want) {
			t.Errorf("the tampered commitment lacks %s", want)
		}
	}
	if n := len(regexp.MustCompile(`data-check="verified"`).FindAllString(rus, -1)); n != len(hs)-2 {
		t.Errorf("%d regions verified, want %d", n, len(hs)-2)
	}
	if usa := commitment(t, page, "USA"); !strings.Contains(usa, `data-verified="true"`) {
		t.Errorf("the United States' commitment is not verified")
	}
}

// TestBrowserEscrow opens the escrow page of the demo's freeze scenario in
// a headless Chromium, from the warheads page's link: for both parties a
// full commit → reveal → verify cycle, the commitment verified with every
// region open and each check named and verified; on 1 March 2021 some
// regions still hidden; and, on a node whose stored reveal of Russia's
// first region was tampered with, that region failed, naming the check
// (log), and Russia's commitment not verified.
func TestBrowserEscrow(t *testing.T) {
	w := escrowWorld(t)
	b := &webtest.Browser{T: t, Ctx: webtest.NewBrowser(t), Base: newServer(t, w.View()).URL, Shots: webtest.ScreenshotDir(t)}
	b.Open("/warheads", "#to-escrow")
	b.Do("to the escrow page", chromedp.Click(chromedp.CSS("#to-escrow")), chromedp.WaitVisible(chromedp.CSS("#escrow-RUS article.commitment")))
	b.Shoot("escrow")
	if cur := b.Text(`nav a[aria-current="page"]`); cur != "Escrow" {
		t.Errorf("the nav marks %q as the current page", cur)
	}
	for _, x := range w.Sim.Escrows {
		p, n := x.Declaration.Party, len(x.Reveals)
		sel := "#escrow-" + p + " article.commitment"
		if v := b.Text(sel + " h3 .verdict"); v != "verified so far" {
			t.Errorf("%s: the commitment reads %q", p, v)
		}
		if got := webtest.Eval[int](b, `document.querySelectorAll("`+sel+` tr.region.open[data-check=verified]").length`); got != n {
			t.Errorf("%s: %d regions open and verified, want %d", p, got, n)
		}
		checks := webtest.Eval[[]string](b, `[...document.querySelectorAll("`+sel+` table.checks tbody tr")].map(tr => tr.innerText.replaceAll("\t", " | "))`)
		text := strings.Join(checks, "\n")
		for _, want := range []string{"commitment | log, total | verified", "log, tree, order, count, count_commitment | verified", "revealed regions together | uid, hidden | verified", "total against the baseline | freeze | verified"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the checks read\n%s\nlacking %q", p, text, want)
			}
		}
		if got := b.Text(sel + " .opened"); !strings.Contains(got, fmt.Sprintf("%d of %d regions open (100.0%%)", n, n)) || !strings.Contains(got, "0 still hidden") {
			t.Errorf("%s: the summary reads %q", p, got)
		}
	}

	b.Open("/escrow?date=2021-03-01", "#escrow-USA article.commitment")
	b.Shoot("escrow-partial")
	if hidden := webtest.Eval[int](b, `document.querySelectorAll("tr.region.hidden").length`); hidden == 0 {
		t.Errorf("no region hidden as known on 1 March 2021")
	}

	hs := loggedReveals(t, w, "RUS")
	bad := append([]byte(nil), w.Reveals["RUS"][hs[0]]...)
	bad[len(bad)-1] ^= 1
	v := altered{NodeView: w.View(), store: w.View().(web.RevealStore), bytes: map[[32]byte][]byte{hs[0]: bad}}
	b.Base = newServer(t, v).URL
	b.Open("/escrow", "#escrow-RUS article.commitment")
	b.Shoot("escrow-tampered")
	if v := b.Text("#escrow-RUS article.commitment h3 .verdict"); v != "not verified" {
		t.Errorf("the tampered commitment reads %q", v)
	}
	if got := b.Text(`#escrow-RUS tr.region[data-check=failed]`); !strings.Contains(got, "failed: log") {
		t.Errorf("the tampered region reads %q, not naming the check log", got)
	}
	if v := b.Text("#escrow-USA article.commitment h3 .verdict"); v != "verified so far" {
		t.Errorf("the United States' commitment reads %q", v)
	}
}

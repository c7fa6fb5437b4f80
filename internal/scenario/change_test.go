package scenario

import (
	"strings"
	"testing"

	"accord/internal/declaration"
)

func TestParseChange(t *testing.T) {
	src := `# a posture
name: fewer ICBMs, more SLBM warheads
steps:
  - retire: 50
    type: Minuteman III
  - upload: 2
    type: Trident II
  - deploy: 10
    type: Trident II
    load: 4
  - eliminate: 3
    type: B-52H
`
	c, err := ParseChange("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Action: Retire, N: 50, Type: "Minuteman III", Line: 4},
		{Action: Upload, N: 2, Type: "Trident II", Line: 6},
		{Action: Deploy, N: 10, Type: "Trident II", Load: 4, Line: 8},
		{Action: Eliminate, N: 3, Type: "B-52H", Status: "non_deployed", Line: 11},
	}
	if len(c.Steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(c.Steps), len(want))
	}
	for i := range want {
		if c.Steps[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, c.Steps[i], want[i])
		}
	}
	if got := c.Steps[1].String(); got != "upload 2 warheads per Trident II" {
		t.Errorf("String() = %q", got)
	}
}

func TestParseChangeErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"steps: []\n", "p.yaml:1: steps: at least one step is required"},
		{"name: x\n", "p.yaml:1: steps: at least one step is required"},
		{"steps:\n  - retire: 5\n    upload: 1\n    type: B-2A\n", "p.yaml:2: steps[0]: exactly one of retire, eliminate, upload, download or deploy is required"},
		{"steps:\n  - type: B-2A\n", "p.yaml:2: steps[0]: exactly one of"},
		{"steps:\n  - retire: 5\n", "p.yaml:2: steps[0].type: required"},
		{"steps:\n  - retire: 1\n    type: B-2A\n  - retire: 0\n    type: B-2A\n", "p.yaml:4: steps[1].retire: 0 is not between 1 and 100000"},
		{"steps:\n  - upload: 101\n    type: Trident II\n", "p.yaml:2: steps[0].upload: 101 is not between 1 and 100"},
		{"steps:\n  - retire: 5\n    type: B-2A\n    load: 2\n", "p.yaml:2: steps[0].load: only deploy takes a load"},
		{"steps:\n  - retire: 5\n    type: B-2A\n    status: deployed\n", "p.yaml:2: steps[0].status: only eliminate takes a status"},
		{"steps:\n  - eliminate: 5\n    type: B-2A\n    status: converted\n", `p.yaml:2: steps[0].status: "converted" is not deployed or non_deployed`},
		{"steps:\n  - retire: 5\n    typo: B-2A\n", "p.yaml:3: unknown field \"typo\""},
		{"steps:\n  - retire: many\n    type: B-2A\n", "p.yaml:"},
		{"steps: [\n", "p.yaml:"},
	} {
		_, err := ParseChange("p.yaml", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseChange(%q) = %v, want %q", c.src, err, c.want)
		}
	}
	if _, err := ParseChange("p.yaml", make([]byte, MaxChangeSize+1)); err == nil {
		t.Error("an oversized file was accepted")
	}
}

func TestApplyErrors(t *testing.T) {
	d := usDeclaration(t)
	for _, c := range []struct{ steps, want string }{
		{"  - retire: 398\n    type: Minuteman III\n", "p.yaml:3: steps[0] (retire 398 Minuteman III): only 397 are deployed"},
		{"  - retire: 1\n    type: Peacekeeper\n", `p.yaml:3: steps[0] (retire 1 Peacekeeper): no missile or heavy bomber of type "Peacekeeper" is declared`},
		{"  - upload: 3\n    type: Minuteman III\n", "p.yaml:3: steps[0] (upload 3 warheads per Minuteman III): 1588 warheads on 397 missiles is more than the 3 per missile the force-facts table allows"},
		{"  - download: 2\n    type: Minuteman III\n", "p.yaml:3: steps[0] (download 2 warheads per Minuteman III): 397 deployed carry 397 warheads, fewer than 794"},
		{"  - upload: 1\n    type: B-52H\n", "p.yaml:3: steps[0] (upload 1 warheads per B-52H): a heavy bomber's warheads are counted one per bomber"},
		{"  - deploy: 51\n    type: Trident II\n    load: 4\n", "p.yaml:3: steps[0] (deploy 51 Trident II with 4 warheads each): only 50 non-deployed launchers are declared"},
		{"  - deploy: 5\n    type: Trident II\n", "p.yaml:3: steps[0] (deploy 5 Trident II): load is required"},
		{"  - eliminate: 5\n    type: Trident II\n    status: deployed\n", "p.yaml:3: steps[0] (eliminate 5 deployed Trident II): retire deployed missiles first"},
		{"  - retire: 1\n    type: B-2A\n  - deploy: 10\n    type: B-2A\n", "p.yaml:5: steps[1] (deploy 10 B-2A): only 9 are non-deployed"},
	} {
		ch, err := ParseChange("p.yaml", []byte("name: x\nsteps:\n"+c.steps))
		if err != nil {
			t.Fatalf("%q: %v", c.steps, err)
		}
		_, err = ch.Apply(d)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: Apply = %v, want %q", c.steps, err, c.want)
		}
	}
}

// TestApply checks each action against the holdings by hand.
func TestApply(t *testing.T) {
	d := usDeclaration(t)
	before := len(d.Types)
	ch, err := ParseChange("p.yaml", []byte(`steps:
  - retire: 50
    type: Minuteman III
  - eliminate: 20
    type: Minuteman III
  - download: 1
    type: Trident II
  - deploy: 10
    type: Trident II
    load: 4
  - retire: 2
    type: B-2A
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ch.Apply(d)
	if err != nil {
		t.Fatal(err)
	}
	h := holdingsOf(got)
	for _, c := range []struct {
		typ, cat, status string
		count, warheads  int
	}{
		{"Minuteman III", "icbm", "deployed", 347, 347},
		{"Minuteman III", "icbm", "non_deployed", 311, 0},
		{"Minuteman III", "icbm_launcher", "deployed", 347, 0},
		{"Minuteman III", "icbm_launcher", "non_deployed", 87, 0},
		{"Minuteman III", "icbm_launcher", "eliminated", 20, 0},
		{"Trident II", "slbm", "deployed", 240, 1012 - 230 + 40},
		{"Trident II", "slbm", "non_deployed", 224, 0},
		{"Trident II", "slbm_launcher", "deployed", 240, 0},
		{"Trident II", "slbm_launcher", "non_deployed", 40, 0},
		{"B-2A", "heavy_bomber", "deployed", 10, 0},
		{"B-2A", "heavy_bomber", "non_deployed", 10, 0},
	} {
		if c2 := h.get(c.typ, c.cat, c.status); c2.count != c.count || c2.warheads != c.warheads {
			t.Errorf("%s %s %s: %d items, %d warheads; want %d, %d", c.typ, c.cat, c.status, c2.count, c2.warheads, c.count, c.warheads)
		}
	}
	if len(d.Types) != before || holdingsOf(d).get("Minuteman III", "icbm", "deployed").count != 397 {
		t.Error("Apply modified its input")
	}
}

// FuzzParseChange: any input either fails with a one-line error or gives
// a change whose every step is within bounds; applied to the US
// declaration, a change either fails or leaves no count or warhead total
// below zero and no missile above its most warheads.
func FuzzParseChange(f *testing.F) {
	f.Add([]byte("steps:\n  - retire: 50\n    type: Minuteman III\n  - upload: 2\n    type: Trident II\n"))
	f.Add([]byte("steps:\n  - deploy: 10\n    type: Trident II\n    load: 12\n  - eliminate: 3\n    type: B-52H\n    status: deployed\n"))
	f.Add([]byte("steps:\n  - download: 1\n    type: Trident II\n"))
	f.Add([]byte("steps: [{retire: 1, type: B-2A}, {deploy: 9, type: B-2A}]\n"))
	f.Add([]byte("steps:\n  - retire: &a 5\n    type: *a\n"))
	base := usDeclaration(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseChange("f.yaml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, s := range c.Steps {
			if s.N < 1 || s.N > MaxItems || s.Type == "" || s.Line < 1 {
				t.Fatalf("step out of bounds: %+v", s)
			}
		}
		got, err := c.Apply(base)
		if err != nil {
			return
		}
		checkHoldings(t, got)
	})
}

func checkHoldings(t *testing.T, d *declaration.Declaration) {
	t.Helper()
	for _, tc := range d.Types {
		if tc.Count < 0 || tc.Warheads < 0 {
			t.Fatalf("negative holdings %+v", tc)
		}
		if f, ok := Facts()[tc.Type]; ok && tc.Warheads > tc.Count*f.High() {
			t.Fatalf("%+v carries more than %d each", tc, f.High())
		}
	}
}

package server

import (
	"accord/internal/evidencedir"
	"accord/internal/node"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// cosigners returns the parties whose witnesses cosigned p's published
// checkpoint.
func (p *proc) cosigners() []string {
	resp, err := p.do("GET", "v1/log", p.operator, "")
	if err != nil || resp.StatusCode != 200 {
		p.t.Fatalf("GET /v1/log: %v %v", resp, err)
	}
	var st LogStatus
	if err := json.Unmarshal(resp.Body, &st); err != nil {
		p.t.Fatal(err)
	}
	slices.Sort(st.Cosigners)
	return st.Cosigners
}

func others(ps []*proc, p *proc) []string {
	var out []string
	for _, q := range ps {
		if q != p {
			out = append(out, q.party)
		}
	}
	slices.Sort(out)
	return out
}

// testNetwork starts a node per party, has each send notifications (initial
// data, a movement, a change in data) and declarations, and checks every
// node ends with identical verified copies of every log, one
// acknowledgement of every entry that needs one, its own checkpoint
// cosigned by every other party, and the same answers from the treaty
// database about every party.
func testNetwork(t *testing.T, treatyID string, setup func(*testing.T, []*proc), parties ...string) []*proc {
	ps := newNetwork(t, treatyID, parties...)
	if setup != nil {
		setup(t, ps)
	}
	for _, p := range ps {
		p.start()
	}
	for i, p := range ps {
		p.sendNotifications(treatyID)
		p.declare(1 + i)
	}
	defer func() {
		if t.Failed() {
			for _, p := range ps {
				b, _ := os.ReadFile(filepath.Join(p.dir, "serve.log"))
				t.Logf("%s:\n%s", p.party, b)
				t.Logf("%s peers: %v size %d", p.party, p.peerStatus(), p.size())
			}
		}
	}()
	waitFor(t, "every node to hold and acknowledge every log", func() bool { return converged(t, ps) })
	for _, p := range ps {
		p.waitFor("a checkpoint cosigned by the other parties", func() bool {
			return slices.Equal(p.cosigners(), others(ps, p))
		})
		served := p.do
		resp, err := served("GET", "witness/checkpoints", "", "")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /witness/checkpoints: %v", err)
		}
		var list struct{ Checkpoints []string }
		json.Unmarshal(resp.Body, &list)
		if len(list.Checkpoints) != len(ps) {
			t.Errorf("%s holds %d checkpoints, want %d", p.party, len(list.Checkpoints), len(ps))
		}
	}
	for _, p := range ps {
		fs, err := evidencedir.List(filepath.Join(p.dir, node.EvidenceDir))
		if err != nil || len(fs) != 0 {
			t.Errorf("%s has findings %v, %v", p.party, fs, err)
		}
	}
	sameEngine(t, treatyID, ps)
	t.Logf("logs: %s", sizes(ps))
	return ps
}

func sizes(ps []*proc) string {
	s := ""
	for _, p := range ps {
		s += fmt.Sprintf("%s=%d ", p.party, p.size())
	}
	return s
}

// TestThreeParties runs USA, RUS and CHN nodes under trilateral-draft.
func TestThreeParties(t *testing.T) { testNetwork(t, "trilateral-draft", nil, "USA", "RUS", "CHN") }

// TestTwoParties runs USA and RUS nodes under newstart.
func TestTwoParties(t *testing.T) { testNetwork(t, "newstart", nil, "USA", "RUS") }

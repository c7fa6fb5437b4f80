package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"accord/internal/ledger"
	"accord/internal/node"
	"accord/internal/server"
)

// surfaces is one USA node for the command line and another, served
// with its treaty office on loopback, for the operator API: the same
// input sent through each must meet the same rules.
type surfaces struct {
	t        *testing.T
	cli, api string // data directories
	url      string // the API node's base URL
	token    string // its operator's token
}

func newSurfaces(t *testing.T) *surfaces {
	s := &surfaces{t: t, cli: newNode(t), api: newNode(t)}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.Open(ctx, s.api, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.token, err = srv.AddToken("USA", node.RoleOperator); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + ln.Addr().String() + "/"
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		srv.Close(context.Background())
	})
	return s
}

// post sends body to the API and returns the status and the error
// message of a refusal.
func (s *surfaces) post(path, body string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Error string }
	json.Unmarshal(b, &e)
	return resp.StatusCode, e.Error
}

// sizes returns how many entries each node's log has sequenced.
func (s *surfaces) sizes() [2]uint64 {
	s.t.Helper()
	var out [2]uint64
	for i, dir := range []string{s.cli, s.api} {
		n, err := ledger.IntegratedSize(filepath.Join(dir, node.LogDir))
		if err != nil {
			s.t.Fatal(err)
		}
		out[i] = n
	}
	return out
}

// refusal is one input both surfaces must refuse: the file's content,
// which is also the API's notification body or declaration "body"; the
// date given apart from it (--effective, "effective"); the API's status;
// and the message both must give after their framing (the file's name,
// "notification: " or "declaration: ").
type refusal struct {
	name, content, effective string
	status                   int
	want                     string
}

// framed removes from a message what differs by surface only: a byte
// offset (the API's request wraps the file in an envelope) and the name
// of a date given apart from the file (--effective, "effective").
func framed(msg string) string {
	msg = regexp.MustCompile(`byte \d+`).ReplaceAllString(msg, "byte N")
	return strings.ReplaceAll(msg, "--effective", "effective")
}

// check sends r through both surfaces and compares their refusals.
func (s *surfaces) check(r refusal, cli []string, path, apiBody string) {
	s.t.Helper()
	before := s.sizes()
	file := writeFile(s.t, r.name+".in", r.content)
	code, _, stderr := runAccordErr(s.t, append(cli, file)...)
	status, msg := s.post(path, apiBody)
	cliMsg := strings.TrimPrefix(strings.TrimSpace(stderr), "accord: "+file+": ")
	apiMsg := strings.TrimPrefix(msg, node.ErrForbidden.Error()+": ")
	for _, p := range []string{"notification: ", "declaration: "} {
		apiMsg = strings.TrimPrefix(apiMsg, p)
	}
	if code != exitBadInput || !strings.Contains(cliMsg, r.want) {
		s.t.Errorf("%s: accord exits %d, %q; want 2 and %q", r.name, code, stderr, r.want)
	}
	if status != r.status || !strings.Contains(apiMsg, r.want) {
		s.t.Errorf("%s: the API answers %d %q; want %d and %q", r.name, status, msg, r.status, r.want)
	}
	if framed(cliMsg) != framed(apiMsg) {
		s.t.Errorf("%s: the surfaces refuse differently:\ncli: %s\napi: %s", r.name, cliMsg, apiMsg)
	}
	if after := s.sizes(); after != before {
		s.t.Errorf("%s: a refused input appended: log sizes %v, were %v", r.name, after, before)
	}
}

// TestSameRefusals sends the same bad declarations and notifications
// through accord log append and accord notify, and through POST
// /v1/declarations and POST /v1/notifications of a served node: each
// surface refuses each input by the same rule, with the same message
// apart from its framing, and appends nothing.
func TestSameRefusals(t *testing.T) {
	s := newSurfaces(t)
	types := `{"as_of":"2020-09-01","types":[{"party":"USA","type":"B-52H","category":"heavy_bomber","status":"deployed","count":36}]}`
	for _, in := range []string{types} {
		if code, out := runAccord(t, "log", "append", "--data", s.cli, writeFile(t, "seed.json", in)); code != 0 {
			t.Fatal(out)
		}
		if status, msg := s.post("v1/declarations", `{"body":`+in+`}`); status != http.StatusCreated {
			t.Fatalf("seeding the API node: %d %s", status, msg)
		}
	}
	undated := `{"types":[{"party":"USA","type":"B-52H","category":"heavy_bomber","status":"deployed","count":36}]}`
	for _, r := range []refusal{
		{"other party", `{"as_of":"2020-09-01","aggregates":[{"party":"RUS","values":{"warheads":1}}]}`, "", 403,
			"declares party RUS, but this is USA's node"},
		{"before signature", undated, "2010-04-07", 400, "effective date 2010-04-07 is before newstart was signed (2010-04-08)"},
		{"at expiry", strings.Replace(types, "2020-09-01", "2026-02-05", 1), "", 400,
			"effective date 2026-02-05 is not before newstart expired (2026-02-05)"},
		{"contradicts", types, "2020-09-02", 400, "contradicts the file's as_of 2020-09-01"},
		{"no date", undated, "", 400, "declares no as_of date: give"},
		{"two dates", `{"aggregates":[{"as_of":"2020-09-01","party":"USA","values":{"warheads":1}},{"as_of":"2021-03-01","party":"USA","values":{"warheads":1}}]}`,
			"", 400, "declares 2 dates, 2020-09-01 to 2021-03-01: append one file per date"},
		{"two levels", `{"as_of":"2021-03-01","items":[{"party":"USA","uid":"M-1","type":"Minuteman III","category":"icbm","status":"deployed"}],` +
			`"types":[{"party":"USA","type":"B-52H","category":"heavy_bomber","status":"deployed","count":36}]}`,
			"", 400, "declares both items and per-type counts: append each level as its own file"},
		{"duplicate key", `{"as_of":"2020-09-01","as_of":"2021-03-01","types":[]}`, "", 400, `duplicate key "as_of"`},
		{"invalid utf-8", `{"as_of":"2021-03-01","types":[{"party":"USA","type":"B-52` + "\xff" + `","category":"heavy_bomber","status":"deployed","count":1}]}`,
			"", 400, "is not valid UTF-8"},
		{"refused by the database", `{"as_of":"2020-09-01","aggregates":[{"party":"USA","values":{"warheads":1}}]}`, "", 422,
			"refused: fields do not match the notification type: USA already declared its holdings of 2020-09-01 as types"},
	} {
		cli := []string{"log", "append", "--data", s.cli}
		env := map[string]any{"body": json.RawMessage(r.content)}
		if r.effective != "" {
			cli = append(cli, "--effective", r.effective)
			env["effective"] = r.effective
		}
		body, err := json.Marshal(env)
		if err != nil { // invalid UTF-8: the envelope is written by hand
			body = []byte(fmt.Sprintf(`{"body":%s}`, r.content))
		}
		s.check(r, cli, "v1/declarations", string(body))
	}
}

// TestSameNotificationRefusals sends the same bad notification files
// through accord notify and POST /v1/notifications: one decoder reads
// both, so each is refused by the same rule, with the same message apart
// from its framing, and nothing is appended.
func TestSameNotificationRefusals(t *testing.T) {
	s := newSurfaces(t)
	initial := `{"effective":"2011-02-05","items":[` +
		`{"uid":"MM3-0001","type":"Minuteman III","category":"icbm","status":"deployed","facility":"Malmstrom","warheads":1},` +
		`{"uid":"MM3-0002","type":"Minuteman III","category":"icbm","status":"non_deployed","facility":"Hill"}]}`
	if code, out := runAccord(t, "notify", "--data", s.cli, "--type", "initial_data", writeFile(t, "initial.json", initial)); code != 0 {
		t.Fatal(out)
	}
	if status, msg := s.post("v1/notifications?type=initial_data", initial); status != http.StatusOK {
		t.Fatalf("seeding the API node: %d %s", status, msg)
	}
	move := func(members string) string {
		return `{"effective":"2011-03-01","items":[{"uid":"MM3-0002"}],` + members + `}`
	}
	for _, r := range []refusal{
		{"duplicate key", move(`"from":"Malmstrom","from":"Hill","to":"Malmstrom"`), "", 400, `duplicate key "from" at byte `},
		{"invalid utf-8", move(`"from":"Hi` + "\xff" + `ll","to":"Malmstrom"`), "", 400, "is not valid UTF-8"},
		{"trailing data", move(`"from":"Hill","to":"Malmstrom"`) + ` {"effective":"2011-03-02"}`, "", 400, "data after the JSON value"},
		{"unknown member", move(`"from":"Hill","to":"Malmstrom","extra":1`), "", 400, `unknown field "extra"`},
		{"other party", `{"party":"RUS",` + move(`"from":"Hill","to":"Malmstrom"`)[1:], "", 403, "notifies as RUS, but this is USA's node"},
		{"before signature", strings.Replace(move(`"from":"Hill","to":"Malmstrom"`), "2011-03-01", "2010-04-07", 1), "", 400,
			"effective date 2010-04-07 is before newstart was signed (2010-04-08)"},
		{"at expiry", strings.Replace(move(`"from":"Hill","to":"Malmstrom"`), "2011-03-01", "2026-02-05", 1), "", 400,
			"effective date 2026-02-05 is not before newstart expired (2026-02-05)"},
		{"refused by the database", move(`"from":"Malmstrom","to":"Hill"`), "", 422, "refused: item not at the facility: item MM3-0002: "},
	} {
		cli := []string{"notify", "--data", s.cli, "--type", "movement"}
		s.check(r, cli, "v1/notifications?type=movement", r.content)
	}
}

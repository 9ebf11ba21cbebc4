package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/live"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// sseEvent is one event of a stream.
type sseEvent struct {
	id, event, data string
}

// openStream opens GET /api/v1/stream with tok and, when lastID is not
// empty, Last-Event-ID; its events arrive on the channel.
func openStream(t *testing.T, base, tok, lastID string) (<-chan sseEvent, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	ch := make(chan sseEvent, 100)
	go func() {
		defer close(ch)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.event != "" {
					ch <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	return ch, cancel
}

// nextEvent returns the next event that is not in skip, failing after 5 s.
func nextEvent(t *testing.T, ch <-chan sseEvent, skip ...string) sseEvent {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("stream ended")
			}
			if !slicesContains(skip, e.event) {
				return e
			}
		case <-deadline:
			t.Fatal("no event within 5 s")
		}
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// noEvent fails if an event other than those in skip arrives within d.
func noEvent(t *testing.T, ch <-chan sseEvent, d time.Duration, skip ...string) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e := <-ch:
			if !slicesContains(skip, e.event) {
				t.Fatalf("unexpected event %+v", e)
			}
		case <-deadline:
			return
		}
	}
}

// TestStream follows cases over GET /api/v1/stream: pushed when taken in
// and when acted on, scoped to the viewer (a community sees its own
// cases only), resumed after a dropped connection with Last-Event-ID
// (from the hub's memory and, further back, from the feed), and bad
// positions refused.
func TestStream(t *testing.T) {
	db := storetest.Open(t)
	s := serverOver(t, db, glhttp.Limits{AnonRate: -1}, nil)
	ctx := context.Background()
	hub := live.New(s.Services)
	hub.Committed = func() int64 { return db.CommittedSeqOf(live.Entities...) }
	s.Live = hub
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	community := roleToken(t, s.Services, "weiyuan", gridline.Grant{Role: gridline.RoleCommunity, Region: "370812001002"})

	runScenarios(t, ts.URL, []scenario{
		{name: "grid A", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "grid B", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"文东社区第1网格","community_code":"370812001003","geometry":` + square(116.82, 35.55, 0.01) + `}`},
		{name: "not running", method: "GET", url: "/api/v1/stream", auth: true, status: 503},
	})
	intake := func(lon float64) int64 {
		body := `{"channel":"hotline","text":"路灯不亮","lon":` + ftoa(lon) + `,"lat":35.555}`
		out := scenario{method: "POST", url: "/api/v1/tickets", auth: true, status: 201, body: body}.run(t, ts.URL)
		var v struct{ Ticket struct{ ID int64 } }
		if err := json.Unmarshal([]byte(out), &v); err != nil || v.Ticket.ID == 0 {
			t.Fatalf("intake: %s", out)
		}
		return v.Ticket.ID
	}
	before := intake(116.805) // before the hub runs: only the feed has it
	if err := hub.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)

	all, stopAll := openStream(t, ts.URL, token, "")
	hello := nextEvent(t, all)
	if hello.event != "hello" || hello.id == "" {
		t.Fatalf("first event %+v, want hello with the position", hello)
	}
	mine, stopMine := openStream(t, ts.URL, community, "")
	defer stopMine()
	nextEvent(t, mine) // hello

	a := intake(116.805) // in 韦园社区
	b := intake(116.825) // in 文东社区
	var got []gridline.LiveMessage
	for range 2 {
		e := nextEvent(t, all)
		var m gridline.LiveMessage
		if err := json.Unmarshal([]byte(e.data), &m); err != nil {
			t.Fatal(err)
		}
		if e.event != "ticket" || e.id != strconv.FormatInt(m.Seq, 10) || m.Ticket == nil || m.Action != "create" {
			t.Fatalf("event %+v", e)
		}
		got = append(got, m)
	}
	if got[0].Ticket.ID != a || got[1].Ticket.ID != b || got[0].Ticket.CommunityCode != "370812001002" ||
		got[0].Ticket.Status != gridline.StatusReceived || got[0].Ticket.Lon == nil {
		t.Fatalf("got %+v %+v", got[0].Ticket, got[1].Ticket)
	}
	if strings.Contains(got[0].Ticket.Number, "路灯") {
		t.Fatal("the stream carries the case's text")
	}
	e := nextEvent(t, mine)
	if !strings.Contains(e.data, `"id":`+strconv.FormatInt(a, 10)+`,`) {
		t.Fatalf("community got %+v, want case %d", e, a)
	}
	noEvent(t, mine, 300*time.Millisecond) // not case b: out of its scope

	// An action is pushed too.
	scenario{method: "POST", url: "/api/v1/tickets/" + strconv.FormatInt(a, 10) + "/actions/file", auth: true, status: 200}.run(t, ts.URL)
	e = nextEvent(t, all)
	if !strings.Contains(e.data, `"action":"file"`) || !strings.Contains(e.data, `"status":"filed"`) {
		t.Fatalf("after file: %+v", e)
	}
	stopAll()

	// Dropped after the first case: reconnecting with its id replays the
	// rest, from the hub's memory.
	again, stopAgain := openStream(t, ts.URL, token, strconv.FormatInt(got[0].Seq, 10))
	defer stopAgain()
	if h := nextEvent(t, again); h.event != "hello" || h.id != strconv.FormatInt(got[0].Seq, 10) {
		t.Fatalf("hello %+v", h)
	}
	if e := nextEvent(t, again); !strings.Contains(e.data, `"id":`+strconv.FormatInt(b, 10)+`,`) {
		t.Fatalf("replay %+v, want case %d", e, b)
	}
	if e := nextEvent(t, again); !strings.Contains(e.data, `"action":"file"`) {
		t.Fatalf("replay %+v, want the file", e)
	}
	// From before the hub started: replayed from the feed.
	old, stopOld := openStream(t, ts.URL, token, "0")
	defer stopOld()
	nextEvent(t, old) // hello
	if e := nextEvent(t, old); !strings.Contains(e.data, `"id":`+strconv.FormatInt(before, 10)+`,`) {
		t.Fatalf("replay from the feed %+v, want case %d", e, before)
	}

	runScenarios(t, ts.URL, []scenario{
		{name: "bad Last-Event-ID", method: "GET", url: "/api/v1/stream?after=-5", auth: true, status: 400, want: []string{`"after"`}},
		{name: "anonymous", method: "GET", url: "/api/v1/stream", status: 401},
	})
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Last-Event-ID", "abc")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("Last-Event-ID abc: %s", res.Status)
	}
}

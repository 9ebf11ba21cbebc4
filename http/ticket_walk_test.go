package http_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTicketRandomWalk takes cases through histories nobody wrote down: at
// each step a random case and, mostly, one of the actions its page offers
// (sometimes one it does not), with a plausible body, as the admin or the
// lead unit's account. Whatever the history: no answer is a 5xx; an action
// refused (400, 403, 409) leaves the case's version and timeline as they
// were; one taken raises the version and adds to the timeline; the
// offered actions are always ones the loop allows; and at the end the list
// counts every case and every KPI rate is a fraction.
func TestTicketRandomWalk(t *testing.T) {
	_, ts := newServer(t)
	gridAndTwoUnits(t, ts.URL)
	addUser(t, ts.URL, `{"username":"zhujian","name":"住建局","password":"lead password","grants":[{"role":"department","unit_id":1}]}`)
	lead := logIn(t, ts.URL, "zhujian", "lead password")
	admin := []string{"Authorization", "Bearer " + token}

	type ticket struct {
		ID       int64             `json:"id"`
		Status   string            `json:"status"`
		Version  int               `json:"version"`
		Allowed  []string          `json:"allowed_actions"`
		Timeline []json.RawMessage `json:"timeline"`
	}
	get := func(id int64) ticket {
		t.Helper()
		res, b := call(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d", ts.URL, id), "", admin...)
		if res.StatusCode != 200 {
			t.Fatalf("GET case %d: %d %s", id, res.StatusCode, b)
		}
		var out ticket
		if err := json.Unmarshal([]byte(b), &out); err != nil {
			t.Fatalf("GET case %d: %v in %s", id, err, b)
		}
		return out
	}
	// A fixed walk by default, so a failure is the same walk again;
	// GRIDLINE_WALK_SEED walks another.
	seed := uint64(1)
	if s, err := strconv.ParseUint(os.Getenv("GRIDLINE_WALK_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(7, seed))

	const cases, steps = 12, 360
	channels := []string{"hotline", "grid_patrol", "app", "mailbox", "snap_report"}
	var ids []int64
	for i := range cases {
		body := fmt.Sprintf(`{"channel":%q,"text":"第%d号：小区门口路灯不亮，晚上很黑","category":"0115","lon":%.4f,"lat":%.4f}`,
			channels[i%len(channels)], i, 116.801+0.0007*float64(i), 35.551+0.0006*float64(i))
		if i%6 == 5 {
			// Outside every grid: unlocated, to be placed by the locate action.
			body = fmt.Sprintf(`{"channel":"hotline","text":"第%d号：路灯不亮","category":"0115","lon":116.95,"lat":35.70}`, i)
		}
		res, b := call(t, "POST", ts.URL+"/api/v1/tickets", body, admin...)
		if res.StatusCode != 201 {
			t.Fatalf("intake %d: %d %s", i, res.StatusCode, b)
		}
		var out struct{ Ticket ticket }
		if err := json.Unmarshal([]byte(b), &out); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.Ticket.ID)
	}

	future := func(days int) string { return time.Now().AddDate(0, 0, days).UTC().Format(time.RFC3339) }
	bodies := map[string]func(self int64) string{
		"merge": func(self int64) string {
			other := ids[rng.IntN(len(ids))]
			return fmt.Sprintf(`{"into":%d,"opinion":"同一盏灯"}`, other)
		},
		"dispatch":       func(int64) string { return `{"lead_unit":1,"co_units":[2]}` },
		"redispatch":     func(int64) string { return `{"lead_unit":` + strconv.Itoa(1+rng.IntN(2)) + `,"opinion":"改派"}` },
		"extend_approve": func(int64) string { return `{"deadline":"` + future(3+rng.IntN(4)) + `","opinion":"同意"}` },
		"verify": func(int64) string {
			return `{"passed":` + strconv.FormatBool(rng.IntN(3) > 0) + `,"lon":116.8015,"lat":35.5515}`
		},
		"callback": func(int64) string {
			return []string{`{"contacted":true,"resolved":true,"satisfaction":"satisfied"}`,
				`{"contacted":true,"resolved":false,"satisfaction":"unsatisfied"}`,
				`{"contacted":true,"resolved":true,"satisfaction":"basic"}`,
				`{"contacted":false,"satisfaction":"unreachable"}`}[rng.IntN(4)]
		},
		"locate": func(int64) string { return `{"lon":116.805,"lat":35.555}` },
		"check_report": func(int64) string {
			return `{"outcome":"` + []string{"confirmed", "not_found", "already_handled"}[rng.IntN(3)] + `","opinion":"已到现场"}`
		},
		"rate": func(int64) string { return `{"unit":2,"rating":` + strconv.Itoa(1+rng.IntN(5)) + `}` },
	}
	// Every action the loop has, for the steps that try one not offered.
	everyAction := []string{"file", "reject", "self_handle", "merge", "void", "dispatch", "sign", "return", "redispatch",
		"extend_request", "extend_approve", "extend_deny", "defer", "reply", "verify", "callback", "close", "reopen",
		"urge", "supervise", "locate", "rate", "check_request", "check_report", "unmerge"}

	taken, refused := map[string]int{}, map[string]int{}
	for step := range steps {
		id := ids[rng.IntN(len(ids))]
		before := get(id)
		for _, a := range before.Allowed {
			if !slices.Contains(everyAction, a) {
				t.Fatalf("step %d, case %d (%s): offered %q, not an action of the loop", step, id, before.Status, a)
			}
		}
		// Mostly an offered action, the ones that end a case's road
		// (void, reject, merge) seldom, so the walk gets deep.
		var action string
		if len(before.Allowed) > 0 && rng.IntN(8) > 0 {
			for range 4 {
				action = before.Allowed[rng.IntN(len(before.Allowed))]
				if !slices.Contains([]string{"void", "reject", "merge", "reopen"}, action) {
					break
				}
			}
		} else {
			action = everyAction[rng.IntN(len(everyAction))]
		}
		body := `{"opinion":"第` + strconv.Itoa(step) + `步"}`
		if f, ok := bodies[action]; ok {
			body = f(id)
		}
		url := fmt.Sprintf("%s/api/v1/tickets/%d/actions/%s", ts.URL, id, action)
		res, b := call(t, "POST", url, body, admin...)
		if res.StatusCode == 403 {
			res, b = call(t, "POST", url, body, lead.bearer()...)
		}
		after := get(id)
		switch res.StatusCode {
		case 200:
			taken[action]++
			if after.Version <= before.Version || len(after.Timeline) <= len(before.Timeline) {
				t.Fatalf("step %d, case %d: %s taken (%s → %s) but version %d → %d, timeline %d → %d",
					step, id, action, before.Status, after.Status, before.Version, after.Version, len(before.Timeline), len(after.Timeline))
			}
		case 400, 403, 404, 409:
			refused[fmt.Sprintf("%s %d", action, res.StatusCode)]++
			if testing.Verbose() && slices.Contains(before.Allowed, action) {
				t.Logf("offered %s on %s refused: %d %s", action, before.Status, res.StatusCode, b)
			}
			if after.Version != before.Version || len(after.Timeline) != len(before.Timeline) || after.Status != before.Status {
				t.Fatalf("step %d, case %d: %s refused (%d %s) but the case moved: %s v%d (%d events) → %s v%d (%d events)",
					step, id, action, res.StatusCode, b, before.Status, before.Version, len(before.Timeline),
					after.Status, after.Version, len(after.Timeline))
			}
			if slices.Contains(before.Allowed, action) && res.StatusCode == 409 && strings.Contains(b, `"allowed_actions"`) {
				// An offered action with a plausible body may be refused
				// for its body's sake (400) or its kind's rules, but not
				// as illegal in the status: the page would offer a
				// button that fails.
				t.Errorf("step %d, case %d (%s): %s was offered but answered 409 as not allowed: %s", step, id, before.Status, action, b)
			}
		default:
			t.Fatalf("step %d, case %d (%s): %s answered %d: %s", step, id, before.Status, action, res.StatusCode, b)
		}
	}
	t.Logf("actions taken: %v; refused: %v", taken, refused)
	if len(taken) < 10 {
		t.Errorf("the walk took only %d kinds of action (%v): it does not explore the loop", len(taken), taken)
	}

	res, b := call(t, "GET", ts.URL+"/api/v1/tickets?limit=100", "", admin...)
	var list struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal([]byte(b), &list); res.StatusCode != 200 || err != nil || list.Total != cases {
		t.Errorf("list: %d total %d (%v), want %d cases", res.StatusCode, list.Total, err, cases)
	}
	// Dates alone: the days in China, to's day included.
	from, to := time.Now().AddDate(0, 0, -1).Format("2006-01-02"), time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	for _, by := range []string{"unit", "grid", "community", "town", "category", "channel"} {
		res, b := call(t, "GET", ts.URL+"/api/v1/kpis?from="+from+"&to="+to+"&by="+by, "", admin...)
		if res.StatusCode != 200 {
			t.Fatalf("kpis by %s: %d %s", by, res.StatusCode, b)
		}
		var out struct {
			Rows  []map[string]any `json:"rows"`
			Total map[string]any   `json:"total"`
		}
		if err := json.Unmarshal([]byte(b), &out); err != nil {
			t.Fatal(err)
		}
		for _, row := range append(out.Rows, out.Total) {
			for k, v := range row {
				if f, ok := v.(float64); ok && strings.HasSuffix(k, "_rate") && (f < 0 || f > 1) {
					t.Errorf("kpis by %s: %s = %v in %v", by, k, f, row)
				}
			}
		}
	}
}

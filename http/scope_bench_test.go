package http_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// BenchmarkIntakeScoped measures what authorisation costs intake (issue 9:
// at most 10 %): POST /api/v1/tickets over loopback with benchClients
// keep-alive connections, with the API token of an all-powerful user
// (admin) and those of scoped users (an external system on the hotline, a
// grid worker on patrol), in
// one run, in alternating rounds so that the growing database weighs on
// all alike. It reports each one's cases/s and the scoped ones' loss
// against the admin's.
func BenchmarkIntakeScoped(b *testing.B) {
	s, _ := demoServer(b)
	grid := "370812001002001"
	users := []struct {
		name  string
		grant gridline.Grant
		ch    gridline.Channel
		token string
	}{
		{name: "admin", grant: gridline.Grant{Role: gridline.RoleAdmin}, ch: gridline.ChannelHotline},
		{name: "external", grant: gridline.Grant{Role: gridline.RoleExternal}, ch: gridline.ChannelHotline},
		{name: "grid_worker", grant: gridline.Grant{Role: gridline.RoleGridWorker, Region: grid}, ch: gridline.ChannelGridPatrol},
	}
	ctx := context.Background()
	for i := range users {
		u := &gridline.User{Username: "bench_" + users[i].name, Name: users[i].name, Grants: []gridline.Grant{users[i].grant}}
		if err := s.Users.CreateUser(ctx, u, "bench password 1"); err != nil {
			b.Fatal(err)
		}
		tok, err := s.Auth.CreateToken(ctx, &gridline.APIToken{UserID: u.ID, Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		users[i].token = tok
	}
	ts := httptest.NewServer(s.Handler())
	b.Cleanup(ts.Close)
	texts := []string{"小区门口路灯不亮，晚上很黑", "楼道里堆放杂物，存在消防隐患", "路边井盖破损，行人容易摔倒", "路面有坑，下雨积水"}
	var seq atomic.Int64
	newReq := func(u int) func() *http.Request {
		rng := rand.New(rand.NewPCG(uint64(u)+1, 7))
		return func() *http.Request {
			body := fmt.Sprintf(`{"channel":%q,"text":%q,"lon":%.6f,"lat":%.6f,"external_id":"B-%d"}`, users[u].ch,
				texts[rng.IntN(len(texts))], 116.74+rng.Float64()*0.12, 35.53+rng.Float64()*0.07, seq.Add(1))
			r, _ := http.NewRequest("POST", ts.URL+"/api/v1/tickets", bytes.NewReader([]byte(body)))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+users[u].token)
			return r
		}
	}
	const rounds = 6
	per := max(1, b.N/rounds)
	walls := make([]time.Duration, len(users))
	cpus := make([]time.Duration, len(users))
	b.ResetTimer()
	for r := range rounds {
		// Each round starts with another user: whoever goes first after
		// a pause (the previous round's last connections closing) is not
		// always the same.
		for k := range users {
			u := (r + k) % len(users)
			cpu, wall := loadStatus(b, per, newReq(u), http.StatusCreated)
			walls[u] += wall
			cpus[u] += cpu
		}
	}
	b.StopTimer()
	n := float64(per * rounds)
	rate := func(u int) float64 { return n / walls[u].Seconds() }
	cpu := func(u int) float64 { return float64(cpus[u].Microseconds()) / n }
	for u := range users {
		b.ReportMetric(rate(u), users[u].name+"-cases/s")
		b.ReportMetric(cpu(u), users[u].name+"-cpu-µs/case")
	}
	// The loss in throughput, and in process CPU per case (client
	// included), which a shared machine inflates less.
	for u := 1; u < len(users); u++ {
		b.ReportMetric(100*(1-rate(u)/rate(0)), users[u].name+"-loss-%")
		b.ReportMetric(100*(cpu(u)/cpu(0)-1), users[u].name+"-cpu-extra-%")
	}
}

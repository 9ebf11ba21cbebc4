package http_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// openServer starts a real server (listener, timeouts, connection bound)
// over a fresh database with the Yanzhou regions, logging into logs.
func openServer(t *testing.T, limits glhttp.Limits, logs io.Writer) *glhttp.Server {
	t.Helper()
	s := serverOver(t, storetest.Open(t), limits, logs)
	s.Addr = "127.0.0.1:0"
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// rawRequest writes head (and body, if any) on a new connection and
// returns the status line of the answer and how long it took.
func rawRequest(t *testing.T, s *glhttp.Server, head string, body string) (string, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, head+body); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return strings.TrimSpace(line), time.Since(start)
}

// holdWithSlowBody sends head and one byte of a body that never finishes,
// and returns the connection once the request is held by the server (no
// answer within 300 ms). A request that lost a race for a slot (the server
// answered at once) is sent again.
func holdWithSlowBody(t *testing.T, s *glhttp.Server, head string) net.Conn {
	t.Helper()
	for try := 0; try < 20; try++ {
		c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, head+"{")
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		var ne net.Error
		if _, err := c.Read(make([]byte, 1)); errors.As(err, &ne) && ne.Timeout() {
			c.SetReadDeadline(time.Time{})
			return c
		}
		c.Close()
	}
	t.Fatal("the slow request was never held")
	return nil
}

// TestBodyOnGetRefused: a GET announcing a body it never sends (finding 5)
// is refused at once instead of holding the connection.
func TestBodyOnGetRefused(t *testing.T) {
	s := openServer(t, glhttp.Limits{}, nil)
	line, took := rawRequest(t, s, "GET /api/v1/regions?limit=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", "x")
	if !strings.Contains(line, " 400 ") || took > time.Second {
		t.Fatalf("answer %q after %s, want 400 at once", line, took)
	}
}

// TestSlowBodyCutOff: a body trickling in is cut off after its deadline
// with 408 (finding 5), not held for the old 5-minute read timeout.
func TestSlowBodyCutOff(t *testing.T) {
	s := openServer(t, glhttp.Limits{BodyTimeout: 300 * time.Millisecond}, nil)
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fmt.Fprintf(c, "POST /api/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", token)
	go func() { // a byte every 100 ms, well past the deadline
		for i := 0; i < 30; i++ {
			time.Sleep(100 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer after %s: %v", time.Since(start), err)
	}
	if !strings.Contains(line, " 408 ") || time.Since(start) > 4*time.Second {
		t.Fatalf("answer %q after %s, want 408 within seconds, not the trickle's 3", line, time.Since(start))
	}
}

// TestOverloadAnswers503: past MaxInFlight, requests get a fast 503 with
// Retry-After instead of queueing.
func TestOverloadAnswers503(t *testing.T) {
	// Generous times: on a loaded machine the slow request may take a
	// moment to reach its handler; the test ends as soon as a 503 comes.
	s := openServer(t, glhttp.Limits{MaxInFlight: 1, BodyTimeout: 10 * time.Second}, nil)
	// Hold the one slot with a body that is slow to arrive.
	c := holdWithSlowBody(t, s, fmt.Sprintf("POST /api/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100\r\n\r\n", token))
	defer c.Close()
	deadline := time.Now().Add(8 * time.Second)
	for {
		res, err := http.Get(s.URL() + "/api/v1/regions?limit=1")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			if res.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %d while the only slot is taken, want 503", res.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExpensiveReadsBounded: expensive reads beyond MaxExpensive wait a
// little, then get 503, while cheap reads go on.
func TestExpensiveReadsBounded(t *testing.T) {
	s := openServer(t, glhttp.Limits{MaxExpensive: 1, ExpensiveWait: 100 * time.Millisecond, BodyTimeout: 10 * time.Second}, nil)
	// An import (expensive) holds the slot while its body trickles.
	c := holdWithSlowBody(t, s, fmt.Sprintf("POST /api/v1/grids/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100\r\n\r\n", token))
	defer c.Close()
	for deadline := time.Now().Add(8 * time.Second); ; {
		res, err := http.Get(s.URL() + "/api/v1/regions/370812/subtree")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("second expensive read: status %d, want 503", res.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Get(s.URL() + "/api/v1/regions/370812")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("cheap read: status %d, want 200", res.StatusCode)
	}
}

// TestAnonymousRateLimit: one address without a token gets 429 with
// Retry-After past its burst; the token holder does not.
func TestAnonymousRateLimit(t *testing.T) {
	s := openServer(t, glhttp.Limits{AnonRate: 5}, nil)
	get := func(auth bool) *http.Response {
		req, _ := http.NewRequest("GET", s.URL()+"/api/v1/regions/370812", nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	limited := 0
	for i := 0; i < 30; i++ {
		if res := get(false); res.StatusCode == http.StatusTooManyRequests {
			limited++
			if res.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited < 15 {
		t.Fatalf("%d of 30 quick anonymous requests limited, want most past the burst of 10", limited)
	}
	if res := get(true); res.StatusCode != http.StatusOK {
		t.Fatalf("token holder: status %d", res.StatusCode)
	}
}

// TestBearerCaseInsensitive: the auth scheme is case-insensitive (RFC 9110).
func TestBearerCaseInsensitive(t *testing.T) {
	s := openServer(t, glhttp.Limits{}, nil)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, _ := http.NewRequest("POST", s.URL()+"/api/v1/units", strings.NewReader(`{"kind":"other","name":"`+scheme+`"}`))
		req.Header.Set("authorization", scheme+" "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("%s: status %d", scheme, res.StatusCode)
		}
	}
}

// TestLogsNoQueryValues: the access log names query parameters but never
// their values (finding 11): a token or a person's name in a query string
// stays out of the log.
func TestLogsNoQueryValues(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	s := openServer(t, glhttp.Limits{}, &lockedWriter{w: &logs, mu: &mu})
	for _, u := range []string{"/api/v1/audit?token=demo-secret", "/api/v1/people?q=" + "%E5%BC%A0%E4%B8%89"} {
		res, err := http.Get(s.URL() + u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Contains(out, "demo-secret") || strings.Contains(out, "张三") || strings.Contains(out, "%E5") {
		t.Fatalf("the log holds query values:\n%s", out)
	}
	if !strings.Contains(out, "params=[token]") || !strings.Contains(out, "params=[q]") {
		t.Fatalf("the log does not name the parameters:\n%s", out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestConnectionsPerClientBounded: one address trickling headers holds at
// most MaxClientConns connections; another address is served at once.
func TestConnectionsPerClientBounded(t *testing.T) {
	s := openServer(t, glhttp.Limits{MaxClientConns: 20}, nil)
	addr := strings.TrimPrefix(s.URL(), "http://")
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	closed := 0
	for i := 0; i < 60; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		io.WriteString(c, "GET /api/v1/regions HTTP/1.1\r\nHost: x\r\n") // headers never finish
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, c := range held {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			// Closed with our unread bytes: EOF or a reset, not a timeout.
			var ne net.Error
			if _, err := c.Read(make([]byte, 1)); err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
				mu.Lock()
				closed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if closed < 40 {
		t.Fatalf("%d of 60 connections from one address were closed, want the 40 past the cap", closed)
	}
	// Another loopback address is a different client.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 2 * time.Second}).Get(s.URL() + "/api/v1/regions/370812")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("another client: status %d", res.StatusCode)
	}
}

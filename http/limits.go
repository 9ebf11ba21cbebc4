package http

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline"
	"github.com/prometheus/client_golang/prometheus"
)

// Limits bounds what one request, and all requests together, may cost.
// Every route inherits them from [Server.guard]; a zero field takes its
// default (see DefaultLimits).
type Limits struct {
	// Body is the largest body of an ordinary write; routes may allow
	// more (imports) and methods that take no body allow none.
	Body int64
	// BodyTimeout is the time a body may take to arrive, plus one second
	// for every BodyRate bytes of it: a trickling client is cut off
	// instead of holding its connection for minutes.
	BodyTimeout time.Duration
	BodyRate    int64
	// HeaderTimeout bounds reading the request line and headers,
	// WriteTimeout the whole answer, IdleTimeout a kept-alive connection.
	HeaderTimeout time.Duration
	WriteTimeout  time.Duration
	IdleTimeout   time.Duration
	// MaxConns is how many connections are served at once; more wait in
	// the kernel's accept queue and cost no file descriptor.
	MaxConns int
	// MaxClientConns is how many of them one client address may hold;
	// more are closed as soon as they are accepted, so one address
	// trickling headers or bodies cannot take every connection. Trusted
	// proxies are exempt.
	MaxClientConns int
	// MaxInFlight is how many requests run at once; more get a fast 503
	// with Retry-After.
	MaxInFlight int
	// MaxExpensive is how many expensive reads (reports, exports,
	// imports) run at once; more wait up to ExpensiveWait, then get 503,
	// so they cannot starve cheap reads of the cores.
	MaxExpensive  int
	ExpensiveWait time.Duration
	// AnonRate is how many requests per second one client that is not
	// signed in may make to /api/ (bursts of twice that), requests with
	// bad credentials included; 0 takes the default, negative turns the
	// limit off.
	AnonRate float64
	// LoginFailures is how many failed logins one client address may
	// make in a burst; after that one more every LoginRefill. 0 takes the
	// default (20, one per 30 s); negative turns the limit off.
	LoginFailures int
	LoginRefill   time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (for the rate limit and the log).
	TrustedProxies []netip.Prefix
}

// DefaultLimits are the limits the server applies unless told otherwise.
var DefaultLimits = Limits{
	Body:           1 << 20,
	BodyTimeout:    10 * time.Second,
	BodyRate:       64 << 10,
	HeaderTimeout:  10 * time.Second,
	WriteTimeout:   2 * time.Minute,
	IdleTimeout:    60 * time.Second,
	MaxConns:       2048,
	MaxClientConns: 256,
	MaxInFlight:    512,
	MaxExpensive:   2 * runtime.NumCPU(),
	ExpensiveWait:  5 * time.Second,
	AnonRate:       50,
	LoginFailures:  20,
	LoginRefill:    30 * time.Second,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	pickD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pickI := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.Body, d.Body)
	pick(&l.BodyRate, d.BodyRate)
	pickD(&l.BodyTimeout, d.BodyTimeout)
	pickD(&l.HeaderTimeout, d.HeaderTimeout)
	pickD(&l.WriteTimeout, d.WriteTimeout)
	pickD(&l.IdleTimeout, d.IdleTimeout)
	pickD(&l.ExpensiveWait, d.ExpensiveWait)
	pickI(&l.MaxConns, d.MaxConns)
	pickI(&l.MaxClientConns, d.MaxClientConns)
	pickI(&l.MaxInFlight, d.MaxInFlight)
	pickI(&l.MaxExpensive, d.MaxExpensive)
	if l.AnonRate == 0 {
		l.AnonRate = d.AnonRate
	}
	if l.LoginFailures == 0 {
		l.LoginFailures = d.LoginFailures
	}
	pickD(&l.LoginRefill, d.LoginRefill)
	return l
}

// route is one route: a ServeMux pattern, its handler and its bounds. The
// OpenAPI test walks the API routes, so every one is documented.
type route struct {
	pattern string
	handler http.HandlerFunc
	// body is the largest body the route takes: 0 takes the server's
	// Limits.Body for POST, PUT and PATCH and no body otherwise.
	body int64
	// expensive routes share Limits.MaxExpensive slots.
	expensive bool
	// upload routes (imports) run one at a time: they hold the most
	// memory, and the single writer serialises them anyway.
	upload bool
	// quiet routes are not logged when they succeed (static files,
	// probes, and locate, which is called too often to log).
	quiet bool
	// read marks a route that takes a body but changes nothing (batch
	// locate): open without the token, like every GET.
	read bool
	// res and act are what the route does in the role table: the guard
	// refuses a caller who may not (gridline.Authorize) before the
	// handler runs; the store then narrows it to the caller's scope. A
	// route without res is open to everyone (enums, the OpenAPI
	// document, the role table).
	res gridline.Resource
	act gridline.Action
	// hashes routes check or hash a password (argon2id: 19 MiB and tens
	// of milliseconds each); they share hashSlots, so a burst of logins
	// cannot take all memory or starve other requests of the cores.
	hashes bool
	// stream routes (Server-Sent Events) hold their connection for
	// minutes: they do not keep an in-flight slot (the live hub bounds
	// how many are open) and set their own write deadlines.
	stream bool
	// open routes take anonymous writes and ignore bad credentials
	// (login, logout): a stale cookie must not keep anyone from logging
	// in again.
	open bool
}

// actionFromPath is the act of a route whose action is the path's
// {action}: a step of the loop.
const actionFromPath gridline.Action = "{action}"

// authorize refuses r unless its principal may do what rt does:
// EUNAUTHORIZED for an anonymous caller, EFORBIDDEN naming the role and
// the action for a signed-in one.
func authorize(rt route, r *http.Request) error {
	if rt.res == "" {
		return nil
	}
	act := rt.act
	if act == actionFromPath {
		a := gridline.TicketAction(r.PathValue("action"))
		if !a.Valid() {
			return nil // the handler names the unknown action (400)
		}
		act = gridline.Action(a)
	}
	return gridline.Authorize(gridline.PrincipalFrom(r.Context()), rt.res, act)
}

// unsafeMethod reports whether a method may change something (RFC 9110
// §9.2.1): writes need a user, and cookie-borne writes a CSRF token.
func unsafeMethod(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// takesBody reports whether a method carries a body.
func takesBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// guarded is the state the guard shares across routes.
type guarded struct {
	limits    Limits
	inFlight  chan struct{}
	expensive chan struct{}
	uploads   chan struct{}
	photos    chan struct{} // photos held in memory by intakes (photoSlots)
	hashes    chan struct{} // password checks at once (hashSlots)
	clients   rateLimiter
	logins    rateLimiter // failed logins per address
	follows   rateLimiter // wrong case numbers or follow codes per address
	closing   atomic.Bool
	cancel    context.CancelFunc
	base      context.Context
	csp       string // the Content-Security-Policy (policy)
	// streamsDone is closed when the server closes: live streams end.
	streamsDone chan struct{}
	streamOnce  sync.Once
}

// guard wraps a route in everything every request gets, in one function so
// that each request pays for it once: the in-flight bound, authorisation,
// the anonymous rate limit, body bounds, the expensive-read bound, metrics
// and the access log.
func (s *Server) guard(rt route) http.Handler {
	g := s.g
	rm := s.metrics.route(rt.pattern)
	bodyMax := rt.body
	if bodyMax == 0 {
		bodyMax = g.limits.Body
	}
	api := strings.HasPrefix(rt.pattern, "/api/") || strings.Contains(rt.pattern, " /api/")
	open311 := strings.HasPrefix(rt.pattern, "/open311/") || strings.Contains(rt.pattern, " /open311/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			rm.observe(sw.status, time.Since(start))
			if !rt.quiet || sw.status >= 500 {
				s.logRequest(r, sw, start)
			}
		}()
		// refuse answers before the body is read; with a body it closes
		// the connection, as draining a trickled body would hold it.
		refuse := func(err error) {
			if r.ContentLength != 0 {
				sw.Header().Set("Connection", "close")
			}
			s.Error(sw, r, err)
		}
		select {
		case g.inFlight <- struct{}{}:
			if rt.stream {
				<-g.inFlight
			} else {
				defer func() { <-g.inFlight }()
			}
		default:
			sw.Header().Set("Retry-After", "1")
			refuse(gridline.Errorf(gridline.EUNAVAILABLE, "The server is busy; try again in a second."))
			return
		}
		setSecurityHeaders(sw.Header(), s.secure(r), g.csp)
		ip := s.clientIP(r)
		var p *gridline.Principal
		if api {
			var viaCookie bool
			var err error
			p, viaCookie, err = s.principal(r, ip)
			if err != nil && !rt.open {
				// Guessing tokens costs what anonymous requests cost.
				if wait, ok := g.clients.allow(ip, g.limits.AnonRate, start); !ok {
					sw.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
					refuse(gridline.Errorf(gridline.ERATELIMITED, "Too many requests from your address; slow down."))
					return
				}
				if viaCookie {
					s.clearSessionCookie(sw, r)
				}
				sw.Header().Set("WWW-Authenticate", `Bearer realm="gridline"`)
				refuse(err)
				return
			}
			if p != nil && viaCookie && unsafeMethod(r.Method) && !rt.read {
				// A cookie rides along with any cross-site request; the
				// CSRF token only with the app's own.
				if p.CSRF == "" || subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(p.CSRF)) != 1 {
					if !rt.open {
						refuse(gridline.Errorf(gridline.ECSRF, "This write lacks the session's CSRF token: send it in the header X-CSRF-Token (from POST /api/v1/auth/login or GET /api/v1/auth/me)."))
						return
					}
					// Logging in again, or out, without it: as anonymous
					// (the session is not ended by another site's request).
					p = nil
				}
			}
		}
		if p != nil {
			r = r.WithContext(gridline.WithPrincipal(r.Context(), p))
		} else if api {
			if unsafeMethod(r.Method) && !rt.read && !rt.open {
				refuse(gridline.Errorf(gridline.EUNAUTHORIZED, "Writes need a signed-in user: log in (POST /api/v1/auth/login) or send the header Authorization: Bearer <token>."))
				return
			}
			if wait, ok := g.clients.allow(ip, g.limits.AnonRate, start); !ok {
				sw.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				refuse(gridline.Errorf(gridline.ERATELIMITED, "Too many requests from your address; slow down or log in."))
				return
			}
		}
		if open311 && !unsafeMethod(r.Method) {
			// Open311 reads are anonymous by design; POST checks its
			// api_key itself (open311Key).
			if wait, ok := g.clients.allow(ip, g.limits.AnonRate, start); !ok {
				sw.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				refuse(gridline.Errorf(gridline.ERATELIMITED, "Too many requests from your address; slow down."))
				return
			}
		}
		if err := authorize(rt, r); err != nil {
			refuse(err)
			return
		}
		if err := g.bound(sw, r, bodyMax); err != nil {
			refuse(err)
			return
		}
		for _, slots := range [...]chan struct{}{g.slots(rt.expensive, g.expensive), g.slots(rt.upload, g.uploads), g.slots(rt.hashes, g.hashes)} {
			if slots == nil {
				continue
			}
			busy := "Too many reports, exports and imports are running; try again shortly."
			if rt.hashes {
				busy = "Too many logins are being checked; try again shortly."
			}
			t := time.NewTimer(g.limits.ExpensiveWait)
			select {
			case slots <- struct{}{}:
				t.Stop()
				defer func() { <-slots }()
			case <-t.C:
				sw.Header().Set("Retry-After", "2")
				refuse(gridline.Errorf(gridline.EUNAVAILABLE, "%s", busy))
				return
			case <-r.Context().Done():
				t.Stop()
				refuse(r.Context().Err())
				return
			}
		}
		rt.handler(sw, r)
	})
}

// slots returns c if the route uses it, else nil.
func (g *guarded) slots(uses bool, c chan struct{}) chan struct{} {
	if uses {
		return c
	}
	return nil
}

// bound refuses bodies on methods that take none and bounds the size and
// arrival time of the others.
func (g *guarded) bound(w http.ResponseWriter, r *http.Request, max int64) error {
	if !takesBody(r.Method) {
		if r.ContentLength != 0 {
			return gridline.Errorf(gridline.EINVALID, "%s takes no request body.", r.Method)
		}
		return nil
	}
	if r.ContentLength > max {
		return gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", max)
	}
	size := r.ContentLength
	if size < 0 {
		size = max
	}
	d := g.limits.BodyTimeout + time.Duration(size/g.limits.BodyRate)*time.Second
	// A connection that cannot set deadlines (HTTP/2 in tests) keeps the
	// server's own timeouts.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
	r.Body = &boundedBody{ReadCloser: http.MaxBytesReader(w, r.Body, max), timeout: d}
	return nil
}

// boundedBody turns a read deadline into an error that says what happened.
type boundedBody struct {
	io.ReadCloser
	timeout time.Duration
}

func (b *boundedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		err = gridline.Errorf(gridline.ETIMEOUT, "The request body did not arrive within %s.", b.timeout.Round(time.Second))
	}
	return n, err
}

// clientIP is the address the request came from: the connection's peer,
// or, when that is a trusted proxy, the last address in X-Forwarded-For
// that is not one.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if len(s.g.limits.TrustedProxies) == 0 || !trusted(s.g.limits.TrustedProxies, ip) {
		return ip
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		ip = a.Unmap()
		if !trusted(s.g.limits.TrustedProxies, ip) {
			break
		}
	}
	return ip
}

func trusted(ps []netip.Prefix, ip netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// rateLimiter keeps a token bucket per client address.
type rateLimiter struct {
	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// allow takes a token from ip's bucket (rate per second, burst 2×rate).
// When it is empty it says how long until the next token.
func (l *rateLimiter) allow(ip netip.Addr, rate float64, now time.Time) (time.Duration, bool) {
	return l.take(ip, rate, 2*rate, 1, now)
}

// take takes n tokens (0: only looks) from ip's bucket of burst tokens
// refilled at rate per second. When fewer than one is left it says how
// long until the next.
func (l *rateLimiter) take(ip netip.Addr, rate, burst, n float64, now time.Time) (time.Duration, bool) {
	if rate < 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[netip.Addr]*bucket{}
	}
	if now.Sub(l.swept) > time.Minute {
		// Full buckets carry no state worth keeping.
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*rate >= burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[ip]
	if b == nil {
		b = &bucket{tokens: burst, at: now}
		l.buckets[ip] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / rate * float64(time.Second)), false
	}
	b.tokens -= n
	return 0, true
}

// limitListener accepts at most cap(sem) connections at once, the rest
// waiting in the kernel's queue, and at most perClient from one address,
// closing the rest at once.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	perClient int
	exempt    []netip.Prefix

	mu      sync.Mutex
	clients map[netip.Addr]int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		l.sem <- struct{}{}
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.sem
			return nil, err
		}
		ip := netip.Addr{}
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			ip = ap.Addr().Unmap()
		}
		if !l.admit(ip) {
			c.Close()
			<-l.sem
			continue
		}
		return &limitConn{Conn: c, release: func() { l.leave(ip); <-l.sem }}, nil
	}
}

func (l *limitListener) admit(ip netip.Addr) bool {
	if trusted(l.exempt, ip) {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clients == nil {
		l.clients = map[netip.Addr]int{}
	}
	if l.clients[ip] >= l.perClient {
		return false
	}
	l.clients[ip]++
	return true
}

func (l *limitListener) leave(ip netip.Addr) {
	if trusted(l.exempt, ip) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clients[ip]--; l.clients[ip] <= 0 {
		delete(l.clients, ip)
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// routeMetrics are one route's collectors, resolved once so a request
// does no label lookup or formatting.
type routeMetrics struct {
	m        *metrics
	route    string
	duration prometheus.Observer
	byStatus [600]atomic.Pointer[prometheus.Counter]
}

func (m *metrics) route(pattern string) *routeMetrics {
	return &routeMetrics{m: m, route: pattern, duration: m.duration.WithLabelValues(pattern)}
}

func (rm *routeMetrics) observe(status int, took time.Duration) {
	rm.duration.Observe(took.Seconds())
	if status < 100 || status >= len(rm.byStatus) {
		status = 0
	}
	c := rm.byStatus[status].Load()
	if c == nil {
		cc := rm.m.requests.WithLabelValues(rm.route, strconv.Itoa(status))
		rm.byStatus[status].Store(&cc)
		c = &cc
	}
	(*c).Inc()
}

// logRequest logs one request: method, path, the names (never the values)
// of its query parameters — values can hold names, phone numbers and
// tokens — status, size and time.
func (s *Server) logRequest(r *http.Request, sw *statusWriter, start time.Time) {
	level := slog.LevelInfo
	if sw.status == statusClientClosed {
		level = slog.LevelDebug
	}
	var names []string
	if r.URL.RawQuery != "" {
		for k := range r.URL.Query() {
			names = append(names, k)
		}
		slices.Sort(names)
	}
	s.logger().LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Any("params", names), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
		slog.Duration("took", time.Since(start)))
}

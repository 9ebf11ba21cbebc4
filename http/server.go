// Package http serves Gridline's JSON API, its OpenAPI document, metrics
// and the embedded web UI. Import it as glhttp.
package http

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gridline/gridline"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the HTTP server. Set the fields, then Open.
type Server struct {
	Addr string

	// Services are the domain services the handlers call; Locate answers
	// GET /api/v1/locate.
	gridline.Services

	// Ping checks the database for /healthz.
	Ping func(context.Context) error
	// UI is the built web app (index.html and assets); nil serves a note.
	UI     fs.FS
	Logger *slog.Logger
	// Limits bound every request; zero fields take DefaultLimits.
	Limits Limits

	ln      net.Listener
	srv     *http.Server
	handler http.Handler
	metrics *metrics
	g       *guarded
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) routes() []route {
	return []route{
		{pattern: "GET /api/v1/regions", handler: s.handleRegionIndex},
		{pattern: "POST /api/v1/regions/import", handler: s.handleRegionImport, body: gridline.RegionFileLimits.MaxBytes, expensive: true, upload: true},
		{pattern: "GET /api/v1/regions/{code}", handler: s.handleRegionView},
		{pattern: "GET /api/v1/regions/{code}/children", handler: s.handleRegionChildren},
		{pattern: "GET /api/v1/regions/{code}/ancestors", handler: s.handleRegionAncestors},
		{pattern: "GET /api/v1/regions/{code}/subtree", handler: s.handleRegionSubtree, expensive: true},
		{pattern: "PUT /api/v1/regions/{code}/geometry", handler: s.handleRegionGeometry, body: 8 << 20},
		{pattern: "GET /api/v1/geojson/regions", handler: s.handleRegionGeoJSON, expensive: true},

		{pattern: "GET /api/v1/grid-layers", handler: s.handleLayerIndex},
		{pattern: "POST /api/v1/grid-layers", handler: s.handleLayerCreate},
		{pattern: "GET /api/v1/grids", handler: s.handleGridIndex},
		{pattern: "POST /api/v1/grids", handler: s.handleGridCreate, body: 8 << 20},
		{pattern: "POST /api/v1/grids/import", handler: s.handleGridImport, body: 64 << 20, expensive: true, upload: true},
		{pattern: "GET /api/v1/grids/{code}", handler: s.handleGridView},
		{pattern: "PATCH /api/v1/grids/{code}", handler: s.handleGridUpdate, body: 8 << 20},
		{pattern: "DELETE /api/v1/grids/{code}", handler: s.handleGridDelete},
		{pattern: "GET /api/v1/geojson/grids", handler: s.handleGridGeoJSON, expensive: true},
		{pattern: "GET /api/v1/locate", handler: s.handleLocate, quiet: true},
		{pattern: "POST /api/v1/locate", handler: s.handleLocateBatch, body: maxLocateBody, expensive: true, quiet: true, read: true},

		{pattern: "GET /api/v1/points", handler: s.handlePointIndex},
		{pattern: "POST /api/v1/points", handler: s.handlePointCreate},
		{pattern: "PATCH /api/v1/points/{id}", handler: s.handlePointUpdate},
		{pattern: "DELETE /api/v1/points/{id}", handler: s.handlePointDelete},
		{pattern: "GET /api/v1/compounds", handler: s.handleCompoundIndex},
		{pattern: "POST /api/v1/compounds", handler: s.handleCompoundCreate},
		{pattern: "PATCH /api/v1/compounds/{id}", handler: s.handleCompoundUpdate},
		{pattern: "DELETE /api/v1/compounds/{id}", handler: s.handleCompoundDelete},
		{pattern: "GET /api/v1/buildings", handler: s.handleBuildingIndex},
		{pattern: "POST /api/v1/buildings", handler: s.handleBuildingCreate},
		{pattern: "PATCH /api/v1/buildings/{id}", handler: s.handleBuildingUpdate},
		{pattern: "DELETE /api/v1/buildings/{id}", handler: s.handleBuildingDelete},
		{pattern: "GET /api/v1/addresses", handler: s.handleAddressIndex},
		{pattern: "GET /api/v1/addresses/qr/{token}", handler: s.handleAddressQR},

		{pattern: "GET /api/v1/units", handler: s.handleUnitIndex},
		{pattern: "POST /api/v1/units", handler: s.handleUnitCreate},
		{pattern: "GET /api/v1/units/{id}", handler: s.handleUnitView},
		{pattern: "PATCH /api/v1/units/{id}", handler: s.handleUnitUpdate},
		{pattern: "DELETE /api/v1/units/{id}", handler: s.handleUnitDelete},
		{pattern: "GET /api/v1/people", handler: s.handlePersonIndex},
		{pattern: "POST /api/v1/people", handler: s.handlePersonCreate},
		{pattern: "GET /api/v1/people/{id}", handler: s.handlePersonView},
		{pattern: "PATCH /api/v1/people/{id}", handler: s.handlePersonUpdate},
		{pattern: "DELETE /api/v1/people/{id}", handler: s.handlePersonDelete},
		{pattern: "POST /api/v1/assignments", handler: s.handleAssignmentCreate},
		{pattern: "DELETE /api/v1/assignments/{id}", handler: s.handleAssignmentDelete},
		{pattern: "GET /api/v1/party-orgs", handler: s.handlePartyOrgIndex},
		{pattern: "POST /api/v1/party-orgs", handler: s.handlePartyOrgCreate},
		{pattern: "GET /api/v1/party-orgs/{id}", handler: s.handlePartyOrgView},
		{pattern: "PATCH /api/v1/party-orgs/{id}", handler: s.handlePartyOrgUpdate},
		{pattern: "DELETE /api/v1/party-orgs/{id}", handler: s.handlePartyOrgDelete},

		{pattern: "GET /api/v1/tickets", handler: s.handleTicketIndex},
		{pattern: "POST /api/v1/tickets", handler: s.handleTicketCreate, body: maxTicketForm},
		{pattern: "GET /api/v1/tickets/export.csv", handler: s.handleTicketExportCSV, expensive: true},
		{pattern: "GET /api/v1/tickets/export.xlsx", handler: s.handleTicketExportXLSX, expensive: true},
		{pattern: "GET /api/v1/tickets/{id}", handler: s.handleTicketView},
		{pattern: "GET /api/v1/tickets/{id}/photos/{n}", handler: s.handleTicketPhoto},
		{pattern: "GET /api/v1/tickets/{id}/duplicates", handler: s.handleTicketDuplicates},
		{pattern: "POST /api/v1/tickets/{id}/actions/{action}", handler: s.handleTicketAction},
		{pattern: "POST /api/v1/tickets/{id}/whistles", handler: s.handleWhistleBlow},
		{pattern: "GET /api/v1/whistles", handler: s.handleWhistleIndex},
		{pattern: "GET /api/v1/whistles/{id}", handler: s.handleWhistleView},
		{pattern: "POST /api/v1/whistles/{id}/report", handler: s.handleWhistleReport},
		{pattern: "POST /api/v1/whistles/{id}/rate", handler: s.handleWhistleRate},
		{pattern: "GET /api/v1/meetings", handler: s.handleMeetingIndex},
		{pattern: "POST /api/v1/meetings", handler: s.handleMeetingCreate},
		{pattern: "GET /api/v1/meetings/{id}", handler: s.handleMeetingView},
		{pattern: "GET /api/v1/kpis", handler: s.handleKPIs, expensive: true},

		{pattern: "GET /api/v1/stats/overview", handler: s.handleStatsOverview, expensive: true},
		{pattern: "GET /api/v1/stats/workforce", handler: s.handleStatsWorkforce, expensive: true},
		{pattern: "GET /api/v1/audit", handler: s.handleAuditIndex},
		{pattern: "GET /api/v1/events", handler: s.handleEventIndex},
		{pattern: "GET /api/v1/enums", handler: s.handleEnums},
		{pattern: "GET /api/v1/openapi.json", handler: s.handleOpenAPI},

		{pattern: "POST /api/v1/auth/login", handler: s.handleLogin, body: 4 << 10, open: true, hashes: true},
		{pattern: "POST /api/v1/auth/logout", handler: s.handleLogout, open: true},
		{pattern: "GET /api/v1/auth/me", handler: s.handleMe},
		{pattern: "POST /api/v1/auth/password", handler: s.handlePasswordChange, body: 4 << 10, hashes: true},
		{pattern: "GET /api/v1/auth/tokens", handler: s.handleTokenIndex},
		{pattern: "POST /api/v1/auth/tokens", handler: s.handleTokenCreate},
		{pattern: "DELETE /api/v1/auth/tokens/{id}", handler: s.handleTokenDelete},
		{pattern: "GET /api/v1/users", handler: s.handleUserIndex},
		{pattern: "POST /api/v1/users", handler: s.handleUserCreate, hashes: true},
		{pattern: "GET /api/v1/users/{id}", handler: s.handleUserView},
		{pattern: "PATCH /api/v1/users/{id}", handler: s.handleUserUpdate},
		{pattern: "POST /api/v1/users/{id}/password", handler: s.handleUserPassword, body: 4 << 10, hashes: true},
	}
}

// Handler returns the server's handler, building it on first use.
func (s *Server) Handler() http.Handler {
	if s.handler != nil {
		return s.handler
	}
	l := s.Limits.withDefaults()
	base, cancel := context.WithCancel(context.Background())
	s.g = &guarded{limits: l, inFlight: make(chan struct{}, l.MaxInFlight),
		expensive: make(chan struct{}, l.MaxExpensive), uploads: make(chan struct{}, 1),
		photos: make(chan struct{}, photoSlots), hashes: make(chan struct{}, hashSlots), base: base, cancel: cancel}
	s.metrics = newMetrics(s)
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	mux.Handle("GET /healthz", s.guard(route{pattern: "GET /healthz", handler: s.handleHealth, quiet: true}))
	promh := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
	mux.Handle("GET /metrics", s.guard(route{pattern: "GET /metrics", handler: promh.ServeHTTP, quiet: true}))
	mux.Handle("/api/", s.guard(route{pattern: "/api/", handler: func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "No API route %s %s.", r.Method, r.URL.Path))
	}}))
	mux.Handle("/", s.guard(route{pattern: "/", handler: s.uiHandler().ServeHTTP, quiet: true}))
	s.handler = mux
	return s.handler
}

// Open starts listening on Addr.
func (s *Server) Open(ctx context.Context) error {
	h := s.Handler()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	l := s.g.limits
	s.ln = &limitListener{Listener: ln, sem: make(chan struct{}, l.MaxConns), perClient: l.MaxClientConns,
		exempt: l.TrustedProxies}
	// No ReadTimeout: the guard gives each body its own deadline, by its
	// size, so a large import is not cut off and a trickle is.
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: l.HeaderTimeout, WriteTimeout: l.WriteTimeout,
		IdleTimeout: l.IdleTimeout, MaxHeaderBytes: 64 << 10,
		BaseContext: func(net.Listener) context.Context { return s.g.base },
		ErrorLog:    slog.NewLogLogger(s.logger().Handler(), slog.LevelWarn)}
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger().Error("serve", slog.Any("err", err))
		}
	}()
	return nil
}

// URL returns the base URL the server listens on.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	addr := s.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// Close shuts the server down gracefully: it stops accepting, lets
// running requests finish until ctx is done, then cancels the ones still
// running (they answer 503) and waits briefly for them to return, so the
// caller can close the database after it. It returns nil unless the
// listener fails to close.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	s.g.closing.Store(true)
	if err := s.srv.Shutdown(ctx); err == nil {
		return nil
	}
	s.logger().Warn("shutdown grace over; cancelling the requests still running", slog.Int("running", len(s.g.inFlight)))
	s.g.cancel()
	s.waitIdle(time.Second)
	// Requests blocked reading a body do not see the cancellation:
	// closing the connections ends them too.
	s.srv.Close()
	s.waitIdle(5 * time.Second)
	return nil
}

// waitIdle waits until no request is running, for at most d.
func (s *Server) waitIdle(d time.Duration) {
	for deadline := time.Now().Add(d); len(s.g.inFlight) > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if s.Ping != nil {
		if err := s.Ping(r.Context()); err != nil {
			s.logger().Error("health check", slog.Any("err", err))
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": gridline.Version, "grids_indexed": s.gridsIndexed()})
}

// gridsIndexed returns how many grids the locate index holds.
func (s *Server) gridsIndexed() int {
	if s.Locate == nil {
		return 0
	}
	return s.Locate.Len()
}

// privileged reports whether the caller may see personal data unmasked:
// for now, anyone signed in. (The role table will say which roles may.)
func privileged(r *http.Request) bool {
	return gridline.PrincipalFrom(r.Context()) != nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// metrics are the Prometheus collectors of one server.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gridline_http_requests_total", Help: "API requests by route and status.",
	}, []string{"route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gridline_http_request_duration_seconds", Help: "API request latency by route.",
		Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5},
	}, []string{"route"})
	grids := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gridline_locate_grids", Help: "Grids in the in-memory locate index.",
	}, func() float64 { return float64(s.gridsIndexed()) })
	m.reg.MustRegister(m.requests, m.duration, grids,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

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
	// FusionClasses are the main classes the hotline–grid comparison
	// compares when a request names none; nil takes
	// gridline.DefaultFusionClasses.
	FusionClasses []string
	// Live pushes the changes of cases (GET /api/v1/stream); nil answers
	// that route 503.
	Live gridline.LiveService
	// BaseMap is the base map the web app's maps draw
	// (GET /api/v1/config/map); the zero value is the plain map.
	BaseMap gridline.BaseMap

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
		{pattern: "GET /api/v1/regions", handler: s.handleRegionIndex, res: gridline.ResourceRegions, act: gridline.ActRead},
		{pattern: "POST /api/v1/regions/import", handler: s.handleRegionImport, body: gridline.RegionFileLimits.MaxBytes, expensive: true, upload: true, res: gridline.ResourceRegions, act: gridline.ActImport},
		{pattern: "GET /api/v1/regions/{code}", handler: s.handleRegionView, res: gridline.ResourceRegions, act: gridline.ActRead},
		{pattern: "GET /api/v1/regions/{code}/children", handler: s.handleRegionChildren, res: gridline.ResourceRegions, act: gridline.ActRead},
		{pattern: "GET /api/v1/regions/{code}/ancestors", handler: s.handleRegionAncestors, res: gridline.ResourceRegions, act: gridline.ActRead},
		{pattern: "GET /api/v1/regions/{code}/subtree", handler: s.handleRegionSubtree, expensive: true, res: gridline.ResourceRegions, act: gridline.ActRead},
		{pattern: "PUT /api/v1/regions/{code}/geometry", handler: s.handleRegionGeometry, body: 8 << 20, res: gridline.ResourceRegions, act: gridline.ActUpdate},
		{pattern: "GET /api/v1/geojson/regions", handler: s.handleRegionGeoJSON, expensive: true, res: gridline.ResourceRegions, act: gridline.ActRead},

		{pattern: "GET /api/v1/grid-layers", handler: s.handleLayerIndex, res: gridline.ResourceGrids, act: gridline.ActRead},
		{pattern: "POST /api/v1/grid-layers", handler: s.handleLayerCreate, res: gridline.ResourceGrids, act: gridline.ActCreate},
		{pattern: "GET /api/v1/grids", handler: s.handleGridIndex, res: gridline.ResourceGrids, act: gridline.ActRead},
		{pattern: "POST /api/v1/grids", handler: s.handleGridCreate, body: 8 << 20, res: gridline.ResourceGrids, act: gridline.ActCreate},
		{pattern: "POST /api/v1/grids/import", handler: s.handleGridImport, body: 64 << 20, expensive: true, upload: true, res: gridline.ResourceGrids, act: gridline.ActImport},
		{pattern: "GET /api/v1/grids/{code}", handler: s.handleGridView, res: gridline.ResourceGrids, act: gridline.ActRead},
		{pattern: "PATCH /api/v1/grids/{code}", handler: s.handleGridUpdate, body: 8 << 20, res: gridline.ResourceGrids, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/grids/{code}", handler: s.handleGridDelete, res: gridline.ResourceGrids, act: gridline.ActDelete},
		{pattern: "GET /api/v1/geojson/grids", handler: s.handleGridGeoJSON, expensive: true, res: gridline.ResourceGrids, act: gridline.ActRead},
		{pattern: "GET /api/v1/locate", handler: s.handleLocate, quiet: true, res: gridline.ResourceGrids, act: gridline.ActRead},
		{pattern: "POST /api/v1/locate", handler: s.handleLocateBatch, body: maxLocateBody, expensive: true, quiet: true, read: true, res: gridline.ResourceGrids, act: gridline.ActRead},

		{pattern: "GET /api/v1/points", handler: s.handlePointIndex, res: gridline.ResourcePlaces, act: gridline.ActRead},
		{pattern: "POST /api/v1/points", handler: s.handlePointCreate, res: gridline.ResourcePlaces, act: gridline.ActCreate},
		{pattern: "PATCH /api/v1/points/{id}", handler: s.handlePointUpdate, res: gridline.ResourcePlaces, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/points/{id}", handler: s.handlePointDelete, res: gridline.ResourcePlaces, act: gridline.ActDelete},
		{pattern: "GET /api/v1/compounds", handler: s.handleCompoundIndex, res: gridline.ResourcePlaces, act: gridline.ActRead},
		{pattern: "POST /api/v1/compounds", handler: s.handleCompoundCreate, res: gridline.ResourcePlaces, act: gridline.ActCreate},
		{pattern: "PATCH /api/v1/compounds/{id}", handler: s.handleCompoundUpdate, res: gridline.ResourcePlaces, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/compounds/{id}", handler: s.handleCompoundDelete, res: gridline.ResourcePlaces, act: gridline.ActDelete},
		{pattern: "GET /api/v1/buildings", handler: s.handleBuildingIndex, res: gridline.ResourcePlaces, act: gridline.ActRead},
		{pattern: "POST /api/v1/buildings", handler: s.handleBuildingCreate, res: gridline.ResourcePlaces, act: gridline.ActCreate},
		{pattern: "PATCH /api/v1/buildings/{id}", handler: s.handleBuildingUpdate, res: gridline.ResourcePlaces, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/buildings/{id}", handler: s.handleBuildingDelete, res: gridline.ResourcePlaces, act: gridline.ActDelete},
		{pattern: "GET /api/v1/addresses", handler: s.handleAddressIndex, res: gridline.ResourcePlaces, act: gridline.ActRead},
		{pattern: "GET /api/v1/addresses/qr/{token}", handler: s.handleAddressQR, res: gridline.ResourcePlaces, act: gridline.ActRead},

		{pattern: "GET /api/v1/units", handler: s.handleUnitIndex, res: gridline.ResourceUnits, act: gridline.ActRead},
		{pattern: "POST /api/v1/units", handler: s.handleUnitCreate, res: gridline.ResourceUnits, act: gridline.ActCreate},
		{pattern: "GET /api/v1/units/{id}", handler: s.handleUnitView, res: gridline.ResourceUnits, act: gridline.ActRead},
		{pattern: "PATCH /api/v1/units/{id}", handler: s.handleUnitUpdate, res: gridline.ResourceUnits, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/units/{id}", handler: s.handleUnitDelete, res: gridline.ResourceUnits, act: gridline.ActDelete},
		{pattern: "GET /api/v1/people", handler: s.handlePersonIndex, res: gridline.ResourcePeople, act: gridline.ActRead},
		{pattern: "POST /api/v1/people", handler: s.handlePersonCreate, res: gridline.ResourcePeople, act: gridline.ActCreate},
		{pattern: "GET /api/v1/people/{id}", handler: s.handlePersonView, res: gridline.ResourcePeople, act: gridline.ActRead},
		{pattern: "PATCH /api/v1/people/{id}", handler: s.handlePersonUpdate, res: gridline.ResourcePeople, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/people/{id}", handler: s.handlePersonDelete, res: gridline.ResourcePeople, act: gridline.ActDelete},
		{pattern: "POST /api/v1/people/{id}/reveal", handler: s.handlePersonReveal, res: gridline.ResourcePeople, act: gridline.ActReveal},
		{pattern: "POST /api/v1/assignments", handler: s.handleAssignmentCreate, res: gridline.ResourcePeople, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/assignments/{id}", handler: s.handleAssignmentDelete, res: gridline.ResourcePeople, act: gridline.ActUpdate},
		{pattern: "GET /api/v1/party-orgs", handler: s.handlePartyOrgIndex, res: gridline.ResourcePartyOrgs, act: gridline.ActRead},
		{pattern: "POST /api/v1/party-orgs", handler: s.handlePartyOrgCreate, res: gridline.ResourcePartyOrgs, act: gridline.ActCreate},
		{pattern: "GET /api/v1/party-orgs/{id}", handler: s.handlePartyOrgView, res: gridline.ResourcePartyOrgs, act: gridline.ActRead},
		{pattern: "PATCH /api/v1/party-orgs/{id}", handler: s.handlePartyOrgUpdate, res: gridline.ResourcePartyOrgs, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/party-orgs/{id}", handler: s.handlePartyOrgDelete, res: gridline.ResourcePartyOrgs, act: gridline.ActDelete},

		{pattern: "GET /api/v1/tickets", handler: s.handleTicketIndex, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "POST /api/v1/tickets", handler: s.handleTicketCreate, body: maxTicketForm, res: gridline.ResourceTickets, act: gridline.ActCreate},
		{pattern: "GET /api/v1/tickets/export.csv", handler: s.handleTicketExportCSV, expensive: true, res: gridline.ResourceTickets, act: gridline.ActExport},
		{pattern: "GET /api/v1/tickets/export.xlsx", handler: s.handleTicketExportXLSX, expensive: true, res: gridline.ResourceTickets, act: gridline.ActExport},
		{pattern: "GET /api/v1/tickets/aggregate", handler: s.handleTicketAggregate, expensive: true, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "GET /api/v1/stream", handler: s.handleStream, stream: true, quiet: true, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "GET /api/v1/tickets/{id}", handler: s.handleTicketView, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "GET /api/v1/tickets/{id}/photos/{n}", handler: s.handleTicketPhoto, res: gridline.ResourcePhotos, act: gridline.ActRead},
		{pattern: "POST /api/v1/tickets/{id}/actions/{action}", handler: s.handleTicketAction, body: maxTicketForm, res: gridline.ResourceTickets, act: actionFromPath},
		{pattern: "POST /api/v1/tickets/{id}/reveal", handler: s.handleTicketReveal, res: gridline.ResourceTickets, act: gridline.ActReveal},
		{pattern: "GET /api/v1/tickets/{id}/duplicates", handler: s.handleTicketDuplicates, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "GET /api/v1/tickets/{id}/route", handler: s.handleTicketRoute, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "POST /api/v1/tickets/{id}/whistles", handler: s.handleWhistleBlow, res: gridline.ResourceTickets, act: gridline.ActWhistle},
		{pattern: "GET /api/v1/whistles", handler: s.handleWhistleIndex, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "GET /api/v1/whistles/ranking", handler: s.handleWhistleRanking, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "GET /api/v1/whistles/{id}", handler: s.handleWhistleView, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "POST /api/v1/whistles/{id}/report", handler: s.handleWhistleReport, res: gridline.ResourceTickets, act: gridline.Action(gridline.ActionReply)},
		{pattern: "POST /api/v1/whistles/{id}/rate", handler: s.handleWhistleRate, res: gridline.ResourceTickets, act: gridline.ActWhistle},
		{pattern: "GET /api/v1/meetings", handler: s.handleMeetingIndex, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "POST /api/v1/meetings", handler: s.handleMeetingCreate, res: gridline.ResourceTickets, act: gridline.Action(gridline.ActionDispatch)},
		{pattern: "GET /api/v1/meetings/{id}", handler: s.handleMeetingView, res: gridline.ResourceTickets, act: gridline.ActRead},
		{pattern: "POST /api/v1/imports/12345", handler: s.handleHotlineImport, body: maxHotlineFile, expensive: true, upload: true, res: gridline.ResourceTickets, act: gridline.ActCreate},
		{pattern: "POST /api/v1/inbound/12345", handler: s.handleInbound12345, res: gridline.ResourceTickets, act: gridline.ActCreate},
		{pattern: "GET /api/v1/webhooks", handler: s.handleWebhookIndex, res: gridline.ResourceWebhooks, act: gridline.ActRead},
		{pattern: "POST /api/v1/webhooks", handler: s.handleWebhookCreate, res: gridline.ResourceWebhooks, act: gridline.ActCreate},
		{pattern: "DELETE /api/v1/webhooks/{id}", handler: s.handleWebhookDelete, res: gridline.ResourceWebhooks, act: gridline.ActDelete},
		{pattern: "GET /api/v1/webhooks/{id}/deliveries", handler: s.handleWebhookDeliveries, res: gridline.ResourceWebhooks, act: gridline.ActRead},
		{pattern: "GET /api/v1/categories", handler: s.handleCategoryIndex, res: gridline.ResourceCatalogue, act: gridline.ActRead},
		{pattern: "GET /api/v1/categories/suggest", handler: s.handleCategorySuggest, quiet: true, res: gridline.ResourceCatalogue, act: gridline.ActRead},
		{pattern: "POST /api/v1/categories", handler: s.handleCategorySave, res: gridline.ResourceCatalogue, act: gridline.ActUpdate},
		{pattern: "PUT /api/v1/categories/{code}", handler: s.handleCategorySave, res: gridline.ResourceCatalogue, act: gridline.ActUpdate},
		{pattern: "GET /api/v1/calendar", handler: s.handleCalendar, res: gridline.ResourceCatalogue, act: gridline.ActRead},
		{pattern: "PUT /api/v1/calendar/days/{date}", handler: s.handleCalendarDay, res: gridline.ResourceCatalogue, act: gridline.ActUpdate},
		{pattern: "DELETE /api/v1/calendar/days/{date}", handler: s.handleCalendarDayDelete, res: gridline.ResourceCatalogue, act: gridline.ActUpdate},
		{pattern: "GET /api/v1/kpis", handler: s.handleKPIs, expensive: true, res: gridline.ResourceKPIs, act: gridline.ActRead},
		{pattern: "GET /api/v1/fusion/daily", handler: s.handleFusionDaily, expensive: true, res: gridline.ResourceKPIs, act: gridline.ActRead},

		{pattern: "GET /api/v1/stats/overview", handler: s.handleStatsOverview, expensive: true, res: gridline.ResourceStats, act: gridline.ActRead},
		{pattern: "GET /api/v1/stats/workforce", handler: s.handleStatsWorkforce, expensive: true, res: gridline.ResourceStats, act: gridline.ActRead},
		{pattern: "GET /api/v1/audit", handler: s.handleAuditIndex, res: gridline.ResourceAudit, act: gridline.ActRead},
		{pattern: "GET /api/v1/events", handler: s.handleEventIndex, res: gridline.ResourceEvents, act: gridline.ActRead},
		{pattern: "GET /api/v1/enums", handler: s.handleEnums},
		{pattern: "GET /api/v1/config/map", handler: s.handleMapConfig},
		{pattern: "GET /api/v1/roles", handler: s.handleRoles},
		{pattern: "GET /api/v1/openapi.json", handler: s.handleOpenAPI},

		{pattern: "GET /open311/v2/discovery.json", handler: open311Route("json", s.handleOpen311Discovery)},
		{pattern: "GET /open311/v2/discovery.xml", handler: open311Route("xml", s.handleOpen311Discovery)},
		{pattern: "GET /open311/v2/services.json", handler: open311Route("json", s.handleOpen311Services)},
		{pattern: "GET /open311/v2/services.xml", handler: open311Route("xml", s.handleOpen311Services)},
		{pattern: "GET /open311/v2/services/{code}", handler: open311Wildcard("code", s.handleOpen311Service)},
		{pattern: "GET /open311/v2/requests.json", handler: open311Route("json", s.handleOpen311Requests)},
		{pattern: "GET /open311/v2/requests.xml", handler: open311Route("xml", s.handleOpen311Requests)},
		{pattern: "POST /open311/v2/requests.json", handler: open311Route("json", s.handleOpen311Create)},
		{pattern: "POST /open311/v2/requests.xml", handler: open311Route("xml", s.handleOpen311Create)},
		{pattern: "GET /open311/v2/requests/{id}", handler: open311Wildcard("id", s.handleOpen311Request)},
		{pattern: "GET /open311/v2/tokens/{token}", handler: open311Wildcard("token", s.handleOpen311Token)},

		{pattern: "POST /api/v1/public/reports", handler: s.handlePublicReport, body: maxTicketForm, open: true, res: gridline.ResourceResidentReports, act: gridline.ActCreate},
		{pattern: "GET /api/v1/public/cases/{number}", handler: s.handlePublicCase, open: true, res: gridline.ResourceResidentReports, act: gridline.ActRead},
		{pattern: "POST /api/v1/public/cases/{number}/rating", handler: s.handlePublicRating, body: 8 << 10, open: true, res: gridline.ResourceResidentReports, act: gridline.ActUpdate},

		{pattern: "POST /api/v1/auth/login", handler: s.handleLogin, body: 4 << 10, open: true, hashes: true},
		{pattern: "POST /api/v1/auth/logout", handler: s.handleLogout, open: true},
		{pattern: "GET /api/v1/auth/me", handler: s.handleMe},
		{pattern: "POST /api/v1/auth/password", handler: s.handlePasswordChange, body: 4 << 10, hashes: true},
		{pattern: "GET /api/v1/auth/tokens", handler: s.handleTokenIndex},
		{pattern: "POST /api/v1/auth/tokens", handler: s.handleTokenCreate},
		{pattern: "DELETE /api/v1/auth/tokens/{id}", handler: s.handleTokenDelete},
		{pattern: "GET /api/v1/auth/sessions", handler: s.handleSessionIndex},
		{pattern: "DELETE /api/v1/auth/sessions", handler: s.handleSessionsDelete},
		{pattern: "DELETE /api/v1/auth/sessions/{id}", handler: s.handleSessionDelete},
		{pattern: "GET /api/v1/me/views", handler: s.handleSavedViewIndex},
		{pattern: "POST /api/v1/me/views", handler: s.handleSavedViewCreate, body: 8 << 10},
		{pattern: "DELETE /api/v1/me/views/{id}", handler: s.handleSavedViewDelete},
		{pattern: "GET /api/v1/users", handler: s.handleUserIndex, res: gridline.ResourceUsers, act: gridline.ActRead},
		{pattern: "POST /api/v1/users", handler: s.handleUserCreate, hashes: true, res: gridline.ResourceUsers, act: gridline.ActCreate},
		{pattern: "GET /api/v1/users/{id}", handler: s.handleUserView, res: gridline.ResourceUsers, act: gridline.ActRead},
		{pattern: "PATCH /api/v1/users/{id}", handler: s.handleUserUpdate, res: gridline.ResourceUsers, act: gridline.ActUpdate},
		{pattern: "POST /api/v1/users/{id}/password", handler: s.handleUserPassword, body: 4 << 10, hashes: true, res: gridline.ResourceUsers, act: gridline.ActUpdate},
		{pattern: "GET /api/v1/users/{id}/tokens", handler: s.handleUserTokenIndex, res: gridline.ResourceUsers, act: gridline.ActRead},
		{pattern: "DELETE /api/v1/users/{id}/tokens/{tid}", handler: s.handleUserTokenDelete, res: gridline.ResourceUsers, act: gridline.ActUpdate},
		{pattern: "GET /api/v1/users/{id}/sessions", handler: s.handleUserSessionIndex, res: gridline.ResourceUsers, act: gridline.ActRead},
		{pattern: "DELETE /api/v1/users/{id}/sessions", handler: s.handleUserSessionsDelete, res: gridline.ResourceUsers, act: gridline.ActUpdate},
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
		photos: make(chan struct{}, photoSlots), hashes: make(chan struct{}, hashSlots), base: base, cancel: cancel,
		streamsDone: make(chan struct{}), csp: policy(s.BaseMap)}
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
	mux.Handle("/open311/", s.guard(route{pattern: "/open311/", handler: func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "No Open311 resource %s %s: see /open311/v2/discovery.json.", r.Method, r.URL.Path))
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
	// Live streams never go idle: end them, and their clients reconnect
	// to another instance or after the restart.
	s.g.streamOnce.Do(func() { close(s.g.streamsDone) })
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

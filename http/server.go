// Package http serves Gridline's JSON API, its OpenAPI document, metrics
// and the embedded web UI. Import it as glhttp.
package http

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
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
	UI fs.FS
	// APIToken authorises writes (Authorization: Bearer …) and the
	// display of personal data. Empty disables every write.
	APIToken string
	Logger   *slog.Logger

	ln      net.Listener
	srv     *http.Server
	handler http.Handler
	metrics *metrics
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// route is one API route: a ServeMux pattern and its handler. The OpenAPI
// test walks this list, so every route is documented.
type route struct {
	pattern string
	handler http.HandlerFunc
}

func (s *Server) routes() []route {
	return []route{
		{"GET /api/v1/regions", s.handleRegionIndex},
		{"POST /api/v1/regions/import", s.handleRegionImport},
		{"GET /api/v1/regions/{code}", s.handleRegionView},
		{"GET /api/v1/regions/{code}/children", s.handleRegionChildren},
		{"GET /api/v1/regions/{code}/ancestors", s.handleRegionAncestors},
		{"GET /api/v1/regions/{code}/subtree", s.handleRegionSubtree},
		{"PUT /api/v1/regions/{code}/geometry", s.handleRegionGeometry},
		{"GET /api/v1/geojson/regions", s.handleRegionGeoJSON},

		{"GET /api/v1/grid-layers", s.handleLayerIndex},
		{"POST /api/v1/grid-layers", s.handleLayerCreate},
		{"GET /api/v1/grids", s.handleGridIndex},
		{"POST /api/v1/grids", s.handleGridCreate},
		{"POST /api/v1/grids/import", s.handleGridImport},
		{"GET /api/v1/grids/{code}", s.handleGridView},
		{"PATCH /api/v1/grids/{code}", s.handleGridUpdate},
		{"DELETE /api/v1/grids/{code}", s.handleGridDelete},
		{"GET /api/v1/geojson/grids", s.handleGridGeoJSON},
		{"GET /api/v1/locate", s.handleLocate},

		{"GET /api/v1/points", s.handlePointIndex},
		{"POST /api/v1/points", s.handlePointCreate},
		{"PATCH /api/v1/points/{id}", s.handlePointUpdate},
		{"DELETE /api/v1/points/{id}", s.handlePointDelete},
		{"GET /api/v1/compounds", s.handleCompoundIndex},
		{"POST /api/v1/compounds", s.handleCompoundCreate},
		{"PATCH /api/v1/compounds/{id}", s.handleCompoundUpdate},
		{"DELETE /api/v1/compounds/{id}", s.handleCompoundDelete},
		{"GET /api/v1/buildings", s.handleBuildingIndex},
		{"POST /api/v1/buildings", s.handleBuildingCreate},
		{"PATCH /api/v1/buildings/{id}", s.handleBuildingUpdate},
		{"DELETE /api/v1/buildings/{id}", s.handleBuildingDelete},
		{"GET /api/v1/addresses", s.handleAddressIndex},
		{"GET /api/v1/addresses/qr/{token}", s.handleAddressQR},

		{"GET /api/v1/units", s.handleUnitIndex},
		{"POST /api/v1/units", s.handleUnitCreate},
		{"GET /api/v1/units/{id}", s.handleUnitView},
		{"PATCH /api/v1/units/{id}", s.handleUnitUpdate},
		{"DELETE /api/v1/units/{id}", s.handleUnitDelete},
		{"GET /api/v1/people", s.handlePersonIndex},
		{"POST /api/v1/people", s.handlePersonCreate},
		{"GET /api/v1/people/{id}", s.handlePersonView},
		{"PATCH /api/v1/people/{id}", s.handlePersonUpdate},
		{"DELETE /api/v1/people/{id}", s.handlePersonDelete},
		{"POST /api/v1/assignments", s.handleAssignmentCreate},
		{"DELETE /api/v1/assignments/{id}", s.handleAssignmentDelete},
		{"GET /api/v1/party-orgs", s.handlePartyOrgIndex},
		{"POST /api/v1/party-orgs", s.handlePartyOrgCreate},
		{"GET /api/v1/party-orgs/{id}", s.handlePartyOrgView},
		{"PATCH /api/v1/party-orgs/{id}", s.handlePartyOrgUpdate},
		{"DELETE /api/v1/party-orgs/{id}", s.handlePartyOrgDelete},

		{"GET /api/v1/stats/overview", s.handleStatsOverview},
		{"GET /api/v1/stats/workforce", s.handleStatsWorkforce},
		{"GET /api/v1/audit", s.handleAuditIndex},
		{"GET /api/v1/events", s.handleEventIndex},
		{"GET /api/v1/enums", s.handleEnums},
		{"GET /api/v1/openapi.json", s.handleOpenAPI},
	}
}

// Handler returns the server's handler, building it on first use.
func (s *Server) Handler() http.Handler {
	if s.handler != nil {
		return s.handler
	}
	s.metrics = newMetrics(s)
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.metrics.instrument(rt.pattern, rt.handler))
	}
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "No API route %s %s.", r.Method, r.URL.Path))
	})
	mux.Handle("/", s.uiHandler())
	s.handler = s.logRequests(s.authorize(mux))
	return s.handler
}

// Open starts listening on Addr.
func (s *Server) Open(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
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

// Close stops accepting requests and waits for running ones (graceful).
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
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

// authorize lets reads through and requires the API token for writes. The
// token also marks the caller as one who may see personal data.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authed := false
		if h := r.Header.Get("Authorization"); s.APIToken != "" && strings.HasPrefix(h, "Bearer ") {
			authed = subtle.ConstantTimeCompare([]byte(strings.TrimPrefix(h, "Bearer ")), []byte(s.APIToken)) == 1
		}
		write := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
		if write && strings.HasPrefix(r.URL.Path, "/api/") && !authed {
			if s.APIToken == "" {
				s.Error(w, r, gridline.Errorf(gridline.EFORBIDDEN, "Writes are disabled: start the server with GRIDLINE_API_TOKEN set."))
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="gridline"`)
				s.Error(w, r, gridline.Errorf(gridline.EUNAUTHORIZED, "Writes need the header Authorization: Bearer <API token>."))
			}
			return
		}
		ctx := r.Context()
		if authed {
			ctx = gridline.WithActor(ctx, gridline.Actor{Name: "api"})
			ctx = context.WithValue(ctx, privilegedKey{}, true)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type privilegedKey struct{}

// privileged reports whether the caller may see personal data unmasked.
func privileged(r *http.Request) bool {
	v, _ := r.Context().Value(privilegedKey{}).(bool)
	return v
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

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// logRequests logs API requests; static files and probes stay quiet. The
// query string is logged but never the Authorization header.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if !strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/api/v1/locate" && sw.status < 500 {
			return
		}
		s.logger().Info("request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("query", r.URL.RawQuery), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Duration("took", time.Since(start)))
	})
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

func (m *metrics) instrument(route string, h http.Handler) http.Handler {
	obs := m.duration.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		obs.Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(route, fmt.Sprint(sw.status)).Inc()
	})
}

package http

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestClientClosedIsNotAServerError: a request whose client went away is
// recorded as 499 (finding 10), and one cancelled by shutdown is a 503,
// never a 500.
func TestClientClosedIsNotAServerError(t *testing.T) {
	s := &Server{}
	s.Handler()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/api/v1/regions", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	s.Error(w, r, context.Canceled)
	if w.Code != statusClientClosed {
		t.Fatalf("client gone: status %d, want %d", w.Code, statusClientClosed)
	}
	s.g.closing.Store(true)
	w = httptest.NewRecorder()
	s.Error(w, r, context.Canceled)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("shutting down: status %d, want 503", w.Code)
	}
}

package http

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gridline/gridline"
)

// codes maps domain error codes to HTTP statuses; this is the only place
// that does.
var codes = map[string]int{
	gridline.EINVALID:      http.StatusBadRequest,
	gridline.ENOTFOUND:     http.StatusNotFound,
	gridline.ECONFLICT:     http.StatusConflict,
	gridline.EUNAUTHORIZED: http.StatusUnauthorized,
	gridline.EFORBIDDEN:    http.StatusForbidden,
	gridline.EINTERNAL:     http.StatusInternalServerError,
	gridline.ERATELIMITED:  http.StatusTooManyRequests,
	gridline.EUNAVAILABLE:  http.StatusServiceUnavailable,
	gridline.ETIMEOUT:      http.StatusRequestTimeout,
	gridline.ECSRF:         http.StatusForbidden,
}

// statusClientClosed is the status recorded (nginx's 499) for a request
// whose client went away before the answer: not a server error.
const statusClientClosed = 499

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// Error writes err as JSON with the status of its code. Internal errors are
// logged with their detail and answered with a generic message.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := gridline.ErrorCode(err)
	if code == gridline.EINTERNAL && r.Context().Err() != nil &&
		(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		if s.g != nil && s.g.closing.Load() {
			err = gridline.Errorf(gridline.EUNAVAILABLE, "The server is shutting down; try again.")
			code = gridline.EUNAVAILABLE
		} else {
			w.WriteHeader(statusClientClosed) // nobody reads it; the log and metrics do
			return
		}
	}
	if code == gridline.EINTERNAL {
		s.logger().Error("internal error", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = gridline.ErrorMessage(err)
	body.Error.Fields = gridline.ErrorFields(err)
	status, ok := codes[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if ra := body.Error.Fields["retry_after"]; code == gridline.ERATELIMITED && ra != "" && w.Header().Get("Retry-After") == "" {
		// A limit the store counted says when it lifts.
		w.Header().Set("Retry-After", ra)
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	if strings.HasPrefix(r.URL.Path, "/open311/") {
		// Open311 clients read the spec's error shape, guard refusals
		// included.
		open311Error(w, r, status, body.Error.Message)
		return
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

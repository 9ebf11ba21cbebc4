package http

import (
	"encoding/json"
	"log/slog"
	"net/http"

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
}

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
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

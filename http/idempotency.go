package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gridline/gridline"
)

// replayedHeader marks an answer given again to a retried request.
const replayedHeader = "Idempotent-Replayed"

// requestKey reads the Idempotency-Key header: nil when the request has
// none, EINVALID naming the header when it is malformed.
func requestKey(r *http.Request) (*gridline.Idempotent, error) {
	vs := r.Header.Values(gridline.IdempotencyHeader)
	if len(vs) == 0 {
		return nil, nil
	}
	if len(vs) > 1 {
		return nil, gridline.FieldErrorf(gridline.IdempotencyHeader, "sent %d times; send one", len(vs))
	}
	if err := gridline.CheckIdempotencyKey(vs[0]); err != nil {
		return nil, err
	}
	return &gridline.Idempotent{Key: vs[0]}, nil
}

// replay answers a keyed request that was made before by the same
// account, and reports whether it did: the first answer as it was kept,
// or, when the first request has not kept it yet (it is still answering),
// rebuild's view of the case it wrote with status. A key used for a
// different request is 409 naming the header.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, idem *gridline.Idempotent, status int,
	rebuild func(id int64) (any, error)) bool {
	if idem == nil || s.Idempotency == nil {
		return false
	}
	a, err := s.Idempotency.FindIdempotent(r.Context(), idem.Key)
	if gridline.ErrorCode(err) == gridline.ENOTFOUND {
		return false
	} else if err != nil {
		s.Error(w, r, err)
		return true
	}
	if a.Fingerprint != idem.Fingerprint {
		s.Error(w, r, gridline.KeyReused(idem.Key))
		return true
	}
	w.Header().Set(replayedHeader, "true")
	if a.Body != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.Status)
		w.Write(a.Body)
		return true
	}
	v, err := rebuild(a.TicketID)
	if err != nil {
		w.Header().Del(replayedHeader)
		s.Error(w, r, err)
		return true
	}
	writeJSON(w, status, v)
	return true
}

// answerKeyed writes v as JSON with status and, for a keyed request,
// keeps the answer for the key's retries. A failure to keep it is logged:
// a retry then gets the case as it stands instead.
func (s *Server) answerKeyed(w http.ResponseWriter, r *http.Request, idem *gridline.Idempotent, status int, v any) {
	if idem == nil || s.Idempotency == nil {
		writeJSON(w, status, v)
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Idempotency.SaveIdempotentAnswer(r.Context(), idem.Key, status, b.Bytes()); err != nil {
		s.logger().Error("keeping an idempotent answer", "key", idem.Key, "err", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// isReplay reports whether a write changed nothing because its key was
// used already.
func isReplay(err error) bool { return errors.Is(err, gridline.ErrIdempotentReplay) }

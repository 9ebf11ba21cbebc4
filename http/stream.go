package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// Bounds of a live stream's connection.
const (
	// streamHeartbeat is how often an idle stream sends a comment, so
	// proxies keep it open and a dead client is found.
	streamHeartbeat = 15 * time.Second
	// streamWriteWait is how long one write may take: a client that
	// reads slower is cut off (and the hub drops a stream whose queue
	// fills first).
	streamWriteWait = 10 * time.Second
	// streamRetry is the reconnection delay the browser is told to use.
	streamRetry = 2 * time.Second
)

// handleStream serves GET /api/v1/stream: the changes of the cases the
// caller may read, as Server-Sent Events, from the position in the
// Last-Event-ID header (or ?after=), else from now. Each event's id is the
// change feed's seq; the first event, "hello", gives the position the
// stream starts from.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "after")
	after := int64(-1)
	if v := q.int64("after"); v != nil {
		after = *v
	}
	if v := strings.TrimSpace(r.Header.Get("Last-Event-ID")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			q.fail(gridline.FieldErrorf("Last-Event-ID", "want the seq of the last event received (a whole number ≥ 0)"))
		}
		after = n
	}
	if after < -1 {
		q.fail(gridline.FieldErrorf("after", "must not be negative"))
	}
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	if s.Live == nil {
		s.Error(w, r, gridline.Errorf(gridline.EUNAVAILABLE, "The live stream is not running on this server."))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-s.g.streamsDone:
			cancel()
		case <-ctx.Done():
		}
	}()
	st, err := s.Live.Subscribe(ctx, after)
	if err != nil {
		if gridline.ErrorCode(err) == gridline.EUNAVAILABLE {
			w.Header().Set("Retry-After", "5")
		}
		s.Error(w, r, err)
		return
	}
	defer st.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	rc := http.NewResponseController(w)
	send := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(streamWriteWait))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	w.WriteHeader(http.StatusOK)
	if !send(fmt.Appendf(nil, "retry: %d\nid: %d\nevent: hello\ndata: {\"seq\":%d}\n\n", streamRetry.Milliseconds(), st.Seq(), st.Seq())) {
		return
	}
	for {
		m, err := st.Next(ctx, streamHeartbeat)
		if err != nil {
			return // dropped or gone: the client reconnects from its last id
		}
		var b []byte
		if m == nil {
			b = []byte(": ping\n\n")
		} else {
			data, _ := json.Marshal(m)
			b = fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", m.Seq, m.Kind, data)
		}
		if !send(b) {
			return
		}
	}
}

package http

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gridline/gridline"
)

// maxTicketForm is the largest multipart intake: nine photos of 5 MiB
// (45 MiB), the case's JSON (at most Limits.Body, 1 MiB) and the parts'
// headers and boundaries, with room to spare.
const maxTicketForm = 48 << 20

// photoSlots is how many photos all intakes together may hold in memory
// at once, each until its case is written: 36 × 5 MiB = 180 MiB at most.
// Slots are taken per photo, not per request, so a slow upload holds only
// the photos it has begun to send.
const photoSlots = 4 * gridline.MaxTicketPhotos

// photoCacheAge is how long a browser may keep a photo. A photo never
// changes, but a day leaves room to withdraw one.
const photoCacheAge = 24 * time.Hour

// multipartBody reports whether r carries multipart/form-data.
func multipartBody(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// bodyLimit is the server's limit for an ordinary write.
func (s *Server) bodyLimit() int64 {
	if s.g == nil {
		return DefaultLimits.Body
	}
	return s.g.limits.Body
}

// decodeTicketJSON reads a JSON intake. The route takes multipart bodies
// of up to maxTicketForm, so a JSON one is held to the ordinary limit
// here.
func (s *Server) decodeTicketJSON(w http.ResponseWriter, r *http.Request, t *gridline.Ticket) error {
	limit := s.bodyLimit()
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		return gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := decode(r, t); err != nil {
		return err
	}
	t.Photos = nil // photos come as parts of a multipart intake, never in JSON
	return nil
}

// decodeTicketForm reads a multipart intake part by part as it arrives:
// one part "ticket" with the case's JSON and up to MaxTicketPhotos parts
// "photo", in any order; the photos are numbered in the order sent. It
// returns how many photo slots it took, to be released once the case is
// written, even with an error.
func (s *Server) decodeTicketForm(w http.ResponseWriter, r *http.Request, t *gridline.Ticket) (held int, err error) {
	photos, held, err := s.decodeForm(w, r, "ticket", t)
	t.Photos = photos
	return held, err
}

// decodeForm reads a multipart body of one JSON part named name into v
// and up to MaxTicketPhotos parts "photo": an intake, or an on-site
// action with its photos. It returns the photos and how many photo slots
// it took, to be released once they are written, even with an error.
func (s *Server) decodeForm(w http.ResponseWriter, r *http.Request, name string, v any) (photos []*gridline.Photo, held int, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, 0, gridline.Errorf(gridline.EINVALID, "multipart body: %v", err)
	}
	seen := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, held, formError(err)
		}
		switch got := part.FormName(); got {
		case name:
			if seen {
				return nil, held, gridline.FieldErrorf(name, "sent twice")
			}
			seen = true
			if err := decodePart(part, name, v, s.bodyLimit()); err != nil {
				return nil, held, err
			}
		case "photo":
			n := len(photos) + 1
			if n <= gridline.MaxTicketPhotos {
				if err := s.takePhotoSlot(w, r); err != nil {
					return nil, held, err
				}
				held++
			}
			p, err := gridline.ReadPhoto(part, n)
			if err != nil {
				return nil, held, formError(err)
			}
			photos = append(photos, p)
		default:
			what := map[string]string{"ticket": "an intake", "report": "a report"}[name]
			if what == "" {
				what = "an action"
			}
			return nil, held, gridline.FieldErrorf("part", "%q is not a part of %s (send one part %s and up to %d parts photo)",
				got, what, name, gridline.MaxTicketPhotos)
		}
	}
	if !seen {
		return nil, held, gridline.FieldErrorf(name, "is required: the JSON in a part named %s", name)
	}
	return photos, held, nil
}

// decodePart reads the JSON of part name of at most limit bytes, as
// strictly as decode reads a body.
func decodePart(part io.Reader, name string, v any, limit int64) error {
	b, err := io.ReadAll(&io.LimitedReader{R: part, N: limit + 1})
	if int64(len(b)) > limit {
		return gridline.FieldErrorf(name, "larger than %d bytes", limit)
	} else if err != nil {
		return bodyError(err)
	}
	return decodeJSON(b, v, name)
}

// formError says what went wrong reading a multipart body: a domain
// error (a bad photo, the body's deadline) as it is, the body limit, or a
// malformed body.
func formError(err error) error {
	var ge *gridline.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ge):
		return ge
	case errors.As(err, &mbe):
		return gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", mbe.Limit)
	}
	return gridline.Errorf(gridline.EINVALID, "multipart body: %v", err)
}

// takePhotoSlot waits for one of the photoSlots, as long as an expensive
// read waits, then gives up with 503.
func (s *Server) takePhotoSlot(w http.ResponseWriter, r *http.Request) error {
	if s.g == nil {
		return nil
	}
	select {
	case s.g.photos <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.g.limits.ExpensiveWait)
	defer t.Stop()
	select {
	case s.g.photos <- struct{}{}:
		return nil
	case <-t.C:
		w.Header().Set("Retry-After", "2")
		return gridline.Errorf(gridline.EUNAVAILABLE, "Too many photos are being taken in; try again shortly.")
	case <-r.Context().Done():
		return r.Context().Err()
	}
}

func (s *Server) releasePhotoSlots(n int) {
	for range n {
		<-s.g.photos
	}
}

// handleTicketPhoto serves photo n of a case with its stored type, never
// sniffed, inline, with range requests and conditional GETs (the ETag is
// the photo's SHA-256).
func (s *Server) handleTicketPhoto(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	// Photos show faces, number plates and homes: personal data. The
	// route needs ticket_photos.read and the store the case in scope.
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		s.Error(w, r, gridline.FieldErrorf("n", "%q is not a photo number (1, 2, …)", r.PathValue("n")))
		return
	}
	p, content, err := s.Tickets.FindTicketPhoto(r.Context(), id, n)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ext := map[string]string{gridline.PhotoJPEG: ".jpg", gridline.PhotoPNG: ".png", gridline.PhotoWebP: ".webp"}[p.MIME]
	h := w.Header()
	h.Set("Content-Type", p.MIME)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int(photoCacheAge.Seconds())))
	h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="case-%d-photo-%d%s"`, id, n, ext))
	h.Set("ETag", `"`+p.SHA256+`"`)
	rs := &readErr{ReadSeeker: content}
	http.ServeContent(w, r, "", p.CreatedAt, rs)
	if rs.err != nil && r.Context().Err() == nil {
		// The status is sent; all the client sees is a short body.
		s.logger().Error("read photo", slog.Int64("case", id), slog.Int("photo", n), slog.Any("err", rs.err))
	}
}

// readErr remembers the first read error, which ServeContent drops.
type readErr struct {
	io.ReadSeeker
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.ReadSeeker.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}

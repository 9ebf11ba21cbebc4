package http

import (
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// maxLocateBody bounds a batch locate body: gridline.MaxLocateBatch points
// at about 80 bytes each, room for full-precision numbers even
// pretty-printed with a number a line. The route is an expensive read, so
// only a few such bodies are held at once.
const maxLocateBody = 8 << 20

// jsonContentType is set as it is, without canonicalising the header name
// on every request.
var jsonContentType = []string{"application/json; charset=utf-8"}

// locateBufs holds the buffers of locate answers and batch bodies between
// requests: a batch of 100,000 points reads 2–8 MB.
var locateBufs = sync.Pool{New: func() any { return new(locateBuf) }}

type locateBuf struct {
	body []byte
	pts  []orb.Point
	out  []byte
}

func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) {
	lon, lat, layer, err := gridline.ParseLocateQuery(r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	loc, err := s.Locate.Locate(lon, lat, layer)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	buf := locateBufs.Get().(*locateBuf)
	defer locateBufs.Put(buf)
	buf.out = append(appendLocation(buf.out[:0], &loc), '\n')
	w.Header()["Content-Type"] = jsonContentType
	w.Write(buf.out)
}

// handleLocateBatch locates up to gridline.MaxLocateBatch points in one
// request, against one snapshot of the index. The whole body is checked
// before the answer starts, which is then written as it is made, in 64 KB
// pieces: a detailed answer to 100,000 points is about 35 MB.
func (s *Server) handleLocateBatch(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "detail")
	detail := q.bool("detail")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	buf := locateBufs.Get().(*locateBuf)
	defer locateBufs.Put(buf)
	var err error
	if buf.body, err = readAll(r, buf.body[:0], maxLocateBody); err != nil {
		s.Error(w, r, err)
		return
	}
	pts, layer, err := gridline.ParseLocateBatch(buf.body, buf.pts)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	buf.pts = pts
	out := buf.out[:0]
	if detail {
		out = append(out, `{"items":[`...)
	} else {
		out = append(out, `{"grids":[`...)
	}
	header := false
	flush := func() {
		if !header {
			w.Header()["Content-Type"] = jsonContentType
			header = true
		}
		w.Write(out)
		out = out[:0]
	}
	err = s.Locate.LocateEach(pts, layer, func(i int, loc *gridline.Location) {
		if i > 0 {
			out = append(out, ',')
		}
		switch {
		case loc == nil:
			out = append(out, "null"...)
		case detail:
			out = appendLocation(out, loc)
		default:
			out = appendJSONString(out, loc.Grid.Code)
		}
		if len(out) >= 64<<10 {
			flush()
		}
	})
	if err != nil {
		// LocateEach fails before its first call, so nothing is written.
		s.Error(w, r, err)
		return
	}
	out = append(out, "]}\n"...)
	flush()
	buf.out = out
}

// readAll reads r's body, of at most limit bytes, appending to b; with a
// Content-Length it reads into one allocation at most.
func readAll(r *http.Request, b []byte, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return b, gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", limit)
	}
	if n := int(r.ContentLength) + 1; n > cap(b) {
		b = make([]byte, 0, n) // +1: the read that meets EOF needs room
	}
	body := http.MaxBytesReader(nil, r.Body, limit)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return b, bodyError(err)
		}
	}
	if len(b) == 0 {
		return b, gridline.Errorf(gridline.EINVALID, "request body is empty")
	}
	return b, nil
}

// appendLocation appends l as encoding/json writes it, without
// reflection: a batch writes a hundred thousand of them.
func appendLocation(b []byte, l *gridline.Location) []byte {
	b = append(b, `{"lon":`...)
	b = appendJSONFloat(b, l.Lon)
	b = append(b, `,"lat":`...)
	b = appendJSONFloat(b, l.Lat)
	b = append(b, `,"layer":`...)
	b = appendJSONString(b, l.Layer)
	for _, n := range [...]struct {
		key string
		v   *gridline.Named
	}{{`,"grid":`, &l.Grid}, {`,"community":`, &l.Community}, {`,"town":`, &l.Town}, {`,"county":`, &l.County}} {
		b = append(b, n.key...)
		b = append(b, `{"code":`...)
		b = appendJSONString(b, n.v.Code)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, n.v.Name)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSONFloat appends f as encoding/json does: the shortest form that
// reads back the same, with an exponent only for very small or large
// magnitudes. f is finite (locations are validated).
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 → e-7, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does with HTML escaping off (writeJSON's setting): quote, backslash and
// control characters escaped, invalid UTF-8 as U+FFFD, and U+2028 and
// U+2029, which end lines in JavaScript, as \u escapes.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		if c >= 0xe0 && c <= 0xef && i+2 < len(s) && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80 {
			// A well-formed three-byte sequence (Chinese names are made of
			// them) needs no escape, except U+2028 and U+2029; overlong
			// forms and surrogates go the slow way, to U+FFFD.
			c1 := s[i+1]
			if !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0) && !(c == 0xe2 && c1 == 0x80 && s[i+2]&0xfe == 0xa8) {
				i += 3
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

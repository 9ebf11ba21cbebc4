package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// listBody is the envelope of every list answer.
type listBody[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

func list[T any](items []T, total int) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, Total: total}
}

// query checks that r's query names only allowed parameters and gives
// typed access to them. Every problem is EINVALID naming the parameter.
type query struct {
	v   url.Values
	err error
}

// maxQueryValue bounds every query parameter, in characters. Free text
// such as q becomes a LIKE pattern, and SQLite fails a pattern over 50,000
// bytes with an internal error; no name, address, code or number comes
// near 100 characters, so a longer value is a mistake or an attack, and a
// clear 400 beats a 500 or a slow scan.
const maxQueryValue = 100

func parseQuery(r *http.Request, allowed ...string) *query {
	return parseValues(r.URL.Query(), allowed...)
}

// parseValues is parseQuery over query values already taken from a
// request (a handler that bounds one parameter differently removes it
// first).
func parseValues(v url.Values, allowed ...string) *query {
	q := &query{v: v}
	for k := range q.v {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			q.err = gridline.FieldErrorf(k, "unknown query parameter (allowed: %s)", strings.Join(allowed, ", "))
			return q
		}
	}
	for k, vs := range q.v {
		for _, v := range vs {
			if n := utf8.RuneCountInString(v); n > maxQueryValue {
				q.err = gridline.FieldErrorf(k, "longer than %d characters (%d)", maxQueryValue, n)
				return q
			}
		}
	}
	return q
}

// fail records err as the query's error unless it already has one.
func (q *query) fail(err error) {
	if q.err == nil && err != nil {
		q.err = err
	}
}

// str returns a parameter or nil when absent.
func (q *query) str(name string) *string {
	if q.err != nil || !q.v.Has(name) {
		return nil
	}
	s := q.v.Get(name)
	return &s
}

// code returns a region or grid code parameter, checking it is digits.
func (q *query) code(name string) *string {
	s := q.str(name)
	if s != nil {
		for _, c := range *s {
			if c < '0' || c > '9' {
				q.err = gridline.FieldErrorf(name, "%q is not a code (digits only)", *s)
				return nil
			}
		}
	}
	return s
}

func (q *query) int64(name string) *int64 {
	s := q.str(name)
	if s == nil {
		return nil
	}
	n, err := strconv.ParseInt(*s, 10, 64)
	if err != nil {
		q.err = gridline.FieldErrorf(name, "%q is not an integer", *s)
		return nil
	}
	return &n
}

func (q *query) bool(name string) bool {
	s := q.str(name)
	if s == nil {
		return false
	}
	b, err := strconv.ParseBool(*s)
	if err != nil {
		q.err = gridline.FieldErrorf(name, "%q is not true or false", *s)
	}
	return b
}

// page returns limit and offset (default limit 100, at most 10,000).
func (q *query) page() (limit, offset int) {
	limit = 100
	if n := q.int64("limit"); n != nil {
		if *n < 1 || *n > 10000 {
			q.err = gridline.FieldErrorf("limit", "must be 1–10000, got %d", *n)
		}
		limit = int(*n)
	}
	if n := q.int64("offset"); n != nil {
		if *n < 0 {
			q.err = gridline.FieldErrorf("offset", "must not be negative")
		}
		offset = int(*n)
	}
	return limit, offset
}

func pathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, gridline.FieldErrorf("id", "%q is not a record id", s)
	}
	return id, nil
}

const maxJSONBody = 8 << 20

// decode reads a JSON body into v, refusing unknown fields and trailing
// data, and names the field of a type error.
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err != nil {
		return bodyError(err)
	}
	return decodeJSON(b, v, "")
}

// decodeJSON reads the JSON value b into v as decode does; data after the
// value is an error of the request body, or of the multipart part named
// part.
func decodeJSON(b []byte, v any, part string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if te := badTime(err, b, v); te != nil {
			return te
		}
		return bodyError(err)
	}
	if dec.More() {
		if part != "" {
			return gridline.FieldErrorf(part, "has data after the JSON value")
		}
		return gridline.Errorf(gridline.EINVALID, "request body has data after the JSON value")
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// badTime returns the error of a time field that is no RFC 3339 time,
// naming the field, or nil if err is no such error: encoding/json reports
// time.Time's own error without the field, so it is found again in b by
// v's type.
func badTime(err error, b []byte, v any) error {
	var pe *time.ParseError
	if !errors.As(err, &pe) && !strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		return nil
	}
	field, raw := timeField(json.RawMessage(b), reflect.TypeOf(v), "")
	if field == "" {
		return nil
	}
	return gridline.FieldErrorf(field, "%s is not a time: want RFC 3339, like 2024-11-04T10:00:00+08:00", raw)
}

// timeField walks the JSON value raw as type t reads it and returns the
// path and value of the first time field that does not parse.
func timeField(raw json.RawMessage, t reflect.Type, prefix string) (string, string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		var tm time.Time
		if json.Unmarshal(raw, &tm) != nil {
			return strings.TrimSuffix(prefix, "."), string(raw)
		}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			p := strings.TrimSuffix(prefix, ".")
			for i, it := range items {
				if f, v := timeField(it, t.Elem(), fmt.Sprintf("%s[%d].", p, i)); f != "" {
					return f, v
				}
			}
		}
	case t.Kind() == reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return "", ""
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" || !sf.IsExported() && !sf.Anonymous {
				continue
			}
			if sf.Anonymous && name == "" {
				if f, v := timeField(raw, sf.Type, prefix); f != "" {
					return f, v
				}
				continue
			}
			if name == "" {
				name = sf.Name
			}
			for k, val := range obj {
				if strings.EqualFold(k, name) {
					if f, v := timeField(val, sf.Type, prefix+name+"."); f != "" {
						return f, v
					}
				}
			}
		}
	}
	return "", ""
}

func bodyError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	var ge *gridline.Error
	switch {
	case errors.As(err, &ge):
		return ge
	case errors.As(err, &se):
		return gridline.Errorf(gridline.EINVALID, "request body is not valid JSON (at byte %d): %v", se.Offset, err)
	case errors.As(err, &te) && te.Field == "":
		// The body as a whole is of the wrong kind: say which JSON it
		// must be, not which Go type reads it.
		want := "a JSON object"
		if k := te.Type.Kind(); k == reflect.Slice || k == reflect.Array {
			want = "a JSON array"
		}
		return gridline.Errorf(gridline.EINVALID, "request body must be %s, not %s", want, te.Value)
	case errors.As(err, &te):
		return gridline.FieldErrorf(te.Field, "must be %s, got %s", te.Type, te.Value)
	case errors.As(err, &mbe):
		return gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return gridline.Errorf(gridline.EINVALID, "request body is not valid JSON: it ends early")
	case errors.Is(err, io.EOF):
		return gridline.Errorf(gridline.EINVALID, "request body is empty")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return gridline.FieldErrorf(f, "unknown field")
	}
	return gridline.Errorf(gridline.EINVALID, "request body: %v", err)
}

// readBody reads a raw upload of at most limit bytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		return nil, bodyError(err)
	}
	if len(b) == 0 {
		return nil, gridline.Errorf(gridline.EINVALID, "request body is empty")
	}
	return b, nil
}

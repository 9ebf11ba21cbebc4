package http

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// Open311 GeoReport v2 at /open311/v2/: the standard's resources, field
// names, XML shape and error shape, over the case catalogue and the loop.
// Reading is public (the spec's design; the requests carry no personal
// data); POST requests needs the api_key of an account with the external
// role. Errors of every /open311/ path are written by open311Error.

// open311Changeset is when the shape of this endpoint last changed, for
// the discovery document.
const open311Changeset = "2026-11-27T00:00:00+08:00"

// maxOpen311Query bounds one query value: a list of a hundred case
// numbers fits.
const maxOpen311Query = 4000

// maxOpen311IDs bounds the service_request_id list of one GET.
const maxOpen311IDs = 100

// open311Format returns the format a path asks for by its extension
// ("json" or "xml") and the path without it; "" for neither.
func open311Format(p string) (base, format string) {
	for _, f := range []string{"json", "xml"} {
		if b, ok := strings.CutSuffix(p, "."+f); ok {
			return b, f
		}
	}
	return p, ""
}

// open311Error writes err in the spec's error shape,
// [{"code":400,"description":"…"}] or <errors><error>…</error></errors>,
// in the format of the path (JSON unless it ends in .xml).
func open311Error(w http.ResponseWriter, r *http.Request, status int, message string) {
	_, format := open311Format(r.URL.Path)
	type oerr struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	}
	body := []oerr{{Code: status, Description: message}}
	if format == "xml" {
		writeOpen311(w, "xml", status, struct {
			XMLName xml.Name `xml:"errors"`
			Errors  []oerr   `xml:"error"`
		}{Errors: body})
		return
	}
	writeOpen311(w, "json", status, body)
}

// writeOpen311 writes v as JSON or as XML with its declaration.
func writeOpen311(w http.ResponseWriter, format string, status int, v any) {
	if format == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(xml.Header))
		enc := xml.NewEncoder(w)
		enc.Encode(v)
		w.Write([]byte("\n"))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// open311Query checks r's query against allowed (jurisdiction_id and
// api_key are always allowed: clients send them everywhere) and bounds
// its values.
func open311Query(r *http.Request, allowed ...string) (map[string]string, error) {
	allowed = append(allowed, "jurisdiction_id", "api_key")
	out := map[string]string{}
	for k, vs := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			return nil, gridline.FieldErrorf(k, "unknown query parameter (allowed: %s)", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, gridline.FieldErrorf(k, "given %d times; give a comma-separated list once", len(vs))
		}
		if n := utf8.RuneCountInString(vs[0]); n > maxOpen311Query {
			return nil, gridline.FieldErrorf(k, "longer than %d characters (%d)", maxOpen311Query, n)
		}
		out[k] = vs[0]
	}
	return out, nil
}

// open311Route returns the handler of a resource whose format is in its
// literal path (services.json…): h gets the format.
func open311Route(format string, h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h(w, r, format) }
}

// open311Wildcard returns the handler of a resource named by a path
// wildcard with the format as its extension (services/0115.json): h gets
// the name and the format; a name without .json or .xml is 404.
func open311Wildcard(param string, h func(http.ResponseWriter, *http.Request, string, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, format := open311Format(r.PathValue(param))
		if format == "" || name == "" {
			open311Error(w, r, http.StatusNotFound, "Add the format to the path: .json or .xml.")
			return
		}
		h(w, r, name, format)
	}
}

type open311Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type open311Discovery struct {
	XMLName    xml.Name          `json:"-" xml:"discovery"`
	Changeset  string            `json:"changeset" xml:"changeset"`
	Contact    string            `json:"contact" xml:"contact"`
	KeyService string            `json:"key_service" xml:"key_service"`
	Endpoints  []open311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// handleOpen311Discovery answers the service discovery document.
func (s *Server) handleOpen311Discovery(w http.ResponseWriter, r *http.Request, format string) {
	if _, err := open311Query(r); err != nil {
		s.Error(w, r, err)
		return
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	writeOpen311(w, format, http.StatusOK, open311Discovery{Changeset: open311Changeset,
		Contact:    "本系统的管理员 / the administrator of this Gridline",
		KeyService: "api_key 是外部系统账号的 API 令牌：由管理员为 external 角色的账号签发 (gridline user token)。The api_key is an API token of an account with the external role, issued by the administrator.",
		Endpoints: []open311Endpoint{{Specification: gridline.Open311Spec, URL: scheme + "://" + r.Host + "/open311/v2",
			Changeset: open311Changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}}})
}

// handleOpen311Services answers GET services: every sub-class of the
// catalogue.
func (s *Server) handleOpen311Services(w http.ResponseWriter, r *http.Request, format string) {
	if _, err := open311Query(r); err != nil {
		s.Error(w, r, err)
		return
	}
	svcs := gridline.Open311Services(gridline.DefaultCatalogue())
	if format == "xml" {
		writeOpen311(w, format, http.StatusOK, struct {
			XMLName  xml.Name                  `xml:"services"`
			Services []gridline.Open311Service `xml:"service"`
		}{Services: svcs})
		return
	}
	writeOpen311(w, format, http.StatusOK, svcs)
}

// handleOpen311Service answers GET services/{code}: the service
// definition with its attributes.
func (s *Server) handleOpen311Service(w http.ResponseWriter, r *http.Request, code, format string) {
	if _, err := open311Query(r); err != nil {
		s.Error(w, r, err)
		return
	}
	c, ok := gridline.DefaultCatalogue().Category(code)
	if !ok || c.IsMain() {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "service_code %q is not a service: see GET services.", code))
		return
	}
	def := gridline.Open311Definition{ServiceCode: code, Attributes: gridline.Open311Attributes(code)}
	if def.Attributes == nil {
		def.Attributes = []gridline.Open311Attribute{}
	}
	if format == "xml" {
		writeOpen311(w, format, http.StatusOK, struct {
			XMLName xml.Name `xml:"service_definition"`
			gridline.Open311Definition
		}{Open311Definition: def})
		return
	}
	writeOpen311(w, format, http.StatusOK, def)
}

// writeOpen311Requests writes requests as the spec's service_requests.
func writeOpen311Requests(w http.ResponseWriter, format string, status int, rs any) {
	if format == "xml" {
		writeOpen311(w, format, status, struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests any      `xml:"request"`
		}{Requests: rs})
		return
	}
	writeOpen311(w, format, status, rs)
}

// splitList splits a comma-separated parameter, refusing empty items.
func splitList(field, v string) ([]string, error) {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		if parts[i] == "" {
			return nil, gridline.FieldErrorf(field, "has an empty item: give a comma-separated list")
		}
	}
	return parts, nil
}

// open311Time parses a w3c date-time (RFC 3339, with its zone).
func open311Time(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, gridline.FieldErrorf(field, "%q is not a w3c date-time with its zone (e.g. 2026-11-01T00:00:00+08:00)", v)
	}
	return t, nil
}

// open311Filter reads GET requests' parameters.
func open311Filter(q map[string]string, now time.Time) (gridline.Open311Filter, error) {
	var f gridline.Open311Filter
	var err error
	if v, ok := q["service_request_id"]; ok {
		if f.IDs, err = splitList("service_request_id", v); err != nil {
			return f, err
		}
		if len(f.IDs) > maxOpen311IDs {
			return f, gridline.FieldErrorf("service_request_id", "at most %d at once, got %d", maxOpen311IDs, len(f.IDs))
		}
	}
	if v, ok := q["service_code"]; ok {
		if f.ServiceCodes, err = splitList("service_code", v); err != nil {
			return f, err
		}
		cat := gridline.DefaultCatalogue()
		for _, c := range f.ServiceCodes {
			if got, ok := cat.Category(c); !ok || got.IsMain() {
				return f, gridline.FieldErrorf("service_code", "%q is not a service: see GET services", c)
			}
		}
	}
	if v, ok := q["status"]; ok {
		sts, err := splitList("status", v)
		if err != nil {
			return f, err
		}
		for _, st := range sts {
			if st != "open" && st != "closed" {
				return f, gridline.FieldErrorf("status", "%q is not open or closed", st)
			}
		}
		slices.Sort(sts)
		if sts = slices.Compact(sts); len(sts) == 1 {
			f.Statuses = sts
		}
	}
	var from, to *time.Time
	if v, ok := q["start_date"]; ok {
		t, err := open311Time("start_date", v)
		if err != nil {
			return f, err
		}
		from = &t
	}
	if v, ok := q["end_date"]; ok {
		t, err := open311Time("end_date", v)
		if err != nil {
			return f, err
		}
		to = &t
	}
	switch {
	case from != nil && to != nil:
		if to.Before(*from) {
			return f, gridline.FieldErrorf("end_date", "is before start_date")
		}
		if to.Sub(*from) > gridline.Open311MaxRange {
			return f, gridline.FieldErrorf("end_date", "at most 90 days after start_date")
		}
	case from != nil:
		t := from.Add(gridline.Open311MaxRange)
		to = &t
	case to != nil:
		t := to.Add(-gridline.Open311MaxRange)
		from = &t
	case len(f.IDs) == 0:
		// The spec's default: the last 90 days. Named requests are found
		// whenever they were made.
		t0, t1 := now.Add(-gridline.Open311MaxRange), now
		from, to = &t0, &t1
	}
	f.From, f.To = from, to
	f.Limit = gridline.Open311PageSize
	if v, ok := q["page_size"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > gridline.Open311MaxPageSize {
			return f, gridline.FieldErrorf("page_size", "must be 1–%d", gridline.Open311MaxPageSize)
		}
		f.Limit = n
	}
	if v, ok := q["page"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			return f, gridline.FieldErrorf("page", "must be a page number from 1")
		}
		f.Offset = (n - 1) * f.Limit
	}
	return f, nil
}

// handleOpen311Requests answers GET requests: the requests Open311
// clients made, newest first, a page at a time.
func (s *Server) handleOpen311Requests(w http.ResponseWriter, r *http.Request, format string) {
	q, err := open311Query(r, "service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f, err := open311Filter(q, time.Now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rs, err := s.Open311.FindOpen311Requests(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeOpen311Requests(w, format, http.StatusOK, rs)
}

// handleOpen311Request answers GET requests/{id}: one request, as a list
// of one (the spec's shape).
func (s *Server) handleOpen311Request(w http.ResponseWriter, r *http.Request, id, format string) {
	if _, err := open311Query(r); err != nil {
		s.Error(w, r, err)
		return
	}
	rs, err := s.Open311.FindOpen311Requests(r.Context(), gridline.Open311Filter{IDs: []string{id}, Limit: 1})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(rs) == 0 {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "No service request %q.", id))
		return
	}
	writeOpen311Requests(w, format, http.StatusOK, rs)
}

type open311TokenAnswer struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

// handleOpen311Token answers GET tokens/{token}: the request a POST's
// token stands for.
func (s *Server) handleOpen311Token(w http.ResponseWriter, r *http.Request, token, format string) {
	if _, err := open311Query(r); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(token) > 64 {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "No request has this token."))
		return
	}
	got, err := s.Open311.FindOpen311Token(r.Context(), token)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeOpen311Requests(w, format, http.StatusOK, []open311TokenAnswer{{ServiceRequestID: got.ServiceRequestID, Token: token}})
}

type open311Created struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	Token            string  `json:"token" xml:"token"`
	ServiceNotice    string  `json:"service_notice" xml:"service_notice"`
	AccountID        *string `json:"account_id" xml:"account_id"`
}

// open311Fields are the fields POST requests reads; others (device_id,
// account_id, extensions) are accepted and ignored, as the spec lets
// clients send them.
var open311Fields = []string{"api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
	"email", "device_id", "account_id", "first_name", "last_name", "phone", "description", "media_url"}

// handleOpen311Create answers POST requests: a case taken in for the
// external system whose api_key came with it.
func (s *Server) handleOpen311Create(w http.ResponseWriter, r *http.Request, format string) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mt {
	case "application/x-www-form-urlencoded", "":
		err = r.ParseForm()
	case "multipart/form-data":
		if err = r.ParseMultipartForm(1 << 20); err == nil && r.MultipartForm != nil && len(r.MultipartForm.File) > 0 {
			r.MultipartForm.RemoveAll()
			err = gridline.FieldErrorf("media", "uploads are not taken here: send media_url, or use POST /api/v1/tickets with photos")
		}
	default:
		err = gridline.Errorf(gridline.EINVALID, "Send the request as application/x-www-form-urlencoded (the spec's POST), not %s.", mt)
	}
	if err != nil {
		if gridline.ErrorCode(err) == gridline.EINTERNAL {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				err = gridline.Errorf(gridline.EINVALID, "request body is larger than %d bytes", mbe.Limit)
			} else {
				err = gridline.Errorf(gridline.EINVALID, "request body: %v", err)
			}
		}
		s.Error(w, r, err)
		return
	}
	for _, k := range open311Fields {
		if n := len(r.Form[k]); n > 1 {
			s.Error(w, r, gridline.FieldErrorf(k, "given %d times", n))
			return
		}
	}
	p, err := s.open311Key(r, r.Form.Get("api_key"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sub := gridline.Open311Submission{ServiceCode: r.Form.Get("service_code"), AddressString: r.Form.Get("address_string"),
		Email: r.Form.Get("email"), FirstName: r.Form.Get("first_name"), LastName: r.Form.Get("last_name"),
		Phone: r.Form.Get("phone"), Description: r.Form.Get("description"), MediaURL: r.Form.Get("media_url")}
	for k, vs := range r.Form {
		if code, ok := strings.CutPrefix(k, "attribute["); ok && strings.HasSuffix(code, "]") {
			if sub.Attributes == nil {
				sub.Attributes = map[string][]string{}
			}
			sub.Attributes[strings.TrimSuffix(code, "]")] = vs
		}
	}
	for _, name := range []string{"lat", "long"} {
		v := strings.TrimSpace(r.Form.Get(name))
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			s.Error(w, r, gridline.FieldErrorf(name, "%q is not a number", v))
			return
		}
		if name == "lat" {
			sub.Lat = &f
		} else {
			sub.Long = &f
		}
	}
	ctx := gridline.WithPrincipal(r.Context(), p)
	if v := strings.TrimSpace(r.Form.Get("address_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.Error(w, r, gridline.FieldErrorf("address_id", "%q is not a standard address id", v))
			return
		}
		a, err := s.Addresses.FindAddressByID(ctx, id)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			s.Error(w, r, gridline.FieldErrorf("address_id", "no standard address %d", id))
			return
		} else if err != nil {
			s.Error(w, r, err)
			return
		}
		sub.AddressID, sub.Address = v, a
	}
	t, err := sub.Ticket(gridline.DefaultCatalogue())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	token, err := s.Open311.CreateOpen311Request(ctx, t, gridline.Open311Meta{ServiceCode: t.Category, MediaURL: strings.TrimSpace(sub.MediaURL)})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var notice string
	if c, ok := gridline.DefaultCatalogue().Category(t.Category); ok {
		notice = gridline.Open311Notice(c)
	}
	writeOpen311Requests(w, format, http.StatusOK, []open311Created{{ServiceRequestID: t.Number, Token: token, ServiceNotice: notice}})
}

// open311Key resolves an api_key to its principal: an API token of an
// account with the external role. A missing or bad key is 403, the spec's
// answer; failed keys count against the client's anonymous rate, so
// guessing costs what anonymous requests cost.
func (s *Server) open311Key(r *http.Request, key string) (*gridline.Principal, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "api_key is required to post a request: the API token of an external system.")
	}
	bad := func(msg string) error {
		if s.g != nil {
			ip := s.clientIP(r)
			if _, ok := s.g.clients.allow(ip, s.g.limits.AnonRate, time.Now()); !ok {
				return gridline.Errorf(gridline.ERATELIMITED, "Too many requests with bad keys from your address; slow down.")
			}
		}
		return gridline.Errorf(gridline.EFORBIDDEN, "%s", msg)
	}
	if s.Auth == nil || len(key) > 256 {
		return nil, bad("api_key is not valid.")
	}
	p, err := s.Auth.Authenticate(r.Context(), key)
	if gridline.ErrorCode(err) == gridline.EUNAUTHORIZED {
		return nil, bad("api_key is not valid.")
	} else if err != nil {
		return nil, err
	}
	if p.SessionID != 0 || !p.Has(gridline.RoleExternal) || p.System {
		return nil, bad("api_key is not an external system's API token.")
	}
	c := *p
	c.Addr = s.clientIP(r).String()
	return &c, nil
}

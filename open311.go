package gridline

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Open311Spec is the specification Gridline's /open311/v2/ follows.
const Open311Spec = "http://wiki.open311.org/GeoReport_v2"

// Open311Channel is the channel of the cases Open311 clients report:
// citizens' apps (政务 App), which the external role may take in on.
const Open311Channel = ChannelApp

// Open311 request limits: the spec's description is up to 4000
// characters; a media URL and the address fit a line.
const (
	MaxOpen311DescriptionLen = 4000
	MaxOpen311URLLen         = 2000
	// Open311MaxRange is the longest start_date…end_date span a GET
	// requests may ask for, and the span it gets when it names none
	// (before end_date, or now): the spec's 90 days.
	Open311MaxRange = 90 * 24 * time.Hour
	// Open311PageSize and Open311MaxPageSize bound one GET requests
	// answer (the page and page_size extension, as Austin and Chicago
	// have it).
	Open311PageSize    = 100
	Open311MaxPageSize = 1000
)

// Open311Service is one entry of GET services: a sub-class of the
// catalogue. Metadata says it has attributes (GET services/{code}).
type Open311Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

// Open311Attribute is one attribute of a service definition, in the
// spec's fields.
type Open311Attribute struct {
	Variable            bool           `json:"variable" xml:"variable"`
	Code                string         `json:"code" xml:"code"`
	Datatype            string         `json:"datatype" xml:"datatype"`
	Required            bool           `json:"required" xml:"required"`
	DatatypeDescription string         `json:"datatype_description" xml:"datatype_description"`
	Order               int            `json:"order" xml:"order"`
	Description         string         `json:"description" xml:"description"`
	Values              []Open311Value `json:"values,omitempty" xml:"values>value,omitempty"`
}

// Open311Value is one choice of a list attribute.
type Open311Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// Open311Definition is GET services/{code}: the attributes a request of
// the service carries.
type Open311Definition struct {
	ServiceCode string             `json:"service_code" xml:"service_code"`
	Attributes  []Open311Attribute `json:"attributes" xml:"attributes>attribute"`
}

// open311Attrs are the attributes some sub-classes ask for: what a
// handling unit needs to know before it goes out and a free text often
// leaves out. Keyed by sub-class code.
var open311Attrs = func() map[string][]Open311Attribute {
	cover := []Open311Attribute{{Variable: true, Code: "cover_state", Datatype: "singlevaluelist", Required: true,
		DatatypeDescription: "井盖现状 / state of the cover", Order: 1, Description: "井盖现在怎样？What is wrong with the cover?",
		Values: []Open311Value{{"missing", "丢失 (missing)"}, {"broken", "破损 (broken)"}, {"loose", "松动/异响 (loose)"},
			{"displaced", "移位 (displaced)"}, {"sunken", "下沉/凸起 (sunken or raised)"}}},
		{Variable: true, Code: "in_roadway", Datatype: "singlevaluelist", Required: false,
			DatatypeDescription: "是否在车行道上 / in the roadway", Order: 2, Description: "井盖在车行道上吗？Is it in the roadway?",
			Values: []Open311Value{{"yes", "是 (yes)"}, {"no", "否 (no)"}}}}
	lamp := []Open311Attribute{{Variable: true, Code: "lamp_state", Datatype: "singlevaluelist", Required: true,
		DatatypeDescription: "灯的问题 / what is wrong", Order: 1, Description: "灯怎么了？What is wrong with the lamp?",
		Values: []Open311Value{{"dark", "不亮 (out)"}, {"day", "白天亮灯 (on by day)"}, {"flicker", "闪烁 (flickering)"},
			{"pole", "灯杆倾斜/破损 (pole leaning or damaged)"}, {"wires", "线路外露 (exposed wires)"}}},
		{Variable: true, Code: "lamp_count", Datatype: "number", Required: false,
			DatatypeDescription: "几盏灯 / how many lamps (1-99)", Order: 2, Description: "涉及几盏灯？How many lamps?"}}
	m := map[string][]Open311Attribute{}
	for _, c := range []string{"0101", "0102", "0103", "0105", "0106", "0107", "0110", "0111"} {
		m[c] = cover
	}
	m["0115"], m["0116"] = lamp, lamp
	return m
}()

// Open311Attributes returns the attributes of service code (a sub-class),
// none for most.
func Open311Attributes(code string) []Open311Attribute {
	return slices.Clone(open311Attrs[code])
}

// Open311Services lists the catalogue's sub-classes as Open311 services,
// in catalogue order, grouped by their main class.
func Open311Services(c *Catalogue) []Open311Service {
	var out []Open311Service
	mains := map[string]string{}
	for _, cat := range c.All() {
		if cat.IsMain() {
			mains[cat.Code] = cat.Name
			continue
		}
		desc := cat.Name + " / " + cat.NameEN
		if n := Open311Notice(cat); n != "" {
			desc += "。" + n
		}
		if cat.Emergency {
			desc += "。紧急险情请拨打 110 / 119 / 120。"
		}
		out = append(out, Open311Service{ServiceCode: cat.Code, ServiceName: cat.Name, Description: desc,
			Metadata: len(open311Attrs[cat.Code]) > 0, Type: "realtime", Keywords: strings.Join(cat.Keywords, ","),
			Group: mains[cat.ParentCode]})
	}
	return out
}

// Open311Notice is a request's service_notice: the sub-class's time
// limit, in words; "" for a class without one.
func Open311Notice(c Category) string {
	if c.TimeLimit.Amount <= 0 {
		return ""
	}
	unit := "个工作日"
	if c.TimeLimit.Unit == LimitWorkingHours {
		unit = "个工作小时"
	}
	return fmt.Sprintf("办理时限 %d %s（自派遣起，按工作日历计算） / time limit %s from dispatch", c.TimeLimit.Amount, unit, c.TimeLimit)
}

// Open311Submission is the body of POST requests, in the spec's fields
// (api_key and jurisdiction_id are the handler's). Attributes are the
// attribute[CODE] fields.
type Open311Submission struct {
	ServiceCode   string
	Lat, Long     *float64
	AddressString string
	// AddressID is a standard address's ID; the handler resolves it into
	// Address (its full name) and its place before Ticket.
	AddressID   string
	Address     *Address
	Email       string
	FirstName   string
	LastName    string
	Phone       string
	Description string
	MediaURL    string
	Attributes  map[string][]string
}

// Ticket validates s against catalogue c and returns the case it
// becomes: on the Open311 channel, in the service's sub-class, with the
// attributes' answers after the description, the place, and the reporter
// (family name first, as Chinese names are written). The email is
// checked but not kept: Gridline sends no mail and keeps no more personal
// data than the callback needs. Errors are EINVALID naming the spec's
// field.
func (s *Open311Submission) Ticket(c *Catalogue) (*Ticket, error) {
	code := strings.TrimSpace(s.ServiceCode)
	if code == "" {
		return nil, FieldErrorf("service_code", "is required: one of GET services")
	}
	cat, ok := c.Category(code)
	if !ok || cat.IsMain() {
		return nil, FieldErrorf("service_code", "%q is not a service: see GET services", code)
	}
	if err := checkTexts(textCheck{"description", s.Description, MaxOpen311DescriptionLen},
		textCheck{"address_string", s.AddressString, MaxNameLen}, textCheck{"first_name", s.FirstName, MaxShortLen},
		textCheck{"last_name", s.LastName, MaxShortLen}, textCheck{"email", s.Email, MaxShortLen},
		textCheck{"phone", s.Phone, MaxShortLen}, textCheck{"media_url", s.MediaURL, MaxOpen311URLLen}); err != nil {
		return nil, err
	}
	if e := strings.TrimSpace(s.Email); e != "" {
		if at := strings.IndexByte(e, '@'); at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n") {
			return nil, FieldErrorf("email", "is not an email address")
		}
	}
	if u := strings.TrimSpace(s.MediaURL); u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, FieldErrorf("media_url", "must be an http or https URL")
		}
	}
	t := &Ticket{Channel: Open311Channel, Category: code, Address: strings.TrimSpace(s.AddressString),
		Reporter: Reporter{Name: strings.TrimSpace(strings.TrimSpace(s.LastName) + strings.TrimSpace(s.FirstName)),
			Phone: strings.TrimSpace(s.Phone)}}
	switch {
	case (s.Lat == nil) != (s.Long == nil):
		return nil, FieldErrorf("lat", "lat and long come together")
	case s.Lat != nil:
		if err := LonLatError(*s.Long, *s.Lat); err != nil {
			return nil, FieldErrorf("long", "lat %g, long %g is not a place on Earth", *s.Lat, *s.Long)
		}
		t.Lon, t.Lat = s.Long, s.Lat
	case s.Address != nil:
		lon, lat := s.Address.Lon, s.Address.Lat
		t.Lon, t.Lat = &lon, &lat
	case t.Address == "":
		return nil, FieldErrorf("lat", "a location is required: lat and long, address_string or address_id")
	}
	if s.Address != nil && t.Address == "" {
		t.Address = s.Address.FullName
	}
	answers, err := s.attributeText(code)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(s.Description)
	if text == "" {
		text = cat.Name
	}
	if answers != "" {
		text += "\n" + answers
	}
	t.Text = text
	if t.Reporter.Phone != "" && !validPhone(t.Reporter.Phone) {
		return nil, FieldErrorf("phone", "is not a phone number")
	}
	return t, nil
}

// attributeText checks the attribute[CODE] answers against service
// code's attributes and returns them as lines for the case text:
// 【description】 value name.
func (s *Open311Submission) attributeText(code string) (string, error) {
	attrs := open311Attrs[code]
	for k := range s.Attributes {
		if !slices.ContainsFunc(attrs, func(a Open311Attribute) bool { return a.Code == k }) {
			return "", FieldErrorf("attribute["+k+"]", "service %s has no attribute %q", code, k)
		}
	}
	var lines []string
	for _, a := range attrs {
		field := "attribute[" + a.Code + "]"
		vals := s.Attributes[a.Code]
		var v string
		if len(vals) > 1 {
			return "", FieldErrorf(field, "takes one value")
		} else if len(vals) == 1 {
			v = strings.TrimSpace(vals[0])
		}
		if v == "" {
			if a.Required {
				return "", FieldErrorf(field, "is required for service %s", code)
			}
			continue
		}
		switch a.Datatype {
		case "singlevaluelist":
			i := slices.IndexFunc(a.Values, func(x Open311Value) bool { return x.Key == v })
			if i < 0 {
				keys := make([]string, len(a.Values))
				for j, x := range a.Values {
					keys[j] = x.Key
				}
				return "", FieldErrorf(field, "%q is not one of %s", v, strings.Join(keys, ", "))
			}
			v = a.Values[i].Name
		case "number":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 99 {
				return "", FieldErrorf(field, "%q is not a number from 1 to 99", v)
			}
		}
		name, _, _ := strings.Cut(a.DatatypeDescription, " / ")
		lines = append(lines, fmt.Sprintf("【%s】%s", name, v))
	}
	return strings.Join(lines, "\n"), nil
}

// Open311Status is the spec's status of a case in status s: open while it
// needs work, closed once closed, rejected or voided. A merged case takes
// its master's status (the store passes it).
func Open311Status(s TicketStatus) string {
	if s.Open() {
		return "open"
	}
	return "closed"
}

// Open311Request is one service request as GET requests shows it, in the
// spec's fields: no personal data (the reporter's name, phone and email
// never leave the government side here).
type Open311Request struct {
	ServiceRequestID  string     `json:"service_request_id" xml:"service_request_id"`
	Status            string     `json:"status" xml:"status"`
	StatusNotes       string     `json:"status_notes" xml:"status_notes"`
	ServiceName       string     `json:"service_name" xml:"service_name"`
	ServiceCode       string     `json:"service_code" xml:"service_code"`
	Description       string     `json:"description" xml:"description"`
	AgencyResponsible string     `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string     `json:"service_notice" xml:"service_notice"`
	RequestedDatetime time.Time  `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   time.Time  `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  *time.Time `json:"expected_datetime" xml:"expected_datetime"`
	Address           string     `json:"address" xml:"address"`
	AddressID         string     `json:"address_id" xml:"address_id"`
	Zipcode           string     `json:"zipcode" xml:"zipcode"`
	Lat               *float64   `json:"lat" xml:"lat"`
	Long              *float64   `json:"long" xml:"long"`
	MediaURL          string     `json:"media_url" xml:"media_url"`
	// Token is the POST's token, for GET tokens/{token} only.
	Token string `json:"-" xml:"-"`
}

// Open311Filter selects service requests for GET requests, newest
// first. IDs are case numbers; Statuses are "open" and "closed".
type Open311Filter struct {
	IDs          []string
	ServiceCodes []string
	Statuses     []string
	From, To     *time.Time
	Offset       int
	Limit        int
}

// Open311Meta is what an Open311 request keeps beside its case.
type Open311Meta struct {
	ServiceCode string
	MediaURL    string
}

// Open311RequestService keeps the service requests Open311 clients
// report. The requests are public by the spec's design: the service
// answers them to anyone, without personal data, whoever the caller.
type Open311RequestService interface {
	// CreateOpen311Request takes t in as TicketService.CreateTicket does,
	// for the principal in ctx (an external system), and records it as an
	// Open311 request with a new token, in the same transaction. t is
	// filled in as CreateTicket fills it.
	CreateOpen311Request(ctx context.Context, t *Ticket, m Open311Meta) (token string, err error)
	// FindOpen311Requests returns a page of requests, newest first.
	FindOpen311Requests(ctx context.Context, f Open311Filter) ([]*Open311Request, error)
	// FindOpen311Token returns the request a POST's token names, or
	// ENOTFOUND.
	FindOpen311Token(ctx context.Context, token string) (*Open311Request, error)
}

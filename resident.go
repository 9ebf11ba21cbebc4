package gridline

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Residents' reports (随手拍, issue 10 part 3): anyone may report a problem
// without an account and follow it by its number and the follow code the
// report answered. The case is an ordinary ticket on ChannelSnapReport,
// taken in by TicketService's intake (located, categorised, checked for
// duplicates, photos cleaned); this file holds the rules of what a resident
// sends, what they may see of their case and how their rating is recorded.

// ResidentLimits bound how often residents may report, counted in the
// database so that they hold across restarts and processes: per phone
// number in a day and per place in an hour. The HTTP guard's per-address
// rate limit applies besides.
type ResidentLimits struct {
	// PerPhoneDay is how many reports one phone number may make in 24
	// hours.
	PerPhoneDay int `json:"per_phone_day"`
	// PerPlaceHour is how many reports may be made in an hour at one place:
	// the same address (the same door plate) or within PlaceRadius metres
	// of the point.
	PerPlaceHour int `json:"per_place_hour"`
	// PlaceRadius is the radius of a place, in metres.
	PlaceRadius float64 `json:"place_radius"`
}

// DefaultResidentLimits are the limits unless configured otherwise
// (GRIDLINE_RESIDENT_LIMITS).
var DefaultResidentLimits = ResidentLimits{PerPhoneDay: 5, PerPlaceHour: 3, PlaceRadius: 30}

// Validate checks that every limit is positive and the radius sensible.
func (l ResidentLimits) Validate() error {
	if l.PerPhoneDay < 1 || l.PerPhoneDay > 1000 {
		return FieldErrorf("per_phone_day", "must be 1 to 1000, got %d", l.PerPhoneDay)
	}
	if l.PerPlaceHour < 1 || l.PerPlaceHour > 1000 {
		return FieldErrorf("per_place_hour", "must be 1 to 1000, got %d", l.PerPlaceHour)
	}
	if !(l.PlaceRadius >= 1 && l.PlaceRadius <= 1000) {
		return FieldErrorf("place_radius", "must be 1 to 1000 metres, got %g", l.PlaceRadius)
	}
	return nil
}

// ParseResidentLimits reads limits written as
// "per_phone_day=5,per_place_hour=3,place_radius=30"; a key left out keeps
// its default.
func ParseResidentLimits(s string) (ResidentLimits, error) {
	l := DefaultResidentLimits
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return l, FieldErrorf("limits", "%q is not key=value", kv)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return l, FieldErrorf(k, "%q is not a number", v)
		}
		switch strings.TrimSpace(k) {
		case "per_phone_day":
			l.PerPhoneDay = int(f)
		case "per_place_hour":
			l.PerPlaceHour = int(f)
		case "place_radius":
			l.PlaceRadius = f
		default:
			return l, FieldErrorf("limits", "unknown limit %q (want per_phone_day, per_place_hour, place_radius)", k)
		}
	}
	return l, l.Validate()
}

// ResidentLimitError is the refusal of a report over a limit: ERATELIMITED
// with a message in Chinese and English, the limit that was reached
// ("phone" or "place") and the seconds until a report will be taken again
// (the HTTP answer's Retry-After), and the limit itself as max.
func ResidentLimitError(which string, limit int, retry time.Duration) *Error {
	secs := int(retry.Seconds()) + 1
	if secs < 1 {
		secs = 1
	}
	var msg string
	switch which {
	case "phone":
		msg = fmt.Sprintf("该手机号 24 小时内已上报 %d 次，请稍后再试；紧急情况请拨打 12345 或 110。"+
			"This phone number has made %d reports in 24 hours; try again later (for an emergency call 12345 or 110).", limit, limit)
	default:
		msg = fmt.Sprintf("这个地点 1 小时内已有 %d 次上报，问题已在处理中，请稍后再试。"+
			"This place has had %d reports in the last hour and is being looked at; try again later.", limit, limit)
	}
	return &Error{Code: ERATELIMITED, Message: msg,
		Fields: map[string]string{"limit": which, "max": strconv.Itoa(limit), "retry_after": strconv.Itoa(secs)}}
}

// ResidentReport is what a resident sends from the /report page: what is
// wrong, where (a point, an address, or a scanned door plate), a phone
// number for the callback, and photos.
type ResidentReport struct {
	Text     string   `json:"text"`
	Lon      *float64 `json:"lon"`
	Lat      *float64 `json:"lat"`
	Address  string   `json:"address"`
	Category string   `json:"category"`
	Phone    string   `json:"phone"`
	// QR is a door plate's token: the report is placed at its address
	// (the address's point, unless the resident moved the pin).
	QR     string   `json:"qr"`
	Photos []*Photo `json:"-"`
}

// mobileRe is a mainland mobile number, separators allowed.
var mobileRe = regexp.MustCompile(`^1[3-9]\d([ -]?\d{4}){2}$`)

// ResidentPhone checks a resident's phone number — a mainland mobile
// (1[3-9] and nine digits) or a landline with its area code — and returns
// it as stored: a mobile without separators, so that one number counts as
// one against the limits however it was typed.
func ResidentPhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", FieldErrorf("phone", "is required: we call back to ask whether the problem was solved")
	}
	if mobileRe.MatchString(s) {
		return strings.NewReplacer(" ", "", "-", "").Replace(s), nil
	}
	if phoneFormats[1].MatchString(s) {
		return s, nil
	}
	return "", FieldErrorf("phone", "%q is not a mainland mobile (1[3-9] and 9 digits) or a landline with its area code", MaskPhone(s))
}

// FollowedByPhone reports whether given, what a resident typed to follow a
// case instead of its follow code, is the whole phone number the case was
// reported with (reporterPhone, as stored). The whole number only: its
// last digits would be a few thousand guesses away (docs/api.md).
func FollowedByPhone(given, reporterPhone string) bool {
	p, err := ResidentPhone(given)
	if err != nil || reporterPhone == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(p), []byte(reporterPhone)) == 1
}

// Normalize trims what a person typed and checks the phone number.
func (r *ResidentReport) Normalize() error {
	r.Text = strings.TrimSpace(r.Text)
	r.Address = strings.TrimSpace(r.Address)
	r.Category = strings.TrimSpace(r.Category)
	r.QR = strings.TrimSpace(r.QR)
	p, err := ResidentPhone(r.Phone)
	if err != nil {
		return err
	}
	r.Phone = p
	if len(r.QR) > MaxShortLen {
		return FieldErrorf("qr", "is not a door plate's token")
	}
	return nil
}

// Ticket returns the case the report becomes: on ChannelSnapReport, the
// phone as its reporter's, never confidential (the resident follows it).
func (r *ResidentReport) Ticket() *Ticket {
	return &Ticket{Channel: ChannelSnapReport, Text: r.Text, Lon: r.Lon, Lat: r.Lat, Address: r.Address,
		Category: r.Category, Reporter: Reporter{Phone: r.Phone}, Photos: r.Photos}
}

// ResidentReceipt is the answer to a report: the case number and the
// follow code, shown once (the store keeps only its hash).
type ResidentReceipt struct {
	Number     string `json:"number"`
	FollowCode string `json:"follow_code"`
	// Case is the case as the resident sees it now.
	Case *PublicCase `json:"case"`
}

// followAlphabet has no 0/O, 1/I/L: a code read from a screen or a slip
// of paper is typed back right.
const followAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// FollowCodeLen is the length of a follow code: 31^10 ≈ 8·10^14 codes,
// about 49 bits, beyond guessing behind the rate limits.
const FollowCodeLen = 10

// NewFollowCode returns a random follow code.
func NewFollowCode() (string, error) {
	b := make([]byte, FollowCodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := make([]byte, FollowCodeLen)
	for i, c := range b {
		// 256 mod 31 = 8: the first 8 letters are a little likelier,
		// which costs well under a bit of the code's strength.
		out[i] = followAlphabet[int(c)%len(followAlphabet)]
	}
	return string(out), nil
}

// NormalizeFollowCode returns code as it was issued: upper case, without
// spaces and dashes.
func NormalizeFollowCode(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
}

// HashFollowCode returns the hash the store keeps of a follow code: the
// code cannot be read back from the database.
func HashFollowCode(code string) string {
	h := sha256.Sum256([]byte("gridline-follow:" + NormalizeFollowCode(code)))
	return hex.EncodeToString(h[:])
}

// PublicStage is where a case stands in words a resident understands: the
// loop's statuses folded into a few stages.
type PublicStage string

// The stages.
const (
	StageReceived PublicStage = "received" // 已受理: taken in, not yet sent to a unit
	StageHandling PublicStage = "handling" // 处理中: a unit works on it
	StageReplied  PublicStage = "replied"  // 已答复: the unit replied; being checked and called back
	StageClosed   PublicStage = "closed"   // 已办结
	StageRejected PublicStage = "rejected" // 不予受理
	StageMerged   PublicStage = "merged"   // 已并入同一问题的案件
	StageVoided   PublicStage = "voided"   // 已撤销
)

// stageWords are each stage in Chinese.
var stageWords = map[PublicStage]string{
	StageReceived: "已受理", StageHandling: "处理中", StageReplied: "已答复", StageClosed: "已办结",
	StageRejected: "不予受理", StageMerged: "已并入同一问题的案件", StageVoided: "已撤销",
}

// StageOf returns the public stage of a case in status s.
func StageOf(s TicketStatus) PublicStage {
	switch s {
	case StatusUnlocated, StatusReceived, StatusFiled:
		return StageReceived
	case StatusDispatched, StatusHandling:
		return StageHandling
	case StatusVerifying, StatusCallback:
		return StageReplied
	case StatusClosed:
		return StageClosed
	case StatusRejected:
		return StageRejected
	case StatusMerged:
		return StageMerged
	}
	return StageVoided
}

// PublicReply is a public reply on a case's timeline: what the units and
// the command centre said to the reporter (TicketEvent.Opinion), never an
// internal note.
type PublicReply struct {
	At     time.Time    `json:"at"`
	Action TicketAction `json:"action"`
	Text   string       `json:"text"`
}

// ResidentRating is a resident's rating of how their case was handled.
type ResidentRating struct {
	// Satisfaction is satisfied (满意), basic (基本满意) or unsatisfied
	// (不满意).
	Satisfaction Outcome `json:"satisfaction"`
	// Resolved, when given, is the resident's answer to "is the problem
	// solved?"; otherwise satisfied and basic count as solved.
	Resolved *bool  `json:"resolved"`
	Comment  string `json:"comment"`
	// At is when the rating was made (answers only).
	At *time.Time `json:"at,omitempty"`
}

// MaxRatingCommentLen is the longest comment on a rating, in characters.
const MaxRatingCommentLen = 500

// Validate checks a rating: one of the three answers, a short comment.
func (r *ResidentRating) Validate() error {
	r.Comment = strings.TrimSpace(r.Comment)
	switch r.Satisfaction {
	case OutcomeSatisfied, OutcomeBasic, OutcomeUnsatisfied:
	default:
		return FieldErrorf("satisfaction", "must be satisfied, basic or unsatisfied, got %q", r.Satisfaction)
	}
	return CheckText("comment", r.Comment, MaxRatingCommentLen)
}

// Rateable reports whether a resident may rate a case in status s: once the
// unit's reply has been verified (callback) or the case is closed. Before,
// there is nothing to rate; a merged case is rated on its master.
func Rateable(s TicketStatus) bool { return s == StatusCallback || s == StatusClosed }

// ResidentRatingAction returns the callback request a resident's rating
// records: a callback answered by the reporter themself (contacted), with
// their satisfaction, their answer on resolution and their comment as the
// note. The rating is the case's callback as the domain counts callbacks
// (KPICounts): in StatusCallback it moves the case on as the callback
// team's would — satisfied or basic close it, unsatisfied sends it back to
// handling (a rework); on a closed case it is recorded and the case stays
// closed, the latest callback of the case in its period (the one the KPIs
// count) being the resident's own word.
func ResidentRatingAction(r ResidentRating) TicketActionRequest {
	yes := true
	note := "群众评价（随手拍）：" + satisfactionWord(r.Satisfaction)
	if r.Comment != "" {
		note += "。" + r.Comment
	}
	return TicketActionRequest{Action: ActionCallback, Satisfaction: r.Satisfaction, Outcome: r.Satisfaction,
		Contacted: &yes, Resolved: r.Resolved, Note: note}
}

func satisfactionWord(o Outcome) string {
	for _, l := range satisfactionLabels {
		if l.Code == string(o) {
			return l.Name
		}
	}
	return string(o)
}

// ResidentRatingStatus returns the status a case in status from moves to
// by a resident's rating o: the callback's transition in StatusCallback,
// unchanged on a closed case. Any other status is ECONFLICT.
func ResidentRatingStatus(from TicketStatus, o Outcome) (TicketStatus, error) {
	switch from {
	case StatusCallback:
		return NextStatus(from, ActionCallback, o)
	case StatusClosed:
		return StatusClosed, nil
	}
	return "", &Error{Code: ECONFLICT, Message: "这个案件还在办理中，办结答复后才能评价。The case can be rated once it has been replied to.",
		Fields: map[string]string{"stage": string(StageOf(from))}}
}

// PublicCase is what the reporter sees of their case: no names, no phone
// numbers, no internal notes, no units' people.
type PublicCase struct {
	Number    string      `json:"number"`
	Stage     PublicStage `json:"stage"`
	StageText string      `json:"stage_text"`
	Category  string      `json:"category,omitempty"`
	// CategoryName and CategoryNameEN name the category (the catalogue's
	// sub-class).
	CategoryName   string     `json:"category_name,omitempty"`
	CategoryNameEN string     `json:"category_name_en,omitempty"`
	Text           string     `json:"text"`
	Address        string     `json:"address,omitempty"`
	Town           string     `json:"town,omitempty"`
	Community      string     `json:"community,omitempty"`
	ReportedAt     time.Time  `json:"reported_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	// Photos counts the photos sent with the report.
	Photos  int           `json:"photos"`
	Replies []PublicReply `json:"replies"`
	// Rateable says whether the resident may rate now; Rating is their
	// rating once made.
	Rateable bool            `json:"rateable"`
	Rating   *ResidentRating `json:"rating"`
}

// PublicCaseOf returns what the reporter of t may see of it (t read with
// its timeline), with their rating if they made one and its category named
// from cat (nil: by code only).
func PublicCaseOf(t *Ticket, rating *ResidentRating, cat *Catalogue) *PublicCase {
	st := StageOf(t.Status)
	c := &PublicCase{Number: t.Number, Stage: st, StageText: stageWords[st], Category: t.Category, Text: t.Text,
		Address: t.Address, Town: t.Town.Name, Community: t.Community.Name, ReportedAt: t.ReportedAt,
		ClosedAt: t.ClosedAt, Photos: len(t.Photos), Replies: []PublicReply{}, Rating: rating,
		Rateable: rating == nil && Rateable(t.Status)}
	if cat != nil {
		if k, ok := cat.Category(t.Category); ok {
			c.CategoryName, c.CategoryNameEN = k.Name, k.NameEN
		}
	}
	for _, e := range t.Timeline {
		if e.Opinion != "" {
			c.Replies = append(c.Replies, PublicReply{At: e.At, Action: e.Action, Text: e.Opinion})
		}
	}
	return c
}

// ResidentService takes residents' reports and lets them follow and rate
// their cases. Its methods need no account: a report is anonymous (even
// from a signed-in caller), and the follow code proves a case is the
// caller's.
type ResidentService interface {
	// ReportAsResident takes r in as a case on ChannelSnapReport through
	// the intake (TicketService.CreateTicket), with a new follow code.
	// Returns EINVALID naming the field, ENOTFOUND for an unknown door
	// plate (field qr), ERATELIMITED (ResidentLimitError) when the phone
	// or the place is over its limit.
	ReportAsResident(ctx context.Context, r *ResidentReport) (*ResidentReceipt, error)
	// FollowCase returns the case numbered number if code is its follow
	// code. Returns ENOTFOUND, with the same message, for an unknown
	// number, a case not reported on the residents' page and a wrong code.
	FollowCase(ctx context.Context, number, code string) (*PublicCase, error)
	// RateCase records the resident's rating of their case as its callback
	// (ResidentRatingAction), once. Returns ENOTFOUND as FollowCase does,
	// ECONFLICT when the case is not rateable yet or was rated already,
	// EINVALID for a bad rating.
	RateCase(ctx context.Context, number, code string, r ResidentRating) (*PublicCase, error)
}

// ErrCaseNotFollowed is FollowCase's answer for a wrong number or code:
// the same for both, so that a guess learns nothing.
func ErrCaseNotFollowed() *Error {
	return Errorf(ENOTFOUND, "没有找到这个案件，请核对案件编号和查询码。No case has this number and follow code.")
}

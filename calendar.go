package gridline

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// ChinaTime is China Standard Time, UTC+8, the zone every Calendar computes
// in. China has a single time zone and has kept no daylight saving time since
// 1991, so a fixed zone is exact for the years a calendar accepts and needs no
// tzdata on the host (time.LoadLocation("Asia/Shanghai") fails in a scratch
// container).
var ChinaTime = time.FixedZone("CST", cstOffset)

// DayType is what a date is in a working calendar.
type DayType string

// Day types. Calendar data lists only DayWorkday and DayHoliday; DayWeekend
// and DayAdjusted are what [Calendar.DayType] reports for unlisted weekends
// and for weekends listed as worked.
const (
	DayWorkday  DayType = "workday"  // worked: Monday to Friday, or a date listed as worked
	DayHoliday  DayType = "holiday"  // listed as not worked: a public holiday, a local closure
	DayWeekend  DayType = "weekend"  // an unlisted Saturday or Sunday
	DayAdjusted DayType = "adjusted" // a Saturday or Sunday listed as worked (调休上班)
)

// CalendarDay is one date that a calendar lists, usually because it breaks
// the weekday rule.
type CalendarDay struct {
	Date string  // YYYY-MM-DD, the date in China
	Type DayType // DayWorkday or DayHoliday
	Note string  // e.g. 春节, 春节调休, 暴雪停工; optional
}

// String returns the day as a line of calendar data: "2024-02-10 holiday 春节".
func (d CalendarDay) String() string {
	if d.Note == "" {
		return d.Date + " " + string(d.Type)
	}
	return d.Date + " " + string(d.Type) + " " + d.Note
}

// WorkPeriod is a span of working time within each working day, [Start, End),
// as offsets from midnight in China.
type WorkPeriod struct {
	Start, End time.Duration
}

// DefaultWorkHours returns the working hours of a new Calendar: 09:00–12:00
// and 13:30–17:30, 7 hours a day. Street and district offices and their
// service halls set their own hours, often by season: most open at 9:00 (some
// 8:30), break for lunch from 12:00 until 13:30 or 14:00 and close at 17:00 or
// 17:30. These defaults take the common opening, the shorter break and the
// later close, so that a day's deadline, which is the close of business, falls
// when the offices have actually closed. A deployment with other hours sets
// them with [Calendar.WithWorkHours].
func DefaultWorkHours() []WorkPeriod {
	return []WorkPeriod{
		{9 * time.Hour, 12 * time.Hour},
		{13*time.Hour + 30*time.Minute, 17*time.Hour + 30*time.Minute},
	}
}

// MaxTimeLimitDays bounds the time limits a Calendar adds, in working days
// (about four years): a longer limit is a typo, and the bound keeps every
// result far from overflow.
const MaxTimeLimitDays = 1000

// Calendar is a working calendar: which dates in China are working days, and
// the working hours of a working day. Dates it does not list follow the
// weekday rule, Monday to Friday worked and Saturday and Sunday not; in
// particular every date outside the years its data covers (2023–2026 for
// [ChinaCalendar]) does.
//
// Times go in and come out as time.Time in any zone, results in the zone of
// the input; dates and hours are those of China ([ChinaTime]).
//
// Time limits in working days follow the Civil Code's rule for periods
// (民法典 第二百零一条, 第二百零三条), which hotline rules echo when they count
// "自收到工单的次日起" N working days: the day of receipt never counts, whatever
// the hour and whether or not it is a working day, and the period ends at the
// close of business of the Nth working day after it. So a case received on
// Friday during hours, on Friday evening or on Saturday with "5个工作日内答复"
// is due at 17:30 on the following Friday. Time limits in working hours count
// only working time from the moment of receipt, so a case received after hours
// starts at the next opening.
//
// A Calendar is immutable and safe to share between goroutines; the With
// methods return a new one. Make one with [NewCalendar], [ParseCalendar] or
// [ChinaCalendar]; the zero value is not usable.
type Calendar struct {
	listed map[int64]CalendarDay // by day number
	hours  []WorkPeriod
	perDay time.Duration // working time in a working day

	// The table: per day from lo, how many working days come before it.
	// Days outside the table follow the weekday rule, so the counts there
	// come from arithmetic and the table stays as small as the data's years.
	lo  int64
	cum []int32 // cum[i]: working days before day lo+i; one entry past the last day
	at  []int32 // at[k-cum[0]]: offset from lo of working day number k
}

const (
	cstOffset     = 8 * 60 * 60
	secondsPerDay = 24 * 60 * 60
	// dayZeroUnix is Monday 1970-01-05 00:00 in China. Counting days from a
	// Monday makes the day number modulo 7 the weekday, Monday 0 to Sunday 6.
	dayZeroUnix = 4*secondsPerDay - cstOffset

	minCalendarYear = 2000
	maxCalendarYear = 2099
)

// NewCalendar returns a calendar listing days, with [DefaultWorkHours].
// Returns EINVALID naming the first bad day (field "days[i]"): a bad date, a
// year outside 2000–2099, a type other than workday or holiday, a bad note or
// a date given twice.
func NewCalendar(days []CalendarDay) (*Calendar, error) {
	c := &Calendar{listed: map[int64]CalendarDay{}}
	if err := c.setHours(DefaultWorkHours()); err != nil {
		return nil, err
	}
	return c.WithDays(days)
}

// WithDays returns a copy of c with days added, each replacing any day c
// lists for the same date: a deployment's local holidays, a snow day, a
// Saturday worked, or next year's official calendar. To undo a listed day,
// list it again with the type the weekday rule would give. Returns EINVALID as
// [NewCalendar] does; c is unchanged.
func (c *Calendar) WithDays(days []CalendarDay) (*Calendar, error) {
	seen := make(map[int64]int, len(days))
	listed := make(map[int64]CalendarDay, len(c.listed)+len(days))
	for k, v := range c.listed {
		listed[k] = v
	}
	for i, d := range days {
		field := "days[" + strconv.Itoa(i) + "]"
		day, msg := d.check()
		if msg != "" {
			return nil, FieldErrorf(field, "%s", msg)
		}
		if j, dup := seen[day]; dup {
			return nil, FieldErrorf(field, "duplicate date %s (also days[%d])", d.Date, j)
		}
		seen[day] = i
		d.Note = strings.TrimSpace(d.Note)
		listed[day] = d
	}
	n := &Calendar{listed: listed, hours: c.hours, perDay: c.perDay}
	n.build()
	return n, nil
}

// WithWorkHours returns a copy of c with other working hours. Periods must be
// in order, each non-empty, in whole minutes, not overlapping and within the
// day. Returns EINVALID (field "hours") otherwise.
func (c *Calendar) WithWorkHours(periods []WorkPeriod) (*Calendar, error) {
	n := *c
	if err := n.setHours(periods); err != nil {
		return nil, err
	}
	return &n, nil
}

func (c *Calendar) setHours(periods []WorkPeriod) error {
	if len(periods) == 0 {
		return FieldErrorf("hours", "at least one working period is required")
	}
	var total, prev time.Duration
	for i, p := range periods {
		switch {
		case p.Start%time.Minute != 0 || p.End%time.Minute != 0:
			return FieldErrorf("hours", "period %d: %s is not in whole minutes", i+1, p)
		case p.Start < prev || p.End > 24*time.Hour:
			return FieldErrorf("hours", "period %d: %s overlaps another or leaves the day", i+1, p)
		case p.End <= p.Start:
			return FieldErrorf("hours", "period %d: %s ends before it starts", i+1, p)
		}
		total += p.End - p.Start
		prev = p.End
	}
	c.hours = slices.Clone(periods)
	c.perDay = total
	return nil
}

// String returns the period as "09:00-12:00".
func (p WorkPeriod) String() string { return clock(p.Start) + "-" + clock(p.End) }

// clock writes an offset from midnight as "HH:MM" ("24:00" for the end of
// the day).
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// workPeriodJSON is a WorkPeriod as the API writes it: clock times in
// China, not nanoseconds.
type workPeriodJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// MarshalJSON writes p as {"start":"09:00","end":"12:00"} (China time).
func (p WorkPeriod) MarshalJSON() ([]byte, error) {
	return json.Marshal(workPeriodJSON{clock(p.Start), clock(p.End)})
}

// UnmarshalJSON reads what MarshalJSON writes; a time that is not "HH:MM"
// is EINVALID naming "hours", as in [ParseWorkHours].
func (p *WorkPeriod) UnmarshalJSON(b []byte) error {
	var v workPeriodJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return FieldErrorf("hours", "want {\"start\":\"09:00\",\"end\":\"12:00\"}: %v", err)
	}
	start, errS := parseClock(v.Start)
	end, errE := parseClock(v.End)
	if errS != nil || errE != nil {
		return FieldErrorf("hours", "want clock times like 09:00, got %q and %q", v.Start, v.End)
	}
	*p = WorkPeriod{start, end}
	return nil
}

// ParseWorkHours reads working hours written as "09:00-12:00,13:30-17:30",
// the form a deployment puts in its configuration. Returns EINVALID (field
// "hours") for anything else; the periods are checked when given to
// [Calendar.WithWorkHours].
func ParseWorkHours(s string) ([]WorkPeriod, error) {
	var periods []WorkPeriod
	for part := range strings.SplitSeq(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		a, errA := parseClock(from)
		b, errB := parseClock(to)
		if !ok || errA != nil || errB != nil {
			return nil, FieldErrorf("hours", "want periods like 09:00-12:00,13:30-17:30, got %q", s)
		}
		periods = append(periods, WorkPeriod{a, b})
	}
	return periods, nil
}

func parseClock(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, errH := strconv.Atoi(h)
	mm, errM := strconv.Atoi(m)
	if !ok || len(m) != 2 || errH != nil || errM != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, errors.New("bad clock time")
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// check validates d on its own and returns its day number, or a message.
func (d CalendarDay) check() (int64, string) {
	t, err := time.ParseInLocation(time.DateOnly, d.Date, ChinaTime)
	if err != nil || len(d.Date) != len(time.DateOnly) {
		return 0, fmt.Sprintf("%q is not a date (want YYYY-MM-DD)", d.Date)
	}
	if y := t.Year(); y < minCalendarYear || y > maxCalendarYear {
		return 0, fmt.Sprintf("%s is outside %d–%d", d.Date, minCalendarYear, maxCalendarYear)
	}
	if d.Type != DayWorkday && d.Type != DayHoliday {
		return 0, fmt.Sprintf("unknown day type %q (want workday or holiday)", d.Type)
	}
	note := strings.TrimSpace(d.Note)
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > 100 || strings.ContainsFunc(note, unicode.IsControl) {
		return 0, "note must be at most 100 characters of text on one line"
	}
	day, _ := dayOf(t)
	return day, ""
}

// build fills the table from c.listed, over the whole years the listed days
// fall in.
func (c *Calendar) build() {
	if len(c.listed) == 0 {
		c.lo, c.cum, c.at = 0, []int32{int32(weekdaysBefore(0))}, nil
		return
	}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for day := range c.listed {
		first, last = min(first, day), max(last, day)
	}
	lo, _ := dayOf(time.Date(dateOfDay(first).Year(), 1, 1, 0, 0, 0, 0, ChinaTime))
	hi, _ := dayOf(time.Date(dateOfDay(last).Year()+1, 1, 1, 0, 0, 0, 0, ChinaTime))
	c.lo = lo
	c.cum = make([]int32, hi-lo+1)
	c.cum[0] = int32(weekdaysBefore(lo))
	c.at = make([]int32, 0, (hi-lo)*5/7+16)
	for i := int64(0); i < hi-lo; i++ {
		work := floorMod(lo+i, 7) < 5
		if d, ok := c.listed[lo+i]; ok {
			work = d.Type == DayWorkday
		}
		c.cum[i+1] = c.cum[i]
		if work {
			c.cum[i+1]++
			c.at = append(c.at, int32(i))
		}
	}
}

// ParseCalendar reads calendar data and returns a calendar with
// [DefaultWorkHours]. See [ParseCalendarDays] for the format.
func ParseCalendar(r io.Reader) (*Calendar, error) {
	days, err := ParseCalendarDays(r)
	if err != nil {
		return nil, err
	}
	return NewCalendar(days)
}

// ParseCalendarDays reads calendar data: one day a line, "DATE TYPE NOTE"
// separated by white space, as in "2024-02-10 holiday 春节" or "2024-02-04 workday
// 春节调休", where TYPE is workday or holiday and NOTE (optional) runs to the
// end of the line. Blank lines and lines starting with # are skipped. Returns
// EINVALID naming the line (field "line") of the first bad date, unknown type,
// bad note or date given twice; the file is taken whole or not at all.
func ParseCalendarDays(r io.Reader) ([]CalendarDay, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 4096)
	var days []CalendarDay
	lineOf := map[int64]int{}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if text == "" || text[0] == '#' {
			continue
		}
		date, rest := cutField(text)
		typ, note := cutField(rest)
		d := CalendarDay{Date: date, Type: DayType(typ), Note: note}
		if typ == "" {
			return nil, lineError(line, "want DATE TYPE [NOTE], got %q", text)
		}
		day, msg := d.check()
		if msg != "" {
			return nil, lineError(line, "%s", msg)
		}
		if prev, dup := lineOf[day]; dup {
			return nil, lineError(line, "duplicate date %s (first on line %d)", date, prev)
		}
		lineOf[day] = line
		days = append(days, d)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, lineError(line+1, "line longer than 4096 bytes")
	} else if err != nil {
		return nil, fmt.Errorf("read calendar: %w", err)
	}
	return days, nil
}

// cutField splits s at its first run of white space.
func cutField(s string) (field, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

//go:embed calendar_cn.txt
var chinaCalendarData string

var chinaCalendar = sync.OnceValue(func() *Calendar {
	c, err := ParseCalendar(strings.NewReader(chinaCalendarData))
	if err != nil {
		panic("gridline: calendar_cn.txt: " + err.Error())
	}
	return c
})

// ChinaCalendar returns China's official working calendar for 2023 to 2026,
// from the State Council General Office's yearly notices on public holidays
// (calendar_cn.txt), with [DefaultWorkHours]. Other years follow the weekday
// rule until their notice is added.
func ChinaCalendar() *Calendar { return chinaCalendar() }

// Days returns the days c lists, in date order.
func (c *Calendar) Days() []CalendarDay {
	days := make([]CalendarDay, 0, len(c.listed))
	for _, d := range c.listed {
		days = append(days, d)
	}
	slices.SortFunc(days, func(a, b CalendarDay) int { return strings.Compare(a.Date, b.Date) })
	return days
}

// WorkHours returns the working periods of a working day.
func (c *Calendar) WorkHours() []WorkPeriod { return slices.Clone(c.hours) }

// HoursPerDay returns the working time in a working day, the unit that turns
// working time into working days.
func (c *Calendar) HoursPerDay() time.Duration { return c.perDay }

// ToWorkingDays converts working time, as from [Calendar.WorkingDuration],
// into working days: 10h30m is 1.5 days of 7 hours.
func (c *Calendar) ToWorkingDays(d time.Duration) float64 {
	return float64(d) / float64(c.perDay)
}

// IsWorkday reports whether the date of t in China is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	day, _ := dayOf(t)
	return c.before(day+1) > c.before(day)
}

// DayType returns what the date of t in China is: DayWorkday, DayHoliday,
// DayWeekend, or DayAdjusted for a weekend day that is worked.
func (c *Calendar) DayType(t time.Time) DayType {
	day, _ := dayOf(t)
	weekend := floorMod(day, 7) >= 5
	d, ok := c.listed[day]
	switch {
	case ok && d.Type == DayHoliday:
		return DayHoliday
	case ok && weekend:
		return DayAdjusted
	case weekend && !ok:
		return DayWeekend
	}
	return DayWorkday
}

// NextWorkday returns midnight in China at the start of the first working
// day after the date of t.
func (c *Calendar) NextWorkday(t time.Time) time.Time {
	day, _ := dayOf(t)
	return c.clock(c.nth(c.before(day+1)), 0, t.Location())
}

// PrevWorkday returns midnight in China at the start of the last working day
// before the date of t.
func (c *Calendar) PrevWorkday(t time.Time) time.Time {
	day, _ := dayOf(t)
	return c.clock(c.nth(c.before(day)-1), 0, t.Location())
}

// AddWorkingDays returns the deadline of a time limit of n working days
// starting at start: the close of business on the nth working day after the
// date of start (the day of receipt never counts; see [Calendar]). Returns
// EINVALID if start is zero or n is not within 1 to [MaxTimeLimitDays].
func (c *Calendar) AddWorkingDays(start time.Time, n int) (time.Time, error) {
	if start.IsZero() {
		return time.Time{}, FieldErrorf("start", "is not set")
	} else if n < 1 || n > MaxTimeLimitDays {
		return time.Time{}, FieldErrorf("days", "must be 1 to %d working days, got %d", MaxTimeLimitDays, n)
	}
	day, _ := dayOf(start)
	due := c.nth(c.before(day+1) + int64(n) - 1)
	return c.clock(due, c.hours[len(c.hours)-1].End, start.Location()), nil
}

// AddWorkingHours returns the deadline of a time limit of d working time
// starting at start: the earliest moment by which d of working time has
// passed, so a limit that runs out at the end of a working period is due then
// (12:00, 17:30) rather than when work resumes. Returns EINVALID if start is
// zero or d is not positive or exceeds [MaxTimeLimitDays] working days.
func (c *Calendar) AddWorkingHours(start time.Time, d time.Duration) (time.Time, error) {
	if start.IsZero() {
		return time.Time{}, FieldErrorf("start", "is not set")
	} else if d <= 0 || d > MaxTimeLimitDays*c.perDay {
		return time.Time{}, FieldErrorf("hours", "must be more than 0 and at most %d working days, got %v", MaxTimeLimitDays, d)
	}
	k, w := c.position(start)
	return c.moment(k, w+d, start.Location()), nil
}

// WarnAt returns when a deadline gets its yellow warning: the first moment
// from which at most one working day of working time is left, so a case is
// yellow from WarnAt until its deadline and red after. For a deadline at the
// close of business that is the close of business on the working day before;
// for 10:00 on a Tuesday it is 10:00 on the Monday. A caller whose time limit
// is shorter than a working day gets a moment before the case began and warns
// at once.
func (c *Calendar) WarnAt(deadline time.Time) time.Time {
	k, w := c.position(deadline)
	return c.moment(k-1, w, deadline.Location())
}

// WorkingDuration returns the working time between from and to: the working
// hours of the working days in between, and the parts of from's and to's days
// inside working hours. It is negative when to is before from, and saturates
// rather than overflows for spans of more than a thousand years. Divide by
// [Calendar.HoursPerDay], or use [Calendar.ToWorkingDays], for working days.
func (c *Calendar) WorkingDuration(from, to time.Time) time.Duration {
	k1, w1 := c.position(from)
	k2, w2 := c.position(to)
	dk := k2 - k1
	if limit := int64(math.MaxInt64/c.perDay) - 2; dk > limit {
		return math.MaxInt64
	} else if dk < -limit {
		return math.MinInt64
	}
	return time.Duration(dk)*c.perDay + w2 - w1
}

// WorkingDaysBetween returns the number of working days after the date of
// from up to and including the date of to, negative when to is earlier, so
// that WorkingDaysBetween(t, AddWorkingDays(t, n)) is n.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, _ := dayOf(from)
	b, _ := dayOf(to)
	return int(c.before(b+1) - c.before(a+1))
}

// position returns where t stands in working time: k working days before its
// date, plus w of working time on its date (0 on a day off).
func (c *Calendar) position(t time.Time) (k int64, w time.Duration) {
	day, clock := dayOf(t)
	k = c.before(day)
	if c.before(day+1) == k {
		return k, 0
	}
	for _, p := range c.hours {
		if clock <= p.Start {
			break
		}
		w += min(clock, p.End) - p.Start
	}
	return k, w
}

// moment is the inverse of position: the earliest time that stands at
// working day k plus w of working time, for any w.
func (c *Calendar) moment(k int64, w time.Duration, loc *time.Location) time.Time {
	// Bring w into (0, perDay]: w == perDay is the close of day k, which
	// comes before the opening of day k+1.
	if w <= 0 || w > c.perDay {
		q := floorDiv(int64(w-1), int64(c.perDay))
		k += q
		w -= time.Duration(q) * c.perDay
	}
	for _, p := range c.hours {
		if w <= p.End-p.Start {
			return c.clock(c.nth(k), p.Start+w, loc)
		}
		w -= p.End - p.Start
	}
	panic("unreachable")
}

// clock returns the time at offset from midnight on day, in loc.
func (c *Calendar) clock(day int64, offset time.Duration, loc *time.Location) time.Time {
	return time.Unix(day*secondsPerDay+dayZeroUnix, 0).Add(offset).In(loc)
}

// before returns the number of working days before day, counted from day 0
// (negative before it).
func (c *Calendar) before(day int64) int64 {
	i := day - c.lo
	if uint64(i) < uint64(len(c.cum)) {
		return int64(c.cum[i])
	}
	if i < 0 {
		return weekdaysBefore(day)
	}
	last := len(c.cum) - 1
	return weekdaysBefore(day) - weekdaysBefore(c.lo+int64(last)) + int64(c.cum[last])
}

// nth returns the day number of working day k, the inverse of before: the
// working day with k working days before it.
func (c *Calendar) nth(k int64) int64 {
	i := k - int64(c.cum[0])
	if uint64(i) < uint64(len(c.at)) {
		return c.lo + int64(c.at[i])
	}
	if i < 0 {
		return weekdayNumber(k)
	}
	last := len(c.cum) - 1
	return weekdayNumber(k - int64(c.cum[last]) + weekdaysBefore(c.lo+int64(last)))
}

// weekdaysBefore returns the number of Mondays to Fridays before day,
// counted from day 0.
func weekdaysBefore(day int64) int64 {
	return 5*floorDiv(day, 7) + min(floorMod(day, 7), 5)
}

// weekdayNumber is the inverse of weekdaysBefore: the Monday to Friday with k
// weekdays before it.
func weekdayNumber(k int64) int64 {
	return 7*floorDiv(k, 5) + floorMod(k, 5)
}

// dayOf returns the day number of t's date in China and the time since its
// midnight.
func dayOf(t time.Time) (day int64, clock time.Duration) {
	s := t.Unix() - dayZeroUnix
	day = floorDiv(s, secondsPerDay)
	return day, time.Duration(s-day*secondsPerDay)*time.Second + time.Duration(t.Nanosecond())
}

// dateOfDay returns midnight in China at the start of day.
func dateOfDay(day int64) time.Time {
	return time.Unix(day*secondsPerDay+dayZeroUnix, 0).In(ChinaTime)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// Deadline returns when a time limit counted from start runs out: working
// hours of working time, or the close of business on the nth working day
// after start's day.
func (c *Calendar) Deadline(start time.Time, l TimeLimit) (time.Time, error) {
	switch l.Unit {
	case LimitWorkingHours:
		return c.AddWorkingHours(start, time.Duration(l.Amount)*time.Hour)
	case LimitWorkingDays:
		return c.AddWorkingDays(start, l.Amount)
	}
	return time.Time{}, FieldErrorf("unit", "unknown time limit unit %q", l.Unit)
}

// ParsePeriodBound reads a bound of a period [from, to) as a query gives
// it: an RFC 3339 time, or a date alone, which is that day in China — its
// start for from, and for to its end (the next day's start), so that
// from=2026-11-01&to=2026-11-30 holds the whole of November's 30 days as
// a person picking dates means.
func ParsePeriodBound(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, ChinaTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (e.g. 2026-11-27T08:00:00+08:00) or a date (2026-11-27)", s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

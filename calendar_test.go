package gridline_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gridline/gridline"
)

// cst parses "2006-01-02 15:04" (or with seconds) in China.
func cst(tb testing.TB, s string) time.Time {
	tb.Helper()
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout = time.DateTime
	}
	t, err := time.ParseInLocation(layout, s, gridline.ChinaTime)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// noticeTests are the holiday arrangements exactly as each year's notice
// states them, weekdays included where the notice prints them, so a typo in
// calendar_cn.txt shows up as a mismatch here.
var noticeTests = []struct {
	name     string
	from, to string // the holiday period, inclusive
	days     int
	worked   []string // the adjusted working days (上班), all weekends
	weekdays string   // the weekdays of from and to, if the notice gives them
}{
	// 国办发明电〔2022〕16号
	{"2023 元旦", "2022-12-31", "2023-01-02", 3, nil, ""},
	{"2023 春节", "2023-01-21", "2023-01-27", 7, []string{"2023-01-28", "2023-01-29"}, "Sat Fri"},
	{"2023 清明节", "2023-04-05", "2023-04-05", 1, nil, ""},
	{"2023 劳动节", "2023-04-29", "2023-05-03", 5, []string{"2023-04-23", "2023-05-06"}, ""},
	{"2023 端午节", "2023-06-22", "2023-06-24", 3, []string{"2023-06-25"}, ""},
	{"2023 中秋节、国庆节", "2023-09-29", "2023-10-06", 8, []string{"2023-10-07", "2023-10-08"}, ""},
	// 国办发明电〔2023〕7号
	{"2024 元旦", "2024-01-01", "2024-01-01", 1, nil, "Mon Mon"},
	{"2024 春节", "2024-02-10", "2024-02-17", 8, []string{"2024-02-04", "2024-02-18"}, ""},
	{"2024 清明节", "2024-04-04", "2024-04-06", 3, []string{"2024-04-07"}, ""},
	{"2024 劳动节", "2024-05-01", "2024-05-05", 5, []string{"2024-04-28", "2024-05-11"}, ""},
	{"2024 端午节", "2024-06-10", "2024-06-10", 1, nil, "Mon Mon"},
	{"2024 中秋节", "2024-09-15", "2024-09-17", 3, []string{"2024-09-14"}, ""},
	{"2024 国庆节", "2024-10-01", "2024-10-07", 7, []string{"2024-09-29", "2024-10-12"}, ""},
	// 国办发明电〔2024〕12号: Spring Festival from 除夕, Labour Day 5 days
	{"2025 元旦", "2025-01-01", "2025-01-01", 1, nil, "Wed Wed"},
	{"2025 春节", "2025-01-28", "2025-02-04", 8, []string{"2025-01-26", "2025-02-08"}, "Tue Tue"},
	{"2025 清明节", "2025-04-04", "2025-04-06", 3, nil, "Fri Sun"},
	{"2025 劳动节", "2025-05-01", "2025-05-05", 5, []string{"2025-04-27"}, "Thu Mon"},
	{"2025 端午节", "2025-05-31", "2025-06-02", 3, nil, "Sat Mon"},
	{"2025 国庆节、中秋节", "2025-10-01", "2025-10-08", 8, []string{"2025-09-28", "2025-10-11"}, "Wed Wed"},
	// 国办发明电〔2025〕7号
	{"2026 元旦", "2026-01-01", "2026-01-03", 3, []string{"2026-01-04"}, "Thu Sat"},
	{"2026 春节", "2026-02-15", "2026-02-23", 9, []string{"2026-02-14", "2026-02-28"}, "Sun Mon"},
	{"2026 清明节", "2026-04-04", "2026-04-06", 3, nil, "Sat Mon"},
	{"2026 劳动节", "2026-05-01", "2026-05-05", 5, []string{"2026-05-09"}, "Fri Tue"},
	{"2026 端午节", "2026-06-19", "2026-06-21", 3, nil, "Fri Sun"},
	{"2026 中秋节", "2026-09-25", "2026-09-27", 3, nil, "Fri Sun"},
	{"2026 国庆节", "2026-10-01", "2026-10-07", 7, []string{"2026-09-20", "2026-10-10"}, "Thu Wed"},
}

func TestCalendarChinaNotices(t *testing.T) {
	c := gridline.ChinaCalendar()
	listed := 0
	for _, tt := range noticeTests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := cst(t, tt.from+" 12:00"), cst(t, tt.to+" 12:00")
			if tt.weekdays != "" {
				if got := from.Weekday().String()[:3] + " " + to.Weekday().String()[:3]; got != tt.weekdays {
					t.Errorf("weekdays of %s and %s = %s, the notice says %s", tt.from, tt.to, got, tt.weekdays)
				}
			}
			n := 0
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				if got := c.DayType(d); got != gridline.DayHoliday {
					t.Errorf("%s is %s, want holiday", d.Format(time.DateOnly), got)
				}
				n++
			}
			if n != tt.days {
				t.Errorf("period has %d days, the notice says %d", n, tt.days)
			}
			for _, d := range []time.Time{from.AddDate(0, 0, -1), to.AddDate(0, 0, 1)} {
				if c.DayType(d) == gridline.DayHoliday {
					t.Errorf("%s, next to the period, is a holiday", d.Format(time.DateOnly))
				}
			}
			for _, w := range tt.worked {
				if got := c.DayType(cst(t, w+" 12:00")); got != gridline.DayAdjusted {
					t.Errorf("%s is %s, want adjusted (a weekend worked)", w, got)
				}
			}
		})
		listed += tt.days + len(tt.worked)
	}
	if got := len(c.Days()); got != listed {
		t.Errorf("calendar_cn.txt lists %d days, the notices %d", got, listed)
	}
}

func TestCalendarDayType(t *testing.T) {
	c := gridline.ChinaCalendar()
	tests := []struct {
		at   time.Time
		want gridline.DayType
	}{
		{cst(t, "2024-03-11 10:00"), gridline.DayWorkday},  // Monday
		{cst(t, "2024-03-09 10:00"), gridline.DayWeekend},  // Saturday
		{cst(t, "2024-02-09 10:00"), gridline.DayWorkday},  // 除夕 2024: only encouraged off
		{cst(t, "2025-01-28 10:00"), gridline.DayHoliday},  // 除夕 2025: a holiday under the revised rules
		{cst(t, "2025-05-02 10:00"), gridline.DayHoliday},  // the added Labour Day
		{cst(t, "2024-02-18 10:00"), gridline.DayAdjusted}, // Sunday worked
		{cst(t, "2026-02-28 10:00"), gridline.DayAdjusted}, // Saturday worked
		{cst(t, "2024-02-10 00:00"), gridline.DayHoliday},  // first moment of the day
		{cst(t, "2024-02-09 23:59:59"), gridline.DayWorkday},
		{time.Date(2024, 2, 9, 16, 0, 0, 0, time.UTC), gridline.DayHoliday},    // 00:00 on 2-10 in China
		{time.Date(2024, 2, 10, 15, 59, 59, 0, time.UTC), gridline.DayHoliday}, // 23:59:59 in China
		{time.Date(2024, 2, 17, 16, 0, 0, 0, time.UTC), gridline.DayAdjusted},  // 2-18 in China
		{cst(t, "2022-10-03 10:00"), gridline.DayWorkday},                      // 2022 is not covered: weekday rule
		{cst(t, "2027-02-08 10:00"), gridline.DayWorkday},                      // nor is 2027 (Spring Festival week)
		{cst(t, "2027-01-02 10:00"), gridline.DayWeekend},                      // Saturday
		{cst(t, "2022-12-31 10:00"), gridline.DayHoliday},                      // listed by the 2023 notice
	}
	for _, tt := range tests {
		if got := c.DayType(tt.at); got != tt.want {
			t.Errorf("DayType(%s) = %s, want %s", tt.at, got, tt.want)
		}
		work := tt.want == gridline.DayWorkday || tt.want == gridline.DayAdjusted
		if got := c.IsWorkday(tt.at); got != work {
			t.Errorf("IsWorkday(%s) = %t, want %t", tt.at, got, work)
		}
	}
}

func TestCalendarAddWorkingDays(t *testing.T) {
	c := gridline.ChinaCalendar()
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"Friday in hours", cst(t, "2024-03-08 10:00"), 5, cst(t, "2024-03-15 17:30")},
		{"Friday evening", cst(t, "2024-03-08 19:00"), 5, cst(t, "2024-03-15 17:30")},
		{"Saturday", cst(t, "2024-03-09 10:00"), 5, cst(t, "2024-03-15 17:30")},
		{"Sunday night", cst(t, "2024-03-10 23:59"), 5, cst(t, "2024-03-15 17:30")},
		{"Monday just after midnight", cst(t, "2024-03-11 00:00"), 5, cst(t, "2024-03-18 17:30")},
		{"at opening", cst(t, "2024-03-11 09:00"), 1, cst(t, "2024-03-12 17:30")},
		{"at close", cst(t, "2024-03-11 17:30"), 1, cst(t, "2024-03-12 17:30")},
		{"Friday to Monday", cst(t, "2024-03-08 09:00"), 1, cst(t, "2024-03-11 17:30")},
		{"into the 2023 Spring Festival", cst(t, "2023-01-19 15:00"), 3, cst(t, "2023-01-29 17:30")},
		{"before the 2024 Spring Festival", cst(t, "2024-02-08 10:00"), 5, cst(t, "2024-02-21 17:30")},
		{"on 2024 除夕", cst(t, "2024-02-09 10:00"), 1, cst(t, "2024-02-18 17:30")},
		{"on an adjusted Sunday", cst(t, "2024-02-04 10:00"), 1, cst(t, "2024-02-05 17:30")},
		{"during the 2025 Spring Festival", cst(t, "2025-01-30 10:00"), 5, cst(t, "2025-02-10 17:30")},
		{"through an adjusted Saturday", cst(t, "2025-02-06 10:00"), 2, cst(t, "2025-02-08 17:30")},
		{"2026 Spring Festival, nine days", cst(t, "2026-02-13 16:00"), 1, cst(t, "2026-02-14 17:30")},
		{"after the 2026 Spring Festival", cst(t, "2026-02-14 16:00"), 1, cst(t, "2026-02-24 17:30")},
		{"2023 National Day", cst(t, "2023-09-28 15:00"), 3, cst(t, "2023-10-09 17:30")},
		{"2024 National Day", cst(t, "2024-09-27 15:00"), 2, cst(t, "2024-09-30 17:30")},
		{"2025 National Day", cst(t, "2025-09-30 11:00"), 1, cst(t, "2025-10-09 17:30")},
		{"2026 National Day", cst(t, "2026-09-30 11:00"), 2, cst(t, "2026-10-09 17:30")},
		{"weekday count would land on a holiday", cst(t, "2025-09-24 10:00"), 5, cst(t, "2025-09-30 17:30")},
		{"Labour Day 2025", cst(t, "2025-04-25 10:00"), 5, cst(t, "2025-05-06 17:30")},
		{"into 2023", cst(t, "2022-12-30 16:00"), 1, cst(t, "2023-01-03 17:30")},
		{"into 2026", cst(t, "2025-12-31 16:00"), 3, cst(t, "2026-01-06 17:30")},
		{"into 2027, not covered", cst(t, "2026-12-30 10:00"), 2, cst(t, "2027-01-01 17:30")},
		{"far outside the data", cst(t, "2031-07-04 10:00"), 10, cst(t, "2031-07-18 17:30")},
		{"before the data", cst(t, "2015-07-03 10:00"), 1, cst(t, "2015-07-06 17:30")},
		{"across the whole data", cst(t, "2022-12-30 10:00"), 1000, cst(t, "2027-01-06 17:30")},
		{"in UTC", time.Date(2024, 3, 8, 11, 0, 0, 0, time.UTC), 5, time.Date(2024, 3, 15, 9, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(tt.start, tt.n)
			if err != nil || !got.Equal(tt.want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, %v; want %s", tt.start, tt.n, got, err, tt.want)
			}
			if got.Location() != tt.start.Location() {
				t.Errorf("result in %s, want the input's %s", got.Location(), tt.start.Location())
			}
			if back := c.WorkingDaysBetween(tt.start, got); back != tt.n {
				t.Errorf("WorkingDaysBetween(start, deadline) = %d, want %d", back, tt.n)
			}
		})
	}
}

func TestCalendarAddWorkingHours(t *testing.T) {
	c := gridline.ChinaCalendar()
	tests := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"morning, due at the break", cst(t, "2024-03-11 09:00"), 3 * time.Hour, cst(t, "2024-03-11 12:00")},
		{"across the break", cst(t, "2024-03-11 11:00"), 2 * time.Hour, cst(t, "2024-03-11 14:30")},
		{"during the break", cst(t, "2024-03-11 12:30"), time.Hour, cst(t, "2024-03-11 14:30")},
		{"a whole day, due at close", cst(t, "2024-03-11 09:00"), 7 * time.Hour, cst(t, "2024-03-11 17:30")},
		{"at close", cst(t, "2024-03-11 17:30"), time.Hour, cst(t, "2024-03-12 10:00")},
		{"before opening", cst(t, "2024-03-11 08:00"), 30 * time.Minute, cst(t, "2024-03-11 09:30")},
		{"Friday evening", cst(t, "2024-03-08 19:00"), 2 * time.Hour, cst(t, "2024-03-11 11:00")},
		{"Friday afternoon", cst(t, "2024-03-08 16:30"), 2 * time.Hour, cst(t, "2024-03-11 10:00")},
		{"Sunday", cst(t, "2024-03-10 10:00"), 24 * time.Hour, cst(t, "2024-03-14 12:00")},
		{"into the 2025 Spring Festival", cst(t, "2025-01-27 16:00"), 3 * time.Hour, cst(t, "2025-02-05 10:30")},
		{"to an adjusted Saturday", cst(t, "2025-02-07 17:00"), time.Hour, cst(t, "2025-02-08 09:30")},
		{"New Year 2026", cst(t, "2025-12-31 17:00"), time.Hour, cst(t, "2026-01-04 09:30")},
		{"to the nanosecond", cst(t, "2024-03-11 09:00").Add(time.Second / 2), time.Nanosecond, cst(t, "2024-03-11 09:00").Add(time.Second/2 + 1)},
		{"in UTC", time.Date(2024, 3, 8, 11, 0, 0, 0, time.UTC), 2 * time.Hour, time.Date(2024, 3, 11, 3, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorkingHours(tt.start, tt.d)
			if err != nil || !got.Equal(tt.want) {
				t.Fatalf("AddWorkingHours(%s, %v) = %s, %v; want %s", tt.start, tt.d, got, err, tt.want)
			}
			if back := c.WorkingDuration(tt.start, got); back != tt.d {
				t.Errorf("WorkingDuration(start, deadline) = %v, want %v", back, tt.d)
			}
		})
	}
}

func TestCalendarTimeLimitErrors(t *testing.T) {
	c := gridline.ChinaCalendar()
	start := cst(t, "2024-03-11 10:00")
	tests := []struct {
		name  string
		call  func() (time.Time, error)
		field string
	}{
		{"zero days", func() (time.Time, error) { return c.AddWorkingDays(start, 0) }, "days"},
		{"negative days", func() (time.Time, error) { return c.AddWorkingDays(start, -5) }, "days"},
		{"too many days", func() (time.Time, error) { return c.AddWorkingDays(start, gridline.MaxTimeLimitDays+1) }, "days"},
		{"days from a zero time", func() (time.Time, error) { return c.AddWorkingDays(time.Time{}, 5) }, "start"},
		{"zero hours", func() (time.Time, error) { return c.AddWorkingHours(start, 0) }, "hours"},
		{"negative hours", func() (time.Time, error) { return c.AddWorkingHours(start, -time.Hour) }, "hours"},
		{"too many hours", func() (time.Time, error) {
			return c.AddWorkingHours(start, gridline.MaxTimeLimitDays*c.HoursPerDay()+1)
		}, "hours"},
		{"hours from a zero time", func() (time.Time, error) { return c.AddWorkingHours(time.Time{}, time.Hour) }, "start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)[tt.field] == "" {
				t.Fatalf("got %s, %v; want EINVALID naming %s", got, err, tt.field)
			}
		})
	}
	if _, err := c.AddWorkingDays(start, gridline.MaxTimeLimitDays); err != nil {
		t.Errorf("AddWorkingDays(MaxTimeLimitDays): %v", err)
	}
}

func TestCalendarWorkingDuration(t *testing.T) {
	c := gridline.ChinaCalendar()
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"same moment", cst(t, "2024-03-11 10:00"), cst(t, "2024-03-11 10:00"), 0},
		{"a working day", cst(t, "2024-03-11 09:00"), cst(t, "2024-03-11 17:30"), 7 * time.Hour},
		{"midnight to midnight", cst(t, "2024-03-11 00:00"), cst(t, "2024-03-12 00:00"), 7 * time.Hour},
		{"the lunch break", cst(t, "2024-03-11 12:00"), cst(t, "2024-03-11 13:30"), 0},
		{"over a weekend", cst(t, "2024-03-08 16:00"), cst(t, "2024-03-11 10:00"), 150 * time.Minute},
		{"within a weekend", cst(t, "2024-03-09 10:00"), cst(t, "2024-03-10 16:00"), 0},
		{"over the 2024 Spring Festival", cst(t, "2024-02-08 09:00"), cst(t, "2024-02-19 17:30"), 28 * time.Hour},
		{"backwards", cst(t, "2024-02-19 17:30"), cst(t, "2024-02-08 09:00"), -28 * time.Hour},
		{"over New Year 2023", cst(t, "2022-12-30 17:00"), cst(t, "2023-01-03 09:30"), time.Hour},
		{"a week outside the data", cst(t, "2030-03-04 09:00"), cst(t, "2030-03-11 09:00"), 35 * time.Hour},
		{"a zero time saturates", time.Time{}, cst(t, "2024-03-11 10:00"), math.MaxInt64},
		{"backwards to a zero time", cst(t, "2024-03-11 10:00"), time.Time{}, math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingDuration(tt.from, tt.to); got != tt.want {
				t.Errorf("WorkingDuration = %v, want %v", got, tt.want)
			}
		})
	}
	if got := c.ToWorkingDays(10*time.Hour + 30*time.Minute); got != 1.5 {
		t.Errorf("ToWorkingDays(10h30m) = %g, want 1.5", got)
	}
}

func TestCalendarWorkingDaysBetween(t *testing.T) {
	c := gridline.ChinaCalendar()
	tests := []struct {
		from, to string
		want     int
	}{
		{"2024-03-11 10:00", "2024-03-11 16:00", 0},
		{"2024-03-08 10:00", "2024-03-11 10:00", 1},
		{"2024-03-11 10:00", "2024-03-08 10:00", -1},
		{"2024-02-08 10:00", "2024-02-19 10:00", 3}, // 2-09, 2-18, 2-19
		{"2023-01-01 10:00", "2024-01-01 10:00", 249},
		{"2025-01-01 10:00", "2026-01-01 10:00", 248},
		{"2026-01-01 10:00", "2027-01-01 10:00", 249},
		{"2024-01-01 10:00", "2025-01-01 10:00", 251}, // 262 weekdays, 19 of them off, 8 weekends worked
		{"2027-01-01 10:00", "2028-01-01 10:00", 260}, // not covered: weekdays only
	}
	for _, tt := range tests {
		if got := c.WorkingDaysBetween(cst(t, tt.from), cst(t, tt.to)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestCalendarWarnAt(t *testing.T) {
	c := gridline.ChinaCalendar()
	tests := []struct {
		name           string
		deadline, want string
	}{
		{"close of a Friday", "2024-03-15 17:30", "2024-03-14 17:30"},
		{"close of a Monday", "2024-03-18 17:30", "2024-03-15 17:30"},
		{"mid-morning", "2024-03-19 10:00", "2024-03-18 10:00"},
		{"Monday opening", "2024-03-18 09:00", "2024-03-14 17:30"},
		{"on a Saturday", "2024-03-16 12:00", "2024-03-14 17:30"},
		{"after an adjusted Sunday", "2024-02-19 17:30", "2024-02-18 17:30"},
		{"after the Spring Festival", "2024-02-18 17:30", "2024-02-09 17:30"},
		{"after National Day 2025", "2025-10-09 11:00", "2025-09-30 11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deadline := cst(t, tt.deadline)
			got := c.WarnAt(deadline)
			if !got.Equal(cst(t, tt.want)) {
				t.Fatalf("WarnAt(%s) = %s, want %s", tt.deadline, got, tt.want)
			}
			if left := c.WorkingDuration(got, deadline); left != c.HoursPerDay() {
				t.Errorf("working time left at the warning = %v, want a working day", left)
			}
		})
	}
}

func TestCalendarNextPrevWorkday(t *testing.T) {
	c := gridline.ChinaCalendar()
	tests := []struct {
		at, next, prev string
	}{
		{"2024-03-11 10:00", "2024-03-12 00:00", "2024-03-08 00:00"},
		{"2024-03-09 10:00", "2024-03-11 00:00", "2024-03-08 00:00"},
		{"2024-02-09 23:00", "2024-02-18 00:00", "2024-02-08 00:00"},
		{"2024-02-18 10:00", "2024-02-19 00:00", "2024-02-09 00:00"},
		{"2022-12-30 10:00", "2023-01-03 00:00", "2022-12-29 00:00"},
		{"2026-12-31 10:00", "2027-01-01 00:00", "2026-12-30 00:00"},
	}
	for _, tt := range tests {
		at := cst(t, tt.at)
		if got := c.NextWorkday(at); !got.Equal(cst(t, tt.next)) {
			t.Errorf("NextWorkday(%s) = %s, want %s", tt.at, got, tt.next)
		}
		if got := c.PrevWorkday(at); !got.Equal(cst(t, tt.prev)) {
			t.Errorf("PrevWorkday(%s) = %s, want %s", tt.at, got, tt.prev)
		}
	}
}

func TestCalendarParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // "" for success
		line    string
		days    int
	}{
		{"empty", "", "", "", 0},
		{"comments and blanks", "# a calendar\n\n  \n# end\n", "", "", 0},
		{"two days", "2024-02-10 holiday 春节\n2024-02-04 workday 春节调休\n", "", "", 2},
		{"no note", "2024-02-10 holiday\n", "", "", 1},
		{"tabs, CRLF, a BOM", "\uFEFF2024-02-10\tholiday\t春节\r\n2024-02-11  holiday  春节 假期\r\n", "", "", 2},
		{"no type", "# x\n2024-02-10\n", "want DATE TYPE", "2", 0},
		{"unknown type", "2024-02-10 rest\n", `unknown day type "rest"`, "1", 0},
		{"a derived type", "2024-02-04 adjusted\n", "unknown day type", "1", 0},
		{"type in capitals", "2024-02-10 Holiday\n", "unknown day type", "1", 0},
		{"not a date", "\n\nFeb 10 holiday\n", "is not a date", "3", 0},
		{"no such day", "2024-02-30 holiday\n", "is not a date", "1", 0},
		{"one-digit month", "2024-2-10 holiday\n", "is not a date", "1", 0},
		{"compact date", "20240210 holiday\n", "is not a date", "1", 0},
		{"a year too early", "1999-10-01 holiday\n", "outside 2000–2099", "1", 0},
		{"a year too late", "2100-01-01 holiday\n", "outside 2000–2099", "1", 0},
		{"duplicate", "2024-02-10 holiday\n# again\n2024-02-10 workday\n", "duplicate date 2024-02-10 (first on line 1)", "3", 0},
		{"control character in the note", "2024-02-10 holiday 春\x07节\n", "note", "1", 0},
		{"long note", "2024-02-10 holiday " + strings.Repeat("节", 101) + "\n", "note", "1", 0},
		{"long line", "2024-02-10 holiday\n" + strings.Repeat("#", 5000) + "\n", "longer than", "2", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := gridline.ParseCalendar(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := len(c.Days()); got != tt.days {
					t.Errorf("%d days, want %d", got, tt.days)
				}
				return
			}
			if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.wantErr)
			}
			if got := gridline.ErrorFields(err)["line"]; got != tt.line {
				t.Errorf("fields.line = %q, want %q", got, tt.line)
			}
		})
	}
	_, err := gridline.ParseCalendar(iotest.ErrReader(errors.New("disk on fire")))
	if gridline.ErrorCode(err) != gridline.EINTERNAL {
		t.Errorf("read error: %v, want EINTERNAL", err)
	}
}

// TestCalendarChinaData checks that the embedded data reads back as written.
func TestCalendarChinaData(t *testing.T) {
	days := gridline.ChinaCalendar().Days()
	var b strings.Builder
	for _, d := range days {
		b.WriteString(d.String() + "\n")
	}
	again, err := gridline.ParseCalendarDays(strings.NewReader(b.String()))
	if err != nil || !slices.Equal(again, days) {
		t.Fatalf("round trip: %v", err)
	}
	if d := days[len(days)-1]; d.String() != "2026-10-10 workday 国庆节调休" {
		t.Errorf("last day %q", d)
	}
}

func TestCalendarWithDays(t *testing.T) {
	china := gridline.ChinaCalendar()
	local, err := china.WithDays([]gridline.CalendarDay{
		{Date: "2024-03-12", Type: gridline.DayHoliday, Note: " 暴雪停工 "},
		{Date: "2024-02-09", Type: gridline.DayHoliday, Note: "除夕"},   // a local extra day off
		{Date: "2024-02-18", Type: gridline.DayHoliday, Note: "不调休"},  // an official working Sunday undone
		{Date: "2027-02-05", Type: gridline.DayHoliday, Note: "春节"},   // a year the data lacks
		{Date: "2027-02-07", Type: gridline.DayWorkday, Note: "春节调休"}, // Sunday
		{Date: "2025-01-28", Type: gridline.DayWorkday, Note: "值班"},   // a holiday made a working day
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at          string
		china, want gridline.DayType
	}{
		{"2024-03-12 10:00", gridline.DayWorkday, gridline.DayHoliday},
		{"2024-02-09 10:00", gridline.DayWorkday, gridline.DayHoliday},
		{"2024-02-18 10:00", gridline.DayAdjusted, gridline.DayHoliday},
		{"2027-02-05 10:00", gridline.DayWorkday, gridline.DayHoliday},
		{"2027-02-07 10:00", gridline.DayWeekend, gridline.DayAdjusted},
		{"2025-01-28 10:00", gridline.DayHoliday, gridline.DayWorkday},
		{"2025-01-29 10:00", gridline.DayHoliday, gridline.DayHoliday},
	}
	for _, tt := range tests {
		at := cst(t, tt.at)
		if got := china.DayType(at); got != tt.china {
			t.Errorf("China calendar changed: DayType(%s) = %s, want %s", tt.at, got, tt.china)
		}
		if got := local.DayType(at); got != tt.want {
			t.Errorf("DayType(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
	if got := len(local.Days()) - len(china.Days()); got != 4 {
		t.Errorf("%d days more than the China calendar, want 4 (two replace listed days)", got)
	}
	// The snow day moves a deadline by one day; 2027 is now in the table.
	for _, tt := range []struct {
		start string
		n     int
		want  string
	}{
		{"2024-03-11 10:00", 1, "2024-03-13 17:30"},
		{"2027-02-04 10:00", 1, "2027-02-07 17:30"},
		{"2027-12-30 10:00", 2, "2028-01-03 17:30"},
	} {
		got, err := local.AddWorkingDays(cst(t, tt.start), tt.n)
		if err != nil || !got.Equal(cst(t, tt.want)) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, %v; want %s", tt.start, tt.n, got, err, tt.want)
		}
	}

	bad := []struct {
		name  string
		days  []gridline.CalendarDay
		field string
		msg   string
	}{
		{"bad date", []gridline.CalendarDay{{Date: "2024-13-01", Type: gridline.DayHoliday}}, "days[0]", "not a date"},
		{"bad type", []gridline.CalendarDay{{Date: "2024-03-01", Type: gridline.DayWeekend}}, "days[0]", "unknown day type"},
		{"no type", []gridline.CalendarDay{{Date: "2024-03-01"}}, "days[0]", "unknown day type"},
		{"duplicate", []gridline.CalendarDay{
			{Date: "2024-03-01", Type: gridline.DayHoliday},
			{Date: "2024-03-02", Type: gridline.DayHoliday},
			{Date: "2024-03-01", Type: gridline.DayWorkday},
		}, "days[2]", "duplicate date 2024-03-01 (also days[0])"},
		{"note on two lines", []gridline.CalendarDay{{Date: "2024-03-01", Type: gridline.DayHoliday, Note: "a\nb"}}, "days[0]", "note"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c, err := china.WithDays(tt.days)
			if c != nil || gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorFields(err)[tt.field], tt.msg) {
				t.Fatalf("got %v; want EINVALID with %s containing %q", err, tt.field, tt.msg)
			}
		})
	}
}

func TestCalendarWorkHours(t *testing.T) {
	hours, err := gridline.ParseWorkHours("08:30-12:00, 14:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	summer, err := gridline.ChinaCalendar().WithWorkHours(hours)
	if err != nil {
		t.Fatal(err)
	}
	if got := summer.HoursPerDay(); got != 7*time.Hour+30*time.Minute {
		t.Errorf("HoursPerDay = %v, want 7h30m", got)
	}
	if got := gridline.ChinaCalendar().HoursPerDay(); got != 7*time.Hour {
		t.Errorf("the China calendar changed: HoursPerDay = %v", got)
	}
	got, _ := summer.AddWorkingDays(cst(t, "2024-03-08 10:00"), 1)
	if want := cst(t, "2024-03-11 18:00"); !got.Equal(want) {
		t.Errorf("AddWorkingDays = %s, want %s", got, want)
	}
	got, _ = summer.AddWorkingHours(cst(t, "2024-03-11 08:00"), 4*time.Hour)
	if want := cst(t, "2024-03-11 14:30"); !got.Equal(want) {
		t.Errorf("AddWorkingHours = %s, want %s", got, want)
	}
	if s := gridline.DefaultWorkHours(); s[0].String()+","+s[1].String() != "09:00-12:00,13:30-17:30" {
		t.Errorf("DefaultWorkHours = %v", s)
	}
	allDay, err := gridline.ParseWorkHours("00:00-24:00")
	if err != nil {
		t.Fatal(err)
	}
	c, err := gridline.ChinaCalendar().WithWorkHours(allDay)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = c.AddWorkingDays(cst(t, "2024-03-08 10:00"), 1)
	if want := cst(t, "2024-03-12 00:00"); !got.Equal(want) {
		t.Errorf("round the clock: AddWorkingDays = %s, want %s", got, want)
	}

	for _, s := range []string{"", "9-12", "09:00", "09:00-12:60", "25:00-26:00", "09:00-12:00;13:00-17:00", "24:30-24:40"} {
		if _, err := gridline.ParseWorkHours(s); gridline.ErrorFields(err)["hours"] == "" {
			t.Errorf("ParseWorkHours(%q): %v, want EINVALID naming hours", s, err)
		}
	}
	h := time.Hour
	for _, p := range [][]gridline.WorkPeriod{
		nil,
		{{12 * h, 9 * h}},
		{{9 * h, 9 * h}},
		{{13 * h, 17 * h}, {9 * h, 12 * h}},
		{{9 * h, 13 * h}, {12 * h, 17 * h}},
		{{-h, 9 * h}},
		{{20 * h, 25 * h}},
		{{9 * h, 12*h + time.Second}},
	} {
		if c, err := gridline.ChinaCalendar().WithWorkHours(p); c != nil || gridline.ErrorFields(err)["hours"] == "" {
			t.Errorf("WithWorkHours(%v): %v, want EINVALID naming hours", p, err)
		}
	}
}

// reference answers the questions the slow, obvious way, a day at a time
// from the listed days and the weekday rule.
type reference struct {
	c      *gridline.Calendar
	listed map[string]gridline.DayType
}

func newReference(c *gridline.Calendar) reference {
	r := reference{c, map[string]gridline.DayType{}}
	for _, d := range c.Days() {
		r.listed[d.Date] = d.Type
	}
	return r
}

func midnight(t time.Time) time.Time {
	t = t.In(gridline.ChinaTime)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, gridline.ChinaTime)
}

func (r reference) workday(day time.Time) bool {
	if typ, ok := r.listed[day.Format(time.DateOnly)]; ok {
		return typ == gridline.DayWorkday
	}
	return day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
}

func (r reference) duration(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -r.duration(to, from)
	}
	var sum time.Duration
	for day := midnight(from); day.Before(to); day = day.AddDate(0, 0, 1) {
		if !r.workday(day) {
			continue
		}
		for _, p := range r.c.WorkHours() {
			a, b := day.Add(p.Start), day.Add(p.End)
			if from.After(a) {
				a = from
			}
			if to.Before(b) {
				b = to
			}
			if b.After(a) {
				sum += b.Sub(a)
			}
		}
	}
	return sum
}

func (r reference) addDays(start time.Time, n int) time.Time {
	day := midnight(start)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if r.workday(day) {
			n--
		}
	}
	hours := r.c.WorkHours()
	return day.Add(hours[len(hours)-1].End)
}

// TestCalendarAgainstReference compares random questions, inside and outside
// the data's years, with the day-at-a-time answers, and checks that adding
// working time and measuring it are inverses: WorkingDuration(t,
// AddWorkingHours(t, h)) is h to the nanosecond.
func TestCalendarAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(12345, 2024))
	base := cst(t, "2021-06-01 00:00")
	span := cst(t, "2028-06-01 00:00").Sub(base)
	randomTime := func() time.Time {
		if rng.IntN(4) == 0 { // on the minute, to hit period edges often
			return base.Add(time.Duration(rng.Int64N(int64(span/time.Minute))) * time.Minute)
		}
		return base.Add(time.Duration(rng.Int64N(int64(span))))
	}
	three, _ := gridline.ParseWorkHours("08:30-12:00,14:00-17:30,19:00-20:00")
	china := gridline.ChinaCalendar()
	evening, err := china.WithWorkHours(three)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*gridline.Calendar{china, evening} {
		ref := newReference(c)
		for range 2000 {
			start := randomTime()
			n := 1 + rng.IntN(30)
			got, err := c.AddWorkingDays(start, n)
			if want := ref.addDays(start, n); err != nil || !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, %v; want %s", start, n, got, err, want)
			}
			if got := c.IsWorkday(start); got != ref.workday(midnight(start)) {
				t.Fatalf("IsWorkday(%s) = %t", start, got)
			}

			end := start.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
			if rng.IntN(2) == 0 {
				start, end = end, start
			}
			if got, want := c.WorkingDuration(start, end), ref.duration(start, end); got != want {
				t.Fatalf("WorkingDuration(%s, %s) = %v, want %v", start, end, got, want)
			}

			h := time.Duration(1 + rng.Int64N(int64(20*c.HoursPerDay())))
			if rng.IntN(3) == 0 {
				h = h.Round(time.Hour/2) + time.Hour/2
			}
			due, err := c.AddWorkingHours(start, h)
			if err != nil {
				t.Fatal(err)
			}
			if back := c.WorkingDuration(start, due); back != h {
				t.Fatalf("WorkingDuration(%s, AddWorkingHours(%v) = %s) = %v", start, h, due, back)
			}
			if before := c.WorkingDuration(start, due.Add(-1)); before >= h {
				t.Fatalf("AddWorkingHours(%s, %v) = %s is not the earliest moment", start, h, due)
			}
			warn := c.WarnAt(due)
			if left := c.WorkingDuration(warn, due); left != c.HoursPerDay() {
				t.Fatalf("WarnAt(%s) = %s leaves %v", due, warn, left)
			}
			if left := c.WorkingDuration(warn.Add(-1), due); left <= c.HoursPerDay() {
				t.Fatalf("WarnAt(%s) = %s is not the earliest moment", due, warn)
			}
		}
	}
}

// benchTimes are receipt and closing times spread over the data's years, so
// a benchmark does not measure one cached path.
func benchTimes(b *testing.B) (from, to []time.Time) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := cst(b, "2023-01-01 00:00")
	for range 1024 {
		f := base.Add(time.Duration(rng.Int64N(int64(4 * 365 * 24 * time.Hour))))
		from = append(from, f)
		to = append(to, f.Add(time.Duration(rng.Int64N(int64(30*24*time.Hour)))))
	}
	return from, to
}

func BenchmarkCalendarAddWorkingDays(b *testing.B) {
	c := gridline.ChinaCalendar()
	from, _ := benchTimes(b)
	for i := 0; b.Loop(); i++ {
		if _, err := c.AddWorkingDays(from[i%len(from)], 5); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCalendarAddWorkingHours(b *testing.B) {
	c := gridline.ChinaCalendar()
	from, _ := benchTimes(b)
	for i := 0; b.Loop(); i++ {
		if _, err := c.AddWorkingHours(from[i%len(from)], 30*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCalendarWorkingDuration(b *testing.B) {
	c := gridline.ChinaCalendar()
	from, to := benchTimes(b)
	var days float64
	for i := 0; b.Loop(); i++ {
		days += c.ToWorkingDays(c.WorkingDuration(from[i%len(from)], to[i%len(to)]))
	}
	if days < 0 {
		b.Fatal(days)
	}
}

// TestWorkPeriodJSON: working hours go over the API as China clock times,
// not as nanoseconds, and read back the same.
func TestWorkPeriodJSON(t *testing.T) {
	b, err := json.Marshal(gridline.DefaultWorkHours())
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"start":"09:00","end":"12:00"},{"start":"13:30","end":"17:30"}]`; string(b) != want {
		t.Fatalf("marshalled %s, want %s", b, want)
	}
	var back []gridline.WorkPeriod
	if err := json.Unmarshal([]byte(`[{"start":"08:30","end":"12:00"},{"start":"14:00","end":"24:00"}]`), &back); err != nil {
		t.Fatal(err)
	}
	if want := []gridline.WorkPeriod{{8*time.Hour + 30*time.Minute, 12 * time.Hour}, {14 * time.Hour, 24 * time.Hour}}; !slices.Equal(back, want) {
		t.Fatalf("unmarshalled %v, want %v", back, want)
	}
	if b, _ := json.Marshal(back[1]); string(b) != `{"start":"14:00","end":"24:00"}` {
		t.Errorf("end of day marshalled %s", b)
	}
	for _, s := range []string{`{"start":"9","end":"12:00"}`, `{"start":"09:00","end":"25:00"}`, `[]`} {
		var p gridline.WorkPeriod
		if err := json.Unmarshal([]byte(s), &p); gridline.ErrorFields(err)["hours"] == "" {
			t.Errorf("%s: %v, want EINVALID naming hours", s, err)
		}
	}
}

// TestParsePeriodBound reads a period's bounds as times or dates in China.
func TestParsePeriodBound(t *testing.T) {
	cst := gridline.ChinaTime
	for _, c := range []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"2026-11-27T08:00:00+08:00", false, time.Date(2026, 11, 27, 8, 0, 0, 0, cst)},
		{"2026-11-27T08:00:00Z", true, time.Date(2026, 11, 27, 16, 0, 0, 0, cst)},
		{"2026-11-01", false, time.Date(2026, 11, 1, 0, 0, 0, 0, cst)},
		{"2026-11-30", true, time.Date(2026, 12, 1, 0, 0, 0, 0, cst)},
		{"2026-12-31", true, time.Date(2027, 1, 1, 0, 0, 0, 0, cst)},
	} {
		got, err := gridline.ParsePeriodBound(c.in, c.end)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%s (end %v): %v %v, want %v", c.in, c.end, got, err, c.want)
		}
	}
	for _, in := range []string{"", "yesterday", "2026-11-31", "2026/11/01", "2026-11-27 08:00"} {
		if _, err := gridline.ParsePeriodBound(in, false); err == nil || !strings.Contains(err.Error(), "or a date") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

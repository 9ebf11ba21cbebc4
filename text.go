package gridline

import (
	"strings"
	"unicode/utf8"
)

// Text limits, in characters, the same on SQLite and PostgreSQL: a value
// over its limit is EINVALID naming the field, never a database error
// (PostgreSQL refuses index rows over about 2,700 bytes; SQLite would
// store megabytes).
const (
	MaxNameLen  = 200  // names: grids, layers, places, units, people, organisations, regions
	MaxShortLen = 64   // short text: kinds, roles, short names, phone numbers
	MaxNoteLen  = 2000 // notes and free text
)

// CheckText returns EINVALID naming field unless s is valid UTF-8 without
// NUL characters (PostgreSQL cannot store them, SQLite can: refused on
// both) and at most max characters long.
func CheckText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return FieldErrorf(field, "is not valid UTF-8 text")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return FieldErrorf(field, "must not contain NUL characters")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return FieldErrorf(field, "is %d characters long; at most %d are allowed", n, max)
	}
	return nil
}

// checkTexts runs CheckText over field/value/limit triples and returns the
// first error.
func checkTexts(checks ...textCheck) error {
	for _, c := range checks {
		if err := CheckText(c.field, c.value, c.max); err != nil {
			return err
		}
	}
	return nil
}

type textCheck struct {
	field string
	value string
	max   int
}

// checkName returns EINVALID unless name is present and within MaxNameLen.
func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return FieldErrorf("name", "is required")
	}
	return CheckText("name", name, MaxNameLen)
}

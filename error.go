package gridline

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes; each maps to one HTTP status in package http.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	// ERATELIMITED: the caller sent too many requests; try later.
	ERATELIMITED = "rate_limited"
	// EUNAVAILABLE: the server is overloaded, busy or shutting down; the
	// same request may succeed later.
	EUNAVAILABLE = "unavailable"
	// ETIMEOUT: the request (its body) did not arrive in time.
	ETIMEOUT = "timeout"
	// ECSRF: a write with a session cookie lacks the session's CSRF token
	// (header X-CSRF-Token); 403.
	ECSRF = "csrf"
)

// Error is a domain error: a machine code, a message safe to show users and
// optional per-field messages. Internal detail stays in wrapped errors that
// only reach the log.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Error implements error.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("gridline error: code=%s message=%s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, e.Fields[k])
	}
	return fmt.Sprintf("gridline error: code=%s message=%s fields:%s", e.Code, e.Message, b.String())
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID error that names the offending field.
func FieldErrorf(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of err, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

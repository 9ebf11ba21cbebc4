package sqlstore

import (
	"database/sql"
	"errors"
)

// wrapped is a domain error that keeps the driver error for the log.
type wrapped struct {
	domain error
	cause  error
}

func (w *wrapped) Error() string   { return w.domain.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.domain, w.cause} }

// translate turns driver errors into domain errors by driver code, never by
// message text.
func translate(d dialect, err error) error {
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if d.isPostgres() {
		e, _ := translatePostgres(err)
		return e
	}
	e, _ := translateSQLite(err)
	return e
}

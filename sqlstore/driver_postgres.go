package sqlstore

import (
	"database/sql"
	"errors"

	"github.com/gridline/gridline"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

func openPostgres(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	return db, nil
}

// translatePostgres maps SQLSTATE codes to domain errors.
func translatePostgres(err error) (error, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err, false
	}
	switch pe.Code {
	case "23505": // unique_violation
		return &wrapped{gridline.Errorf(gridline.ECONFLICT, "The record already exists."), err}, true
	case "23503": // foreign_key_violation
		return &wrapped{gridline.Errorf(gridline.EINVALID, "A referenced record does not exist or is still in use."), err}, true
	case "23502", "23514": // not_null_violation, check_violation
		return &wrapped{gridline.Errorf(gridline.EINVALID, "A value is missing or out of range."), err}, true
	case "22021", "22P05": // character_not_in_repertoire (NUL, bad UTF-8), untranslatable_character
		return &wrapped{gridline.Errorf(gridline.EINVALID, "A text value holds a NUL byte or is not valid UTF-8."), err}, true
	case "22003", "22P02", "2201X", "2201W": // numeric out of range, invalid text representation, bad OFFSET/LIMIT
		return &wrapped{gridline.Errorf(gridline.EINVALID, "A number is out of range."), err}, true
	}
	return err, false
}

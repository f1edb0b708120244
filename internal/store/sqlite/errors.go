package sqlite

import (
	"context"
	"errors"

	"modernc.org/sqlite"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// SQLite result codes the engine tells apart (sqlite3.h).
const (
	codeBusy          = 5
	codeLocked        = 6
	codeReadOnly      = 8
	codeInterrupt     = 9
	codeIOErr         = 10
	codeFull          = 13
	codeCantOpen      = 14
	codeConstraintFK  = 787
	codeConstraintPK  = 1555
	codeConstraintUnq = 2067
)

// ReadOnlyMessage is what a write to a database that cannot be written is
// answered with (503), and what readiness reports.
const ReadOnlyMessage = "The database is read-only: nothing can be saved until an operator makes it writable and restarts Precinct"

// mapErr turns a driver error into a cad.Error so that no driver text ever
// reaches a client: a unique key taken is a conflict, a lock held too long,
// a full disk, an I/O error or an ended context is unavailable, a database
// that cannot be written is unavailable with ReadOnlyMessage, a broken
// reference is invalid, anything else internal. The cause stays for logs.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *cad.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return store.Unavailable(err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case codeConstraintPK, codeConstraintUnq:
			return store.Conflict(err)
		case codeConstraintFK:
			return cad.Wrap(cad.EINVALID, err, "The record refers to something that does not exist")
		}
		switch se.Code() & 0xff { // the primary code of an extended one
		case codeReadOnly:
			return cad.Wrap(cad.EUNAVAILABLE, err, ReadOnlyMessage)
		case codeBusy, codeLocked, codeInterrupt, codeIOErr, codeFull, codeCantOpen:
			return store.Unavailable(err)
		}
	}
	return store.Internal(err)
}

// isReadOnly reports whether err is SQLite's SQLITE_READONLY (or one of its
// extended codes): the file, its directory or its mount cannot be written.
func isReadOnly(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == codeReadOnly
}

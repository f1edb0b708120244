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
	codeInterrupt     = 9
	codeIOErr         = 10
	codeFull          = 13
	codeCantOpen      = 14
	codeConstraintFK  = 787
	codeConstraintPK  = 1555
	codeConstraintUnq = 2067
)

// mapErr turns a driver error into a cad.Error so that no driver text ever
// reaches a client: a unique key taken is a conflict, a lock held too long,
// a full disk, an I/O error or an ended context is unavailable, a broken
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
		case codeBusy, codeLocked, codeInterrupt, codeIOErr, codeFull, codeCantOpen:
			return store.Unavailable(err)
		}
	}
	return store.Internal(err)
}

// Package cad is Precinct's domain: the types every other package shares, and
// the one error type that travels from the store to the HTTP edge. It imports
// nothing of the transport or the database, so the rules written here can be
// read and tested on their own. It is also where the areas meet (auth,
// community, civil, dispatch, realtime, discord import no other area): the
// caller and its standing (Caller, Actor, Client), the audit trail's
// interface (Auditor), ids, published rates, the plate and date rules, and
// the records one area hands another.
package cad

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status in internal/httpx; the set
// is kept small on purpose so that callers can branch on it.
const (
	EINVALID      = "invalid"      // the request is malformed or breaks a rule (400)
	EUNAUTHORIZED = "unauthorized" // no valid credential (401)
	EFORBIDDEN    = "forbidden"    // a valid credential that may not do this (403)
	ENOTFOUND     = "not_found"    // no such object, or one the caller may not know of (404)
	ECONFLICT     = "conflict"     // the object exists already or changed meanwhile (409)
	ETOOLARGE     = "too_large"    // the request body is over the limit (413)
	ERATELIMITED  = "rate_limited" // too many requests; retry later (429)
	EUNAVAILABLE  = "unavailable"  // a dependency (the database) is down (503)
	EINTERNAL     = "internal"     // a bug or an unexpected failure (500)
)

// Error is the one error type of Precinct. Code is machine-readable, Message
// is safe to show to a caller: it never carries driver text, secrets or
// stack traces. Err, when set, is the underlying cause for logs only.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface. The cause is included so that logs
// show it; the HTTP layer only ever sends Message.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message that
// is safe to show to a caller.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and caller-safe message that
// keeps err as its cause, for logs.
func Wrap(code string, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of the first *Error in err's
// chain, and a generic text for any other error so that internal details
// never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal server error"
}

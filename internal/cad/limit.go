package cad

import "time"

// LimitError is a refusal by a limit (429). It unwraps to an *Error with
// code rate_limited and carries what the Retry-After and RateLimit-*
// headers need.
type LimitError struct {
	Err        *Error
	Limit      int
	Remaining  int
	RetryAfter time.Duration
	Window     time.Duration
	// Policy names the limit in RateLimit-Policy (a group's name).
	Policy string
}

func (e *LimitError) Error() string { return e.Err.Error() }

// Unwrap exposes the *Error.
func (e *LimitError) Unwrap() error { return e.Err }

// BusyError is a refusal because the server is busy (503) that says when
// to come back: the HTTP layer sends RetryAfter as Retry-After.
type BusyError struct {
	Err        *Error
	RetryAfter time.Duration
}

func (e *BusyError) Error() string { return e.Err.Error() }

// Unwrap exposes the *Error.
func (e *BusyError) Unwrap() error { return e.Err }

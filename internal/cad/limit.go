package cad

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

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

// Rate is a published limit: Limit requests per Window, of which all may
// come at once after a quiet Window.
type Rate struct {
	Limit  int
	Window time.Duration
}

// ParseRate reads "300/1m" (a count, a slash, a Go duration).
func ParseRate(s string) (Rate, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	limit, err := strconv.Atoi(n)
	if !ok || err != nil || limit < 1 || limit > 1_000_000 {
		return Rate{}, fmt.Errorf("%q is not COUNT/DURATION, such as 300/1m", s)
	}
	window, err := time.ParseDuration(w)
	if err != nil || window < time.Second || window > 24*time.Hour {
		return Rate{}, fmt.Errorf("%q: the window must be a duration from 1s to 24h, such as 1m", s)
	}
	return Rate{Limit: limit, Window: window}, nil
}

// String is the rate as ParseRate reads it.
func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.Limit, shortDuration(r.Window)) }

func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

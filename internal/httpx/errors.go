package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// ErrorBody is the one shape of every error answer. msg and error carry the
// same text because the existing FiveM clients read one or the other.
type ErrorBody struct {
	Success   bool   `json:"success"`
	Msg       string `json:"msg"`
	Error     string `json:"error"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
}

// statusOf maps each domain error code to its one HTTP status.
var statusOf = map[string]int{
	cad.EINVALID:      http.StatusBadRequest,
	cad.EUNAUTHORIZED: http.StatusUnauthorized,
	cad.EFORBIDDEN:    http.StatusForbidden,
	cad.ENOTFOUND:     http.StatusNotFound,
	cad.ECONFLICT:     http.StatusConflict,
	cad.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	cad.ERATELIMITED:  http.StatusTooManyRequests,
	cad.EUNAVAILABLE:  http.StatusServiceUnavailable,
	cad.EINTERNAL:     http.StatusInternalServerError,
}

// Codes of errors that only the HTTP layer produces.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeUnsupportedMedia = "unsupported_media_type"
)

// classify decides status, code and caller-safe message of any error of
// the request c.
func (s *Server) classify(c *echo.Context, err error) (status int, code, msg string) {
	var ce *cad.Error
	if errors.As(err, &ce) {
		status, ok := statusOf[ce.Code]
		if !ok {
			return http.StatusInternalServerError, cad.EINTERNAL, "Internal server error"
		}
		return status, ce.Code, ce.Message
	}
	// Reading a body past the limit fails inside a decoder; the limit's own
	// error is somewhere in the chain.
	if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
		return http.StatusRequestEntityTooLarge, cad.ETOOLARGE, s.tooLargeMessage(c)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable, cad.EUNAVAILABLE, "The request took too long; try again"
	}
	var sc echo.HTTPStatusCoder
	if errors.As(err, &sc) {
		switch st := sc.StatusCode(); st {
		case http.StatusNotFound:
			return st, cad.ENOTFOUND, "Route not found"
		case http.StatusMethodNotAllowed:
			return st, codeMethodNotAllowed, "Method not allowed"
		case http.StatusRequestEntityTooLarge:
			return st, cad.ETOOLARGE, s.tooLargeMessage(c)
		case http.StatusUnsupportedMediaType:
			return st, codeUnsupportedMedia, "Unsupported media type"
		case http.StatusBadRequest:
			return st, cad.EINVALID, "Bad request"
		case http.StatusUnauthorized:
			return st, cad.EUNAUTHORIZED, "Not authenticated"
		case http.StatusForbidden:
			return st, cad.EFORBIDDEN, "Forbidden"
		case http.StatusTooManyRequests:
			return st, cad.ERATELIMITED, "Too many requests"
		case http.StatusServiceUnavailable:
			return st, cad.EUNAVAILABLE, "Service unavailable"
		}
	}
	return http.StatusInternalServerError, cad.EINTERNAL, "Internal server error"
}

// clientGone reports whether the caller closed the connection before the
// answer: the caller's own context was cancelled. The deadline middleware
// hands that context back when the handler returns, so the server's own
// deadline, and its release of it, do not count (a 5xx then is an error).
func clientGone(c *echo.Context) bool {
	return errors.Is(c.Request().Context().Err(), context.Canceled)
}

// tooLargeMessage states the limit that applied: the route's own (8 MiB
// for images), not always body_limit.
func (s *Server) tooLargeMessage(c *echo.Context) string {
	return fmt.Sprintf("Request body too large (limit %d bytes)", s.bodyLimitOf(c))
}

// handleError is the one place where an error becomes an HTTP answer.
// Unknown errors are logged with their cause and answered with a generic
// 500; driver or internal text never reaches the client (R74).
func (s *Server) handleError(c *echo.Context, err error) {
	ctx := c.Request().Context()
	if resp, _ := echo.UnwrapResponse(c.Response()); resp != nil && resp.Committed {
		s.log.WarnContext(ctx, "error after the answer was sent", "error", err.Error(), "requestId", RequestIDFrom(ctx))
		return
	}
	status, code, msg := s.classify(c, err)
	setRefusalHeaders(c, err)
	switch {
	case status >= 500 && clientGone(c):
		// The caller hung up; nobody reads this answer and nothing failed.
		s.log.DebugContext(ctx, "client went away", "error", err.Error(), "requestId", RequestIDFrom(ctx))
	case status >= 500:
		s.log.ErrorContext(ctx, "request failed", "status", status, "error", err.Error(), "requestId", RequestIDFrom(ctx))
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(status)
	} else {
		werr = c.JSON(status, ErrorBody{Success: false, Msg: msg, Error: msg, Code: code, RequestID: RequestIDFrom(ctx)})
	}
	if werr != nil {
		s.log.DebugContext(ctx, "writing error answer failed", "error", werr.Error())
	}
}

package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// The request pipeline, outermost first:
//
//	request id -> access log (writes errors through the one error handler)
//	  -> recover -> body limit -> security headers -> CORS -> deadline -> route
//
// The access log sits outside recover so that a panic's 500 is logged like
// any other answer; everything after the deadline is added by later features
// (authenticate, guards, community scope) per route group.
func (s *Server) pipeline() error {
	s.echo.Pre(s.compat)
	s.echo.Use(requestID, s.accessLog, s.recoverPanics, s.limitBody, s.payload, s.securityHeaders)
	if len(s.cfg.CORSOrigins) > 0 {
		cors, err := middleware.CORSConfig{
			AllowOrigins:     s.cfg.CORSOrigins,
			AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:     []string{"Authorization", "Content-Type", "X-Api-Key", "X-Community-Id", HeaderRequestID},
			ExposeHeaders:    []string{HeaderRequestID, "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"},
			AllowCredentials: true,
			MaxAge:           600,
		}.ToMiddleware()
		if err != nil {
			return fmt.Errorf("cors: %w", err)
		}
		s.echo.Use(cors)
	}
	s.echo.Use(s.deadline)
	return nil
}

// limitBody bounds the request body: body_limit, or the route's own
// larger limit (images, bulk sync).
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	std := middleware.BodyLimit(s.cfg.BodyLimit)(next)
	sized := map[int64]echo.HandlerFunc{}
	for _, n := range []int64{ImageBodyLimit, BulkBodyLimit} { // the limits BodyLimit takes
		sized[n] = middleware.BodyLimit(n)(next)
	}
	return func(c *echo.Context) error {
		if h, ok := sized[s.bodyLimitOf(c)]; ok {
			return h(c)
		}
		return std(c)
	}
}

// bodyLimitOf is the largest body the request's route takes: its own
// limit, else body_limit. The 413 states it.
func (s *Server) bodyLimitOf(c *echo.Context) int64 {
	return s.routeBodyLimit(c.Request().Method, c.Path())
}

func (s *Server) routeBodyLimit(method, path string) int64 {
	if n, ok := s.bodyLimits[method+" "+path]; ok {
		return n
	}
	return s.cfg.BodyLimit
}

// payload applies the x-payload rule (compat.go) after the request id is
// known, so that a malformed one answers with the standard body.
func (s *Server) payload(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if err := payloadBody(c.Request()); err != nil {
			return err
		}
		return next(c)
	}
}

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = "X-Request-ID"

type ctxKey int

const requestIDKey ctxKey = iota

// RequestIDFrom returns the request id that the pipeline put in ctx, for
// logs and audit records further down.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID keeps a caller's X-Request-ID when it is a sane token (so a
// proxy's id can be followed through), otherwise makes one, and echoes it.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(HeaderRequestID, id)
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), requestIDKey, id)))
		return next(c)
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// accessLog writes one structured line per request. It logs the route
// pattern and the path without its query string, and never a header value,
// so Authorization, Cookie and x-api-key cannot reach the log (R71, R78).
// Errors are written here, through the one error handler, so that the line
// carries the status the client really got.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			s.handleError(c, err)
		}
		resp, status := echo.ResolveResponseStatus(c.Response(), nil)
		var size int64
		if resp != nil {
			size = resp.Size
		}
		req := c.Request()
		level := slog.LevelInfo
		if status >= 500 && !clientGone(c) {
			level = slog.LevelError
		}
		took := time.Since(start)
		route := c.Path()
		if route == "" {
			route = "unmatched" // 404s: never the raw path, which would grow without bound
		}
		path := req.URL.Path
		if s.secretPaths[req.Method+" "+c.Path()] {
			path = c.Path()
		}
		s.deps.Metrics.Request(route, req.Method, status, took)
		s.log.LogAttrs(req.Context(), level, "request",
			slog.String("method", req.Method),
			slog.String("route", c.Path()),
			slog.String("path", path),
			slog.Int("status", status),
			slog.Float64("latencyMs", float64(took.Microseconds())/1000),
			slog.Int64("bytes", size),
			slog.String("requestId", RequestIDFrom(req.Context())),
			slog.String("ip", c.RealIP()),
		)
		return nil
	}
}

// recoverPanics turns a panic into an ordinary error; the stack goes to the
// log, never to the client (R74).
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			stack := make([]byte, 8<<10)
			stack = stack[:runtime.Stack(stack, false)]
			s.log.ErrorContext(c.Request().Context(), "panic in handler",
				"panic", fmt.Sprint(r), "stack", string(stack), "requestId", RequestIDFrom(c.Request().Context()))
			err = errors.New("panic recovered")
		}()
		return next(c)
	}
}

// securityHeaders are sent on every answer. The API serves JSON, so the
// content security policy forbids everything; the docs page sets its own.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	hsts := s.cfg.Secure()
	return func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// deadline gives every request a context deadline (R81), so that no
// database call can outlive it. The deadline is the handler's: when it
// returns, the request gets the caller's own context back, so that the
// error handler and the access log after it see a cancelled context only
// when the caller hung up (clientGone), not because this deadline passed
// or was released.
func (s *Server) deadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if s.longLived[c.Path()] {
			// Sockets and long polls live past any request deadline;
			// their own heartbeats bound them.
			return next(c)
		}
		req := c.Request()
		ctx, cancel := context.WithTimeout(req.Context(), s.cfg.RequestTimeout)
		defer cancel()
		defer c.SetRequest(req)
		c.SetRequest(req.WithContext(ctx))
		return next(c)
	}
}

// ipExtractor believes X-Forwarded-For only when the peer is one of the
// trusted proxies, and then only the entries they added: the client IP is
// the nearest address that is not a trusted proxy. With no trusted proxies
// it is always the peer address, so a client cannot choose its own IP (R11).
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

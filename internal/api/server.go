// Package api is Precinct's HTTP edge: the Echo server, the request pipeline,
// one file per route area, and the one error handler that turns every error
// into the standard body. Handlers return errors; they never write them.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/civil"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/dispatch"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/ratelimit"
	"github.com/precinct-cad/precinct/internal/realtime"
)

// HealthChecker answers whether the database is reachable.
type HealthChecker interface {
	Ping(ctx context.Context) error
}

// Deps is everything the HTTP layer needs. cmd/precinct builds it; tests
// build it on a throwaway database.
type Deps struct {
	Config    *config.Config
	Health    HealthChecker
	Auth      *auth.Service
	Community *community.Service
	Civil     *civil.Service
	Dispatch  *dispatch.Service
	// Hub delivers events to /socket.io/ and /api/events; nil leaves them
	// out.
	Hub     *realtime.Hub
	Logger  *slog.Logger
	Version string
	// Metrics records what /metrics serves; nil records nothing and
	// leaves /metrics answering 404.
	Metrics *metrics.Metrics
}

// Server is the HTTP application: routes, pipeline and error handling.
type Server struct {
	echo   *echo.Echo
	cfg    *config.Config
	log    *slog.Logger
	deps   Deps
	access map[string]Access // "METHOD path" -> who may call it
	groups map[string]Group  // "METHOD path" -> its rate-limit group
	// bodyLimits are the routes allowed bodies over body_limit.
	bodyLimits map[string]int64

	limiter     *ratelimit.Limiter
	crossOrigin *http.CrossOriginProtection
	gateway     *realtime.Gateway
	stream      *realtime.Stream
}

// New builds the application. It registers every route; nothing is added
// after it returns, which keeps the router free of data races.
func New(d Deps) (*Server, error) {
	if d.Config == nil || d.Health == nil || d.Auth == nil || d.Community == nil || d.Civil == nil || d.Dispatch == nil {
		return nil, errors.New("api: Config, Health, Auth, Community, Civil and Dispatch are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	s := &Server{cfg: d.Config, log: d.Logger, deps: d, access: map[string]Access{}, groups: map[string]Group{}, bodyLimits: map[string]int64{},
		limiter: ratelimit.New(d.Auth.Now)}
	cop, err := newCrossOrigin(d.Config.PublicURL, d.Config.CORSOrigins)
	if err != nil {
		return nil, err
	}
	s.crossOrigin = cop

	e := echo.NewWithConfig(echo.Config{
		Logger:           d.Logger,
		HTTPErrorHandler: s.handleError,
		IPExtractor:      ipExtractor(d.Config.TrustedProxies),
		// The browser dashboard (package web) answers what no route does.
		Router: echo.NewRouter(echo.RouterConfig{NotFoundHandler: dashboard}),
	})
	s.echo = e
	if err := s.pipeline(); err != nil {
		return nil, err
	}
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close ends what the server runs beside its routes (the Socket.IO
// server).
func (s *Server) Close() {
	if s.gateway != nil {
		s.gateway.Close()
	}
}

// Handler is the http.Handler of the application.
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists every registered route with the access rule it declared.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Router().Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		a, ok := s.access[r.Method+" "+r.Path]
		out = append(out, Route{Method: r.Method, Path: r.Path, Access: a, Declared: ok, Limit: s.groups[r.Method+" "+r.Path],
			BodyLimit: s.routeBodyLimit(r.Method, r.Path)})
	}
	return out
}

// Route is one registered route.
type Route struct {
	Method   string
	Path     string
	Access   Access
	Declared bool // false means the route was added without an access rule: a bug
	Limit    Group
	// BodyLimit is the largest request body the route takes.
	BodyLimit int64
}

// add registers a route together with the rule for who may call it and
// its rate-limit group. Every route goes through here, so a test can prove
// that none is left open by accident, and that each is limited as
// documented.
func (s *Server) add(method, path string, access Access, h echo.HandlerFunc, opts ...routeOption) {
	spec := routeSpec{group: defaultGroup(access)}
	for _, o := range opts {
		o(&spec)
	}
	chain := s.guard(access)
	if spec.before != nil {
		chain = append([]echo.MiddlewareFunc{spec.before}, chain...)
	}
	if spec.group != GroupNone {
		// After the credential is known (the first two steps of every
		// guard: authenticate, then the user or server check), before the
		// community scope and its reads.
		at := min(2, len(chain))
		if spec.before != nil {
			at = min(3, len(chain))
		}
		chain = append(chain[:at:at], append([]echo.MiddlewareFunc{s.limit(spec.group)}, chain[at:]...)...)
	}
	s.echo.Add(method, path, h, chain...)
	s.access[method+" "+path] = access
	s.groups[method+" "+path] = spec.group
	if spec.bodyLimit > 0 {
		s.bodyLimits[method+" "+path] = spec.bodyLimit
	}
}

// HTTPServer returns an http.Server with every timeout set (R73), so that a
// slow or idle client cannot hold a connection for ever.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 5 * time.Second,
		// A 1 MiB body over a slow link takes a while; the handler's own
		// deadline starts only after the body is read.
		ReadTimeout: 30 * time.Second,
		// Long enough for the request deadline plus writing the answer.
		WriteTimeout:   s.cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve answers requests on ln until ctx is cancelled, then stops accepting,
// lets in-flight requests finish for up to the shutdown timeout, and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("shutdown timeout reached; closing remaining connections", "timeout", s.cfg.ShutdownTimeout.String())
		_ = srv.Close()
		err = nil
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

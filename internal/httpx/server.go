// Package httpx is Precinct's request pipeline, which every area's routes
// go through: the Echo server, its middleware (request id, access log,
// recover, body limits, security headers, CORS, the deadline),
// authentication, the community scope, the access rules and rate limits
// each route declares, the one error handler that turns every error into
// the standard body, JSON binding and pagination, the loose request types
// and the CDE compatibility rules of the FiveM routes, the request bodies
// and answers several areas share (wire.go, records.go), and the health,
// metrics and docs routes. Handlers return errors; they never write them.
//
// It imports no area: each area's HTTP package (authhttp, civilhttp, ...)
// registers its routes with Server.Add, and the services the pipeline
// itself needs (authenticating a credential, resolving a community and the
// caller's standing there) come in through the interfaces of Deps.
package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/metrics"
	"github.com/precinct-cad/precinct/internal/ratelimit"
)

// HealthChecker answers whether the database is reachable.
type HealthChecker interface {
	Ping(ctx context.Context) error
}

// Authenticator resolves the credential of a request into its principal
// (auth.Service does).
type Authenticator interface {
	// Authenticate returns the principal of the request's credential, nil
	// when it carries none, or an error when one is present and does not
	// hold.
	Authenticate(ctx context.Context, r *http.Request, cl cad.Client) (*cad.Principal, error)
	// RenewCookie lets a browser session's cookie live on after a use of
	// the session was recorded.
	RenewCookie(r *http.Request, w http.ResponseWriter, s *cad.Session) error
}

// Tenancy resolves the community a request names and the caller's
// standing there, and records a Super Admin's entry into a community they
// are not a member of (community.Service does).
type Tenancy interface {
	Resolve(ctx context.Context, ref string) (*cad.Community, error)
	ProbeAbsent(ctx context.Context, p *cad.Principal)
	ScopeFor(ctx context.Context, p *cad.Principal, com *cad.Community) (*cad.Scope, error)
	AuditSuperAdminEntry(ctx context.Context, a cad.Actor, communityID, route string)
}

// Deps is everything the pipeline needs. internal/app builds it; tests
// build it on a throwaway database.
type Deps struct {
	Config  *config.Config
	Health  HealthChecker
	Auth    Authenticator
	Tenancy Tenancy
	// Now is the rate limits' clock.
	Now     func() time.Time
	Logger  *slog.Logger
	Version string
	// Metrics records what /metrics serves; nil records nothing and
	// leaves /metrics answering 404.
	Metrics *metrics.Metrics
	// Dashboard is the browser app (package web); nil serves none.
	Dashboard Dashboard
}

// Dashboard is the browser app: it answers the pages and assets that no
// route does, and GET / for a browser.
type Dashboard interface {
	http.Handler
	// Serves reports whether r is the app's: an asset, or a page asked for
	// as HTML at any path but the server's own.
	Serves(r *http.Request) bool
}

// dashboard answers what no route does (the router's NotFoundHandler): the
// browser app when the request is the app's, else the standard JSON 404. A
// wrong method on an existing route stays the router's 405.
func (s *Server) dashboard(c *echo.Context) error {
	app := s.deps.Dashboard
	if app == nil || !app.Serves(c.Request()) {
		return echo.ErrNotFound
	}
	app.ServeHTTP(c.Response(), c.Request())
	return nil
}

// Server is the HTTP application: the pipeline, the routes every area
// registered, and the error handling.
type Server struct {
	echo   *echo.Echo
	cfg    *config.Config
	log    *slog.Logger
	deps   Deps
	access map[string]Access // "METHOD path" -> who may call it
	groups map[string]Group  // "METHOD path" -> its rate-limit group
	// bodyLimits are the routes allowed bodies over body_limit.
	bodyLimits map[string]int64
	// longLived are the paths whose connections outlive any request
	// deadline (a socket, an event stream).
	longLived map[string]bool
	// secretPaths are the routes ("METHOD pattern") whose path the access
	// log does not write.
	secretPaths map[string]bool
	// closers end what routes run beside them (the Socket.IO server).
	closers []func()

	limiter     *ratelimit.Limiter
	crossOrigin *http.CrossOriginProtection
	extractIP   echo.IPExtractor
}

// New builds the pipeline with its own routes (the probes, /metrics and the
// docs). The areas add theirs with Add before the server answers its first
// request; nothing is added after, which keeps the router free of data
// races.
func New(d Deps) (*Server, error) {
	if d.Config == nil || d.Health == nil || d.Auth == nil || d.Tenancy == nil {
		return nil, errors.New("httpx: Config, Health, Auth and Tenancy are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{cfg: d.Config, log: d.Logger, deps: d, access: map[string]Access{}, groups: map[string]Group{}, bodyLimits: map[string]int64{},
		longLived: map[string]bool{}, secretPaths: map[string]bool{}, limiter: ratelimit.New(d.Now), extractIP: ipExtractor(d.Config.TrustedProxies)}
	cop, err := newCrossOrigin(d.Config.PublicURL, d.Config.CORSOrigins)
	if err != nil {
		return nil, err
	}
	s.crossOrigin = cop

	e := echo.NewWithConfig(echo.Config{
		Logger:           d.Logger,
		HTTPErrorHandler: s.handleError,
		IPExtractor:      s.extractIP,
		// The browser dashboard answers what no route does.
		Router: echo.NewRouter(echo.RouterConfig{NotFoundHandler: s.dashboard}),
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
	for _, f := range s.closers {
		f()
	}
}

// OnClose has Close call f: a route's area hands over what it runs beside
// its routes.
func (s *Server) OnClose(f func()) { s.closers = append(s.closers, f) }

// Config is the configuration the server was built with.
func (s *Server) Config() *config.Config { return s.cfg }

// Logger is the application's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// ClientIP is the address a request comes from, by the trusted-proxy rule
// of the pipeline (for connections that outgrow a request: a socket).
func (s *Server) ClientIP(r *http.Request) string { return s.extractIP(r) }

// TrustedOrigin reports whether a browser origin is Precinct's own or a
// configured one.
func (s *Server) TrustedOrigin(origin string) bool {
	if origin == s.cfg.PublicURL {
		return true
	}
	for _, o := range s.cfg.CORSOrigins {
		if o == origin {
			return true
		}
	}
	return false
}

// CheckCrossOrigin refuses a state-changing request from a browser on
// another site (R47): what a route whose credential is a cookie of its own
// checks (the pending Discord registration).
func (s *Server) CheckCrossOrigin(r *http.Request) error {
	if err := s.crossOrigin.Check(r); err != nil {
		return cad.Errorf(cad.EFORBIDDEN, "Cross-site request refused")
	}
	return nil
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

// Add registers a route together with the rule for who may call it and
// its rate-limit group. Every route goes through here, so a test can prove
// that none is left open by accident, and that each is limited as
// documented.
func (s *Server) Add(method, path string, access Access, h echo.HandlerFunc, opts ...RouteOption) {
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
	if spec.longLived {
		s.longLived[path] = true
	}
	if spec.secretPath {
		s.secretPaths[method+" "+path] = true
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

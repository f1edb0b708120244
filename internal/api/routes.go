package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/web"
)

// routes registers every route of the application, grouped by area; each
// area lives in its own file.
func (s *Server) routes() error {
	// Probes answer GET and HEAD (load balancers use HEAD), unlimited.
	for _, p := range []struct {
		path string
		h    func(*echo.Context) error
	}{{"/", s.root}, {"/healthz", s.healthz}, {"/readyz", s.readyz}, {"/api/health", s.apiHealth}} {
		s.add(http.MethodGet, p.path, Public, p.h, limitGroup(GroupNone))
		s.add(http.MethodHead, p.path, Public, p.h, limitGroup(GroupNone))
	}
	s.add(http.MethodGet, "/metrics", Operator, s.metricsHandler, limitGroup(GroupNone))
	s.authRoutes()
	s.discordRoutes()
	s.communityRoutes()
	s.civilRoutes()
	s.fivemCivilRoutes()
	s.dispatchRoutes()
	s.fivemDispatchRoutes()
	s.realtimeRoutes()
	return s.docsRoutes()
}

// dashboard answers what no route does (server.go: the router's
// NotFoundHandler): the browser app when the request is the app's (a page
// asked for as HTML, or an asset), else the standard JSON 404. A wrong
// method on an existing route stays the router's 405.
func dashboard(c *echo.Context) error {
	app := web.Default()
	if !app.Serves(c.Request()) {
		return echo.ErrNotFound
	}
	app.ServeHTTP(c.Response(), c.Request())
	return nil
}

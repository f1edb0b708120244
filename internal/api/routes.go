package api

import (
	"net/http"

	"github.com/labstack/echo/v5"
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

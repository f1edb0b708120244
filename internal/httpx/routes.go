package httpx

import (
	"net/http"

	"github.com/labstack/echo/v5"
)

// routes registers the pipeline's own routes: the probes, /metrics and the
// docs. Each area registers its own (internal/app calls them in turn).
func (s *Server) routes() error {
	// Probes answer GET and HEAD (load balancers use HEAD), unlimited.
	for _, p := range []struct {
		path string
		h    func(*echo.Context) error
	}{{"/", s.root}, {"/healthz", s.healthz}, {"/readyz", s.readyz}, {"/api/health", s.apiHealth}} {
		s.Add(http.MethodGet, p.path, Public, p.h, Limit(GroupNone))
		s.Add(http.MethodHead, p.path, Public, p.h, Limit(GroupNone))
	}
	s.Add(http.MethodGet, "/metrics", Operator, s.metricsHandler, Limit(GroupNone))
	return s.docsRoutes()
}

package httpx

import (
	"crypto/subtle"
	"net"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// metricsHandler is GET /metrics: Prometheus's text format.
func (s *Server) metricsHandler(c *echo.Context) error {
	if s.deps.Metrics == nil {
		return cad.Errorf(cad.ENOTFOUND, "Not found")
	}
	s.deps.Metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// requireOperator admits a scraper: a client address in metrics_allow (by
// the trusted-proxy extractor, so X-Forwarded-For cannot fake one), or a
// bearer token equal to metrics_token. Anyone else gets a 403: metrics name
// routes and counts that are nobody else's business.
func (s *Server) requireOperator(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if ip := net.ParseIP(c.RealIP()); ip != nil {
			for _, n := range s.cfg.MetricsAllow {
				if n.Contains(ip) {
					return next(c)
				}
			}
		}
		if tok := s.cfg.MetricsToken; tok != "" {
			h := c.Request().Header.Get("Authorization")
			if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") && subtle.ConstantTimeCompare([]byte(h[7:]), []byte(tok)) == 1 {
				return next(c)
			}
		}
		return cad.Errorf(cad.EFORBIDDEN, "Metrics are read from an allowed address (metrics_allow) or with the metrics token")
	}
}

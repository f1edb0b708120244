package httpx

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
)

// readyTimeout bounds the database ping of the readiness checks, so that a
// probe answers 503 quickly during an outage instead of hanging.
const readyTimeout = time.Second

// root answers GET /. The existing FiveM resources probe the site root to
// decide whether the CAD is online, so it must answer 200 without a
// credential and without touching the database. A browser asking for a
// page (Accept: text/html) gets the dashboard instead.
func (s *Server) root(c *echo.Context) error {
	if s.deps.Dashboard != nil && s.deps.Dashboard.Serves(c.Request()) {
		return s.dashboard(c)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"name":    "Precinct",
		"status":  "online",
		"version": s.deps.Version,
		"docs":    "/api/docs",
		"openapi": "/api/openapi.yaml",
		"health":  "/api/health",
	})
}

// healthz is liveness: the process runs and serves HTTP. It never depends on
// the database, so an outage does not get the process restarted.
func (s *Server) healthz(c *echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is readiness: 200 while the database answers a ping within a
// second, 503 with the standard error body otherwise.
func (s *Server) readyz(c *echo.Context) error {
	if err := s.pingDB(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// apiHealth is readyz with the version, for people and dashboards.
func (s *Server) apiHealth(c *echo.Context) error {
	if err := s.pingDB(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "database": "ok", "version": s.deps.Version})
}

func (s *Server) pingDB(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	return s.deps.Health.Ping(ctx)
}

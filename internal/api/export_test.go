package api

import (
	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/httpx"
)

// AddForTest registers a route the tests need (a JSON endpoint, a panic)
// through the same path as real routes, so it runs the whole pipeline.
func (s *Server) AddForTest(method, path string, h echo.HandlerFunc) {
	s.Add(method, path, httpx.Public, h)
}

// BindJSON exposes bindJSON to the tests' handlers.
func BindJSON(c *echo.Context, dst any) error { return httpx.BindJSON(c, dst) }

// AddScopedForTest registers a member route without the community in its
// path, to test where the scope finds the community.
func (s *Server) AddScopedForTest(method, path string, h echo.HandlerFunc) {
	s.Add(method, path, httpx.Member, h)
}

// ScopeCommunityForTest is the id of the request's scoped community.
func ScopeCommunityForTest(c *echo.Context) string { return httpx.ScopeOf(c).Community.ID }

// AddUnlimitedForTest is AddForTest in the group that is never limited.
func (s *Server) AddUnlimitedForTest(method, path string, h echo.HandlerFunc) {
	s.Add(method, path, httpx.Public, h, httpx.Limit(httpx.GroupNone))
}

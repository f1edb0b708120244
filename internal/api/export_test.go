package api

import "github.com/labstack/echo/v5"

// AddForTest registers a route the tests need (a JSON endpoint, a panic)
// through the same path as real routes, so it runs the whole pipeline.
func (s *Server) AddForTest(method, path string, h echo.HandlerFunc) {
	s.add(method, path, Public, h)
}

// BindJSON exposes bindJSON to the tests' handlers.
func BindJSON(c *echo.Context, dst any) error { return bindJSON(c, dst) }

// AddScopedForTest registers a member route without the community in its
// path, to test where the scope finds the community.
func (s *Server) AddScopedForTest(method, path string, h echo.HandlerFunc) {
	s.add(method, path, Member, h)
}

// ScopeCommunityForTest is the id of the request's scoped community.
func ScopeCommunityForTest(c *echo.Context) string { return scopeOf(c).Community.ID }

// AddUnlimitedForTest is AddForTest in the group that is never limited.
func (s *Server) AddUnlimitedForTest(method, path string, h echo.HandlerFunc) {
	s.add(method, path, Public, h, limitGroup(GroupNone))
}

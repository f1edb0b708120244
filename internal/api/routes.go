package api

import "net/http"

// routes registers every route of the application, grouped by area; each
// area lives in its own file.
func (s *Server) routes() error {
	s.add(http.MethodGet, "/", Public, s.root)
	s.add(http.MethodGet, "/healthz", Public, s.healthz)
	s.add(http.MethodGet, "/readyz", Public, s.readyz)
	s.add(http.MethodGet, "/api/health", Public, s.apiHealth)
	s.authRoutes()
	s.discordRoutes()
	s.communityRoutes()
	return s.docsRoutes()
}

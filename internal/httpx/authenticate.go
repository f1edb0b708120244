package httpx

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

const principalKey = "precinct.principal"

// PrincipalOf returns the request's principal, or nil.
func PrincipalOf(c *echo.Context) *cad.Principal {
	p, _ := c.Get(principalKey).(*cad.Principal)
	return p
}

// authenticate resolves the credential into the Principal. It refuses only a
// credential that is present and does not hold (401); with none, the route's
// guard decides. A state-changing request authenticated by the session
// cookie must come from Precinct's own origin or a configured one, or it is
// refused (403, R47): a bearer token is never sent by a browser on its own,
// so only the cookie needs this.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		p, err := s.deps.Auth.Authenticate(c.Request().Context(), c.Request(), ClientOf(c))
		if err != nil {
			return err
		}
		if p != nil && p.ViaCookie && !safeMethod(c.Request().Method) {
			if err := s.CheckCrossOrigin(c.Request()); err != nil {
				return err
			}
		}
		if p != nil && p.ViaCookie && p.Touched {
			// The session's use was recorded: the cookie lives on from
			// now (24 hours, or 30 days when remembered).
			if err := s.deps.Auth.RenewCookie(c.Request(), c.Response(), p.Session); err != nil {
				return err
			}
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// newCrossOrigin trusts the public URL's origin and the configured CORS
// origins; other browsers' cross-site requests carry Sec-Fetch-Site or
// Origin and are refused.
func newCrossOrigin(publicURL string, origins []string) (*http.CrossOriginProtection, error) {
	cop := http.NewCrossOriginProtection()
	for _, o := range append([]string{publicURL}, origins...) {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	return cop, nil
}

// ClientOf describes the caller for limits and the audit trail.
func ClientOf(c *echo.Context) cad.Client {
	return cad.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent(), RequestID: RequestIDFrom(c.Request().Context())}
}

package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
)

// discordRoutes are the Discord sign-in flow of the reference, and the
// password setting it enables.
func (s *Server) discordRoutes() {
	s.add(http.MethodGet, "/api/auth/discord", Public, s.discordStart)
	s.add(http.MethodGet, "/api/auth/discord/callback", Public, s.discordCallback)
	s.add(http.MethodPost, "/api/auth/complete-registration", Public, s.completeRegistration)
	s.add(http.MethodPut, "/api/auth/password", AnyUser, s.setPassword)
}

// localPath keeps returnTo only when it is a path on this site: no scheme,
// no host, no protocol-relative or backslash tricks (R52).
func localPath(p string) string {
	if p == "" || len(p) > 512 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return ""
	}
	return p
}

// wantsJSON tells an API client (which asks for JSON) from a browser.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// dashboard builds a URL under the configured dashboard.
func (s *Server) dashboard(path string, q url.Values) string {
	base := strings.TrimRight(s.cfg.DashboardURL, "/")
	if path == "" && base == "" {
		path = "/"
	}
	out := base + path
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	return out
}

func (s *Server) discordStart(c *echo.Context) error {
	u, err := s.deps.Auth.DiscordStart(c.Request().Context(), c.Response(), localPath(c.QueryParam("returnTo")))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, u)
}

// discordCallback answers JSON to clients that ask for it, and redirects
// browsers to the dashboard (or its /register page, or back with ?error=).
func (s *Server) discordCallback(c *echo.Context) error {
	out, err := s.deps.Auth.DiscordCallback(c.Request().Context(), c.Response(), c.Request(), clientOf(c))
	asJSON := wantsJSON(c.Request())
	if err != nil {
		if asJSON || errors.Is(err, auth.ErrDiscordOff) {
			return err
		}
		reason := "error"
		var de *auth.DiscordError
		if errors.As(err, &de) {
			reason = de.Reason
		} else if cad.ErrorCode(err) == cad.ERATELIMITED {
			reason = "rate_limited"
		}
		return c.Redirect(http.StatusFound, s.dashboard("", url.Values{"error": {reason}}))
	}
	if out.Registration {
		if asJSON {
			return c.JSON(http.StatusOK, map[string]any{
				"registrationRequired": true, "discordId": out.DiscordID, "discordUsername": out.DiscordUsername,
			})
		}
		// The /register page needs the Discord account it completes (not a
		// secret: the pending registration is bound to this browser's cookie).
		return c.Redirect(http.StatusFound, s.dashboard("/register", url.Values{"discordId": {out.DiscordID}, "discordUsername": {out.DiscordUsername}}))
	}
	if asJSON {
		return c.JSON(http.StatusOK, map[string]any{"token": out.Issued.Token, "user": userOut(out.Issued.User)})
	}
	return c.Redirect(http.StatusFound, s.dashboard(out.ReturnTo, nil))
}

func (s *Server) completeRegistration(c *echo.Context) error {
	// The pending registration's cookie is this route's credential, so a
	// cross-site page must not be able to use it (R47).
	if err := s.crossOrigin.Check(c.Request()); err != nil {
		return cad.Errorf(cad.EFORBIDDEN, "Cross-site request refused")
	}
	var in struct {
		DiscordID         string `json:"discordId"`
		Username          string `json:"username"`
		Password          string `json:"password"`
		SecurityQuestion1 string `json:"securityQuestion1"`
		SecurityAnswer1   string `json:"securityAnswer1"`
		SecurityQuestion2 string `json:"securityQuestion2"`
		SecurityAnswer2   string `json:"securityAnswer2"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.DiscordID == "" || in.Username == "" || in.Password == "" {
		return cad.Errorf(cad.EINVALID, "discordId, username and password are required")
	}
	issued, err := s.deps.Auth.CompleteRegistration(c.Request().Context(), c.Response(), c.Request(), auth.Registration{
		DiscordID: in.DiscordID, Username: in.Username, Password: in.Password,
		SecurityQuestion1: in.SecurityQuestion1, SecurityAnswer1: in.SecurityAnswer1,
		SecurityQuestion2: in.SecurityQuestion2, SecurityAnswer2: in.SecurityAnswer2,
	}, clientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": issued.Token, "user": userOut(issued.User)})
}

func (s *Server) setPassword(c *echo.Context) error {
	var in struct {
		NewPassword string `json:"newPassword"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.NewPassword == "" {
		return cad.Errorf(cad.EINVALID, "newPassword is required")
	}
	if err := s.deps.Auth.SetPasswordAfterDiscord(c.Request().Context(), principalOf(c), in.NewPassword, clientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password set successfully"})
}

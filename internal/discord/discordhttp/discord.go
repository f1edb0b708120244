// Package discordhttp is the HTTP of the Discord sign-in: the start and
// callback of the OAuth flow (to sign in, or to link Discord to the
// signed-in account), the registration of a new account, and the password
// a fresh Discord sign-in may set.
package discordhttp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// Register adds the Discord sign-in routes to s: the flow of the
// reference, and the password setting it enables. signIn runs it.
func Register(s *httpx.Server, signIn SignIn) {
	h := &handlers{signIn: signIn, s: s}
	s.Add(http.MethodGet, "/api/auth/discord", httpx.Public, h.discordStart)
	s.Add(http.MethodGet, "/api/auth/discord/callback", httpx.Public, h.discordCallback)
	s.Add(http.MethodPost, "/api/auth/complete-registration", httpx.Public, h.completeRegistration)
	s.Add(http.MethodPut, "/api/auth/password", httpx.AnyUser, h.setPassword)
}

// SignIn is the Discord sign-in (auth.Service runs it: the sessions and
// accounts it makes are authentication's).
type SignIn interface {
	DiscordStart(ctx context.Context, w http.ResponseWriter, returnTo string) (string, error)
	DiscordLinkStart(ctx context.Context, w http.ResponseWriter, r *http.Request, cl cad.Client) (string, error)
	DiscordCallback(ctx context.Context, w http.ResponseWriter, r *http.Request, cl cad.Client) (*cad.DiscordOutcome, error)
	CompleteRegistration(ctx context.Context, w http.ResponseWriter, r *http.Request, in cad.DiscordRegistration, cl cad.Client) (*cad.Issued, error)
	SetPasswordAfterDiscord(ctx context.Context, p *cad.Principal, next string, cl cad.Client) error
}

type handlers struct {
	signIn SignIn
	s      *httpx.Server // its configuration and cross-origin rule
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
func (h *handlers) dashboard(path string, q url.Values) string {
	base := strings.TrimRight(h.s.Config().DashboardURL, "/")
	if path == "" && base == "" {
		path = "/"
	}
	out := base + path
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	return out
}

// discordStart redirects to Discord: to sign in, or with link=1 to link
// Discord to the account signed in with this browser. A link that cannot
// start sends a browser back to its account page with the reason.
func (h *handlers) discordStart(c *echo.Context) error {
	ctx := c.Request().Context()
	if c.QueryParam("link") == "1" {
		u, err := h.signIn.DiscordLinkStart(ctx, c.Response(), c.Request(), httpx.ClientOf(c))
		if err != nil {
			return h.refuse(c, err)
		}
		return c.Redirect(http.StatusFound, u)
	}
	u, err := h.signIn.DiscordStart(ctx, c.Response(), localPath(c.QueryParam("returnTo")))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, u)
}

// refuse answers a failed flow: the error to JSON clients (and when
// Discord is off), else a redirect to the dashboard, or to the account
// page for a link, with ?error= and a short reason.
func (h *handlers) refuse(c *echo.Context, err error) error {
	if wantsJSON(c.Request()) || errors.Is(err, cad.ErrDiscordOff) {
		return err
	}
	reason, page := "error", ""
	var de *cad.DiscordError
	if errors.As(err, &de) {
		reason = de.Reason
		if de.Link {
			page = "/account"
		}
	} else if cad.ErrorCode(err) == cad.ERATELIMITED {
		reason = "rate_limited"
	}
	return c.Redirect(http.StatusFound, h.dashboard(page, url.Values{"error": {reason}}))
}

// discordCallback answers JSON to clients that ask for it, and redirects
// browsers to the dashboard (or its /register page, or back with ?error=;
// a link flow to the account page).
func (h *handlers) discordCallback(c *echo.Context) error {
	out, err := h.signIn.DiscordCallback(c.Request().Context(), c.Response(), c.Request(), httpx.ClientOf(c))
	asJSON := wantsJSON(c.Request())
	if err != nil {
		return h.refuse(c, err)
	}
	if out.Linked {
		if asJSON {
			return c.JSON(http.StatusOK, map[string]any{"linked": true, "discordId": out.DiscordID, "discordUsername": out.DiscordUsername})
		}
		return c.Redirect(http.StatusFound, h.dashboard("/account", url.Values{"linked": {"1"}}))
	}
	if out.Registration {
		if asJSON {
			return c.JSON(http.StatusOK, map[string]any{
				"registrationRequired": true, "discordId": out.DiscordID, "discordUsername": out.DiscordUsername,
			})
		}
		// The /register page needs the Discord account it completes (not a
		// secret: the pending registration is bound to this browser's cookie).
		return c.Redirect(http.StatusFound, h.dashboard("/register", url.Values{"discordId": {out.DiscordID}, "discordUsername": {out.DiscordUsername}}))
	}
	if asJSON {
		return c.JSON(http.StatusOK, map[string]any{"token": out.Issued.Token, "user": httpx.User(out.Issued.User)})
	}
	return c.Redirect(http.StatusFound, h.dashboard(out.ReturnTo, nil))
}

func (h *handlers) completeRegistration(c *echo.Context) error {
	// The pending registration's cookie is this route's credential, so a
	// cross-site page must not be able to use it (R47).
	if err := h.s.CheckCrossOrigin(c.Request()); err != nil {
		return err
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
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.DiscordID == "" || in.Username == "" || in.Password == "" {
		return cad.Errorf(cad.EINVALID, "discordId, username and password are required")
	}
	issued, err := h.signIn.CompleteRegistration(c.Request().Context(), c.Response(), c.Request(), cad.DiscordRegistration{
		DiscordID: in.DiscordID, Username: in.Username, Password: in.Password,
		SecurityQuestion1: in.SecurityQuestion1, SecurityAnswer1: in.SecurityAnswer1,
		SecurityQuestion2: in.SecurityQuestion2, SecurityAnswer2: in.SecurityAnswer2,
	}, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": issued.Token, "user": httpx.User(issued.User)})
}

func (h *handlers) setPassword(c *echo.Context) error {
	var in struct {
		NewPassword string `json:"newPassword"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.NewPassword == "" {
		return cad.Errorf(cad.EINVALID, "newPassword is required")
	}
	if err := h.signIn.SetPasswordAfterDiscord(c.Request().Context(), httpx.PrincipalOf(c), in.NewPassword, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password set successfully"})
}

// Package authhttp is the HTTP of authentication: password sign-in and
// the tablet's, sign-up, sessions and personal tokens, the security questions and
// the password reset, the profile (/api/auth/me), and the Super Admin's
// authentication trail. The Discord sign-in is discordhttp's.
package authhttp

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// Register adds the authentication routes to s: the sign-ins, sessions,
// tokens and password resets of the CDE CAD reference (matched exactly)
// and Precinct's additions. /api/auth/me lists the user's communities
// through com.
func Register(s *httpx.Server, a *auth.Service, com Memberships) {
	h := &handlers{auth: a, com: com, s: s}
	s.Add(http.MethodPost, "/api/auth/login", httpx.Public, h.login)
	s.Add(http.MethodPost, "/api/auth/tablet-login", httpx.Public, h.tabletLogin)
	s.Add(http.MethodPost, "/api/auth/register", httpx.Public, h.register)
	s.Add(http.MethodGet, "/api/auth/options", httpx.Public, h.options)
	s.Add(http.MethodGet, "/api/auth/me", httpx.AnyUser, h.me)
	s.Add(http.MethodGet, "/api/auth/user", httpx.AnyUser, h.authUser)
	s.Add(http.MethodPost, "/api/auth/logout", httpx.AnyUser, h.logout)
	s.Add(http.MethodPost, "/api/auth/change-password", httpx.AnyUser, h.changePassword)
	s.Add(http.MethodGet, "/api/auth/security-questions", httpx.Public, h.securityQuestions)
	s.Add(http.MethodPut, "/api/auth/security-questions", httpx.AnyUser, h.setSecurityQuestions)
	s.Add(http.MethodPost, "/api/auth/verify-security-answers", httpx.Public, h.verifySecurityAnswers)
	s.Add(http.MethodPost, "/api/auth/reset-password", httpx.Public, h.resetPassword)
	s.Add(http.MethodPost, "/api/auth/refresh", httpx.AnyUser, h.refresh)
	s.Add(http.MethodGet, "/api/auth/sessions", httpx.AnyUser, h.listSessions)
	s.Add(http.MethodDelete, "/api/auth/sessions", httpx.AnyUser, h.endOtherSessions)
	s.Add(http.MethodDelete, "/api/auth/sessions/:id", httpx.AnyUser, h.endSession)
	s.Add(http.MethodPost, "/api/auth/tokens", httpx.AnyUser, h.createToken)
	s.Add(http.MethodGet, "/api/admin/auth-events", httpx.SuperAdmin, h.authEvents)
	s.Add(http.MethodDelete, "/api/admin/users/:userId/sessions", httpx.SuperAdmin, h.endUserSessions)
}

// Memberships lists the communities a user belongs to, with their role
// and permissions in each (community.Service does).
type Memberships interface {
	CommunitiesOf(ctx context.Context, u *cad.User, guildID string) ([]cad.Standing, error)
}

type handlers struct {
	auth *auth.Service
	com  Memberships
	s    *httpx.Server // its cross-origin rule
}

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// RememberMe asks for a browser session of 30 days (login only).
	RememberMe bool `json:"rememberMe"`
}

func (in credentials) check() error {
	if strings.TrimSpace(in.Username) == "" || in.Password == "" {
		return cad.Errorf(cad.EINVALID, "username and password are required")
	}
	return nil
}

// login is POST /api/auth/login: a browser session, its cookie and a JWT.
func (h *handlers) login(c *echo.Context) error {
	var in credentials
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	out, err := h.auth.Login(ctx, in.Username, in.Password, cad.SessionBrowser, in.RememberMe, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	if err := h.auth.ReplaceCookieSession(ctx, c.Request()); err != nil {
		return err
	}
	if err := h.auth.Cookies().SetCookie(c.Request(), c.Response(), out.Secret, h.auth.CookieMaxAge(out.Session)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": out.Token, "user": httpx.User(out.User)})
}

// tabletLogin is POST /api/auth/tablet-login: a tablet session and a JWT,
// no cookie.
func (h *handlers) tabletLogin(c *echo.Context) error {
	var in credentials
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	out, err := h.auth.Login(c.Request().Context(), in.Username, in.Password, cad.SessionTablet, false, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"token": out.Token,
		"user":  map[string]string{"id": out.User.ID, "username": out.User.Username},
	})
}

// me is GET /api/auth/me: the profile with the user's communities, their
// role and permissions in each; ?guildId= narrows the list to one.
func (h *handlers) me(c *echo.Context) error {
	u := httpx.PrincipalOf(c).User
	sums, err := h.com.CommunitiesOf(c.Request().Context(), u, c.QueryParam("guildId"))
	if err != nil {
		return err
	}
	// Structs, not maps: dashboards poll /me, and a map's keys are
	// sorted at every encoding.
	type meCommunity struct {
		CommunityID string   `json:"communityId"`
		GuildID     string   `json:"guildId"`
		Name        string   `json:"name"`
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}
	coms := make([]meCommunity, len(sums))
	for i, sm := range sums {
		coms[i] = meCommunity{CommunityID: sm.Community.ID, GuildID: sm.Community.GuildID, Name: sm.Community.Name,
			Role: sm.Role, Permissions: sm.Permissions}
	}
	return c.JSON(http.StatusOK, struct {
		ID              string        `json:"id"`
		Username        string        `json:"username"`
		DiscordID       *string       `json:"discordId"`
		DiscordUsername *string       `json:"discordUsername"`
		Avatar          *string       `json:"avatar"`
		SuperAdmin      bool          `json:"superAdmin"`
		CreatedAt       time.Time     `json:"createdAt"`
		Communities     []meCommunity `json:"communities"`
	}{u.ID, u.Username, httpx.Nullable(u.DiscordID), httpx.Nullable(u.DiscordUsername), httpx.Nullable(u.Avatar), u.SuperAdmin, u.CreatedAt, coms})
}

// authUser is GET /api/auth/user, the quick check.
func (h *handlers) authUser(c *echo.Context) error {
	u := httpx.PrincipalOf(c).User
	return c.JSON(http.StatusOK, map[string]any{
		"authenticated": true,
		"user":          map[string]string{"id": u.ID, "username": u.Username},
	})
}

// logout ends the session behind whichever credential was used, so the
// cookie and every JWT of the session stop working at once.
func (h *handlers) logout(c *echo.Context) error {
	if err := h.auth.Logout(c.Request().Context(), httpx.PrincipalOf(c), httpx.ClientOf(c)); err != nil {
		return err
	}
	h.auth.Cookies().ClearCookie(c.Request(), c.Response())
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Logged out successfully"})
}

func (h *handlers) changePassword(c *echo.Context) error {
	var in struct {
		CurrentPassword string `json:"currentPassword"`
		NewPassword     string `json:"newPassword"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.CurrentPassword == "" || in.NewPassword == "" {
		return cad.Errorf(cad.EINVALID, "currentPassword and newPassword are required")
	}
	if err := h.auth.ChangePassword(c.Request().Context(), httpx.PrincipalOf(c), in.CurrentPassword, in.NewPassword, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password changed successfully"})
}

func (h *handlers) securityQuestions(c *echo.Context) error {
	username := c.QueryParam("username")
	if strings.TrimSpace(username) == "" || len(username) > 256 {
		return cad.Errorf(cad.EINVALID, "username is required")
	}
	q1, q2, err := h.auth.SecurityQuestionsFor(c.Request().Context(), username, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"securityQuestion1": q1, "securityQuestion2": q2})
}

type questionsIn struct {
	CurrentPassword   string `json:"currentPassword"`
	SecurityQuestion1 string `json:"securityQuestion1"`
	SecurityAnswer1   string `json:"securityAnswer1"`
	SecurityQuestion2 string `json:"securityQuestion2"`
	SecurityAnswer2   string `json:"securityAnswer2"`
}

func (h *handlers) setSecurityQuestions(c *echo.Context) error {
	var in questionsIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.CurrentPassword == "" || in.SecurityQuestion1 == "" || in.SecurityAnswer1 == "" || in.SecurityQuestion2 == "" || in.SecurityAnswer2 == "" {
		return cad.Errorf(cad.EINVALID, "currentPassword and both security questions and answers are required")
	}
	if err := h.auth.SetSecurityQuestions(c.Request().Context(), httpx.PrincipalOf(c), in.CurrentPassword,
		in.SecurityQuestion1, in.SecurityAnswer1, in.SecurityQuestion2, in.SecurityAnswer2, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Security questions updated"})
}

func (h *handlers) verifySecurityAnswers(c *echo.Context) error {
	var in struct {
		Username        string `json:"username"`
		SecurityAnswer1 string `json:"securityAnswer1"`
		SecurityAnswer2 string `json:"securityAnswer2"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Username) == "" || in.SecurityAnswer1 == "" || in.SecurityAnswer2 == "" {
		return cad.Errorf(cad.EINVALID, "username, securityAnswer1 and securityAnswer2 are required")
	}
	tok, err := h.auth.VerifySecurityAnswers(c.Request().Context(), in.Username, in.SecurityAnswer1, in.SecurityAnswer2, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "resetToken": tok})
}

func (h *handlers) resetPassword(c *echo.Context) error {
	var in struct {
		ResetToken  string `json:"resetToken"`
		NewPassword string `json:"newPassword"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.ResetToken == "" || in.NewPassword == "" {
		return cad.Errorf(cad.EINVALID, "resetToken and newPassword are required")
	}
	if err := h.auth.ResetPassword(c.Request().Context(), in.ResetToken, in.NewPassword, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password has been reset successfully"})
}

func (h *handlers) refresh(c *echo.Context) error {
	tok, err := h.auth.Refresh(c.Request().Context(), httpx.PrincipalOf(c), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"token": tok})
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"userAgent"`
	Current    bool      `json:"current"`
}

func sessionOut(se *cad.Session, current string) sessionJSON {
	return sessionJSON{ID: se.ID, Kind: string(se.Kind), Name: se.Name, CreatedAt: se.CreatedAt, LastSeenAt: se.LastSeenAt,
		ExpiresAt: se.ExpiresAt, IP: se.IP, UserAgent: se.UserAgent, Current: se.ID == current}
}

func (h *handlers) listSessions(c *echo.Context) error {
	p := httpx.PrincipalOf(c)
	list, err := h.auth.Sessions(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := make([]sessionJSON, len(list))
	for i, se := range list {
		out[i] = sessionOut(se, p.Session.ID)
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": out})
}

func (h *handlers) endSession(c *echo.Context) error {
	id := c.Param("id")
	if len(id) != 64 {
		return cad.Errorf(cad.ENOTFOUND, "Session not found")
	}
	if err := h.auth.EndSession(c.Request().Context(), httpx.PrincipalOf(c), id, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Session ended"})
}

func (h *handlers) endOtherSessions(c *echo.Context) error {
	n, err := h.auth.EndOtherSessions(c.Request().Context(), httpx.PrincipalOf(c), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "ended": n})
}

func (h *handlers) createToken(c *echo.Context) error {
	var in struct {
		Name      string    `json:"name"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.ExpiresAt.IsZero() {
		return cad.Errorf(cad.EINVALID, "expiresAt is required (RFC 3339, at most one year ahead)")
	}
	p := httpx.PrincipalOf(c)
	out, err := h.auth.CreateToken(c.Request().Context(), p, in.Name, in.ExpiresAt, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": out.Token, "session": sessionOut(out.Session, p.Session.ID)})
}

// endUserSessions lets a Super Admin sign a user out everywhere (R33).
func (h *handlers) endUserSessions(c *echo.Context) error {
	n, err := h.auth.EndUserSessions(c.Request().Context(), httpx.PrincipalOf(c), c.Param("userId"), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "ended": n})
}

// authEvents is GET /api/admin/auth-events for Super Admins: filter by
// userId, type, since and until (RFC 3339), paged by the after cursor (or
// page) and limit.
func (h *handlers) authEvents(c *echo.Context) error {
	lp, err := httpx.ListParamsOf(c)
	if err != nil {
		return err
	}
	events, next, err := h.auth.AuthEvents(c.Request().Context(), httpx.PrincipalOf(c), cad.AuthEventFilter{
		UserID: c.QueryParam("userId"), Type: c.QueryParam("type"),
		Since: lp.Since, Until: lp.Until, After: lp.After, Offset: lp.Offset(), Limit: lp.Limit,
	})
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(events))
	for i, e := range events {
		out[i] = map[string]any{
			"id": e.ID, "type": e.Type, "outcome": e.Outcome, "userId": e.UserID, "username": e.Username,
			"sessionId": e.SessionID, "ip": e.IP, "userAgent": e.UserAgent, "requestId": e.RequestID,
			"detail": e.Detail, "time": e.Time,
		}
	}
	return c.JSON(http.StatusOK, lp.Answer("events", out, next))
}

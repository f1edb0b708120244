package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// authRoutes are the authentication endpoints of the CDE CAD reference
// (matched exactly) and Precinct's additions.
func (s *Server) authRoutes() {
	s.Add(http.MethodPost, "/api/auth/login", httpx.Public, s.login)
	s.Add(http.MethodPost, "/api/auth/tablet-login", httpx.Public, s.tabletLogin)
	s.Add(http.MethodGet, "/api/auth/me", httpx.AnyUser, s.me)
	s.Add(http.MethodGet, "/api/auth/user", httpx.AnyUser, s.authUser)
	s.Add(http.MethodPost, "/api/auth/logout", httpx.AnyUser, s.logout)
	s.Add(http.MethodPost, "/api/auth/change-password", httpx.AnyUser, s.changePassword)
	s.Add(http.MethodGet, "/api/auth/security-questions", httpx.Public, s.securityQuestions)
	s.Add(http.MethodPut, "/api/auth/security-questions", httpx.AnyUser, s.setSecurityQuestions)
	s.Add(http.MethodPost, "/api/auth/verify-security-answers", httpx.Public, s.verifySecurityAnswers)
	s.Add(http.MethodPost, "/api/auth/reset-password", httpx.Public, s.resetPassword)
	s.Add(http.MethodPost, "/api/auth/refresh", httpx.AnyUser, s.refresh)
	s.Add(http.MethodGet, "/api/auth/sessions", httpx.AnyUser, s.listSessions)
	s.Add(http.MethodDelete, "/api/auth/sessions", httpx.AnyUser, s.endOtherSessions)
	s.Add(http.MethodDelete, "/api/auth/sessions/:id", httpx.AnyUser, s.endSession)
	s.Add(http.MethodPost, "/api/auth/tokens", httpx.AnyUser, s.createToken)
	s.Add(http.MethodGet, "/api/admin/auth-events", httpx.SuperAdmin, s.authEvents)
	s.Add(http.MethodDelete, "/api/admin/users/:userId/sessions", httpx.SuperAdmin, s.endUserSessions)
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
func (s *Server) login(c *echo.Context) error {
	var in credentials
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	out, err := s.deps.Auth.Login(ctx, in.Username, in.Password, cad.SessionBrowser, in.RememberMe, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	if err := s.deps.Auth.ReplaceCookieSession(ctx, c.Request()); err != nil {
		return err
	}
	if err := s.deps.Auth.Cookies().SetCookie(c.Request(), c.Response(), out.Secret, s.deps.Auth.CookieMaxAge(out.Session)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": out.Token, "user": httpx.User(out.User)})
}

// tabletLogin is POST /api/auth/tablet-login: a tablet session and a JWT,
// no cookie.
func (s *Server) tabletLogin(c *echo.Context) error {
	var in credentials
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	out, err := s.deps.Auth.Login(c.Request().Context(), in.Username, in.Password, cad.SessionTablet, false, httpx.ClientOf(c))
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
func (s *Server) me(c *echo.Context) error {
	u := httpx.PrincipalOf(c).User
	sums, err := s.deps.Community.CommunitiesOf(c.Request().Context(), u, c.QueryParam("guildId"))
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
func (s *Server) authUser(c *echo.Context) error {
	u := httpx.PrincipalOf(c).User
	return c.JSON(http.StatusOK, map[string]any{
		"authenticated": true,
		"user":          map[string]string{"id": u.ID, "username": u.Username},
	})
}

// logout ends the session behind whichever credential was used, so the
// cookie and every JWT of the session stop working at once.
func (s *Server) logout(c *echo.Context) error {
	if err := s.deps.Auth.Logout(c.Request().Context(), httpx.PrincipalOf(c), httpx.ClientOf(c)); err != nil {
		return err
	}
	s.deps.Auth.Cookies().ClearCookie(c.Request(), c.Response())
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Logged out successfully"})
}

func (s *Server) changePassword(c *echo.Context) error {
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
	if err := s.deps.Auth.ChangePassword(c.Request().Context(), httpx.PrincipalOf(c), in.CurrentPassword, in.NewPassword, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password changed successfully"})
}

func (s *Server) securityQuestions(c *echo.Context) error {
	username := c.QueryParam("username")
	if strings.TrimSpace(username) == "" || len(username) > 256 {
		return cad.Errorf(cad.EINVALID, "username is required")
	}
	q1, q2, err := s.deps.Auth.SecurityQuestionsFor(c.Request().Context(), username, httpx.ClientOf(c))
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

func (s *Server) setSecurityQuestions(c *echo.Context) error {
	var in questionsIn
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.CurrentPassword == "" || in.SecurityQuestion1 == "" || in.SecurityAnswer1 == "" || in.SecurityQuestion2 == "" || in.SecurityAnswer2 == "" {
		return cad.Errorf(cad.EINVALID, "currentPassword and both security questions and answers are required")
	}
	if err := s.deps.Auth.SetSecurityQuestions(c.Request().Context(), httpx.PrincipalOf(c), in.CurrentPassword,
		in.SecurityQuestion1, in.SecurityAnswer1, in.SecurityQuestion2, in.SecurityAnswer2, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Security questions updated"})
}

func (s *Server) verifySecurityAnswers(c *echo.Context) error {
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
	tok, err := s.deps.Auth.VerifySecurityAnswers(c.Request().Context(), in.Username, in.SecurityAnswer1, in.SecurityAnswer2, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "resetToken": tok})
}

func (s *Server) resetPassword(c *echo.Context) error {
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
	if err := s.deps.Auth.ResetPassword(c.Request().Context(), in.ResetToken, in.NewPassword, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password has been reset successfully"})
}

func (s *Server) refresh(c *echo.Context) error {
	tok, err := s.deps.Auth.Refresh(c.Request().Context(), httpx.PrincipalOf(c), httpx.ClientOf(c))
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

func (s *Server) listSessions(c *echo.Context) error {
	p := httpx.PrincipalOf(c)
	list, err := s.deps.Auth.Sessions(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := make([]sessionJSON, len(list))
	for i, se := range list {
		out[i] = sessionOut(se, p.Session.ID)
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": out})
}

func (s *Server) endSession(c *echo.Context) error {
	id := c.Param("id")
	if len(id) != 64 {
		return cad.Errorf(cad.ENOTFOUND, "Session not found")
	}
	if err := s.deps.Auth.EndSession(c.Request().Context(), httpx.PrincipalOf(c), id, httpx.ClientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Session ended"})
}

func (s *Server) endOtherSessions(c *echo.Context) error {
	n, err := s.deps.Auth.EndOtherSessions(c.Request().Context(), httpx.PrincipalOf(c), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "ended": n})
}

func (s *Server) createToken(c *echo.Context) error {
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
	out, err := s.deps.Auth.CreateToken(c.Request().Context(), p, in.Name, in.ExpiresAt, httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": out.Token, "session": sessionOut(out.Session, p.Session.ID)})
}

// endUserSessions lets a Super Admin sign a user out everywhere (R33).
func (s *Server) endUserSessions(c *echo.Context) error {
	n, err := s.deps.Auth.EndUserSessions(c.Request().Context(), httpx.PrincipalOf(c), c.Param("userId"), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "ended": n})
}

// authEvents is GET /api/admin/auth-events for Super Admins: filter by
// userId, type, since and until (RFC 3339), paged by the after cursor (or
// page) and limit.
func (s *Server) authEvents(c *echo.Context) error {
	lp, err := httpx.ListParamsOf(c)
	if err != nil {
		return err
	}
	events, next, err := s.deps.Auth.AuthEvents(c.Request().Context(), httpx.PrincipalOf(c), cad.AuthEventFilter{
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

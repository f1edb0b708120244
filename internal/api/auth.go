package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// authRoutes are the authentication endpoints of the CDE CAD reference
// (matched exactly) and Precinct's additions.
func (s *Server) authRoutes() {
	s.add(http.MethodPost, "/api/auth/login", Public, s.login)
	s.add(http.MethodPost, "/api/auth/tablet-login", Public, s.tabletLogin)
	s.add(http.MethodGet, "/api/auth/me", AnyUser, s.me)
	s.add(http.MethodGet, "/api/auth/user", AnyUser, s.authUser)
	s.add(http.MethodPost, "/api/auth/logout", AnyUser, s.logout)
	s.add(http.MethodPost, "/api/auth/change-password", AnyUser, s.changePassword)
	s.add(http.MethodGet, "/api/auth/security-questions", Public, s.securityQuestions)
	s.add(http.MethodPut, "/api/auth/security-questions", AnyUser, s.setSecurityQuestions)
	s.add(http.MethodPost, "/api/auth/verify-security-answers", Public, s.verifySecurityAnswers)
	s.add(http.MethodPost, "/api/auth/reset-password", Public, s.resetPassword)
	s.add(http.MethodPost, "/api/auth/refresh", AnyUser, s.refresh)
	s.add(http.MethodGet, "/api/auth/sessions", AnyUser, s.listSessions)
	s.add(http.MethodDelete, "/api/auth/sessions", AnyUser, s.endOtherSessions)
	s.add(http.MethodDelete, "/api/auth/sessions/:id", AnyUser, s.endSession)
	s.add(http.MethodPost, "/api/auth/tokens", AnyUser, s.createToken)
	s.add(http.MethodGet, "/api/admin/auth-events", SuperAdmin, s.authEvents)
	s.add(http.MethodDelete, "/api/admin/users/:userId/sessions", SuperAdmin, s.endUserSessions)
}

// userJSON is the reference's user object; absent Discord fields are null.
type userJSON struct {
	ID              string  `json:"id"`
	Username        string  `json:"username"`
	DiscordID       *string `json:"discordId"`
	DiscordUsername *string `json:"discordUsername"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func userOut(u *cad.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, DiscordID: nullable(u.DiscordID), DiscordUsername: nullable(u.DiscordUsername)}
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
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	out, err := s.deps.Auth.Login(ctx, in.Username, in.Password, cad.SessionBrowser, in.RememberMe, clientOf(c))
	if err != nil {
		return err
	}
	if err := s.deps.Auth.ReplaceCookieSession(ctx, c.Request()); err != nil {
		return err
	}
	if err := s.deps.Auth.Cookies().SetCookie(c.Request(), c.Response(), out.Secret, s.deps.Auth.CookieMaxAge(out.Session)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": out.Token, "user": userOut(out.User)})
}

// tabletLogin is POST /api/auth/tablet-login: a tablet session and a JWT,
// no cookie.
func (s *Server) tabletLogin(c *echo.Context) error {
	var in credentials
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	out, err := s.deps.Auth.Login(c.Request().Context(), in.Username, in.Password, cad.SessionTablet, false, clientOf(c))
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
	u := principalOf(c).User
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
	}{u.ID, u.Username, nullable(u.DiscordID), nullable(u.DiscordUsername), nullable(u.Avatar), u.SuperAdmin, u.CreatedAt, coms})
}

// authUser is GET /api/auth/user, the quick check.
func (s *Server) authUser(c *echo.Context) error {
	u := principalOf(c).User
	return c.JSON(http.StatusOK, map[string]any{
		"authenticated": true,
		"user":          map[string]string{"id": u.ID, "username": u.Username},
	})
}

// logout ends the session behind whichever credential was used, so the
// cookie and every JWT of the session stop working at once.
func (s *Server) logout(c *echo.Context) error {
	if err := s.deps.Auth.Logout(c.Request().Context(), principalOf(c), clientOf(c)); err != nil {
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
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.CurrentPassword == "" || in.NewPassword == "" {
		return cad.Errorf(cad.EINVALID, "currentPassword and newPassword are required")
	}
	if err := s.deps.Auth.ChangePassword(c.Request().Context(), principalOf(c), in.CurrentPassword, in.NewPassword, clientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password changed successfully"})
}

func (s *Server) securityQuestions(c *echo.Context) error {
	username := c.QueryParam("username")
	if strings.TrimSpace(username) == "" || len(username) > 256 {
		return cad.Errorf(cad.EINVALID, "username is required")
	}
	q1, q2, err := s.deps.Auth.SecurityQuestionsFor(c.Request().Context(), username, clientOf(c))
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
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.CurrentPassword == "" || in.SecurityQuestion1 == "" || in.SecurityAnswer1 == "" || in.SecurityQuestion2 == "" || in.SecurityAnswer2 == "" {
		return cad.Errorf(cad.EINVALID, "currentPassword and both security questions and answers are required")
	}
	if err := s.deps.Auth.SetSecurityQuestions(c.Request().Context(), principalOf(c), in.CurrentPassword,
		in.SecurityQuestion1, in.SecurityAnswer1, in.SecurityQuestion2, in.SecurityAnswer2, clientOf(c)); err != nil {
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
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Username) == "" || in.SecurityAnswer1 == "" || in.SecurityAnswer2 == "" {
		return cad.Errorf(cad.EINVALID, "username, securityAnswer1 and securityAnswer2 are required")
	}
	tok, err := s.deps.Auth.VerifySecurityAnswers(c.Request().Context(), in.Username, in.SecurityAnswer1, in.SecurityAnswer2, clientOf(c))
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
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.ResetToken == "" || in.NewPassword == "" {
		return cad.Errorf(cad.EINVALID, "resetToken and newPassword are required")
	}
	if err := s.deps.Auth.ResetPassword(c.Request().Context(), in.ResetToken, in.NewPassword, clientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Password has been reset successfully"})
}

func (s *Server) refresh(c *echo.Context) error {
	tok, err := s.deps.Auth.Refresh(c.Request().Context(), principalOf(c), clientOf(c))
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
	p := principalOf(c)
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
	if err := s.deps.Auth.EndSession(c.Request().Context(), principalOf(c), id, clientOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Session ended"})
}

func (s *Server) endOtherSessions(c *echo.Context) error {
	n, err := s.deps.Auth.EndOtherSessions(c.Request().Context(), principalOf(c), clientOf(c))
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
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.ExpiresAt.IsZero() {
		return cad.Errorf(cad.EINVALID, "expiresAt is required (RFC 3339, at most one year ahead)")
	}
	p := principalOf(c)
	out, err := s.deps.Auth.CreateToken(c.Request().Context(), p, in.Name, in.ExpiresAt, clientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": out.Token, "session": sessionOut(out.Session, p.Session.ID)})
}

// endUserSessions lets a Super Admin sign a user out everywhere (R33).
func (s *Server) endUserSessions(c *echo.Context) error {
	n, err := s.deps.Auth.EndUserSessions(c.Request().Context(), principalOf(c), c.Param("userId"), clientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "ended": n})
}

// authEvents is GET /api/admin/auth-events for Super Admins: filter by
// userId, type, since and until (RFC 3339), paged by the after cursor (or
// page) and limit.
func (s *Server) authEvents(c *echo.Context) error {
	lp, err := listParamsOf(c)
	if err != nil {
		return err
	}
	events, next, err := s.deps.Auth.AuthEvents(c.Request().Context(), principalOf(c), cad.AuthEventFilter{
		UserID: c.QueryParam("userId"), Type: c.QueryParam("type"),
		Since: lp.Since, Until: lp.Until, After: lp.After, Offset: lp.offset(), Limit: lp.Limit,
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
	return c.JSON(http.StatusOK, lp.answer("events", out, next))
}

// listParams are the time window and page of a log listing.
type listParams struct {
	Since, Until time.Time
	pageParams
}

// listParamsOf reads since and until (RFC 3339), page and limit.
func listParamsOf(c *echo.Context) (listParams, error) {
	var lp listParams
	var err error
	if lp.Since, err = queryTime(c, "since"); err != nil {
		return lp, err
	}
	if lp.Until, err = queryTime(c, "until"); err != nil {
		return lp, err
	}
	lp.pageParams, err = pagination(c)
	return lp, err
}

func queryTime(c *echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, cad.Errorf(cad.EINVALID, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z", name)
	}
	return t, nil
}

// Pagination bounds every list (R73).
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// pageParams are a listing's page: the after cursor a previous page
// returned (which costs the same however deep), or a page number (kept for
// old clients; the store refuses offsets past 10,000), and the limit.
type pageParams struct {
	Page, Limit int
	After       string
}

func (p pageParams) offset() int { return (p.Page - 1) * p.Limit }

// answer is a listing's body: the items under name, the page and limit, and
// nextCursor, the after of the next page (null on the last).
func (p pageParams) answer(name string, items any, next string) map[string]any {
	out := map[string]any{name: items, "page": p.Page, "limit": p.Limit, "nextCursor": nil}
	if next != "" {
		out["nextCursor"] = next
	}
	return out
}

// maxCursorLen bounds the after cursor; cursors the API makes are far
// shorter.
const maxCursorLen = 512

func pagination(c *echo.Context) (pageParams, error) {
	p := pageParams{Page: 1, Limit: defaultPageSize}
	var err error
	if v := c.QueryParam("page"); v != "" {
		if p.Page, err = strconv.Atoi(v); err != nil || p.Page < 1 || p.Page > 100000 {
			return p, cad.Errorf(cad.EINVALID, "page must be a whole number from 1")
		}
	}
	if v := c.QueryParam("limit"); v != "" {
		if p.Limit, err = strconv.Atoi(v); err != nil || p.Limit < 1 || p.Limit > maxPageSize {
			return p, cad.Errorf(cad.EINVALID, "limit must be a whole number from 1 to %d", maxPageSize)
		}
	}
	if p.After = c.QueryParam("after"); len(p.After) > maxCursorLen {
		return p, cad.Errorf(cad.EINVALID, "after is not a cursor this listing returned")
	}
	return p, nil
}

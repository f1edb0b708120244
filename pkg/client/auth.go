package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// User is the reference's user object.
type User struct {
	ID              string  `json:"id"`
	Username        string  `json:"username"`
	DiscordID       *string `json:"discordId,omitempty"`
	DiscordUsername *string `json:"discordUsername,omitempty"`
}

// LoginResult is the answer of login and tablet-login.
type LoginResult struct {
	Token string `json:"token"`
	User  User   `json:"user"`
}

// Profile is the answer of GET /api/auth/me.
type Profile struct {
	User
	Avatar      *string          `json:"avatar"`
	SuperAdmin  bool             `json:"superAdmin"`
	CreatedAt   time.Time        `json:"createdAt"`
	Communities []map[string]any `json:"communities"`
}

// Session is one of the caller's sessions.
type Session struct {
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

// AuthEvent is one entry of the authentication audit trail.
type AuthEvent struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Outcome   string    `json:"outcome"`
	UserID    string    `json:"userId"`
	Username  string    `json:"username"`
	SessionID string    `json:"sessionId"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"userAgent"`
	RequestID string    `json:"requestId"`
	Detail    string    `json:"detail"`
	Time      time.Time `json:"time"`
}

// WithToken returns a copy of the client that sends token as its bearer
// token (sharing the HTTP client and its cookie jar).
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// Login signs in with a username and password (POST /api/auth/login). With
// a cookie jar (WithCookieJar) the session cookie is kept too.
func (c *Client) Login(ctx context.Context, username, password string) (*LoginResult, error) {
	var r LoginResult
	return &r, c.Do(ctx, http.MethodPost, "/api/auth/login", map[string]string{"username": username, "password": password}, &r)
}

// TabletLogin signs in as an in-game tablet (no cookie).
func (c *Client) TabletLogin(ctx context.Context, username, password string) (*LoginResult, error) {
	var r LoginResult
	return &r, c.Do(ctx, http.MethodPost, "/api/auth/tablet-login", map[string]string{"username": username, "password": password}, &r)
}

// Me returns the signed-in user's profile; guildID, when not empty, narrows
// its communities.
func (c *Client) Me(ctx context.Context, guildID string) (*Profile, error) {
	path := "/api/auth/me"
	if guildID != "" {
		path += "?guildId=" + url.QueryEscape(guildID)
	}
	var p Profile
	return &p, c.Do(ctx, http.MethodGet, path, nil, &p)
}

// AuthUser is the quick check (GET /api/auth/user).
func (c *Client) AuthUser(ctx context.Context) (*User, error) {
	var r struct {
		Authenticated bool `json:"authenticated"`
		User          User `json:"user"`
	}
	return &r.User, c.Do(ctx, http.MethodGet, "/api/auth/user", nil, &r)
}

// Logout ends the session behind the client's credential.
func (c *Client) Logout(ctx context.Context) error {
	return c.Do(ctx, http.MethodPost, "/api/auth/logout", nil, nil)
}

// ChangePassword changes the password; the other sessions end.
func (c *Client) ChangePassword(ctx context.Context, current, next string) error {
	return c.Do(ctx, http.MethodPost, "/api/auth/change-password", map[string]string{"currentPassword": current, "newPassword": next}, nil)
}

// SecurityQuestions returns the two questions of a username.
func (c *Client) SecurityQuestions(ctx context.Context, username string) (q1, q2 string, err error) {
	var r struct {
		Q1 string `json:"securityQuestion1"`
		Q2 string `json:"securityQuestion2"`
	}
	err = c.Do(ctx, http.MethodGet, "/api/auth/security-questions?username="+url.QueryEscape(username), nil, &r)
	return r.Q1, r.Q2, err
}

// SetSecurityQuestions sets the caller's questions and answers.
func (c *Client) SetSecurityQuestions(ctx context.Context, currentPassword, q1, a1, q2, a2 string) error {
	return c.Do(ctx, http.MethodPut, "/api/auth/security-questions", map[string]string{
		"currentPassword": currentPassword, "securityQuestion1": q1, "securityAnswer1": a1, "securityQuestion2": q2, "securityAnswer2": a2,
	}, nil)
}

// VerifySecurityAnswers trades right answers for a reset token.
func (c *Client) VerifySecurityAnswers(ctx context.Context, username, a1, a2 string) (string, error) {
	var r struct {
		ResetToken string `json:"resetToken"`
	}
	err := c.Do(ctx, http.MethodPost, "/api/auth/verify-security-answers", map[string]string{
		"username": username, "securityAnswer1": a1, "securityAnswer2": a2,
	}, &r)
	return r.ResetToken, err
}

// ResetPassword sets a new password with a reset token.
func (c *Client) ResetPassword(ctx context.Context, resetToken, newPassword string) error {
	return c.Do(ctx, http.MethodPost, "/api/auth/reset-password", map[string]string{"resetToken": resetToken, "newPassword": newPassword}, nil)
}

// Refresh returns a fresh token for the same session.
func (c *Client) Refresh(ctx context.Context) (string, error) {
	var r struct {
		Token string `json:"token"`
	}
	return r.Token, c.Do(ctx, http.MethodPost, "/api/auth/refresh", nil, &r)
}

// Sessions lists the caller's sessions.
func (c *Client) Sessions(ctx context.Context) ([]Session, error) {
	var r struct {
		Sessions []Session `json:"sessions"`
	}
	return r.Sessions, c.Do(ctx, http.MethodGet, "/api/auth/sessions", nil, &r)
}

// EndSession ends one of the caller's sessions.
func (c *Client) EndSession(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/api/auth/sessions/"+url.PathEscape(id), nil, nil)
}

// EndOtherSessions ends all of the caller's sessions but the current one.
func (c *Client) EndOtherSessions(ctx context.Context) (int, error) {
	var r struct {
		Ended int `json:"ended"`
	}
	return r.Ended, c.Do(ctx, http.MethodDelete, "/api/auth/sessions", nil, &r)
}

// CreateToken makes a named personal token, valid until expiresAt.
func (c *Client) CreateToken(ctx context.Context, name string, expiresAt time.Time) (string, *Session, error) {
	var r struct {
		Token   string  `json:"token"`
		Session Session `json:"session"`
	}
	err := c.Do(ctx, http.MethodPost, "/api/auth/tokens", map[string]any{"name": name, "expiresAt": expiresAt}, &r)
	return r.Token, &r.Session, err
}

// AuthEventQuery filters the audit trail. After is the cursor a previous
// page returned.
type AuthEventQuery struct {
	UserID, Type string
	Since, Until time.Time
	After        string
	Page, Limit  int
}

// AuthEvents reads the authentication audit trail (Super Admin).
func (c *Client) AuthEvents(ctx context.Context, q AuthEventQuery) ([]AuthEvent, error) {
	v := url.Values{}
	if q.UserID != "" {
		v.Set("userId", q.UserID)
	}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339))
	}
	if q.After != "" {
		v.Set("after", q.After)
	}
	if q.Page > 0 {
		v.Set("page", itoa(q.Page))
	}
	if q.Limit > 0 {
		v.Set("limit", itoa(q.Limit))
	}
	var r struct {
		Events []AuthEvent `json:"events"`
	}
	return r.Events, c.Do(ctx, http.MethodGet, withQuery("/api/admin/auth-events", v), nil, &r)
}

func itoa(n int) string { return strconv.Itoa(n) }

// EndUserSessions signs a user out everywhere (Super Admin).
func (c *Client) EndUserSessions(ctx context.Context, userID string) (int, error) {
	var r struct {
		Ended int `json:"ended"`
	}
	return r.Ended, c.Do(ctx, http.MethodDelete, "/api/admin/users/"+url.PathEscape(userID)+"/sessions", nil, &r)
}

package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// errNotAuthenticated is the one answer to every missing, malformed,
// expired or revoked credential: the reference's 401 "Not authenticated".
var errNotAuthenticated = cad.Errorf(cad.EUNAUTHORIZED, "Not authenticated")

// lifetimes returns the idle and absolute lifetime of a kind of session.
func lifetimes(kind cad.SessionKind, persistent bool) (idle, max time.Duration) {
	switch {
	case kind == cad.SessionBrowser && persistent:
		return RememberFor, RememberFor
	case kind == cad.SessionBrowser:
		return BrowserIdle, BrowserMax
	default:
		return TabletIdle, TabletMax
	}
}

// issue creates a session for u and signs its first token. Every login gets
// a new session (no fixation, R30). persistent asks for a remembered
// browser session.
func (s *Service) issue(ctx context.Context, u *cad.User, kind cad.SessionKind, method string, persistent bool, cl cad.Client) (*cad.Issued, error) {
	idle, max := lifetimes(kind, persistent)
	return s.issueUntil(ctx, u, &cad.Session{Kind: kind, AuthMethod: method, Persistent: persistent}, cl, idle, s.now().Add(max))
}

// issueUntil stores the session spec describes (its kind, name, method and
// persistence) with an idle lifetime and an end.
func (s *Service) issueUntil(ctx context.Context, u *cad.User, spec *cad.Session, cl cad.Client, idle time.Duration, expires time.Time) (*cad.Issued, error) {
	secret, id, err := randomToken("")
	if err != nil {
		return nil, err
	}
	now := s.now()
	kind := spec.Kind
	sess := &cad.Session{
		ID: id, Kind: kind, Name: spec.Name, UserID: u.ID, AuthMethod: spec.AuthMethod, Persistent: spec.Persistent,
		CreatedAt: now, LastSeenAt: now, IdleExpiresAt: minTime(now.Add(idle), expires), ExpiresAt: expires,
		IP: cl.IP, UserAgent: trimUA(cl.UserAgent),
	}
	if err := s.db.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	// A token never outlives its session; a personal token's lives as long
	// as the session, other kinds' at most AccessTokenLifetime.
	tokenExp := expires
	if kind != cad.SessionToken {
		tokenExp = minTime(now.Add(AccessTokenLifetime), expires)
	}
	tok, err := s.sign(u, id, now, tokenExp)
	if err != nil {
		return nil, err
	}
	detail := string(kind) + " via " + spec.AuthMethod
	if spec.Persistent {
		detail += ", remembered"
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventSessionCreated, UserID: u.ID, SessionID: id, Detail: detail})
	out := &cad.Issued{User: u, Session: sess, Token: tok}
	if kind == cad.SessionBrowser {
		out.Secret = secret
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// IssueForUser starts a session for a user whose identity another flow has
// proved (Discord sign-in); the same account checks apply (R58).
func (s *Service) IssueForUser(ctx context.Context, u *cad.User, kind cad.SessionKind, method string, cl cad.Client) (*cad.Issued, error) {
	if u.Disabled {
		return nil, errInvalidLogin
	}
	return s.issue(ctx, u, kind, method, false, cl)
}

// Authenticate resolves the request's credential into a Principal: a game
// server's "x-api-key: fvm_…" (or "Bearer fvm_…"), else "Authorization:
// Bearer <jwt>" (cookies are then ignored, R48), else the session cookie. No credential gives (nil, nil); a
// credential that does not hold gives 401. Storage failures give 503, never
// access (R80).
func (s *Service) Authenticate(ctx context.Context, r *http.Request, cl cad.Client) (*cad.Principal, error) {
	if key, ok := apiKeyFrom(r); ok {
		return s.authenticateKey(ctx, key, cl)
	}
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > maxTokenLen+16 {
			return nil, errNotAuthenticated
		}
		scheme, raw, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
			return nil, errNotAuthenticated
		}
		c, err := s.parse(ctx, strings.TrimSpace(raw))
		if err != nil {
			return nil, errNotAuthenticated
		}
		return s.principal(ctx, c.SessionID, c.Subject, false)
	}
	id, err := s.cookies.SessionID(r)
	if err != nil {
		return nil, errNotAuthenticated
	}
	if id == "" {
		return nil, nil
	}
	p, err := s.principal(ctx, id, "", true)
	if err != nil {
		return nil, err
	}
	if p.Session.Kind != cad.SessionBrowser {
		return nil, errNotAuthenticated
	}
	return p, nil
}

// principal loads a live session and its user, refusing a session of
// another user than the token's subject, or a disabled user.
func (s *Service) principal(ctx context.Context, sessionID, subject string, viaCookie bool) (*cad.Principal, error) {
	now := s.now()
	sess, err := s.db.Session(ctx, sessionID, now)
	if err != nil {
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return nil, errNotAuthenticated
		}
		return nil, err
	}
	if subject != "" && sess.UserID != subject {
		return nil, errNotAuthenticated
	}
	u, err := s.db.UserByID(ctx, sess.UserID)
	if err != nil {
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return nil, errNotAuthenticated
		}
		return nil, err
	}
	if u.Disabled {
		return nil, errNotAuthenticated
	}
	touched := false
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		idle, _ := lifetimes(sess.Kind, sess.Persistent)
		if sess.Kind == cad.SessionToken {
			idle = sess.ExpiresAt.Sub(now)
		}
		sess.LastSeenAt, sess.IdleExpiresAt = now, minTime(now.Add(idle), sess.ExpiresAt)
		if err := s.db.TouchSession(ctx, sess.ID, now, sess.IdleExpiresAt); err != nil {
			return nil, err
		}
		touched = true
	}
	return &cad.Principal{Kind: cad.PrincipalUser, User: u, Session: sess, ViaCookie: viaCookie, Touched: touched}, nil
}

// CookieMaxAge is how long a browser session's cookie lives from now: until
// the session's idle expiry (24 hours, or 30 days when remembered), never
// past its absolute one. The cookie is written again, with this Max-Age,
// whenever the session's use is recorded.
func (s *Service) CookieMaxAge(sess *cad.Session) time.Duration {
	return max(sess.IdleExpiresAt.Sub(s.now()), 0)
}

// RenewCookie lets a browser session's cookie live on after a use of the
// session was recorded: 24 hours from now, or 30 days when remembered.
func (s *Service) RenewCookie(r *http.Request, w http.ResponseWriter, sess *cad.Session) error {
	return s.cookies.Renew(r, w, s.CookieMaxAge(sess))
}

// Logout ends the caller's session on the server: its cookie and every JWT
// of it stop working at once.
func (s *Service) Logout(ctx context.Context, p *cad.Principal, cl cad.Client) error {
	if err := s.db.DeleteSession(ctx, p.User.ID, p.Session.ID); err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
		return err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventLogout, UserID: p.User.ID, SessionID: p.Session.ID})
	return nil
}

// Refresh signs a fresh token (new jti) for the caller's session; it never
// outlives the session.
func (s *Service) Refresh(ctx context.Context, p *cad.Principal, cl cad.Client) (string, error) {
	now := s.now()
	tok, err := s.sign(p.User, p.Session.ID, now, minTime(now.Add(AccessTokenLifetime), p.Session.ExpiresAt))
	if err != nil {
		return "", err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventTokenRefreshed, UserID: p.User.ID, SessionID: p.Session.ID})
	return tok, nil
}

// Sessions lists the caller's live sessions.
func (s *Service) Sessions(ctx context.Context, p *cad.Principal) ([]*cad.Session, error) {
	return s.db.SessionsOfUser(ctx, p.User.ID, s.now())
}

// EndSession ends one of the caller's sessions; anyone else's is not_found.
func (s *Service) EndSession(ctx context.Context, p *cad.Principal, id string, cl cad.Client) error {
	if err := s.db.DeleteSession(ctx, p.User.ID, id); err != nil {
		return err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventSessionRevoked, UserID: p.User.ID, SessionID: id})
	return nil
}

// EndUserSessions ends every session of another user (Super Admin, R33).
func (s *Service) EndUserSessions(ctx context.Context, p *cad.Principal, userID string, cl cad.Client) (int64, error) {
	if !p.IsUser() || !p.User.SuperAdmin {
		return 0, cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
	}
	u, err := s.db.UserByID(ctx, userID)
	if err != nil {
		return 0, err
	}
	n, err := s.db.DeleteSessionsOfUser(ctx, u.ID, "")
	if err != nil {
		return 0, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventSessionRevoked, UserID: u.ID, Detail: "all, by Super Admin " + p.User.ID})
	return n, nil
}

// EndOtherSessions ends every session of the caller but the current one.
func (s *Service) EndOtherSessions(ctx context.Context, p *cad.Principal, cl cad.Client) (int64, error) {
	n, err := s.db.DeleteSessionsOfUser(ctx, p.User.ID, p.Session.ID)
	if err != nil {
		return 0, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventSessionRevoked, UserID: p.User.ID, Detail: "all others"})
	return n, nil
}

// CreateToken makes a named personal token for scripts, shown once. It
// lives until expires (at most MaxTokenLifetime) and is listed and revoked
// with the sessions.
func (s *Service) CreateToken(ctx context.Context, p *cad.Principal, name string, expires time.Time, cl cad.Client) (*cad.Issued, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 64 {
		return nil, cad.Errorf(cad.EINVALID, "Token name must be 1 to 64 characters")
	}
	now := s.now()
	if !expires.After(now.Add(time.Minute)) {
		return nil, cad.Errorf(cad.EINVALID, "expiresAt must be in the future")
	}
	if expires.After(now.Add(MaxTokenLifetime)) {
		return nil, cad.Errorf(cad.EINVALID, "expiresAt must be within one year")
	}
	out, err := s.issueUntil(ctx, p.User, &cad.Session{Kind: cad.SessionToken, Name: name, AuthMethod: "token"}, cl, expires.Sub(now), expires)
	if err != nil {
		return nil, err
	}
	s.event(ctx, cl, cad.AuthEvent{Type: cad.EventTokenCreated, UserID: p.User.ID, SessionID: out.Session.ID, Detail: name})
	return out, nil
}

// ReplaceCookieSession ends the session that a browser's old cookie names,
// if any, when the browser signs in again: a login always starts a new
// session and the old one must not live on (R30).
func (s *Service) ReplaceCookieSession(ctx context.Context, r *http.Request) error {
	id, err := s.cookies.SessionID(r)
	if err != nil || id == "" {
		return nil
	}
	return s.db.DeleteSessionByID(ctx, id)
}

// Revalidate answers whether a principal authenticated earlier still
// holds, without recording a use: its session is live and its user not
// disabled, or its key not revoked. Long-lived connections (sockets) call
// it often, so it reads through the identity cache, which a logout, a
// revocation or a disabling on this instance drops at once.
func (s *Service) Revalidate(ctx context.Context, p *cad.Principal) error {
	switch {
	case p.IsServer():
		_, err := s.db.APIKeyByHash(ctx, p.APIKey.Hash)
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return errNotAuthenticated
		}
		return err
	case p.IsUser():
		sess, err := s.db.Session(ctx, p.Session.ID, s.now())
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			return errNotAuthenticated
		} else if err != nil {
			return err
		}
		u, err := s.db.UserByID(ctx, sess.UserID)
		if cad.ErrorCode(err) == cad.ENOTFOUND || (err == nil && u.Disabled) {
			return errNotAuthenticated
		}
		return err
	}
	return errNotAuthenticated
}

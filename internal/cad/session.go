package cad

import "time"

// SessionKind says which credential a session stands behind.
type SessionKind string

const (
	// SessionBrowser is a dashboard login: a cookie, and the JWT that the
	// login answer also carries.
	SessionBrowser SessionKind = "browser"
	// SessionTablet is an in-game tablet login: a JWT, no cookie.
	SessionTablet SessionKind = "tablet"
	// SessionToken is a named personal token for scripts.
	SessionToken SessionKind = "token"
)

// Session is the one server-side record behind every user credential: a
// cookie and a JWT are only references to it, so ending it ends them.
type Session struct {
	ID         string // hex SHA-256 of the 256-bit secret the cookie carries
	Kind       SessionKind
	Name       string // personal tokens only
	UserID     string
	AuthMethod string // how the user proved who they are: "password", "discord"
	CreatedAt  time.Time
	LastSeenAt time.Time
	// Persistent browser sessions ("remember me") live RememberFor, idle
	// or not, instead of a day idle and a week at most.
	Persistent bool
	// IdleExpiresAt moves forward with use; ExpiresAt never moves.
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	IP            string
	UserAgent     string
}

// Live reports whether the session is usable at now.
func (s *Session) Live(now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Before(s.IdleExpiresAt)
}

// MaxSessionsPerUser bounds a user's live sessions; the oldest goes first.
const MaxSessionsPerUser = 50

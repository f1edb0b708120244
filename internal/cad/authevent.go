package cad

import "time"

// Authentication event types, named after the OWASP logging vocabulary.
const (
	EventLoginSuccess   = "authn_login_success"
	EventLoginFail      = "authn_login_fail"
	EventLoginLock      = "authn_login_lock"
	EventLogout         = "authn_logout"
	EventPasswordChange = "authn_password_change"
	EventPasswordSet    = "authn_password_set" // by an operator (CLI)
	EventResetRequest   = "authn_reset_request"
	EventResetFail      = "authn_reset_fail"
	EventResetLock      = "authn_reset_lock"
	EventResetDone      = "authn_reset_done"
	EventSessionCreated = "session_created"
	EventSessionRevoked = "session_revoked"
	EventTokenCreated   = "authn_token_created"
	EventTokenRefreshed = "authn_token_refreshed"
	EventQuestionsSet   = "authn_questions_set"
	EventUserCreated    = "user_created"
	EventUserDisabled   = "user_disabled"
	EventKeysRotated    = "authn_keys_rotated"
	EventRateLimited    = "authn_rate_limited"
	EventAPIKeyFail     = "authn_apikey_fail"
	EventDiscordLinked  = "authn_discord_linked"
)

// Outcomes of an event.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// AuthEvent is one authentication event. It never holds a secret: at most
// a session id (a hash) or a token's name.
type AuthEvent struct {
	ID        string
	Type      string
	Outcome   string
	UserID    string
	Username  string // as typed, for failures of unknown users
	SessionID string
	IP        string
	UserAgent string
	RequestID string
	Detail    string
	Time      time.Time
}

// AuthEventFilter selects events for the admin listing. After, when set,
// is the cursor a previous page returned, and wins over Offset.
type AuthEventFilter struct {
	UserID string
	Type   string
	Since  time.Time
	Until  time.Time
	After  string
	Offset int
	Limit  int
}

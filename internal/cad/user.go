package cad

import (
	"strings"
	"time"
)

// User is one person with a Precinct account. Secrets (the password and the
// security answers) are held only as argon2id PHC strings.
type User struct {
	ID              string // 24-hex
	Username        string // as the user chose it
	UsernameKey     string // NormalizeUsername(Username): unique
	PasswordHash    string
	DiscordID       string // Discord snowflake; unique when present
	DiscordUsername string
	Avatar          string
	SuperAdmin      bool
	Disabled        bool
	// GuildIDs are the Discord servers the user was in at their last
	// Discord sign-in; communities are joined from them.
	GuildIDs []string

	SecurityQuestion1   string
	SecurityAnswer1Hash string
	SecurityQuestion2   string
	SecurityAnswer2Hash string

	CreatedAt         time.Time
	UpdatedAt         time.Time
	PasswordChangedAt time.Time
}

// HasSecurityQuestions reports whether the user set both questions.
func (u *User) HasSecurityQuestions() bool {
	return u.SecurityQuestion1 != "" && u.SecurityQuestion2 != "" && u.SecurityAnswer1Hash != "" && u.SecurityAnswer2Hash != ""
}

// Username rules.
const (
	MinUsernameLen = 3
	MaxUsernameLen = 32
)

// NormalizeUsername is the key under which a username is unique: usernames
// differing only in letter case are the same account.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateUsername checks the username rules: 3 to 32 characters of
// A-Z, a-z, 0-9, '_', '.' and '-'.
func ValidateUsername(s string) error {
	if len(s) < MinUsernameLen || len(s) > MaxUsernameLen {
		return Errorf(EINVALID, "Username must be %d to %d characters", MinUsernameLen, MaxUsernameLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return Errorf(EINVALID, "Username may contain only letters, digits, '_', '.' and '-'")
		}
	}
	return nil
}

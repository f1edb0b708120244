package cad

// What a sign-in hands out, and the words of the Discord sign-in shared by
// the auth service that runs it, the Discord client it asks and the HTTP
// routes that answer it.

// Issued is a new session with its credentials.
type Issued struct {
	User    *User
	Session *Session
	Token   string // the access JWT
	Secret  string // the cookie's secret (browser sessions only)
}

// DiscordIdentity is what sign-in learns about a Discord user.
type DiscordIdentity struct {
	ID       string   // the snowflake: the only key users are matched on (R54)
	Username string   // display form: "name" or legacy "name#1234"
	Avatar   string   // avatar hash, or ""
	GuildIDs []string // the servers the user is in
}

// DiscordOutcome is the result of a successful Discord callback: a
// signed-in user, a verified Discord identity that must register first, or
// a Discord account linked to the user who started the flow.
type DiscordOutcome struct {
	Issued          *Issued // known user: a new browser session
	Registration    bool    // new user: a pending registration was made
	Linked          bool    // a link flow: the account is linked
	DiscordID       string
	DiscordUsername string
	ReturnTo        string
}

// DiscordRegistration is the body of complete-registration.
type DiscordRegistration struct {
	DiscordID                          string
	Username, Password                 string
	SecurityQuestion1, SecurityAnswer1 string
	SecurityQuestion2, SecurityAnswer2 string
}

// ErrDiscordOff answers the Discord routes when no application is set.
var ErrDiscordOff = Errorf(EUNAVAILABLE, "Discord sign-in is not configured on this server")

// DiscordError is a refused or failed Discord sign-in: an *Error plus a
// short reason that the browser redirect carries as ?error=.
type DiscordError struct {
	Err    *Error
	Reason string
	// Link: the failure ends a flow that was linking Discord to a
	// signed-in account (the browser goes back to its account page).
	Link bool
}

func (e *DiscordError) Error() string { return e.Err.Error() }

// Unwrap exposes the *Error.
func (e *DiscordError) Unwrap() error { return e.Err }

package cad

// PrincipalKind tells a user from a game server.
type PrincipalKind int

const (
	PrincipalUser PrincipalKind = iota + 1
	PrincipalServer
)

// Principal is who is calling, as the Authenticate middleware resolved it.
// Handlers read it and never parse credentials themselves.
type Principal struct {
	Kind PrincipalKind

	// Users.
	User    *User
	Session *Session
	// ViaCookie is true when the session cookie (not a bearer token)
	// authenticated the request; cross-origin checks apply then.
	ViaCookie bool
	// Touched is true when this request moved the session's idle expiry:
	// a cookie's Max-Age is renewed then.
	Touched bool

	// Game servers.
	APIKey *APIKey
}

// IsServer reports whether the principal is a game server's key.
func (p *Principal) IsServer() bool { return p != nil && p.Kind == PrincipalServer && p.APIKey != nil }

// IsUser reports whether the principal is a signed-in user.
func (p *Principal) IsUser() bool { return p != nil && p.Kind == PrincipalUser && p.User != nil }

package httpx

import (
	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Access says who may call a route. Every route declares one when it is
// registered (Server.Add), and the declaration is what installs the guard,
// so the rule a route states is the rule it enforces (R61).
type Access int

const (
	// Public routes answer without any credential: health, docs, the site
	// root, login and the password reset.
	Public Access = iota + 1
	// AnyUser routes need a signed-in user (JWT or session cookie).
	AnyUser
	// SuperAdmin routes need a platform Super Admin.
	SuperAdmin
	// Member, Supervisor and Admin routes run in a community (the
	// community scope) and need at least that role there; a Super Admin is
	// let in and audited.
	Member
	Supervisor
	Admin
	// CommunitySuperAdmin routes run in a community and need a Super Admin.
	CommunitySuperAdmin
	// GameServer routes need a game server's fvm_ key and run in the
	// key's community.
	GameServer
	// MemberOrServer routes run in a community for a member, or for a
	// game server's key: the CDE paths that both the browser and the
	// FiveM resources call. The service decides what each may do.
	MemberOrServer
	// Operator routes (/metrics) answer only an address in metrics_allow
	// or a bearer token equal to metrics_token.
	Operator
)

// String is the access kind as the route table and the docs name it.
func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case AnyUser:
		return "user"
	case SuperAdmin:
		return "super-admin"
	case Member:
		return "community-member"
	case Supervisor:
		return "community-supervisor"
	case Admin:
		return "community-admin"
	case CommunitySuperAdmin:
		return "community-super-admin"
	case GameServer:
		return "server-key"
	case MemberOrServer:
		return "community-member-or-server-key"
	case Operator:
		return "operator"
	}
	return "undeclared"
}

// Scoped reports whether routes of this kind run in a community.
func (a Access) Scoped() bool {
	switch a {
	case Member, Supervisor, Admin, CommunitySuperAdmin, GameServer, MemberOrServer:
		return true
	}
	return false
}

// guard returns the middleware that enforces a, or nil for public routes.
func (s *Server) guard(a Access) []echo.MiddlewareFunc {
	switch a {
	case AnyUser:
		return []echo.MiddlewareFunc{s.authenticate, requireUser}
	case SuperAdmin:
		return []echo.MiddlewareFunc{s.authenticate, requireUser, requireSuperAdmin}
	case Member:
		return []echo.MiddlewareFunc{s.authenticate, requireUser, s.scope, requireRole(cad.RoleMember)}
	case Supervisor:
		return []echo.MiddlewareFunc{s.authenticate, requireUser, s.scope, requireRole(cad.RoleSupervisor)}
	case Admin:
		return []echo.MiddlewareFunc{s.authenticate, requireUser, s.scope, requireRole(cad.RoleAdmin)}
	case CommunitySuperAdmin:
		return []echo.MiddlewareFunc{s.authenticate, requireUser, requireSuperAdmin, s.scope}
	case GameServer:
		return []echo.MiddlewareFunc{s.authenticate, requireServer, s.scope}
	case MemberOrServer:
		return []echo.MiddlewareFunc{s.authenticate, requireCredential, s.scope, requireMemberOrServer}
	case Operator:
		return []echo.MiddlewareFunc{s.requireOperator}
	}
	return nil
}

// requireRole refuses a scope below role. Roles inherit downwards: an admin
// may do all a supervisor may, and a supervisor all a member may.
func requireRole(role string) echo.MiddlewareFunc {
	need := cad.RoleRank(role)
	msg := "Insufficient permissions. Required role: " + cad.RoleName(role)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if ScopeOf(c).Rank < need {
				return cad.Errorf(cad.EFORBIDDEN, "%s", msg)
			}
			return next(c)
		}
	}
}

// requireServer admits only a game server's key: a user's session or token
// is the wrong kind of credential for these routes (R48).
func requireServer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if !PrincipalOf(c).IsServer() {
			return cad.Errorf(cad.EUNAUTHORIZED, "A game server API key (x-api-key) is required")
		}
		return next(c)
	}
}

// requireUser admits a signed-in user; a game server's key is the wrong
// kind of credential for user routes (R48, R69).
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		p := PrincipalOf(c)
		if p.IsServer() {
			return cad.Errorf(cad.EUNAUTHORIZED, "This route needs a user sign-in, not an API key")
		}
		if !p.IsUser() {
			return errNotAuthenticated
		}
		return next(c)
	}
}

func requireSuperAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if !PrincipalOf(c).User.SuperAdmin {
			return cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
		}
		return next(c)
	}
}

var errNotAuthenticated = cad.Errorf(cad.EUNAUTHORIZED, "Not authenticated")

// requireCredential admits a signed-in user or a game server's key.
func requireCredential(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if p := PrincipalOf(c); !p.IsUser() && !p.IsServer() {
			return cad.Errorf(cad.EUNAUTHORIZED, "Not authenticated")
		}
		return next(c)
	}
}

// requireMemberOrServer admits a game server's key in its community, or a
// member (a Super Admin too).
func requireMemberOrServer(next echo.HandlerFunc) echo.HandlerFunc {
	member := requireRole(cad.RoleMember)(next)
	return func(c *echo.Context) error {
		if ScopeOf(c).Server {
			return next(c)
		}
		return member(c)
	}
}

package api

import (
	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Access says who may call a route. Every route declares one when it is
// registered (Server.add), and the declaration is what installs the guard,
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
)

func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case AnyUser:
		return "user"
	case SuperAdmin:
		return "super-admin"
	}
	return "undeclared"
}

// guard returns the middleware that enforces a, or nil for public routes.
func (s *Server) guard(a Access) []echo.MiddlewareFunc {
	switch a {
	case AnyUser:
		return []echo.MiddlewareFunc{s.authenticate, requireUser}
	case SuperAdmin:
		return []echo.MiddlewareFunc{s.authenticate, requireUser, requireSuperAdmin}
	}
	return nil
}

func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if !principalOf(c).IsUser() {
			return errNotAuthenticated
		}
		return next(c)
	}
}

func requireSuperAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if !principalOf(c).User.SuperAdmin {
			return cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Super Admin")
		}
		return next(c)
	}
}

var errNotAuthenticated = cad.Errorf(cad.EUNAUTHORIZED, "Not authenticated")

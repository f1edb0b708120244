package httpx

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

const scopeKey = "precinct.scope"

// ScopeOf returns the request's community scope (set by s.scope).
func ScopeOf(c *echo.Context) *cad.Scope {
	sc, _ := c.Get(scopeKey).(*cad.Scope)
	return sc
}

// ActorOf describes the caller of a scoped request for the audit log.
func ActorOf(c *echo.Context) cad.Actor {
	return cad.ActorOf(PrincipalOf(c), ScopeOf(c), ClientOf(c))
}

// CallerOf is the caller of a scoped request as the areas' services take
// it: its standing, the audit actor, and the member's user and Discord ids.
func CallerOf(c *echo.Context) cad.Caller {
	p := PrincipalOf(c)
	cl := cad.Caller{Scope: ScopeOf(c), Actor: ActorOf(c)}
	if p.IsUser() {
		cl.UserID, cl.DiscordID = p.User.ID, p.User.DiscordID
	}
	return cl
}

var errNoCommunityContext = cad.Errorf(cad.EINVALID, "Community context is required: send the x-community-id header or a communityId")

// scope is the one middleware every tenant route runs: it picks the
// community the request names, checks the caller's standing there, and
// hands handlers one typed value. The community comes from the
// x-community-id header, else the path, else communityId in the query or
// the JSON body, else guildId in the query; a 24-hex id and a Discord guild
// id both resolve. A game server's key brings its own community: naming
// none means that one, naming another is refused (R59, R69).
func (s *Server) scope(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		p := PrincipalOf(c)
		ref, err := communityRef(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		var com *cad.Community
		switch {
		case ref != "":
			com, err = s.deps.Tenancy.Resolve(ctx, ref)
			if err != nil {
				if cad.ErrorCode(err) == cad.ENOTFOUND {
					if p.IsServer() {
						return cad.Errorf(cad.EFORBIDDEN, "This API key belongs to another community")
					}
					s.deps.Tenancy.ProbeAbsent(ctx, p)
				}
				return err
			}
		case p.IsServer():
			com, err = s.deps.Tenancy.Resolve(ctx, p.APIKey.CommunityID)
			if err != nil {
				return err
			}
		default:
			return errNoCommunityContext
		}
		sc, err := s.deps.Tenancy.ScopeFor(ctx, p, com)
		if err != nil {
			return err
		}
		if sc.SuperAdmin && sc.Membership == nil {
			s.deps.Tenancy.AuditSuperAdminEntry(ctx, ActorOf(c), com.ID, c.Request().Method+" "+c.Path())
		}
		c.Set(scopeKey, sc)
		return next(c)
	}
}

// communityRef finds the community a request names. The header and the
// path must agree when both are given.
func communityRef(c *echo.Context) (string, error) {
	header := strings.TrimSpace(c.Request().Header.Get("X-Community-Id"))
	path := c.Param("id")
	if c.Path() != "" && !strings.HasPrefix(c.Path(), "/api/community/:id") {
		path = ""
	}
	if path == "" {
		path = c.Param("communityId")
	}
	if len(header) > 64 || len(path) > 64 {
		return "", cad.Errorf(cad.EINVALID, "Malformed community id")
	}
	switch {
	case header != "" && path != "" && header != path:
		return "", cad.Errorf(cad.EINVALID, "x-community-id does not match the community in the path")
	case header != "":
		return header, nil
	case path != "":
		return path, nil
	}
	if v := c.QueryParam("communityId"); v != "" {
		return v, nil
	}
	if v, err := bodyCommunityID(c); err != nil || v != "" {
		return v, err
	}
	return c.QueryParam("guildId"), nil
}

// bodyCommunityID reads communityId from a JSON body and puts the body
// back for the handler. The body limit has already bounded it.
func bodyCommunityID(c *echo.Context) (string, error) {
	r := c.Request()
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return "", nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return "", nil
	}
	b, err := ReadBody(r)
	if err != nil {
		return "", err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	var peek struct {
		CommunityID json.RawMessage `json:"communityId"`
	}
	if json.Unmarshal(b, &peek) != nil || len(peek.CommunityID) == 0 {
		return "", nil // the handler reports malformed JSON itself
	}
	var id string
	if json.Unmarshal(peek.CommunityID, &id) != nil {
		return "", cad.Errorf(cad.EINVALID, "communityId must be a string")
	}
	return strings.TrimSpace(id), nil
}

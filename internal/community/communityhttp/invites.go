package communityhttp

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// inviteOut is an invite as admins list it: never its code.
type inviteOut struct {
	ID          string    `json:"_id"`
	Role        string    `json:"role"`
	Departments []string  `json:"departments"`
	MaxUses     *int      `json:"maxUses"` // null: no limit but the expiry
	Uses        int       `json:"uses"`
	ExpiresAt   time.Time `json:"expiresAt"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy"`
}

func inviteJSON(inv *cad.Invite) inviteOut {
	out := inviteOut{ID: inv.ID, Role: inv.Role, Departments: inv.Departments, Uses: inv.Uses,
		ExpiresAt: inv.ExpiresAt, CreatedAt: inv.CreatedAt, CreatedBy: inv.CreatedBy}
	if out.Departments == nil {
		out.Departments = []string{}
	}
	if inv.MaxUses > 0 {
		n := inv.MaxUses
		out.MaxUses = &n
	}
	return out
}

// inviteURL is the invite's page: the dashboard's /invite/{code}, on
// this server unless the dashboard is elsewhere.
func inviteURL(cfg *config.Config, code string) string {
	base := strings.TrimRight(cfg.DashboardURL, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		base = cfg.PublicURL + base
	}
	return base + "/invite/" + code
}

func (h *handlers) createInvite(c *echo.Context) error {
	var in struct {
		Role        string     `json:"role"`
		Departments []string   `json:"departments"`
		MaxUses     *int       `json:"maxUses"`
		ExpiresAt   *time.Time `json:"expiresAt"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	code, inv, err := h.com.CreateInvite(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), community.InviteInput{
		Role: in.Role, Departments: in.Departments, MaxUses: in.MaxUses, ExpiresAt: in.ExpiresAt,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, struct {
		inviteOut
		Code string `json:"code"`
		URL  string `json:"url"`
	}{inviteJSON(inv), code, inviteURL(h.cfg, code)})
}

func (h *handlers) listInvites(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	list, next, err := h.com.Invites(c.Request().Context(), httpx.ScopeOf(c), p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"invites": httpx.MapList(list, inviteJSON), "nextCursor": httpx.Nullable(next)})
}

func (h *handlers) revokeInvite(c *echo.Context) error {
	if err := h.com.RevokeInvite(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), c.Param("inviteId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Invite revoked"})
}

// inviteOffer is GET /api/invites/:code, for the invite page: what the
// link grants, in which community.
func (h *handlers) inviteOffer(c *echo.Context) error {
	o, err := h.com.InviteOffer(c.Request().Context(), c.Param("code"), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"communityId": o.Community.ID, "communityName": o.Community.Name,
		"role": o.Invite.Role, "expiresAt": o.Invite.ExpiresAt})
}

// acceptInvite is POST /api/invites/:code/accept: the signed-in user
// joins.
func (h *handlers) acceptInvite(c *echo.Context) error {
	m, err := h.com.AcceptInvite(c.Request().Context(), httpx.PrincipalOf(c).User, c.Param("code"), httpx.ClientOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"communityId": m.CommunityID, "role": m.Role})
}

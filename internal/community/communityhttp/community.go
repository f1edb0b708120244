// Package communityhttp is the HTTP of tenancy: communities, their
// members, invite links, departments, game-server keys, audit log and
// limits, and the departments the game servers read.
package communityhttp

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
	"github.com/precinct-cad/precinct/internal/config"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// Register adds the community administration routes to s: the community
// itself, its members, departments, game-server keys, audit log and
// limits, and the first game-server route. media says what the
// community's stored images take.
func Register(s *httpx.Server, com *community.Service, media Media) {
	h := &handlers{com: com, media: media, cfg: s.Config()}
	s.Add(http.MethodPost, "/api/community", httpx.SuperAdmin, h.createCommunity)
	s.Add(http.MethodGet, "/api/community/mine", httpx.AnyUser, h.myCommunities)
	s.Add(http.MethodGet, "/api/community/:id", httpx.Member, h.getCommunity)
	s.Add(http.MethodPatch, "/api/community/:id", httpx.Admin, h.updateCommunity)
	s.Add(http.MethodDelete, "/api/community/:id", httpx.CommunitySuperAdmin, h.deleteCommunity)
	s.Add(http.MethodPost, "/api/community/:id/restore", httpx.SuperAdmin, h.restoreCommunity)
	s.Add(http.MethodGet, "/api/community/:id/public/status", httpx.Public, h.publicStatus)

	s.Add(http.MethodGet, "/api/community/:id/members", httpx.Supervisor, h.listMembers)
	s.Add(http.MethodPost, "/api/community/:id/members", httpx.Admin, h.addMember)
	s.Add(http.MethodPatch, "/api/community/:id/members/:userId", httpx.Admin, h.updateMember)
	// Members may leave by themselves; removing anyone else needs an admin
	// (checked by the service).
	s.Add(http.MethodDelete, "/api/community/:id/members/:userId", httpx.Member, h.removeMember)

	s.Add(http.MethodGet, "/api/community/:id/departments", httpx.Member, h.listDepartments)
	s.Add(http.MethodPost, "/api/community/:id/departments", httpx.Admin, h.createDepartment)
	s.Add(http.MethodPatch, "/api/community/:id/departments/:deptId", httpx.Admin, h.updateDepartment)
	s.Add(http.MethodDelete, "/api/community/:id/departments/:deptId", httpx.Admin, h.deleteDepartment)

	s.Add(http.MethodPost, "/api/community/:id/api-keys", httpx.Admin, h.createKey)
	s.Add(http.MethodGet, "/api/community/:id/api-keys", httpx.Admin, h.listKeys)
	s.Add(http.MethodDelete, "/api/community/:id/api-keys/:keyId", httpx.Admin, h.revokeKey)
	s.Add(http.MethodPost, "/api/community/:id/api-keys/:keyId/rotate", httpx.Admin, h.rotateKey)

	s.Add(http.MethodGet, "/api/community/:id/audit", httpx.Admin, h.communityAudit)

	// Invite links: admins make, list and revoke them; anyone may read
	// what one offers, a signed-in user may take it (docs/tenancy.md).
	s.Add(http.MethodPost, "/api/community/:id/invites", httpx.Admin, h.createInvite)
	s.Add(http.MethodGet, "/api/community/:id/invites", httpx.Admin, h.listInvites)
	s.Add(http.MethodDelete, "/api/community/:id/invites/:inviteId", httpx.Admin, h.revokeInvite)
	s.Add(http.MethodGet, "/api/invites/:code", httpx.Public, h.inviteOffer, httpx.SecretPath())
	s.Add(http.MethodPost, "/api/invites/:code/accept", httpx.AnyUser, h.acceptInvite, httpx.SecretPath())

	// The community's own limits for its game servers.
	s.Add(http.MethodGet, "/api/community/:id/limits", httpx.Admin, h.getCommunityLimits)
	s.Add(http.MethodPut, "/api/community/:id/limits", httpx.CommunitySuperAdmin, h.putCommunityLimits)

	s.Add(http.MethodGet, "/api/civilian/fivem-departments", httpx.GameServer, h.fivemDepartments)
}

// Media is what a community's answers say of its stored images
// (civil.Service does).
type Media interface {
	MediaUsage(ctx context.Context, com *cad.Community) (*cad.MediaUsage, cad.MediaQuota, error)
	QuotaOf(com *cad.Community) cad.MediaQuota
}

type handlers struct {
	com   *community.Service
	media Media
	// cfg holds the deployment's limits, which a community's own replace.
	cfg *config.Config
}

// communityOut is a community as the reference shows it (_id, with id
// beside it for clients that read either). A struct rather than a map:
// every scoped screen reads it, and encoding a map sorts its keys.
type communityOut struct {
	ID          string                `json:"_id"`
	IDToo       string                `json:"id"`
	Name        string                `json:"name"`
	GuildID     string                `json:"guildId"`
	MemberCount int                   `json:"memberCount"`
	Settings    cad.CommunitySettings `json:"settings"`
	CreatedAt   time.Time             `json:"createdAt"`
	DeletedAt   *time.Time            `json:"deletedAt,omitempty"`
}

func communityJSON(c *cad.Community) communityOut {
	return communityOut{ID: c.ID, IDToo: c.ID, Name: c.Name, GuildID: c.GuildID, MemberCount: c.MemberCount,
		Settings: c.Settings, CreatedAt: c.CreatedAt, DeletedAt: c.DeletedAt}
}

// departmentOut is a department as the reference shows it.
type departmentOut struct {
	ID               string    `json:"_id"`
	IDToo            string    `json:"id"`
	Code             string    `json:"code"`
	Name             string    `json:"name"`
	Type             string    `json:"type"`
	CallSignTemplate string    `json:"callSignTemplate"`
	BlipColor        int       `json:"blipColor"`
	BlipSprite       int       `json:"blipSprite"`
	Paycheck         int64     `json:"paycheck"`
	CreatedAt        time.Time `json:"createdAt"`
}

func departmentJSON(d *cad.Department) departmentOut {
	return departmentOut{ID: d.ID, IDToo: d.ID, Code: d.Code, Name: d.Name, Type: d.Type, CallSignTemplate: d.CallSignTemplate,
		BlipColor: d.BlipColor, BlipSprite: d.BlipSprite, Paycheck: d.Paycheck, CreatedAt: d.CreatedAt}
}

func memberJSON(m *cad.Membership) map[string]any {
	return map[string]any{
		"userId": m.UserID, "username": m.Username, "role": m.Role, "departments": m.Departments,
		"callSign": m.CallSign, "status": m.Status, "joinedAt": m.JoinedAt,
	}
}

func keyJSON(k *cad.APIKey) map[string]any {
	return map[string]any{
		"id": k.ID, "name": k.Name, "prefix": k.Prefix, "scopes": k.Scopes,
		"createdAt": k.CreatedAt, "createdBy": k.CreatedBy, "lastUsedAt": k.LastUsedAt,
	}
}

func (h *handlers) createCommunity(c *echo.Context) error {
	var in struct {
		Name    string `json:"name"`
		GuildID string `json:"guildId"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	a := cad.ActorOf(httpx.PrincipalOf(c), nil, httpx.ClientOf(c))
	com, err := h.com.Create(c.Request().Context(), a, in.Name, in.GuildID, "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, communityJSON(com))
}

func (h *handlers) myCommunities(c *echo.Context) error {
	list, err := h.com.Mine(c.Request().Context(), httpx.PrincipalOf(c).User)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = map[string]any{"_id": e.Community.ID, "id": e.Community.ID, "name": e.Community.Name, "guildId": e.Community.GuildID,
			"memberCount": e.Community.MemberCount, "role": e.Role, "createdAt": e.Community.CreatedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"communities": out})
}

func (h *handlers) getCommunity(c *echo.Context) error {
	d, err := h.com.Get(c.Request().Context(), httpx.ScopeOf(c))
	if err != nil {
		return err
	}
	deps := make([]departmentOut, len(d.Departments))
	for i, dep := range d.Departments {
		deps[i] = departmentJSON(dep)
	}
	out := struct {
		communityOut
		Departments []departmentOut `json:"departments"`
		Media       *mediaUsageOut  `json:"media,omitempty"`
	}{communityOut: communityJSON(d.Community), Departments: deps}
	if sc := httpx.ScopeOf(c); sc.SuperAdmin || sc.Rank >= cad.RoleRank(cad.RoleAdmin) {
		// Admins see what the community's images take (R66).
		u, q, err := h.media.MediaUsage(c.Request().Context(), d.Community)
		if err != nil {
			return err
		}
		out.Media = mediaUsageJSON(u, q, d.Community)
	}
	return c.JSON(http.StatusOK, out)
}

// mediaUsageOut is a community's stored images against its quota.
type mediaUsageOut struct {
	UsedBytes      int64 `json:"usedBytes"`
	Images         int64 `json:"images"`
	ALPRUsedBytes  int64 `json:"alprUsedBytes"`
	ALPRImages     int64 `json:"alprImages"`
	QuotaBytes     int64 `json:"quotaBytes"`
	ALPRQuotaBytes int64 `json:"alprQuotaBytes"`
	Custom         bool  `json:"custom"`
}

func mediaUsageJSON(u *cad.MediaUsage, q cad.MediaQuota, com *cad.Community) *mediaUsageOut {
	return &mediaUsageOut{UsedBytes: u.Bytes, Images: u.Images, ALPRUsedBytes: u.ALPRBytes, ALPRImages: u.ALPRImages,
		QuotaBytes: q.Bytes, ALPRQuotaBytes: q.ALPRBytes, Custom: com.Limits.MediaQuotaBytes > 0}
}

func (h *handlers) updateCommunity(c *echo.Context) error {
	var in struct {
		Name     *string                  `json:"name"`
		Settings *community.SettingsPatch `json:"settings"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	com, err := h.com.Update(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), community.Patch{Name: in.Name, Settings: in.Settings})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, communityJSON(com))
}

func (h *handlers) deleteCommunity(c *echo.Context) error {
	if err := h.com.Delete(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Community deleted; it can be restored within 30 days"})
}

func (h *handlers) restoreCommunity(c *echo.Context) error {
	a := cad.ActorOf(httpx.PrincipalOf(c), nil, httpx.ClientOf(c))
	com, err := h.com.Restore(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, communityJSON(com))
}

func (h *handlers) publicStatus(c *echo.Context) error {
	st, err := h.com.Public(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"name": st.Name, "unitsOnDuty": st.UnitsOnDuty, "activeCalls": st.ActiveCalls, "serversOnline": st.ServersOnline,
	})
}

func (h *handlers) listMembers(c *echo.Context) error {
	p, err := httpx.PagingOf(c)
	if err != nil {
		return err
	}
	list, next, err := h.com.Members(c.Request().Context(), httpx.ScopeOf(c), cad.MemberFilter{
		Role: c.QueryParam("role"), Department: strings.ToUpper(c.QueryParam("department")), Name: c.QueryParam("name"),
		After: p.After, Offset: p.Offset(), Limit: p.Limit,
	})
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, m := range list {
		out[i] = memberJSON(m)
	}
	return c.JSON(http.StatusOK, p.Answer("members", out, next))
}

func (h *handlers) addMember(c *echo.Context) error {
	var in struct {
		Username string `json:"username"`
		UserID   string `json:"userId"`
		Role     string `json:"role"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	m, err := h.com.AddMember(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), in.Username, in.UserID, in.Role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, memberJSON(m))
}

func (h *handlers) updateMember(c *echo.Context) error {
	var in struct {
		Role        *string   `json:"role"`
		Departments *[]string `json:"departments"`
		CallSign    *string   `json:"callSign"`
		Status      *string   `json:"status"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if in.Departments != nil {
		codes := make([]string, len(*in.Departments))
		for i, d := range *in.Departments {
			codes[i] = strings.ToUpper(strings.TrimSpace(d))
		}
		in.Departments = &codes
	}
	m, err := h.com.UpdateMember(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), c.Param("userId"),
		community.MemberPatch{Role: in.Role, Departments: in.Departments, CallSign: in.CallSign, Status: in.Status})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, memberJSON(m))
}

func (h *handlers) removeMember(c *echo.Context) error {
	if err := h.com.RemoveMember(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), c.Param("userId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Member removed"})
}

func (h *handlers) listDepartments(c *echo.Context) error {
	list, err := h.com.Departments(c.Request().Context(), httpx.ScopeOf(c))
	if err != nil {
		return err
	}
	out := make([]departmentOut, len(list))
	for i, d := range list {
		out[i] = departmentJSON(d)
	}
	return c.JSON(http.StatusOK, map[string]any{"departments": out})
}

func (h *handlers) createDepartment(c *echo.Context) error {
	var in community.DepartmentInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	d, err := h.com.CreateDepartment(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, departmentJSON(d))
}

func (h *handlers) updateDepartment(c *echo.Context) error {
	var in community.DepartmentInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	d, err := h.com.UpdateDepartment(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), c.Param("deptId"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, departmentJSON(d))
}

func (h *handlers) deleteDepartment(c *echo.Context) error {
	if err := h.com.DeleteDepartment(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), c.Param("deptId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "Department deleted"})
}

func (h *handlers) createKey(c *echo.Context) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	key, k, err := h.com.CreateKey(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"key": key, "id": k.ID, "prefix": k.Prefix, "name": k.Name, "createdAt": k.CreatedAt})
}

func (h *handlers) listKeys(c *echo.Context) error {
	list, err := h.com.Keys(c.Request().Context(), httpx.ScopeOf(c))
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, k := range list {
		out[i] = keyJSON(k)
	}
	return c.JSON(http.StatusOK, map[string]any{"apiKeys": out})
}

func (h *handlers) revokeKey(c *echo.Context) error {
	if err := h.com.RevokeKey(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), c.Param("keyId")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "msg": "API key revoked"})
}

func (h *handlers) rotateKey(c *echo.Context) error {
	key, k, err := h.com.RotateKey(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), c.Param("keyId"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"key": key, "id": k.ID, "prefix": k.Prefix, "name": k.Name, "createdAt": k.CreatedAt})
}

func (h *handlers) communityAudit(c *echo.Context) error {
	lp, err := httpx.ListParamsOf(c)
	if err != nil {
		return err
	}
	list, next, err := h.com.Audit(c.Request().Context(), httpx.ScopeOf(c), cad.AuditFilter{
		Action: c.QueryParam("action"), ActorID: c.QueryParam("actorId"),
		Since: lp.Since, Until: lp.Until, After: lp.After, Offset: lp.Offset(), Limit: lp.Limit,
	})
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = map[string]any{"id": e.ID, "action": e.Action, "actorId": e.ActorID, "actorKind": e.ActorKind, "ip": e.IP,
			"requestId": e.RequestID, "target": e.Target, "before": e.Before, "after": e.After, "time": e.Time}
	}
	return c.JSON(http.StatusOK, lp.Answer("entries", out, next))
}

// fivemDepartments is GET /api/civilian/fivem-departments: the key's own
// community's departments, in the shape the FiveM resources read.
func (h *handlers) fivemDepartments(c *echo.Context) error {
	list, err := h.com.Departments(c.Request().Context(), httpx.ScopeOf(c))
	if err != nil {
		return err
	}
	// Structs, not maps: game servers poll this (a map's keys are sorted
	// at every encoding).
	type fivemDepartment struct {
		Code       string `json:"code"`
		Name       string `json:"name"`
		Type       string `json:"type"`
		BlipColor  int    `json:"blipColor"`
		BlipSprite int    `json:"blipSprite"`
		Paycheck   int64  `json:"paycheck"`
		CallSign   string `json:"callSign"`
	}
	out := make([]fivemDepartment, len(list))
	for i, d := range list {
		out[i] = fivemDepartment{Code: d.Code, Name: d.Name, Type: d.Type, BlipColor: d.BlipColor,
			BlipSprite: d.BlipSprite, Paycheck: d.Paycheck, CallSign: d.CallSignTemplate}
	}
	return c.JSON(http.StatusOK, struct {
		Departments []fivemDepartment `json:"departments"`
	}{out})
}

// communityLimits answers a community's FiveM limits as they apply: its own
// where a Super Admin set them, the deployment's otherwise.
func (h *handlers) communityLimitsJSON(com *cad.Community) map[string]any {
	one := func(own int, def cad.Rate) map[string]any {
		if own > 0 {
			return map[string]any{"limit": own, "windowSeconds": 60, "custom": true}
		}
		return map[string]any{"limit": def.Limit, "windowSeconds": int(def.Window / time.Second), "custom": false}
	}
	q := h.media.QuotaOf(com)
	return map[string]any{
		"fivem":           one(com.Limits.FiveMPerMinute, h.cfg.Limits.FiveM),
		"fivemHighImpact": one(com.Limits.FiveMHighImpactPerMinute, h.cfg.Limits.FiveMHighImpact),
		"media":           map[string]any{"quotaBytes": q.Bytes, "alprQuotaBytes": q.ALPRBytes, "custom": com.Limits.MediaQuotaBytes > 0},
	}
}

func (h *handlers) getCommunityLimits(c *echo.Context) error {
	return c.JSON(http.StatusOK, h.communityLimitsJSON(httpx.ScopeOf(c).Community))
}

func (h *handlers) putCommunityLimits(c *echo.Context) error {
	var in struct {
		FiveMPerMinute           *int   `json:"fivemPerMinute"`
		FiveMHighImpactPerMinute *int   `json:"fivemHighImpactPerMinute"`
		MediaQuotaBytes          *int64 `json:"mediaQuotaBytes"`
	}
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	var l cad.CommunityLimits
	for _, f := range []struct {
		in  *int
		out *int
	}{{in.FiveMPerMinute, &l.FiveMPerMinute}, {in.FiveMHighImpactPerMinute, &l.FiveMHighImpactPerMinute}} {
		if f.in != nil {
			if *f.in < 1 {
				return cad.Errorf(cad.EINVALID, "A limit must be 1 to %d a minute, or null for the deployment's default", cad.MaxCommunityLimit)
			}
			*f.out = *f.in
		}
	}
	if in.MediaQuotaBytes != nil {
		if *in.MediaQuotaBytes < cad.MinMediaQuota {
			return cad.Errorf(cad.EINVALID, "mediaQuotaBytes must be %d to %d, or null for the deployment's default", int64(cad.MinMediaQuota), int64(cad.MaxMediaQuota))
		}
		l.MediaQuotaBytes = *in.MediaQuotaBytes
	}
	com, err := h.com.SetLimits(c.Request().Context(), httpx.ActorOf(c), httpx.ScopeOf(c), l)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.communityLimitsJSON(com))
}

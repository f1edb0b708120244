package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Community is a community as the API returns it.
type Community struct {
	ID          string            `json:"_id"`
	Name        string            `json:"name"`
	GuildID     string            `json:"guildId"`
	MemberCount int               `json:"memberCount"`
	Role        string            `json:"role,omitempty"` // in MyCommunities
	Settings    CommunitySettings `json:"settings"`
	Departments []Department      `json:"departments,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	DeletedAt   *time.Time        `json:"deletedAt,omitempty"`
}

// CommunitySettings are a community's settings.
type CommunitySettings struct {
	DispatchRoleID       string         `json:"dispatchRoleId"`
	CADSettings          map[string]any `json:"cadSettings"`
	StatusCodes          []StatusCode   `json:"statusCodes"`
	AutoJoin             bool           `json:"autoJoin"`
	StartingBalance      int64          `json:"startingBalance"`
	MaxCharactersPerUser int            `json:"maxCharactersPerUser"`
	AllowPublicStatus    bool           `json:"allowPublicStatus"`
	// AllowMemberDepositsWithdrawals lets plain members deposit and
	// withdraw (off by default).
	AllowMemberDepositsWithdrawals bool `json:"allowMemberDepositsWithdrawals"`
}

// StatusCode is one unit status of a community.
type StatusCode struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Color string `json:"color,omitempty"`
}

// Department is a community's department.
type Department struct {
	ID               string `json:"_id,omitempty"`
	Code             string `json:"code"`
	Name             string `json:"name"`
	Type             string `json:"type"`
	CallSignTemplate string `json:"callSignTemplate,omitempty"`
	CallSign         string `json:"callSign,omitempty"` // in FiveMDepartments
	BlipColor        int    `json:"blipColor"`
	BlipSprite       int    `json:"blipSprite"`
	Paycheck         int64  `json:"paycheck"`
}

// DepartmentInput is what creating or changing a department sends.
type DepartmentInput struct {
	Code             string `json:"code,omitempty"`
	Name             string `json:"name"`
	Type             string `json:"type"`
	CallSignTemplate string `json:"callSignTemplate,omitempty"`
	BlipColor        int    `json:"blipColor"`
	BlipSprite       int    `json:"blipSprite"`
	Paycheck         int64  `json:"paycheck"`
}

// Member is a membership.
type Member struct {
	UserID      string    `json:"userId"`
	Username    string    `json:"username"`
	Role        string    `json:"role"`
	Departments []string  `json:"departments"`
	CallSign    string    `json:"callSign"`
	Status      string    `json:"status"`
	JoinedAt    time.Time `json:"joinedAt"`
}

// MemberPatch changes a member; nil fields stay.
type MemberPatch struct {
	Role        *string   `json:"role,omitempty"`
	Departments *[]string `json:"departments,omitempty"`
	CallSign    *string   `json:"callSign,omitempty"`
	Status      *string   `json:"status,omitempty"`
}

// APIKey is a game-server key as listed (never the key itself).
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	CreatedBy  string     `json:"createdBy"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

// NewAPIKey is a key as created: Key is shown this once.
type NewAPIKey struct {
	Key       string    `json:"key"`
	ID        string    `json:"id"`
	Prefix    string    `json:"prefix"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// AuditEntry is one entry of a community's audit log.
type AuditEntry struct {
	ID        string    `json:"id"`
	Action    string    `json:"action"`
	ActorID   string    `json:"actorId"`
	ActorKind string    `json:"actorKind"`
	IP        string    `json:"ip"`
	RequestID string    `json:"requestId"`
	Target    string    `json:"target"`
	Before    any       `json:"before"`
	After     any       `json:"after"`
	Time      time.Time `json:"time"`
}

// PublicStatus is a community's public status.
type PublicStatus struct {
	Name          string `json:"name"`
	UnitsOnDuty   int    `json:"unitsOnDuty"`
	ActiveCalls   int    `json:"activeCalls"`
	ServersOnline int    `json:"serversOnline"`
}

func communityPath(id string, rest ...string) string {
	p := "/api/community/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// withQuery appends query to path when there is any.
func withQuery(path string, query url.Values) string {
	if len(query) == 0 {
		return path
	}
	return path + "?" + query.Encode()
}

// CreateCommunity makes a community for a Discord server (Super Admin).
func (c *Client) CreateCommunity(ctx context.Context, name, guildID string) (*Community, error) {
	var out Community
	return &out, c.Do(ctx, http.MethodPost, "/api/community", map[string]string{"name": name, "guildId": guildID}, &out)
}

// MyCommunities lists the caller's communities with their role.
func (c *Client) MyCommunities(ctx context.Context) ([]Community, error) {
	var out struct {
		Communities []Community `json:"communities"`
	}
	return out.Communities, c.Do(ctx, http.MethodGet, "/api/community/mine", nil, &out)
}

// Community returns a community (by id or guild id) with its departments.
func (c *Client) Community(ctx context.Context, id string) (*Community, error) {
	var out Community
	return &out, c.Do(ctx, http.MethodGet, communityPath(id), nil, &out)
}

// UpdateCommunity changes name and settings; patch holds only what changes,
// e.g. {"settings": {"allowPublicStatus": true}}.
func (c *Client) UpdateCommunity(ctx context.Context, id string, patch map[string]any) (*Community, error) {
	var out Community
	return &out, c.Do(ctx, http.MethodPatch, communityPath(id), patch, &out)
}

// DeleteCommunity marks a community deleted (Super Admin).
func (c *Client) DeleteCommunity(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, communityPath(id), nil, nil)
}

// RestoreCommunity brings a deleted community back (Super Admin).
func (c *Client) RestoreCommunity(ctx context.Context, id string) (*Community, error) {
	var out Community
	return &out, c.Do(ctx, http.MethodPost, communityPath(id, "restore"), nil, &out)
}

// PublicStatus reads a community's public status, without credentials.
func (c *Client) PublicStatus(ctx context.Context, id string) (*PublicStatus, error) {
	var out PublicStatus
	return &out, c.Do(ctx, http.MethodGet, communityPath(id, "public", "status"), nil, &out)
}

// Members lists members; query may hold role, department, name, after,
// page, limit.
func (c *Client) Members(ctx context.Context, id string, query url.Values) ([]Member, error) {
	list, _, err := c.MembersPage(ctx, id, query)
	return list, err
}

// MembersPage is Members with the cursor of the next page ("" after the
// last): pass it as after to read on.
func (c *Client) MembersPage(ctx context.Context, id string, query url.Values) ([]Member, string, error) {
	var out struct {
		Members    []Member `json:"members"`
		NextCursor *string  `json:"nextCursor"`
	}
	err := c.Do(ctx, http.MethodGet, withQuery(communityPath(id, "members"), query), nil, &out)
	next := ""
	if out.NextCursor != nil {
		next = *out.NextCursor
	}
	return out.Members, next, err
}

// AddMember adds a user (by username) with a role.
func (c *Client) AddMember(ctx context.Context, id, username, role string) (*Member, error) {
	var out Member
	return &out, c.Do(ctx, http.MethodPost, communityPath(id, "members"), map[string]string{"username": username, "role": role}, &out)
}

// UpdateMember changes a member.
func (c *Client) UpdateMember(ctx context.Context, id, userID string, p MemberPatch) (*Member, error) {
	var out Member
	return &out, c.Do(ctx, http.MethodPatch, communityPath(id, "members", userID), p, &out)
}

// RemoveMember removes a member, or leaves when userID is the caller's.
func (c *Client) RemoveMember(ctx context.Context, id, userID string) error {
	return c.Do(ctx, http.MethodDelete, communityPath(id, "members", userID), nil, nil)
}

// Departments lists a community's departments.
func (c *Client) Departments(ctx context.Context, id string) ([]Department, error) {
	var out struct {
		Departments []Department `json:"departments"`
	}
	return out.Departments, c.Do(ctx, http.MethodGet, communityPath(id, "departments"), nil, &out)
}

// CreateDepartment adds a department.
func (c *Client) CreateDepartment(ctx context.Context, id string, in DepartmentInput) (*Department, error) {
	var out Department
	return &out, c.Do(ctx, http.MethodPost, communityPath(id, "departments"), in, &out)
}

// UpdateDepartment changes a department (its code stays).
func (c *Client) UpdateDepartment(ctx context.Context, id, deptID string, in DepartmentInput) (*Department, error) {
	var out Department
	return &out, c.Do(ctx, http.MethodPatch, communityPath(id, "departments", deptID), in, &out)
}

// DeleteDepartment deletes a department.
func (c *Client) DeleteDepartment(ctx context.Context, id, deptID string) error {
	return c.Do(ctx, http.MethodDelete, communityPath(id, "departments", deptID), nil, nil)
}

// CreateAPIKey makes a game-server key; the key is in the answer this once.
func (c *Client) CreateAPIKey(ctx context.Context, id, name string) (*NewAPIKey, error) {
	var out NewAPIKey
	return &out, c.Do(ctx, http.MethodPost, communityPath(id, "api-keys"), map[string]string{"name": name}, &out)
}

// APIKeys lists a community's keys.
func (c *Client) APIKeys(ctx context.Context, id string) ([]APIKey, error) {
	var out struct {
		APIKeys []APIKey `json:"apiKeys"`
	}
	return out.APIKeys, c.Do(ctx, http.MethodGet, communityPath(id, "api-keys"), nil, &out)
}

// RevokeAPIKey revokes a key.
func (c *Client) RevokeAPIKey(ctx context.Context, id, keyID string) error {
	return c.Do(ctx, http.MethodDelete, communityPath(id, "api-keys", keyID), nil, nil)
}

// RotateAPIKey replaces a key and revokes the old one.
func (c *Client) RotateAPIKey(ctx context.Context, id, keyID string) (*NewAPIKey, error) {
	var out NewAPIKey
	return &out, c.Do(ctx, http.MethodPost, communityPath(id, "api-keys", keyID, "rotate"), nil, &out)
}

// CommunityAudit reads a community's audit log; query may hold action,
// actorId, since, until, page, limit.
func (c *Client) CommunityAudit(ctx context.Context, id string, query url.Values) ([]AuditEntry, error) {
	var out struct {
		Entries []AuditEntry `json:"entries"`
	}
	return out.Entries, c.Do(ctx, http.MethodGet, withQuery(communityPath(id, "audit"), query), nil, &out)
}

// FiveMDepartments is what a game server reads: its own community's
// departments (the client needs WithAPIKey).
func (c *Client) FiveMDepartments(ctx context.Context) ([]Department, error) {
	var out struct {
		Departments []Department `json:"departments"`
	}
	return out.Departments, c.Do(ctx, http.MethodGet, "/api/civilian/fivem-departments", nil, &out)
}

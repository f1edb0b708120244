package community

import (
	"context"
	"sort"

	"github.com/precinct-cad/precinct/internal/cad"
)

// errNoCommunity is the one answer for a community that does not exist and
// for one the caller is not a member of (R64).
var errNoCommunity = cad.Errorf(cad.ENOTFOUND, "Community not found")

// Resolve finds a live community by its 24-hex id or Discord guild id.
func (s *Service) Resolve(ctx context.Context, idOrGuild string) (*cad.Community, error) {
	c, err := s.db.Community(ctx, idOrGuild, false)
	if cad.ErrorCode(err) == cad.ENOTFOUND {
		return nil, errNoCommunity
	}
	return c, err
}

// absentCommunityID names no community (NewID never makes it: its time
// part is zero).
const absentCommunityID = "000000000000000000000000"

// ProbeAbsent does, for a community that does not exist, the membership
// read that a non-member's request for one that exists costs, so that
// neither the 404 nor its timing tells the two apart (R64). Both are also
// found (or found absent) in the store's cache alike.
func (s *Service) ProbeAbsent(ctx context.Context, p *cad.Principal) {
	if p.IsUser() {
		_, _ = s.db.Member(ctx, absentCommunityID, p.User.ID)
	}
}

// ScopeFor decides whether the principal may act in community c and with
// what standing. A game server's key belongs to one community: naming
// another is forbidden (R69). A user must be an active member; a
// non-member gets 404 as if the community did not exist, a banned member
// 403. A Super Admin is let in (the caller audits it).
func (s *Service) ScopeFor(ctx context.Context, p *cad.Principal, c *cad.Community) (*cad.Scope, error) {
	if p.IsServer() {
		if p.APIKey.CommunityID != c.ID {
			return nil, cad.Errorf(cad.EFORBIDDEN, "This API key belongs to another community")
		}
		return &cad.Scope{Community: c, Server: true, Permissions: []string{cad.ScopeFiveM}}, nil
	}
	if !p.IsUser() {
		return nil, cad.Errorf(cad.EUNAUTHORIZED, "Not authenticated")
	}
	m, err := s.db.Member(ctx, c.ID, p.User.ID)
	if err != nil && cad.ErrorCode(err) != cad.ENOTFOUND {
		return nil, err
	}
	if p.User.SuperAdmin {
		sc := &cad.Scope{Community: c, Role: cad.RoleAdmin, Rank: cad.SuperAdminRank, SuperAdmin: true, Membership: m}
		sc.Permissions = permissions(cad.RoleAdmin, nil, nil)
		return sc, nil
	}
	if m == nil {
		return nil, errNoCommunity
	}
	if m.Status == cad.MemberBanned {
		return nil, errBanned
	}
	perms, err := s.permissionsOf(ctx, m)
	if err != nil {
		return nil, err
	}
	return &cad.Scope{Community: c, Role: m.Role, Rank: cad.RoleRank(m.Role), Membership: m, Permissions: perms}, nil
}

// permissionsOf works out a member's permissions. Only a non-admin's
// departments add to them, so most members need no read of the
// departments.
func (s *Service) permissionsOf(ctx context.Context, m *cad.Membership) ([]string, error) {
	var deps []*cad.Department
	if len(m.Departments) > 0 && m.Role != cad.RoleAdmin {
		var err error
		if deps, err = s.db.Departments(ctx, m.CommunityID); err != nil {
			return nil, err
		}
	}
	return permissions(m.Role, m.Departments, deps), nil
}

// permissions are what a member may do by department: every member is a
// civilian; a member of a department of type leo, fire, ems or dispatch
// gets that permission; community admins get them all.
func permissions(role string, codes []string, deps []*cad.Department) []string {
	set := map[string]bool{cad.DeptCivilian: true}
	if role == cad.RoleAdmin {
		for _, t := range []string{cad.DeptLEO, cad.DeptFire, cad.DeptEMS, cad.DeptDispatch} {
			set[t] = true
		}
	}
	byCode := map[string]string{}
	for _, d := range deps {
		byCode[d.Code] = d.Type
	}
	for _, c := range codes {
		if t, ok := byCode[c]; ok {
			set[t] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// CommunitiesOf lists the communities a user belongs to (active
// memberships), narrowed to one guild when guildID is set.
func (s *Service) CommunitiesOf(ctx context.Context, u *cad.User, guildID string) ([]cad.Standing, error) {
	ms, err := s.db.MembershipsOfUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]*cad.Membership{}
	var ids []string
	for _, m := range ms {
		if m.Status == cad.MemberActive {
			byID[m.CommunityID] = m
			ids = append(ids, m.CommunityID)
		}
	}
	// Each community from the identity cache, as every scoped request
	// reads it: a deleted one is not found.
	cs := make([]*cad.Community, 0, len(ids))
	for _, id := range ids {
		c, err := s.db.Community(ctx, id, false)
		if cad.ErrorCode(err) == cad.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	out := []cad.Standing{}
	for _, c := range cs {
		if guildID != "" && c.GuildID != guildID {
			continue
		}
		m := byID[c.ID]
		perms, err := s.permissionsOf(ctx, m)
		if err != nil {
			return nil, err
		}
		out = append(out, cad.Standing{Community: c, Role: m.Role, Permissions: perms})
	}
	return out, nil
}

// AutoJoin makes a user a member of every community with autoJoin whose
// Discord server they are in. It runs after each Discord sign-in.
func (s *Service) AutoJoin(ctx context.Context, u *cad.User) error {
	cs, err := s.db.CommunitiesByGuilds(ctx, u.GuildIDs)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if !c.Settings.AutoJoin {
			continue
		}
		m := &cad.Membership{CommunityID: c.ID, UserID: u.ID, Username: u.Username, Role: cad.RoleMember, Status: cad.MemberActive}
		err := s.db.AddMember(ctx, m)
		if cad.ErrorCode(err) == cad.ECONFLICT {
			continue
		}
		if err != nil {
			return err
		}
		s.audit(ctx, cad.Actor{Kind: "user", UserID: u.ID}, c.ID, "member.joined", u.ID, nil, map[string]any{"role": m.Role, "via": "discord guild"})
	}
	return nil
}

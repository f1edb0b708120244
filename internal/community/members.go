package community

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

// maxDepartmentsOfMember bounds a member's departments.
const maxDepartmentsOfMember = 20

var (
	errTooManyDepartments = cad.Errorf(cad.EINVALID, "A member belongs to at most %d departments", maxDepartmentsOfMember)
	errOwnStanding        = cad.Errorf(cad.EFORBIDDEN, "You cannot change your own role or status")
	errLastAdmin          = cad.Errorf(cad.ECONFLICT, "The last admin of a community cannot be demoted, banned or removed")
)

func errRankTooHigh(what string) error {
	return cad.Errorf(cad.EFORBIDDEN, "You cannot %s a member of equal or higher rank", what)
}

// Members lists a community's members (supervisor or higher), and the
// cursor of the next page.
func (s *Service) Members(ctx context.Context, sc *cad.Scope, f cad.MemberFilter) ([]*cad.Membership, string, error) {
	if f.Role != "" && cad.RoleRank(f.Role) == 0 {
		return nil, "", cad.Errorf(cad.EINVALID, "role must be admin, supervisor or member")
	}
	return s.db.Members(ctx, sc.Community.ID, f)
}

// AddMember joins an existing user to the community with a role below the
// actor's own (any role for a Super Admin, R62).
func (s *Service) AddMember(ctx context.Context, a cad.Actor, sc *cad.Scope, username, userID, role string) (*cad.Membership, error) {
	role, err := grantable(a, role)
	if err != nil {
		return nil, err
	}
	var u *cad.User
	switch {
	case userID != "":
		u, err = s.db.UserByID(ctx, userID)
	case username != "":
		u, err = s.db.UserByUsername(ctx, username)
	default:
		return nil, cad.Errorf(cad.EINVALID, "username or userId is required")
	}
	if err != nil {
		return nil, err
	}
	m := &cad.Membership{CommunityID: sc.Community.ID, UserID: u.ID, Username: u.Username, Role: role, Status: cad.MemberActive}
	if err := s.db.AddMember(ctx, m); err != nil {
		return nil, err
	}
	s.audit(ctx, a, sc.Community.ID, "member.added", u.ID, nil, map[string]any{"role": role})
	return m, nil
}

// grantable checks a role the actor gives someone (by adding them or by an
// invite): a known one (member when empty), below the actor's own unless
// the actor is a Super Admin (R62).
func grantable(a cad.Actor, role string) (string, error) {
	if role == "" {
		role = cad.RoleMember
	}
	if cad.RoleRank(role) == 0 {
		return "", cad.Errorf(cad.EINVALID, "role must be admin, supervisor or member")
	}
	if !a.SuperAdmin && cad.RoleRank(role) >= a.Rank {
		return "", cad.Errorf(cad.EFORBIDDEN, "You cannot grant a role equal to or above your own")
	}
	return role, nil
}

// MemberPatch changes a membership; nil fields stay.
type MemberPatch struct {
	Role        *string
	Departments *[]string
	CallSign    *string
	Status      *string
}

// UpdateMember changes a member's role, departments, call sign or status.
// Nobody edits a member of equal or higher rank, grants a role equal to or
// above their own, or changes their own role or status (R62); the last admin
// stays an admin. The checks and the change run in one transaction, so two
// admins demoting each other at once cannot leave the community without
// one.
func (s *Service) UpdateMember(ctx context.Context, a cad.Actor, sc *cad.Scope, userID string, p MemberPatch) (*cad.Membership, error) {
	var target, out *cad.Membership
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if target, err = s.db.Member(ctx, sc.Community.ID, userID); err != nil {
			return err
		}
		if err := s.checkMemberPatch(ctx, a, sc, target, &p); err != nil {
			return err
		}
		losesAdmin := target.Role == cad.RoleAdmin && target.Status == cad.MemberActive &&
			((p.Role != nil && *p.Role != cad.RoleAdmin) || (p.Status != nil && *p.Status == cad.MemberBanned))
		if losesAdmin {
			if err := s.keepAnAdmin(ctx, sc.Community.ID); err != nil {
				return err
			}
		}
		out, err = s.db.UpdateMember(ctx, sc.Community.ID, userID, cad.MemberUpdate{Role: p.Role, Departments: p.Departments, CallSign: p.CallSign, Status: p.Status})
		return err
	})
	if err != nil {
		return nil, err
	}
	action := "member.updated"
	switch {
	case p.Role != nil && *p.Role != target.Role:
		action = "member.role_changed"
	case p.Status != nil && *p.Status != target.Status:
		action = "member.status_changed"
	case p.Departments != nil:
		action = "member.departments_changed"
	}
	s.audit(ctx, a, sc.Community.ID, action, userID, memberState(target), memberState(out))
	return out, nil
}

// checkMemberPatch validates a change of target by a and applies the rank
// rules (R62); it trims the call sign in p.
func (s *Service) checkMemberPatch(ctx context.Context, a cad.Actor, sc *cad.Scope, target *cad.Membership, p *MemberPatch) error {
	if p.Role != nil && cad.RoleRank(*p.Role) == 0 {
		return cad.Errorf(cad.EINVALID, "role must be admin, supervisor or member")
	}
	if p.Status != nil && *p.Status != cad.MemberActive && *p.Status != cad.MemberBanned {
		return cad.Errorf(cad.EINVALID, "status must be active or banned")
	}
	if p.CallSign != nil {
		cs := strings.TrimSpace(*p.CallSign)
		if utf8.RuneCountInString(cs) > 32 {
			return cad.Errorf(cad.EINVALID, "callSign must be at most 32 characters")
		}
		p.CallSign = &cs
	}
	if p.Departments != nil {
		if err := s.checkDepartmentCodes(ctx, sc.Community.ID, *p.Departments); err != nil {
			return err
		}
	}
	if a.SuperAdmin {
		return nil
	}
	changesStanding := (p.Role != nil && *p.Role != target.Role) || (p.Status != nil && *p.Status != target.Status)
	if target.UserID == a.UserID {
		if changesStanding {
			return errOwnStanding
		}
	} else if cad.RoleRank(target.Role) >= a.Rank {
		return errRankTooHigh("change")
	}
	if p.Role != nil && *p.Role != target.Role && cad.RoleRank(*p.Role) >= a.Rank {
		return cad.Errorf(cad.EFORBIDDEN, "You cannot grant a role equal to or above your own")
	}
	return nil
}

func memberState(m *cad.Membership) map[string]any {
	return map[string]any{"role": m.Role, "departments": m.Departments, "callSign": m.CallSign, "status": m.Status}
}

// keepAnAdmin refuses a change that would take the community's last active
// admin away. It reads the admin count the store keeps, inside the
// caller's transaction.
func (s *Service) keepAnAdmin(ctx context.Context, communityID string) error {
	c, err := s.db.Community(ctx, communityID, true)
	if err != nil {
		return err
	}
	if c.AdminCount <= 1 {
		return errLastAdmin
	}
	return nil
}

func (s *Service) checkDepartmentCodes(ctx context.Context, communityID string, codes []string) error {
	if len(codes) > maxDepartmentsOfMember {
		return errTooManyDepartments
	}
	deps, err := s.db.Departments(ctx, communityID)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, d := range deps {
		known[d.Code] = true
	}
	for _, c := range codes {
		if !known[c] {
			return cad.Errorf(cad.EINVALID, "Unknown department %q", c)
		}
	}
	return nil
}

// RemoveMember removes a member (admin), or lets a member leave. The last
// admin cannot leave or be removed; the check and the removal are one
// transaction.
func (s *Service) RemoveMember(ctx context.Context, a cad.Actor, sc *cad.Scope, userID string) error {
	var target *cad.Membership
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if target, err = s.db.Member(ctx, sc.Community.ID, userID); err != nil {
			return err
		}
		self := target.UserID == a.UserID
		if !self && !a.SuperAdmin {
			if a.Rank < cad.RoleRank(cad.RoleAdmin) {
				return cad.Errorf(cad.EFORBIDDEN, "Insufficient permissions. Required role: Community Admin")
			}
			if cad.RoleRank(target.Role) >= a.Rank {
				return errRankTooHigh("remove")
			}
		}
		if target.Role == cad.RoleAdmin && target.Status == cad.MemberActive {
			if err := s.keepAnAdmin(ctx, sc.Community.ID); err != nil {
				return err
			}
		}
		return s.db.RemoveMember(ctx, sc.Community.ID, userID)
	})
	if err != nil {
		return err
	}
	action := "member.removed"
	if target.UserID == a.UserID {
		action = "member.left"
	}
	s.audit(ctx, a, sc.Community.ID, action, userID, memberState(target), nil)
	return nil
}

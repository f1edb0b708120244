package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Memberships have the natural _id communityId:userId, so the look-up done
// on every scoped request is an _id look-up. Each change of a membership
// also changes its community's memberCount and adminCount, in the same
// transaction: the counts are never scanned for and never drift, and two
// concurrent changes that would each leave the last admin (the rule lives
// in the community service) both write the community record, so one of
// them waits for, or is retried after, the other.
type memberRec struct {
	ID          string    `json:"_id"`
	CommunityID string    `json:"communityId"`
	UserID      string    `json:"userId"`
	Username    string    `json:"username"`
	UsernameKey string    `json:"usernameKey"`
	Role        string    `json:"role"`
	Departments []string  `json:"departments"`
	CallSign    string    `json:"callSign,omitempty"`
	Status      string    `json:"status"`
	JoinedAt    time.Time `json:"joinedAt"`
}

func (r *memberRec) DocID() string        { return r.ID }
func (r *memberRec) DocCommunity() string { return r.CommunityID }

func (r *memberRec) member() *cad.Membership {
	deps := r.Departments
	if deps == nil {
		deps = []string{}
	}
	return &cad.Membership{CommunityID: r.CommunityID, UserID: r.UserID, Username: r.Username, Role: r.Role,
		Departments: deps, CallSign: r.CallSign, Status: r.Status, JoinedAt: r.JoinedAt.UTC()}
}

// counts is what a membership adds to its community's counts.
func (r *memberRec) counts() (members, admins int) {
	if r.Role == cad.RoleAdmin && r.Status == cad.MemberActive {
		return 1, 1
	}
	return 1, 0
}

func memberID(communityID, userID string) string { return communityID + ":" + userID }

var (
	memberTable       = table[memberRec, *memberRec]{members}
	errMemberNotFound = cad.Errorf(cad.ENOTFOUND, "Member not found")
)

// AddMember joins a user to a community; already a member is a conflict.
func (s *Store) AddMember(ctx context.Context, m *cad.Membership) error {
	if m.Departments == nil {
		m.Departments = []string{}
	}
	r := &memberRec{ID: memberID(m.CommunityID, m.UserID), CommunityID: m.CommunityID, UserID: m.UserID,
		Username: m.Username, UsernameKey: cad.NormalizeUsername(m.Username), Role: m.Role, Departments: m.Departments,
		CallSign: m.CallSign, Status: m.Status, JoinedAt: Millis(time.Now())}
	err := s.Tx(ctx, func(ctx context.Context) error {
		if err := memberTable.insert(ctx, s.e, r); err != nil {
			if cad.ErrorCode(err) == cad.ECONFLICT {
				return cad.Wrap(cad.ECONFLICT, err, "The user is already a member")
			}
			return err
		}
		dm, da := r.counts()
		return s.addCounts(ctx, r.CommunityID, dm, da)
	})
	s.changed(ctx, func() { s.cache.dropMember(r.ID) })
	if err != nil {
		return err
	}
	*m = *r.member()
	return nil
}

// addCounts changes a community's kept counts, inside the caller's
// transaction.
func (s *Store) addCounts(ctx context.Context, communityID string, members, admins int) error {
	if members == 0 && admins == 0 {
		return nil
	}
	_, err := s.modifyCommunity(ctx, communityID, func(r *communityRec) error {
		r.MemberCount += members
		r.AdminCount += admins
		return nil
	})
	return err
}

// Member returns a user's membership of a community, or not_found. Every
// scoped request asks, so the answer is cached.
func (s *Store) Member(ctx context.Context, communityID, userID string) (*cad.Membership, error) {
	id := memberID(communityID, userID)
	return cached(s, s.cache.members, id, func() (*cad.Membership, error) {
		return getOne(ctx, memberTable, s.e, Where(Community(communityID), ID(id)), errMemberNotFound, (*memberRec).member)
	}, s.cacheable(ctx))
}

// MembershipsOfUser lists a user's memberships in every community. It is
// the one member query that crosses communities: the user's own, by the
// user index. GET /api/auth/me asks on every call, so the answer is cached
// (and dropped whenever one of the user's memberships changes).
func (s *Store) MembershipsOfUser(ctx context.Context, userID string) ([]*cad.Membership, error) {
	out, err := cached(s, s.cache.userMembers, userID, func() (*[]*cad.Membership, error) {
		list, err := findAll(ctx, memberTable, s.e, Query{Where: []Cond{Eq("userId", userID)}, AllTenants: true}, (*memberRec).member)
		return &list, err
	}, s.cacheable(ctx))
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Members lists a community's members by username.
func (s *Store) Members(ctx context.Context, communityID string, f cad.MemberFilter) ([]*cad.Membership, string, error) {
	q := Query{Where: []Cond{Community(communityID)}, Sort: []OrderKey{Order("usernameKey", false), Order(FieldID, false)}}
	if f.Role != "" {
		q.Where = append(q.Where, Eq("role", f.Role))
	}
	if f.Department != "" {
		q.Where = append(q.Where, Has("departments", f.Department))
	}
	if f.Name != "" {
		q.Where = append(q.Where, Contains("usernameKey", cad.NormalizeUsername(f.Name)))
	}
	q, err := page(members, q, f.After, f.Offset, f.Limit)
	if err != nil {
		return nil, "", err
	}
	list, err := memberTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Limit, func(r *memberRec) []any { return []any{r.UsernameKey, r.ID} })
	out := make([]*cad.Membership, len(list))
	for i, r := range list {
		out[i] = r.member()
	}
	return out, next, nil
}

// UpdateMember changes one membership of a community.
func (s *Store) UpdateMember(ctx context.Context, communityID, userID string, up cad.MemberUpdate) (*cad.Membership, error) {
	id := memberID(communityID, userID)
	var out *memberRec
	err := s.Tx(ctx, func(ctx context.Context) error {
		var m0, a0 int
		r, err := memberTable.modify(ctx, s, Where(Community(communityID), ID(id)), errMemberNotFound, func(r *memberRec) error {
			m0, a0 = r.counts()
			set(&r.Role, up.Role)
			set(&r.Departments, up.Departments)
			set(&r.CallSign, up.CallSign)
			set(&r.Status, up.Status)
			return nil
		})
		if err != nil {
			return err
		}
		m1, a1 := r.counts()
		out = r
		return s.addCounts(ctx, communityID, m1-m0, a1-a0)
	})
	s.changed(ctx, func() { s.cache.dropMember(id) })
	if err != nil {
		return nil, err
	}
	return out.member(), nil
}

// RemoveMember ends a membership.
func (s *Store) RemoveMember(ctx context.Context, communityID, userID string) error {
	id := memberID(communityID, userID)
	err := s.Tx(ctx, func(ctx context.Context) error {
		r, err := memberTable.get(ctx, s.e, Where(Community(communityID), ID(id)), errMemberNotFound)
		if err != nil {
			return err
		}
		n, err := memberTable.delete(ctx, s.e, Where(Community(communityID), ID(id)))
		if err != nil {
			return err
		}
		if n == 0 {
			return errMemberNotFound
		}
		dm, da := r.counts()
		return s.addCounts(ctx, communityID, -dm, -da)
	})
	s.changed(ctx, func() { s.cache.dropMember(id) })
	return err
}

// RemoveDepartmentFromMembers takes a deleted department's code off every
// member of the community.
func (s *Store) RemoveDepartmentFromMembers(ctx context.Context, communityID, code string) error {
	var ids []string
	err := s.Tx(ctx, func(ctx context.Context) error {
		list, err := memberTable.find(ctx, s.e, Where(Community(communityID), Has("departments", code)))
		if err != nil {
			return err
		}
		for _, r := range list {
			ids = append(ids, r.ID)
			kept := r.Departments[:0]
			for _, d := range r.Departments {
				if d != code {
					kept = append(kept, d)
				}
			}
			r.Departments = kept
			if _, err := memberTable.replace(ctx, s.e, Where(Community(communityID)), r); err != nil {
				return err
			}
		}
		return nil
	})
	s.changed(ctx, func() {
		for _, id := range ids {
			s.cache.dropMember(id)
		}
	})
	return err
}

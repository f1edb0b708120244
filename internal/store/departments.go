package store

import (
	"context"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

type departmentRec struct {
	ID               string    `json:"_id"`
	CommunityID      string    `json:"communityId"`
	Code             string    `json:"code"`
	Name             string    `json:"name"`
	Type             string    `json:"type"`
	CallSignTemplate string    `json:"callSignTemplate,omitempty"`
	BlipColor        int       `json:"blipColor"`
	BlipSprite       int       `json:"blipSprite"`
	Paycheck         int64     `json:"paycheck"`
	CreatedAt        time.Time `json:"createdAt"`
}

func (r *departmentRec) DocID() string        { return r.ID }
func (r *departmentRec) DocCommunity() string { return r.CommunityID }

func (r *departmentRec) department() *cad.Department {
	return &cad.Department{ID: r.ID, CommunityID: r.CommunityID, Code: r.Code, Name: r.Name, Type: r.Type,
		CallSignTemplate: r.CallSignTemplate, BlipColor: r.BlipColor, BlipSprite: r.BlipSprite, Paycheck: r.Paycheck,
		CreatedAt: r.CreatedAt.UTC()}
}

var (
	departmentTable       = table[departmentRec, *departmentRec]{departments}
	errDepartmentNotFound = cad.Errorf(cad.ENOTFOUND, "Department not found")
)

func dupDepartment(err error) error {
	if cad.ErrorCode(err) == cad.ECONFLICT {
		return cad.Wrap(cad.ECONFLICT, err, "A department with that code exists already")
	}
	return err
}

// CreateDepartment stores a department of a community; a taken code is a
// conflict.
func (s *Store) CreateDepartment(ctx context.Context, communityID string, dep *cad.Department) error {
	r := &departmentRec{ID: cad.NewID(), CommunityID: communityID, Code: dep.Code, Name: dep.Name, Type: dep.Type,
		CallSignTemplate: dep.CallSignTemplate, BlipColor: dep.BlipColor, BlipSprite: dep.BlipSprite, Paycheck: dep.Paycheck,
		CreatedAt: Millis(time.Now())}
	err := departmentTable.insert(ctx, s.e, r)
	s.changed(ctx, func() { s.cache.departments.drop(communityID) })
	if err != nil {
		return dupDepartment(err)
	}
	*dep = *r.department()
	return nil
}

// Departments lists a community's departments by code. A member's
// permissions come from them on every request, so the answer is cached.
func (s *Store) Departments(ctx context.Context, communityID string) ([]*cad.Department, error) {
	out, err := cached(s, s.cache.departments, communityID, func() (*[]*cad.Department, error) {
		list, err := departmentTable.find(ctx, s.e, Where(Community(communityID)).SortBy(Order("code", false)))
		if err != nil {
			return nil, err
		}
		out := make([]*cad.Department, len(list))
		for i, r := range list {
			out[i] = r.department()
		}
		return &out, nil
	}, s.cacheable(ctx))
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Department returns one department of a community; another community's is
// not_found, like a missing one (R64).
func (s *Store) Department(ctx context.Context, communityID, id string) (*cad.Department, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errDepartmentNotFound
	}
	return getOne(ctx, departmentTable, s.e, Where(Community(communityID), ID(id)), errDepartmentNotFound, (*departmentRec).department)
}

// UpdateDepartment replaces a department's fields (its code stays).
func (s *Store) UpdateDepartment(ctx context.Context, communityID string, dep *cad.Department) (*cad.Department, error) {
	id, ok := normID(dep.ID)
	if !ok {
		return nil, errDepartmentNotFound
	}
	r, err := departmentTable.modify(ctx, s, Where(Community(communityID), ID(id)), errDepartmentNotFound, func(r *departmentRec) error {
		r.Code, r.Name, r.Type, r.CallSignTemplate = dep.Code, dep.Name, dep.Type, dep.CallSignTemplate
		r.BlipColor, r.BlipSprite, r.Paycheck = dep.BlipColor, dep.BlipSprite, dep.Paycheck
		return nil
	})
	s.changed(ctx, func() { s.cache.departments.drop(communityID) })
	if err != nil {
		return nil, dupDepartment(err)
	}
	return r.department(), nil
}

// DeleteDepartment deletes one department of a community.
func (s *Store) DeleteDepartment(ctx context.Context, communityID, id string) error {
	id, ok := normID(id)
	if !ok {
		return errDepartmentNotFound
	}
	n, err := departmentTable.delete(ctx, s.e, Where(Community(communityID), ID(id)))
	s.changed(ctx, func() { s.cache.departments.drop(communityID) })
	if err != nil {
		return err
	}
	if n == 0 {
		return errDepartmentNotFound
	}
	return nil
}

package community

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

var deptCodeRE = regexp.MustCompile(`^[A-Z0-9_-]{1,16}$`)

// DepartmentInput is a department's writable fields.
type DepartmentInput struct {
	Code             string `json:"code"`
	Name             string `json:"name"`
	Type             string `json:"type"`
	CallSignTemplate string `json:"callSignTemplate"`
	BlipColor        int    `json:"blipColor"`
	BlipSprite       int    `json:"blipSprite"`
	Paycheck         int64  `json:"paycheck"`
}

func (in DepartmentInput) department() (*cad.Department, error) {
	d := &cad.Department{Code: strings.ToUpper(strings.TrimSpace(in.Code)), Name: strings.TrimSpace(in.Name), Type: in.Type,
		CallSignTemplate: strings.TrimSpace(in.CallSignTemplate), BlipColor: in.BlipColor, BlipSprite: in.BlipSprite, Paycheck: in.Paycheck}
	switch {
	case !deptCodeRE.MatchString(d.Code):
		return nil, cad.Errorf(cad.EINVALID, "code must be 1 to 16 of A-Z 0-9 _ -")
	case utf8.RuneCountInString(d.Name) < 2 || utf8.RuneCountInString(d.Name) > 64:
		return nil, cad.Errorf(cad.EINVALID, "name must be 2 to 64 characters")
	case !cad.ValidDepartmentType(d.Type):
		return nil, cad.Errorf(cad.EINVALID, "type must be leo, fire, ems, dispatch or civilian")
	case utf8.RuneCountInString(d.CallSignTemplate) > 32:
		return nil, cad.Errorf(cad.EINVALID, "callSignTemplate must be at most 32 characters")
	case d.BlipColor < 0 || d.BlipColor > 85:
		return nil, cad.Errorf(cad.EINVALID, "blipColor must be a GTA blip colour, 0 to 85")
	case d.BlipSprite < 0 || d.BlipSprite > 883:
		return nil, cad.Errorf(cad.EINVALID, "blipSprite must be a GTA blip sprite, 0 to 883")
	case d.Paycheck < 0 || d.Paycheck > 1_000_000:
		return nil, cad.Errorf(cad.EINVALID, "paycheck must be 0 to 1000000")
	}
	return d, nil
}

// maxDepartments bounds a community's departments (R66).
const maxDepartments = 50

// Departments lists the scoped community's departments.
func (s *Service) Departments(ctx context.Context, sc *cad.Scope) ([]*cad.Department, error) {
	return s.db.Departments(ctx, sc.Community.ID)
}

// CreateDepartment adds a department (community admin).
func (s *Service) CreateDepartment(ctx context.Context, a cad.Actor, sc *cad.Scope, in DepartmentInput) (*cad.Department, error) {
	d, err := in.department()
	if err != nil {
		return nil, err
	}
	existing, err := s.db.Departments(ctx, sc.Community.ID)
	if err != nil {
		return nil, err
	}
	if len(existing) >= maxDepartments {
		return nil, cad.Errorf(cad.EINVALID, "A community has at most %d departments", maxDepartments)
	}
	if err := s.db.CreateDepartment(ctx, sc.Community.ID, d); err != nil {
		return nil, err
	}
	s.audit(ctx, a, sc.Community.ID, "department.created", d.ID, nil, d)
	return d, nil
}

// UpdateDepartment replaces a department's fields; its code cannot change
// (members refer to it).
func (s *Service) UpdateDepartment(ctx context.Context, a cad.Actor, sc *cad.Scope, id string, in DepartmentInput) (*cad.Department, error) {
	before, err := s.db.Department(ctx, sc.Community.ID, id)
	if err != nil {
		return nil, err
	}
	if in.Code == "" {
		in.Code = before.Code
	}
	d, err := in.department()
	if err != nil {
		return nil, err
	}
	if d.Code != before.Code {
		return nil, cad.Errorf(cad.EINVALID, "A department's code cannot change; create a new department instead")
	}
	d.ID = id
	out, err := s.db.UpdateDepartment(ctx, sc.Community.ID, d)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, a, sc.Community.ID, "department.updated", id, before, out)
	return out, nil
}

// DeleteDepartment deletes a department and takes it off every member.
func (s *Service) DeleteDepartment(ctx context.Context, a cad.Actor, sc *cad.Scope, id string) error {
	before, err := s.db.Department(ctx, sc.Community.ID, id)
	if err != nil {
		return err
	}
	if err := s.db.DeleteDepartment(ctx, sc.Community.ID, id); err != nil {
		return err
	}
	if err := s.db.RemoveDepartmentFromMembers(ctx, sc.Community.ID, before.Code); err != nil {
		return err
	}
	s.audit(ctx, a, sc.Community.ID, "department.deleted", id, before, nil)
	return nil
}

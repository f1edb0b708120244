package communityhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/auth"
	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/community"
)

// A burst of 50 concurrent requests: ten admins all leaving at once, ten
// members leaving, and a Super Admin changing thirty roles, through the real
// router. The community keeps exactly one admin, every role change lands,
// and the kept counts match what is stored.
func TestMemberBurstKeepsAnAdminAndLosesNothing(t *testing.T) {
	env := apitest.AuthEnv(t)
	env.NeedAtomic(t)
	ctx := context.Background()
	cli := community.CLIActor()
	superUser, err := env.Auth.CreateUser(ctx, auth.NewUser{Username: "boss", Password: apitest.GoodPassword, SuperAdmin: true}, cad.Client{})
	if err != nil {
		t.Fatal(err)
	}
	superTok := apitest.TokenFor(t, env, superUser)
	c, err := env.Community.Create(ctx, cli, "Burst RP", "300000000000000003", "")
	if err != nil {
		t.Fatal(err)
	}
	sc := &cad.Scope{Community: c}
	type person struct {
		u   *cad.User
		tok string
	}
	var admins, leavers, changed []person
	for i := 0; i < 50; i++ {
		role := cad.RoleMember
		if i < 10 {
			role = cad.RoleAdmin
		}
		u, err := env.Auth.CreateUser(ctx, auth.NewUser{Username: fmt.Sprintf("burst%02d", i), Password: apitest.GoodPassword}, cad.Client{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.Community.AddMember(ctx, cli, sc, u.Username, "", role); err != nil {
			t.Fatal(err)
		}
		p := person{u, apitest.TokenFor(t, env, u)}
		switch {
		case i < 10:
			admins = append(admins, p)
		case i < 20:
			leavers = append(leavers, p)
		default:
			changed = append(changed, p)
		}
	}
	base := "/api/community/" + c.ID + "/members/"
	codes := apitest.Concurrently(50, func(i int) string {
		switch {
		case i < 10: // an admin leaves
			p := admins[i]
			return fmt.Sprint("admin leaves ", env.Do(http.MethodDelete, base+p.u.ID, nil, apitest.Bearer(p.tok), "").Code)
		case i < 20: // a member leaves
			p := leavers[i-10]
			return fmt.Sprint("member leaves ", env.Do(http.MethodDelete, base+p.u.ID, nil, apitest.Bearer(p.tok), "").Code)
		default: // the Super Admin makes a member a supervisor
			p := changed[i-20]
			return fmt.Sprint("role change ", env.Do(http.MethodPatch, base+p.u.ID, map[string]string{"role": cad.RoleSupervisor}, apitest.Bearer(superTok), "").Code)
		}
	})
	want := map[string]int{"admin leaves 200": 9, "admin leaves 409": 1, "member leaves 200": 10, "role change 200": 30}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("outcomes %v, want %v", codes, want)
	}
	got, err := env.DB.Community(ctx, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.AdminCount != 1 || got.MemberCount != 31 {
		t.Fatalf("kept counts: %d admins, %d members; want 1 and 31", got.AdminCount, got.MemberCount)
	}
	list, _, _ := env.DB.Members(ctx, c.ID, cad.MemberFilter{Limit: 100})
	roles := map[string]int{}
	for _, m := range list {
		roles[m.Role]++
	}
	if len(list) != 31 || roles[cad.RoleAdmin] != 1 || roles[cad.RoleSupervisor] != 30 {
		t.Fatalf("stored: %d members, roles %v", len(list), roles)
	}
}

package authhttp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/cad"
)

// GET /api/auth/me is served from the identity cache (issue 16), and is
// never stale: each change that /me shows is seen by the next call, with
// the cache warm before it (R-numbers: the tenancy rules of docs/tenancy.md
// hold on /me as on every scoped request).
func TestMeIsNeverStale(t *testing.T) {
	tn := apitest.NewTenants(t)
	env := tn.Env
	me := func(name string) map[string]map[string]any {
		t.Helper()
		res := env.Do("GET", "/api/auth/me", nil, tn.As(name), "")
		if res.Code != 200 {
			t.Fatalf("/me of %s: %d %s", name, res.Code, res.Body)
		}
		out := map[string]map[string]any{}
		for _, c := range apitest.JSONOf(t, res)["communities"].([]any) {
			c := c.(map[string]any)
			out[c["communityId"].(string)] = c
		}
		return out
	}
	do := func(method, path string, body any, as string) {
		t.Helper()
		if res := env.Do(method, path, body, tn.As(as), ""); res.Code/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, res.Code, res.Body)
		}
	}
	A, B := tn.A.ID, tn.B.ID
	me("adminA")
	do("PATCH", "/api/community/"+A, map[string]any{"name": "Los Santos Renamed"}, "adminA")
	if got := me("adminA")[A]["name"]; got != "Los Santos Renamed" {
		t.Fatalf("after the rename: %v", got)
	}
	if got := me("memberA")[A]["role"]; got != cad.RoleMember {
		t.Fatalf("before: %v", got)
	}
	member := tn.Users["memberA"].ID
	do("PATCH", "/api/community/"+A+"/members/"+member, map[string]any{"role": cad.RoleSupervisor, "departments": []string{"LSPD"}}, "adminA")
	got := me("memberA")[A]
	if got["role"] != cad.RoleSupervisor || !strings.Contains(fmt.Sprint(got["permissions"]), cad.DeptLEO) {
		t.Fatalf("after the role and department change: %v", got)
	}
	do("DELETE", "/api/community/"+A+"/members/"+member, nil, "adminA")
	if _, still := me("memberA")[A]; still {
		t.Fatal("a removed member still lists the community")
	}
	if len(me("outsider")) != 0 {
		t.Fatal("outsider")
	}
	do("POST", "/api/community/"+A+"/members", map[string]any{"username": "outsider", "role": cad.RoleMember}, "adminA")
	if _, ok := me("outsider")[A]; !ok {
		t.Fatal("a new member does not list the community")
	}
	if _, ok := me("memberB")[B]; !ok {
		t.Fatal("memberB")
	}
	do("DELETE", "/api/community/"+B, nil, "super")
	if _, still := me("memberB")[B]; still {
		t.Fatal("a deleted community is still listed")
	}
}

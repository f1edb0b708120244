package api_test

import (
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/api"
)

// The tenancy matrix (R60, R64, R69): for every route that runs in a
// community, a caller from community B who uses A's ids gets exactly the
// answer that ids of nothing get (404, or a refusal that says nothing about
// A), a game server's key cannot act across communities (403), and nothing
// of A changes. A route added later is
// covered without touching this test; one that leaks fails it.
func TestTenancyMatrix(t *testing.T) {
	tn := newTenants(t)
	before := tn.snapshot(t, tn.A.ID)
	const missing = "0123456789abcdef01234567"
	fillWith := func(path, communityID string, objects bool) string {
		user, dept, k := missing, missing, missing
		if objects {
			user, dept, k = tn.users["memberA"].ID, tn.deptA.ID, tn.keyAID
		}
		return strings.NewReplacer(":id", communityID, ":userId", user, ":deptId", dept, ":keyId", k).Replace(path)
	}
	fill := func(path, communityID string) string { return fillWith(path, communityID, true) }
	// sameAsNothing checks that using A's ids answers like using ids of
	// nothing, and refuses.
	sameAsNothing := func(what, method, withA, withNothing string) {
		got := tn.env.Do(method, withA, `{}`, tn.as("adminB"), "")
		want := tn.env.Do(method, withNothing, `{}`, tn.as("adminB"), "")
		if got.Code < 400 || errorBodyWithoutID(t, got) != errorBodyWithoutID(t, want) {
			t.Errorf("%s: %s answered %d %s; ids of nothing answer %d %s", what, withA, got.Code, got.Body, want.Code, want.Body)
		}
	}
	n := 0
	for _, r := range tn.env.Server.Routes() {
		if !r.Access.Scoped() || strings.HasPrefix(r.Path, "/test/") {
			continue
		}
		n++
		if r.Access == api.GameServer {
			// A's key acting in B.
			h := merge(key(tn.keyA), map[string]string{"x-community-id": tn.B.ID})
			if res := tn.env.Do(r.Method, fill(r.Path, tn.B.ID), `{}`, h, ""); res.Code != 403 {
				t.Errorf("%s %s with A's key in B: %d %s", r.Method, r.Path, res.Code, res.Body)
			}
			// B's key naming A.
			h = merge(key(tn.keyB), map[string]string{"x-community-id": tn.A.ID})
			if res := tn.env.Do(r.Method, fill(r.Path, tn.A.ID), `{}`, h, ""); res.Code != 403 {
				t.Errorf("%s %s with B's key naming A: %d %s", r.Method, r.Path, res.Code, res.Body)
			}
			continue
		}
		// B's admin with A's community in the path.
		if strings.Contains(r.Path, ":id") {
			sameAsNothing(r.Method+" "+r.Path+" on A", r.Method, fill(r.Path, tn.A.ID), fillWith(r.Path, missing, false))
		}
		// B's admin in B, with A's object ids.
		if strings.Contains(r.Path, ":userId") || strings.Contains(r.Path, ":deptId") || strings.Contains(r.Path, ":keyId") {
			sameAsNothing(r.Method+" "+r.Path+" in B with A's objects", r.Method, fill(r.Path, tn.B.ID), fillWith(r.Path, tn.B.ID, false))
		}
	}
	if n < 15 {
		t.Fatalf("only %d scoped routes", n)
	}
	if after := tn.snapshot(t, tn.A.ID); after != before {
		t.Fatalf("community A changed:\nbefore %s\nafter  %s", before, after)
	}
}

// Every scoped route refuses a role below its rule and a banned member
// (R61), and answers a game server's key on user routes and a user on
// game-server routes with 401 (R48), whatever the route.
func TestEveryScopedRouteRefusesLowerRoles(t *testing.T) {
	tn := newTenants(t)
	below := map[api.Access]string{api.Supervisor: "memberA", api.Admin: "supA", api.CommunitySuperAdmin: "adminA"}
	fill := strings.NewReplacer(":id", tn.A.ID, ":userId", tn.users["memberA"].ID, ":deptId", tn.deptA.ID, ":keyId", tn.keyAID)
	before := tn.snapshot(t, tn.A.ID)
	for _, r := range tn.env.Server.Routes() {
		if !r.Access.Scoped() || strings.HasPrefix(r.Path, "/test/") {
			continue
		}
		path := fill.Replace(r.Path)
		if r.Access == api.GameServer {
			if res := tn.env.Do(r.Method, path, `{}`, merge(tn.as("adminA"), map[string]string{"x-community-id": tn.A.ID}), ""); res.Code != 401 {
				t.Errorf("%s %s as a user: %d", r.Method, r.Path, res.Code)
			}
			continue
		}
		if res := tn.env.Do(r.Method, path, `{}`, key(tn.keyA), ""); res.Code != 401 {
			t.Errorf("%s %s with a key: %d", r.Method, r.Path, res.Code)
		}
		if res := tn.env.Do(r.Method, path, `{}`, tn.as("bannedA"), ""); res.Code != 403 {
			t.Errorf("%s %s as a banned member: %d", r.Method, r.Path, res.Code)
		}
		if who, ok := below[r.Access]; ok {
			res := tn.env.Do(r.Method, path, `{}`, tn.as(who), "")
			if res.Code != 403 {
				t.Errorf("%s %s as %s: %d %s", r.Method, r.Path, who, res.Code, res.Body)
			}
		}
	}
	if after := tn.snapshot(t, tn.A.ID); after != before {
		t.Fatal("a refused request changed community A")
	}
}

// An admin removes a lower member; the member is gone from the listing and
// the community's count.
func TestAdminRemovesAMember(t *testing.T) {
	tn := newTenants(t)
	if c := status(tn.env, "DELETE", "/api/community/"+tn.A.ID+"/members/"+tn.users["memberA"].ID, nil, tn.as("adminA")); c != 200 {
		t.Fatal(c)
	}
	res := tn.env.Do("GET", "/api/community/"+tn.A.ID, nil, tn.as("adminA"), "")
	if !strings.Contains(res.Body.String(), `"memberCount":4`) {
		t.Fatalf("count: %s", res.Body)
	}
	if c := status(tn.env, "GET", "/api/community/"+tn.A.ID, nil, tn.as("memberA")); c != 404 {
		t.Fatalf("removed member: %d", c)
	}
	if !strings.Contains(tn.env.Do("GET", "/api/community/"+tn.A.ID+"/audit?action=member.removed", nil, tn.as("adminA"), "").Body.String(), tn.users["memberA"].ID) {
		t.Fatal("removal not audited")
	}
}

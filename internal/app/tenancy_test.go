package app_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/httpx"
)

// The tenancy matrix (R60, R64, R69): for every route that runs in a
// community, a caller from community B who uses A's ids gets exactly the
// answer that ids of nothing get (404, or a refusal that says nothing about
// A), a game server's key cannot act across communities (403), and nothing
// of A changes. A route added later is
// covered without touching this test; one that leaks fails it.
func TestTenancyMatrix(t *testing.T) {
	tn := apitest.NewTenants(t)
	before := tn.Snapshot(t, tn.A.ID)
	// sameAsNothing checks that using A's ids answers like using ids of
	// nothing: the same status and body (the ids aside), and no success
	// but an empty one.
	sameAsNothing := func(what, method, withA, withNothing string, h map[string]string) {
		got := tn.Env.Do(method, withA, `{}`, h, "")
		want := tn.Env.Do(method, withNothing, `{}`, h, "")
		if g, w := normalized(tn, t, got), normalized(tn, t, want); got.Code != want.Code || g != w {
			t.Errorf("%s: %s answered %d %s; ids of nothing answer %d %s", what, withA, got.Code, got.Body, want.Code, want.Body)
		}
	}
	n := 0
	for _, r := range tn.Env.Server.Routes() {
		if !r.Access.Scoped() || strings.HasPrefix(r.Path, "/test/") {
			continue
		}
		n++
		if r.Access == httpx.GameServer || r.Access == httpx.MemberOrServer {
			// A's key acting in B.
			h := apitest.Merge(apitest.Key(tn.KeyA), apitest.In(tn.B.ID))
			if res := tn.Env.Do(r.Method, tn.Fill(r.Path, tn.B.ID, true), `{}`, h, ""); res.Code != 403 {
				t.Errorf("%s %s with A's key in B: %d %s", r.Method, r.Path, res.Code, res.Body)
			}
			// B's key naming A.
			h = apitest.Merge(apitest.Key(tn.KeyB), apitest.In(tn.A.ID))
			if res := tn.Env.Do(r.Method, tn.Fill(r.Path, tn.A.ID, true), `{}`, h, ""); res.Code != 403 {
				t.Errorf("%s %s with B's key naming A: %d %s", r.Method, r.Path, res.Code, res.Body)
			}
			// B's key, in B, with A's objects.
			if namesObjects(tn, r.Path) {
				sameAsNothing(r.Method+" "+r.Path+" with B's key and A's objects", r.Method,
					tn.Fill(r.Path, tn.B.ID, true), tn.Fill(r.Path, tn.B.ID, false), apitest.Key(tn.KeyB))
			}
			if r.Access == httpx.GameServer {
				continue
			}
		}
		// B's admin naming A: in the path, or with the header.
		sameAsNothing(r.Method+" "+r.Path+" on A", r.Method, tn.Fill(r.Path, tn.A.ID, true), tn.Fill(r.Path, apitest.Missing, false),
			apitest.Merge(tn.As("adminB"), inFor(tn, r.Path, tn.A.ID)))
		// B's admin in B, with A's object ids.
		if namesObjects(tn, r.Path) {
			sameAsNothing(r.Method+" "+r.Path+" in B with A's objects", r.Method, tn.Fill(r.Path, tn.B.ID, true),
				tn.Fill(r.Path, tn.B.ID, false), apitest.Merge(tn.As("adminB"), inFor(tn, r.Path, tn.B.ID)))
		}
	}
	if n < 15 {
		t.Fatalf("only %d scoped routes", n)
	}
	if after := tn.Snapshot(t, tn.A.ID); after != before {
		t.Fatalf("community A changed:\nbefore %s\nafter  %s", before, after)
	}
}

// namesObjects reports whether a path names an object of a community.
func namesObjects(tn *apitest.Tenants, path string) bool {
	for _, p := range []string{":userId", ":deptId", ":keyId", ":vehicleId", ":ssnOrId", ":civilianId", ":plate", ":discordId", ":camId", ":identifier", ":inviteId"} {
		if strings.Contains(path, p) {
			return true
		}
	}
	return strings.Contains(path, ":id") && !strings.HasPrefix(path, "/api/community/:id")
}

// inFor names the community in a header for routes whose path does not.
func inFor(tn *apitest.Tenants, path, communityID string) map[string]string {
	if strings.HasPrefix(path, "/api/community/:id") || strings.Contains(path, ":communityId") {
		return nil
	}
	return apitest.In(communityID)
}

// normalized is an answer's status and body with the request id and the
// ids the matrix uses taken out.
func normalized(tn *apitest.Tenants, t *testing.T, res *httptest.ResponseRecorder) string {
	t.Helper()
	body := res.Body.String()
	var m map[string]any
	if json.Unmarshal(res.Body.Bytes(), &m) == nil {
		delete(m, "requestId")
		delete(m, "generatedAt")
		b, _ := json.Marshal(m)
		body = string(b)
	}
	for _, id := range []string{tn.A.ID, tn.B.ID, apitest.Missing, tn.Users["memberA"].ID, tn.DeptA.ID, tn.KeyAID, tn.CivA.ID, tn.VehA.ID,
		tn.CivA.SSN, "NO-SUCH-SSN", tn.VehA.Plate, "ZZZ999", tn.CivA.DiscordID, "400000000000000099", tn.CallA.ID, tn.BoloA.ID,
		"camA", "no-cam", "license:aaaa", "license:none", tn.InviteA.ID} {
		body = strings.ReplaceAll(body, id, "X")
	}
	return res.Result().Status + " " + body
}

// Every scoped route refuses a role below its rule and a banned member
// (R61), and answers a game server's key on user routes and a user on
// game-server routes with 401 (R48), whatever the route.
func TestEveryScopedRouteRefusesLowerRoles(t *testing.T) {
	tn := apitest.NewTenants(t)
	below := map[httpx.Access]string{httpx.Supervisor: "memberA", httpx.Admin: "supA", httpx.CommunitySuperAdmin: "adminA"}
	before := tn.Snapshot(t, tn.A.ID)
	for _, r := range tn.Env.Server.Routes() {
		if !r.Access.Scoped() || strings.HasPrefix(r.Path, "/test/") {
			continue
		}
		path := tn.Fill(r.Path, tn.A.ID, true)
		h := inFor(tn, r.Path, tn.A.ID)
		if r.Access == httpx.GameServer {
			if res := tn.Env.Do(r.Method, path, `{}`, apitest.Merge(tn.As("adminA"), apitest.In(tn.A.ID)), ""); res.Code != 401 {
				t.Errorf("%s %s as a user: %d", r.Method, r.Path, res.Code)
			}
			continue
		}
		if r.Access != httpx.MemberOrServer {
			if res := tn.Env.Do(r.Method, path, `{}`, apitest.Merge(apitest.Key(tn.KeyA), h), ""); res.Code != 401 {
				t.Errorf("%s %s with a key: %d", r.Method, r.Path, res.Code)
			}
		}
		if res := tn.Env.Do(r.Method, path, `{}`, apitest.Merge(tn.As("bannedA"), h), ""); res.Code != 403 {
			t.Errorf("%s %s as a banned member: %d", r.Method, r.Path, res.Code)
		}
		if who, ok := below[r.Access]; ok {
			res := tn.Env.Do(r.Method, path, `{}`, apitest.Merge(tn.As(who), h), "")
			if res.Code != 403 {
				t.Errorf("%s %s as %s: %d %s", r.Method, r.Path, who, res.Code, res.Body)
			}
		}
	}
	if after := tn.Snapshot(t, tn.A.ID); after != before {
		t.Fatal("a refused request changed community A")
	}
}

// An admin removes a lower member; the member is gone from the listing and
// the community's count.
func TestAdminRemovesAMember(t *testing.T) {
	tn := apitest.NewTenants(t)
	if c := apitest.Status(tn.Env, "DELETE", "/api/community/"+tn.A.ID+"/members/"+tn.Users["memberA"].ID, nil, tn.As("adminA")); c != 200 {
		t.Fatal(c)
	}
	res := tn.Env.Do("GET", "/api/community/"+tn.A.ID, nil, tn.As("adminA"), "")
	if !strings.Contains(res.Body.String(), `"memberCount":4`) {
		t.Fatalf("count: %s", res.Body)
	}
	if c := apitest.Status(tn.Env, "GET", "/api/community/"+tn.A.ID, nil, tn.As("memberA")); c != 404 {
		t.Fatalf("removed member: %d", c)
	}
	if !strings.Contains(tn.Env.Do("GET", "/api/community/"+tn.A.ID+"/audit?action=member.removed", nil, tn.As("adminA"), "").Body.String(), tn.Users["memberA"].ID) {
		t.Fatal("removal not audited")
	}
}

// Ids of another community's records in bodies and queries, where the
// matrix (which fills paths) does not reach: each answers as ids of
// nothing do, and community A does not change.
func TestTenancyOfIDsInBodies(t *testing.T) {
	tn := apitest.NewTenants(t)
	before := tn.Snapshot(t, tn.A.ID)
	numberA := tn.AccountNumber(t, tn.CivA.ID)
	for _, c := range []struct {
		name, method, path string
		h                  map[string]string
		withA, withNothing string
	}{
		{"register a vehicle to A's civilian", "POST", "/api/civilian/fivem-register-vehicle", apitest.Key(tn.KeyB),
			`{"plate":"STEAL1","ownerId":"` + tn.CivA.SSN + `"}`, `{"plate":"STEAL1","ownerId":"NO-SUCH-SSN"}`},
		{"a member registers to A's civilian", "POST", "/api/civilian/vehicle", apitest.Merge(tn.As("adminB"), apitest.In(tn.B.ID)),
			`{"plate":"STEAL2","ownerId":"` + tn.CivA.ID + `"}`, `{"plate":"STEAL2","ownerId":"` + apitest.Missing + `"}`},
		{"deposit to A's civilian", "POST", "/api/fivem/bank/deposit", apitest.Key(tn.KeyB),
			`{"civilianId":"` + tn.CivA.ID + `","amount":1000}`, `{"civilianId":"` + apitest.Missing + `","amount":1000}`},
		{"withdraw from A's civilian", "POST", "/api/banking/fivem/withdraw", apitest.Key(tn.KeyB),
			`{"civilianId":"` + tn.CivA.SSN + `","amount":1}`, `{"civilianId":"NO-SUCH-SSN","amount":1}`},
		{"transfer from A's civilian", "POST", "/api/banking/fivem/transfer", apitest.Key(tn.KeyB),
			`{"fromCivilianId":"` + tn.CivA.ID + `","toAccountNumber":"` + tn.AccountNumber(t, tn.CivB.ID) + `","amount":1}`,
			`{"fromCivilianId":"` + apitest.Missing + `","toAccountNumber":"` + tn.AccountNumber(t, tn.CivB.ID) + `","amount":1}`},
		{"transfer to A's account", "POST", "/api/banking/fivem/transfer", apitest.Key(tn.KeyB),
			`{"fromCivilianId":"` + tn.CivB.ID + `","toAccountNumber":"` + numberA + `","amount":1}`,
			`{"fromCivilianId":"` + tn.CivB.ID + `","toAccountNumber":"1999999999","amount":1}`},
		{"pay A's civilian", "POST", "/api/civilian/fivem-paycheck", apitest.Key(tn.KeyB),
			`{"civilianId":"` + tn.CivA.ID + `","department":"LSPD"}`, `{"civilianId":"` + apitest.Missing + `","department":"LSPD"}`},
		{"A's account by query", "GET", "/api/banking/fivem/account?civilianId=" + tn.CivA.SSN, apitest.Key(tn.KeyB), "", ""},
	} {
		withNothing := c.path
		if c.method == "GET" {
			withNothing = strings.Replace(c.path, tn.CivA.SSN, "NO-SUCH-SSN", 1)
		}
		got := tn.Env.Do(c.method, c.path, nilIfEmpty(c.withA), c.h, "")
		want := tn.Env.Do(c.method, withNothing, nilIfEmpty(c.withNothing), c.h, "")
		if got.Code < 400 || got.Code != want.Code || normalized(tn, t, got) != normalized(tn, t, want) {
			t.Errorf("%s: %d %s; with ids of nothing %d %s", c.name, got.Code, got.Body, want.Code, want.Body)
		}
	}
	// A bulk sync naming A's civilian makes nothing in A.
	res := tn.Env.Do("POST", "/api/civilian/fivem-sync-vehicles", `{"vehicles":[{"citizenid":"`+tn.CivA.SSN+`","plate":"STEAL3"}]}`, apitest.Key(tn.KeyB), "")
	if !strings.Contains(res.Body.String(), `"failed":1`) {
		t.Errorf("sync to A's civilian: %s", res.Body)
	}
	if after := tn.Snapshot(t, tn.A.ID); after != before {
		t.Fatalf("community A changed:\nbefore %s\nafter  %s", before, after)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/precinct-cad/precinct/internal/httpx"
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
	// sameAsNothing checks that using A's ids answers like using ids of
	// nothing: the same status and body (the ids aside), and no success
	// but an empty one.
	sameAsNothing := func(what, method, withA, withNothing string, h map[string]string) {
		got := tn.env.Do(method, withA, `{}`, h, "")
		want := tn.env.Do(method, withNothing, `{}`, h, "")
		if g, w := tn.normalized(t, got), tn.normalized(t, want); got.Code != want.Code || g != w {
			t.Errorf("%s: %s answered %d %s; ids of nothing answer %d %s", what, withA, got.Code, got.Body, want.Code, want.Body)
		}
	}
	n := 0
	for _, r := range tn.env.Server.Routes() {
		if !r.Access.Scoped() || strings.HasPrefix(r.Path, "/test/") {
			continue
		}
		n++
		if r.Access == httpx.GameServer || r.Access == httpx.MemberOrServer {
			// A's key acting in B.
			h := merge(key(tn.keyA), in(tn.B.ID))
			if res := tn.env.Do(r.Method, tn.fill(r.Path, tn.B.ID, true), `{}`, h, ""); res.Code != 403 {
				t.Errorf("%s %s with A's key in B: %d %s", r.Method, r.Path, res.Code, res.Body)
			}
			// B's key naming A.
			h = merge(key(tn.keyB), in(tn.A.ID))
			if res := tn.env.Do(r.Method, tn.fill(r.Path, tn.A.ID, true), `{}`, h, ""); res.Code != 403 {
				t.Errorf("%s %s with B's key naming A: %d %s", r.Method, r.Path, res.Code, res.Body)
			}
			// B's key, in B, with A's objects.
			if tn.namesObjects(r.Path) {
				sameAsNothing(r.Method+" "+r.Path+" with B's key and A's objects", r.Method,
					tn.fill(r.Path, tn.B.ID, true), tn.fill(r.Path, tn.B.ID, false), key(tn.keyB))
			}
			if r.Access == httpx.GameServer {
				continue
			}
		}
		// B's admin naming A: in the path, or with the header.
		sameAsNothing(r.Method+" "+r.Path+" on A", r.Method, tn.fill(r.Path, tn.A.ID, true), tn.fill(r.Path, missing, false),
			merge(tn.as("adminB"), tn.inFor(r.Path, tn.A.ID)))
		// B's admin in B, with A's object ids.
		if tn.namesObjects(r.Path) {
			sameAsNothing(r.Method+" "+r.Path+" in B with A's objects", r.Method, tn.fill(r.Path, tn.B.ID, true),
				tn.fill(r.Path, tn.B.ID, false), merge(tn.as("adminB"), tn.inFor(r.Path, tn.B.ID)))
		}
	}
	if n < 15 {
		t.Fatalf("only %d scoped routes", n)
	}
	if after := tn.snapshot(t, tn.A.ID); after != before {
		t.Fatalf("community A changed:\nbefore %s\nafter  %s", before, after)
	}
}

// missing is an id of nothing.
const missing = "0123456789abcdef01234567"

// fill puts ids in a route's path: the community, and A's objects (or
// ids of nothing).
func (tn *tenants) fill(path, communityID string, objects bool) string {
	user, dept, k, civ, veh, ssn, plate, discord := missing, missing, missing, missing, missing, "NO-SUCH-SSN", "ZZZ999", "400000000000000099"
	if objects {
		user, dept, k = tn.users["memberA"].ID, tn.deptA.ID, tn.keyAID
		civ, veh, ssn, plate, discord = tn.civA.ID, tn.vehA.ID, tn.civA.SSN, tn.vehA.Plate, tn.civA.DiscordID
	}
	call, bolo, cam, ident := missing, missing, "no-cam", "license:none"
	if objects {
		call, bolo, cam, ident = tn.callA.ID, tn.boloA.ID, "camA", "license:aaaa"
	}
	switch {
	case strings.HasPrefix(path, "/api/community/:id"):
		path = strings.Replace(path, ":id", communityID, 1)
	case strings.HasPrefix(path, "/api/calls/:id"):
		path = strings.Replace(path, ":id", call, 1)
	case strings.HasPrefix(path, "/api/bolos/:id"):
		path = strings.Replace(path, ":id", bolo, 1)
	default:
		path = strings.Replace(path, ":id", civ, 1)
	}
	return strings.NewReplacer(":userId", user, ":deptId", dept, ":keyId", k, ":vehicleId", veh, ":ssnOrId", ssn,
		":civilianId", civ, ":plate", plate, ":discordId", discord, ":communityId", communityID, ":licenseType", "drivers",
		":camId", cam, ":identifier", ident, ":token", strings.Repeat("0", 64)).Replace(path)
}

// namesObjects reports whether a path names an object of a community.
func (tn *tenants) namesObjects(path string) bool {
	for _, p := range []string{":userId", ":deptId", ":keyId", ":vehicleId", ":ssnOrId", ":civilianId", ":plate", ":discordId", ":camId", ":identifier"} {
		if strings.Contains(path, p) {
			return true
		}
	}
	return strings.Contains(path, ":id") && !strings.HasPrefix(path, "/api/community/:id")
}

// inFor names the community in a header for routes whose path does not.
func (tn *tenants) inFor(path, communityID string) map[string]string {
	if strings.HasPrefix(path, "/api/community/:id") || strings.Contains(path, ":communityId") {
		return nil
	}
	return in(communityID)
}

// normalized is an answer's status and body with the request id and the
// ids the matrix uses taken out.
func (tn *tenants) normalized(t *testing.T, res *httptest.ResponseRecorder) string {
	t.Helper()
	body := res.Body.String()
	var m map[string]any
	if json.Unmarshal(res.Body.Bytes(), &m) == nil {
		delete(m, "requestId")
		delete(m, "generatedAt")
		b, _ := json.Marshal(m)
		body = string(b)
	}
	for _, id := range []string{tn.A.ID, tn.B.ID, missing, tn.users["memberA"].ID, tn.deptA.ID, tn.keyAID, tn.civA.ID, tn.vehA.ID,
		tn.civA.SSN, "NO-SUCH-SSN", tn.vehA.Plate, "ZZZ999", tn.civA.DiscordID, "400000000000000099", tn.callA.ID, tn.boloA.ID,
		"camA", "no-cam", "license:aaaa", "license:none"} {
		body = strings.ReplaceAll(body, id, "X")
	}
	return res.Result().Status + " " + body
}

// Every scoped route refuses a role below its rule and a banned member
// (R61), and answers a game server's key on user routes and a user on
// game-server routes with 401 (R48), whatever the route.
func TestEveryScopedRouteRefusesLowerRoles(t *testing.T) {
	tn := newTenants(t)
	below := map[httpx.Access]string{httpx.Supervisor: "memberA", httpx.Admin: "supA", httpx.CommunitySuperAdmin: "adminA"}
	before := tn.snapshot(t, tn.A.ID)
	for _, r := range tn.env.Server.Routes() {
		if !r.Access.Scoped() || strings.HasPrefix(r.Path, "/test/") {
			continue
		}
		path := tn.fill(r.Path, tn.A.ID, true)
		h := tn.inFor(r.Path, tn.A.ID)
		if r.Access == httpx.GameServer {
			if res := tn.env.Do(r.Method, path, `{}`, merge(tn.as("adminA"), in(tn.A.ID)), ""); res.Code != 401 {
				t.Errorf("%s %s as a user: %d", r.Method, r.Path, res.Code)
			}
			continue
		}
		if r.Access != httpx.MemberOrServer {
			if res := tn.env.Do(r.Method, path, `{}`, merge(key(tn.keyA), h), ""); res.Code != 401 {
				t.Errorf("%s %s with a key: %d", r.Method, r.Path, res.Code)
			}
		}
		if res := tn.env.Do(r.Method, path, `{}`, merge(tn.as("bannedA"), h), ""); res.Code != 403 {
			t.Errorf("%s %s as a banned member: %d", r.Method, r.Path, res.Code)
		}
		if who, ok := below[r.Access]; ok {
			res := tn.env.Do(r.Method, path, `{}`, merge(tn.as(who), h), "")
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

// Ids of another community's records in bodies and queries, where the
// matrix (which fills paths) does not reach: each answers as ids of
// nothing do, and community A does not change.
func TestTenancyOfIDsInBodies(t *testing.T) {
	tn := newTenants(t)
	before := tn.snapshot(t, tn.A.ID)
	numberA := accountNumber(t, tn, tn.civA.ID)
	for _, c := range []struct {
		name, method, path string
		h                  map[string]string
		withA, withNothing string
	}{
		{"register a vehicle to A's civilian", "POST", "/api/civilian/fivem-register-vehicle", key(tn.keyB),
			`{"plate":"STEAL1","ownerId":"` + tn.civA.SSN + `"}`, `{"plate":"STEAL1","ownerId":"NO-SUCH-SSN"}`},
		{"a member registers to A's civilian", "POST", "/api/civilian/vehicle", merge(tn.as("adminB"), in(tn.B.ID)),
			`{"plate":"STEAL2","ownerId":"` + tn.civA.ID + `"}`, `{"plate":"STEAL2","ownerId":"` + missing + `"}`},
		{"deposit to A's civilian", "POST", "/api/fivem/bank/deposit", key(tn.keyB),
			`{"civilianId":"` + tn.civA.ID + `","amount":1000}`, `{"civilianId":"` + missing + `","amount":1000}`},
		{"withdraw from A's civilian", "POST", "/api/banking/fivem/withdraw", key(tn.keyB),
			`{"civilianId":"` + tn.civA.SSN + `","amount":1}`, `{"civilianId":"NO-SUCH-SSN","amount":1}`},
		{"transfer from A's civilian", "POST", "/api/banking/fivem/transfer", key(tn.keyB),
			`{"fromCivilianId":"` + tn.civA.ID + `","toAccountNumber":"` + accountNumber(t, tn, tn.civB.ID) + `","amount":1}`,
			`{"fromCivilianId":"` + missing + `","toAccountNumber":"` + accountNumber(t, tn, tn.civB.ID) + `","amount":1}`},
		{"transfer to A's account", "POST", "/api/banking/fivem/transfer", key(tn.keyB),
			`{"fromCivilianId":"` + tn.civB.ID + `","toAccountNumber":"` + numberA + `","amount":1}`,
			`{"fromCivilianId":"` + tn.civB.ID + `","toAccountNumber":"1999999999","amount":1}`},
		{"pay A's civilian", "POST", "/api/civilian/fivem-paycheck", key(tn.keyB),
			`{"civilianId":"` + tn.civA.ID + `","department":"LSPD"}`, `{"civilianId":"` + missing + `","department":"LSPD"}`},
		{"A's account by query", "GET", "/api/banking/fivem/account?civilianId=" + tn.civA.SSN, key(tn.keyB), "", ""},
	} {
		withNothing := c.path
		if c.method == "GET" {
			withNothing = strings.Replace(c.path, tn.civA.SSN, "NO-SUCH-SSN", 1)
		}
		got := tn.env.Do(c.method, c.path, nilIfEmpty(c.withA), c.h, "")
		want := tn.env.Do(c.method, withNothing, nilIfEmpty(c.withNothing), c.h, "")
		if got.Code < 400 || got.Code != want.Code || tn.normalized(t, got) != tn.normalized(t, want) {
			t.Errorf("%s: %d %s; with ids of nothing %d %s", c.name, got.Code, got.Body, want.Code, want.Body)
		}
	}
	// A bulk sync naming A's civilian makes nothing in A.
	res := tn.env.Do("POST", "/api/civilian/fivem-sync-vehicles", `{"vehicles":[{"citizenid":"`+tn.civA.SSN+`","plate":"STEAL3"}]}`, key(tn.keyB), "")
	if !strings.Contains(res.Body.String(), `"failed":1`) {
		t.Errorf("sync to A's civilian: %s", res.Body)
	}
	if after := tn.snapshot(t, tn.A.ID); after != before {
		t.Fatalf("community A changed:\nbefore %s\nafter  %s", before, after)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
